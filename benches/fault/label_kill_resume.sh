#!/usr/bin/env bash
# Fault injection for `secdisc label --resume` (issue 6) on a large input, by hand (not in CI).
#
#   benches/fault/label_kill_resume.sh [RECORDS] [KILLS] [SEED]
#
# Builds RECORDS JSONL records (default 2,000,000) in a temporary directory, labels them once
# without interruption, then runs `secdisc label --resume` KILLS times (default 20), each time
# SIGKILLing it after a random delay (seeded) between 1/20 and 1/4 of the uninterrupted run's
# time, so that every attempt gets past re-checking the rows already written, and finally lets
# it finish. Exit 0 when the
# resumed output is byte-identical to the uninterrupted one (nothing lost, nothing duplicated).
# Needs target/release/secdisc (cargo build --release). Runs under nice.
set -euo pipefail
records=${1:-2000000}
kills=${2:-20}
seed=${3:-42}
bin=${SECDISC_BIN:-$(pwd)/target/release/secdisc}
model=${SECDISC_MODEL:-$(pwd)/models/default.json}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
python3 - "$records" > in.jsonl <<'PY'
import json, sys
words = ["jwt", "signature", "css", "layout", "token", "leak", "vault", "kafka", "sql", "typo"]
for i in range(int(sys.argv[1])):
    if i % 9973 == 5:
        print(json.dumps({"id": f"r{i}"}))
    else:
        text = " ".join(words[(i * k) % len(words)] for k in range(1, 12))
        print(json.dumps({"id": f"r{i}", "text": f"{text} {i}"}))
PY
echo "input: $records records, $(du -h in.jsonl | cut -f1)"
start=$(date +%s%N)
nice -n 10 "$bin" label -m "$model" in.jsonl -o ref.jsonl 2>/dev/null || true
ref_ms=$(( ($(date +%s%N) - start) / 1000000 ))
lo=$(( ref_ms / 20 > 50 ? ref_ms / 20 : 50 ))
hi=$(( ref_ms / 4 > lo + 1 ? ref_ms / 4 : lo + 1 ))
echo "uninterrupted run: $ref_ms ms; kills after $lo..$hi ms"
RANDOM=$seed
killed=0
for k in $(seq 1 "$kills"); do
  nice -n 10 "$bin" label -m "$model" in.jsonl -o out.jsonl --resume 2>/dev/null &
  pid=$!
  ms=$(( lo + (RANDOM * 32768 + RANDOM) % (hi - lo) ))
  sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
  if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
  wait "$pid" 2>/dev/null || true
  [ -e out.jsonl ] && break
  echo "kill $k: $(wc -l < out.jsonl.partial 2>/dev/null || echo 0) rows so far"
done
nice -n 10 "$bin" label -m "$model" in.jsonl -o out.jsonl --resume 2>/dev/null || true
echo "killed $killed times; rows: reference $(wc -l < ref.jsonl), resumed $(wc -l < out.jsonl)"
if cmp -s ref.jsonl out.jsonl; then
  echo "OK: byte-identical"
else
  echo "MISMATCH"
  exit 1
fi
