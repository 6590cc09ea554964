#!/bin/sh
# Full-disk fault injection: run train, label, ingest and evaluate into a 64 KiB tmpfs and check
# that each fails with "No space left on device", exits 1, and leaves no partial or temporary
# file (an old model already there stays byte-identical).
#
# Needs root (mount). Usage: benches/fault/full_disk.sh [path/to/secdisc]
# (default target/release/secdisc; build it with `cargo build --release`).
set -eu
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:-target/release/secdisc}")
[ "$(id -u)" = 0 ] || { echo "SKIPPED: needs root to mount a tmpfs"; exit 0; }
work=$(mktemp -d)
full=$work/full
mkdir "$full"
mount -t tmpfs -o size=64k tmpfs "$full"
trap 'umount "$full" 2>/dev/null; rm -rf "$work"' EXIT

# Data big enough that every output overflows 64 KiB: 3000 records (a kNN model stores them).
python3 - "$work/data.csv" <<'PY'
import sys
sec = ["The gateway forwards the JWT without verifying its signature",
       "Rotate the leaked API key and move it into Vault",
       "The sort parameter is concatenated into SQL, that is an injection"]
oth = ["The dashboard layout breaks on small screens",
       "Bump the Kafka client and rerun the flaky integration test",
       "Typo in the README installation section", "Helm chart values for replicas are ignored"]
with open(sys.argv[1], "w") as f:
    f.write("id,text,label\n")
    for i in range(3000):
        t, l = (sec[i % 3], 1) if i % 3 == 0 else (oth[i % 4], 0)
        f.write(f'r{i},"{t} (case {i})",{l}\n')
PY
# An ingest input whose output is over 64 KiB: 2000 GitHub issues.
python3 - "$work/issues.json" <<'PY'
import json, sys
issues = [{"number": i, "title": f"Issue {i} about the login form",
           "body": f"The session token of user {i} is logged in plain text.\n\nPlease redact it.",
           "html_url": f"https://github.com/acme/shop/issues/{i}", "user": {"login": "ann"},
           "labels": []} for i in range(2000)]
json.dump(issues, open(sys.argv[1], "w"))
PY
"$bin" train "$work/data.csv" -o "$work/small.json" --min-df 1 2>/dev/null

fail=0
check() { # name, expected file, command...
  name=$1; target=$2; shift 2
  before=$(ls -A "$full" | sort | tr '\n' ' ')
  sum_before=$( [ -f "$target" ] && sha256sum < "$target" || echo none)
  set +e
  "$@" > "$work/stdout" 2> "$work/stderr"
  code=$?
  set -e
  after=$(ls -A "$full" | sort | tr '\n' ' ')
  sum_after=$( [ -f "$target" ] && sha256sum < "$target" || echo none)
  msg=$(grep -m1 'error' "$work/stderr" || true)
  ok=yes
  [ "$code" = 1 ] || ok=no
  echo "$msg" | grep -q "No space left on device" || ok=no
  [ "$before" = "$after" ] || ok=no
  [ "$sum_before" = "$sum_after" ] || ok=no
  echo "$name: exit $code; files before [${before}] after [${after}]; target unchanged: $([ "$sum_before" = "$sum_after" ] && echo yes || echo no); ok: $ok"
  echo "    $msg"
  [ "$ok" = yes ] || fail=1
}

check "train -o (new model)" "$full/m.json" \
  "$bin" train "$work/data.csv" -o "$full/m.json" --min-df 1 --classifier knn
cp "$work/small.json" "$full/m.json"
check "train -o (over an old model)" "$full/m.json" \
  "$bin" train "$work/data.csv" -o "$full/m.json" --min-df 1 --classifier knn
rm "$full/m.json"
check "label -o" "$full/labels.jsonl" \
  "$bin" label -m "$work/small.json" "$work/data.csv" -o "$full/labels.jsonl"
check "ingest -o" "$full/records.jsonl" \
  "$bin" ingest "$work/issues.json" -o "$full/records.jsonl"
check "evaluate --oof" "$full/oof.csv" \
  "$bin" evaluate "$work/data.csv" --folds 3 --min-df 1 --oof "$full/oof.csv"
df -k "$full" | tail -1
if [ "$fail" = 0 ]; then echo "full_disk: all outputs failed cleanly"; else echo "full_disk: FAILED"; exit 1; fi
