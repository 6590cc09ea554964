#!/usr/bin/env python3
"""Adversarial run against the secdisc binary: the attacks of issue 13, regenerated.

    benches/fault/adversarial.py [--bin target/release/secdisc] [--limit-s 30] [--json OUT]

Generates bad inputs in a temporary folder (unterminated CSV quotes, empty input, BOMs, UTF-16,
gzip and truncated gzip, oversized records and headers, pathological URLs and brackets, deep
JSON, wrong JSON types, duplicate keys, huge ids, random bytes, XML entity bombs, corrupted and
oversized-count model files, outputs that are inputs, out-of-range flags), runs every command
that reads them, and attacks `secdisc serve` over a real socket (oversized heads, conflicting
lengths, broken chunks, slow and idle clients, SIGTERM mid-request). For every run it checks:

- no panic (exit 101, "panicked at", or death by a signal) and an exit code of 0, 1 or 2;
- no hang: the run ends within --limit-s seconds (default 30);
- memory: peak RSS under --rss-mib (default 1024);
- nothing lost or duplicated: where the input's record count is known, `label` writes exactly
  one row per record whenever it exits 0 or 1 (a record it cannot read gets an error row), and
  `train` / `evaluate` never exit 0 on an input that holds an unreadable record;
- expected outcomes where one is known (a usage error exits 2, an input used as an output is
  refused and left byte-identical).

Prints a table per command (inputs tried, panics, hangs, memory, records lost, other failures)
and every failure; exit 1 when any check failed. Needs python3 only; a release build is faster
(`cargo build --release`), a debug build works.
"""

import argparse
import gzip
import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict

SECURITY = [
    "The gateway forwards the JWT without verifying its signature",
    "Rotate the leaked API key and move it into Vault",
    "The sort parameter is concatenated into SQL, that is an injection",
    "Pin the base image and drop root in the container",
]
OTHER = [
    "The dashboard layout breaks on small screens",
    "Bump the Kafka client and rerun the flaky integration test",
    "Typo in the README installation section",
    "Helm chart values for replicas are ignored",
]


class Result:
    def __init__(self, code, stdout, stderr, seconds, rss_mib, hung):
        self.code, self.stdout, self.stderr = code, stdout, stderr
        self.seconds, self.rss_mib, self.hung = seconds, rss_mib, hung


def run(argv, cwd, limit_s, stdin=None):
    """Run argv; returns a Result with the child's own peak RSS (wait4)."""
    started = time.monotonic()
    p = subprocess.Popen(
        argv,
        cwd=cwd,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = [], []

    def pump(src, dst):
        while True:
            chunk = src.read(1 << 16)
            if not chunk:
                return
            if sum(map(len, dst)) < (64 << 20):
                dst.append(chunk)

    threads = [
        threading.Thread(target=pump, args=(p.stdout, out), daemon=True),
        threading.Thread(target=pump, args=(p.stderr, err), daemon=True),
    ]
    for t in threads:
        t.start()
    if stdin is not None:

        def feed():
            try:
                p.stdin.write(stdin)
                p.stdin.close()
            except (BrokenPipeError, OSError):
                pass

        threading.Thread(target=feed, daemon=True).start()
    hung = []
    timer = threading.Timer(limit_s, lambda: (hung.append(True), p.kill()))
    timer.start()
    _, status, usage = os.wait4(p.pid, 0)
    timer.cancel()
    p.returncode = os.waitstatus_to_exitcode(status)
    for t in threads:
        t.join(5)
    return Result(
        p.returncode,
        b"".join(out),
        b"".join(err).decode("utf-8", "replace"),
        time.monotonic() - started,
        usage.ru_maxrss / 1024,
        bool(hung),
    )


class Campaign:
    def __init__(self, args, work):
        self.bin, self.work, self.limit_s, self.rss = args.bin, work, args.limit_s, args.rss_mib
        self.tried = defaultdict(int)
        self.counts = defaultdict(lambda: defaultdict(int))
        self.failures = []

    def fail(self, command, name, kind, detail):
        self.counts[command][kind] += 1
        self.failures.append(f"{command} {name}: {kind}: {detail}")

    def check(self, command, name, argv, stdin=None, codes=(0, 1, 2), records=None,
              rows_from=None, no_success=False, unchanged=()):
        """Run secdisc with argv and apply the checks in the module docstring.

        records: records in the input, when known; rows_from: where label rows go ("stdout" or a
        file name); no_success: exit 0 would mean a record was silently lost; unchanged: files
        that must stay byte-identical."""
        self.tried[command] += 1
        before = {f: digest(os.path.join(self.work, f)) for f in unchanged}
        if rows_from not in (None, "stdout"):
            for stale in (rows_from, rows_from + ".partial"):
                if os.path.exists(os.path.join(self.work, stale)):
                    os.remove(os.path.join(self.work, stale))
        r = run([self.bin] + argv, self.work, self.limit_s, stdin)
        tail = r.stderr.strip().splitlines()[-1:] if r.stderr.strip() else [""]
        if r.hung:
            self.fail(command, name, "hang", f"still running after {self.limit_s} s")
            return r
        if r.code == 101 or "panicked at" in r.stderr or r.code < 0:
            self.fail(command, name, "panic", f"exit {r.code}: {tail[0][:300]}")
            return r
        if r.rss_mib > self.rss:
            self.fail(command, name, "memory", f"peak RSS {r.rss_mib:.0f} MiB")
        if r.code not in codes:
            self.fail(command, name, "exit code", f"exit {r.code}, expected {codes}: {tail[0][:300]}")
        if no_success and r.code == 0:
            self.fail(command, name, "records lost", "exit 0 on an input with an unreadable record")
        if records is not None and rows_from is not None and r.code in (0, 1):
            if rows_from == "stdout":
                data = r.stdout
            else:
                path = os.path.join(self.work, rows_from)
                data = open(path, "rb").read() if os.path.exists(path) else b""
            rows = data.count(b"\n")
            if r.code == 1 and rows == 0 and "error:" in r.stderr:
                # Refused before reading a record (a model or an input that cannot be opened).
                pass
            elif r.code == 1 and "stopped reading" in r.stderr:
                # A structural error (a quote never closed, a truncated gzip stream) ends the
                # input: reported with its line, the rows before it kept (in FILE.partial).
                self.counts[command]["stopped, reported"] += 1
            elif rows < records:
                self.fail(command, name, "records lost", f"{records} records in, {rows} rows out")
            elif rows > records:
                self.fail(command, name, "duplicated", f"{records} records in, {rows} rows out")
        for f, d in before.items():
            if digest(os.path.join(self.work, f)) != d:
                self.fail(command, name, "input changed", f"{f} was modified")
        return r


def digest(path):
    try:
        return hashlib.sha256(open(path, "rb").read()).hexdigest()
    except FileNotFoundError:
        return None


def write(work, name, data):
    with open(os.path.join(work, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return name


def csv_rows(n, labelled=True):
    rows = []
    for i in range(n):
        text = (SECURITY if i % 2 == 0 else OTHER)[i % 4] + f" (case {i})"
        rows.append(f'r{i},"{text}",{1 - i % 2}' if labelled else f'r{i},"{text}"')
    return rows


def jsonl_rows(n):
    return [json.dumps({"id": f"r{i}", "text": (SECURITY if i % 2 == 0 else OTHER)[i % 4] + f" {i}",
                        "label": 1 - i % 2}) for i in range(n)]


def record_inputs(work):
    """(name, file, records, unreadable): record files for label/train/evaluate/..."""
    rnd = random.Random(13)
    good = csv_rows(200)
    cases = []

    def add(name, data, records, unreadable=False):
        cases.append((name, write(work, name, data), records, unreadable))

    add("good.csv", "id,text,label\n" + "\n".join(good) + "\n", 200)
    add("good.jsonl", "\n".join(jsonl_rows(200)) + "\n", 200)
    bad = list(good)
    bad[10] = 'r10,"Unterminated quote opens here,1'
    add("unterminated_quote.csv", "id,text,label\n" + "\n".join(bad) + "\n", 200, True)
    add("quote_at_end.csv", "id,text,label\n" + "\n".join(good) + '\nr200,"open,1\n', 201, True)
    add("empty.csv", b"", 0)
    add("header_only.csv", "id,text,label\n", 0)
    add("bom.csv", b"\xef\xbb\xbf" + ("id,text,label\n" + "\n".join(good) + "\n").encode(), 200)
    add("bom.jsonl", b"\xef\xbb\xbf" + ("\n".join(jsonl_rows(50)) + "\n").encode(), 50)
    add("utf16.csv", ("id,text,label\n" + "\n".join(good[:20]) + "\n").encode("utf-16"), 20, True)
    add("crlf.csv", "id,text,label\r\n" + "\r\n".join(good) + "\r\n", 200)
    add("gzip.csv.gz", gzip.compress(("id,text,label\n" + "\n".join(good) + "\n").encode()), 200)
    add("gzip.jsonl.gz", gzip.compress(("\n".join(jsonl_rows(100)) + "\n").encode()), 100)
    add("truncated.jsonl.gz", gzip.compress(("\n".join(jsonl_rows(3000)) + "\n").encode())[:4000],
        None, True)
    rows = jsonl_rows(3)
    rows[1] = json.dumps({"id": "big", "text": "x " * (3 << 20), "label": 1})
    add("oversized_record.jsonl", "\n".join(rows) + "\n", 3, True)
    add("huge_header.csv", b"id" + b"x" * (12 << 20) + b"\n1,a\n", None, True)
    add("no_newline_zeros.csv", b"\0" * (8 << 20), None, True)
    add("dup_keys.jsonl", '{"id":"a","text":"jwt","text":"css","label":1}\n' + jsonl_rows(1)[0] + "\n",
        2, True)
    add("wrong_types.jsonl", "\n".join([
        '{"id":"a","text":42,"label":1}', '{"id":"b","text":null,"label":0}',
        '{"id":"c","text":["x"],"label":1}', '{"id":"d","label":0}',
        '{"id":{"x":1},"text":"t","label":1}', '[1,2,3]', '"just a string"', '{"id":"e","text":"ok","label":"maybe"}',
    ]) + "\n", 8, True)
    add("huge_ids.jsonl", "\n".join(
        json.dumps({"id": "x", "text": "jwt token", "label": 1}).replace('"x"', str(10 ** 29 + i))
        for i in range(5)) + "\n", 5)
    add("deep.jsonl", "[" * 100000 + "]" * 100000 + "\n" + jsonl_rows(1)[0] + "\n", 2, True)
    add("random_bytes.csv", bytes(rnd.getrandbits(8) for _ in range(200000)), None, True)
    add("random_bytes.jsonl", bytes(rnd.getrandbits(8) for _ in range(200000)), None, True)
    add("nul_in_text.csv", "id,text,label\n" + "\n".join(good[:50]).replace("case 7", "case\0 7") + "\n", 50)
    add("url_storm.jsonl", json.dumps({"id": "u", "text": "http://" * 40000, "label": 1}) + "\n", 1)
    add("bracket_storm.jsonl",
        json.dumps({"id": "b", "text": "see http://a.example/x" + ")" * 40000, "label": 1}) + "\n", 1)
    add("fence_storm.jsonl", json.dumps({"id": "f", "text": "```\n" * 30000, "label": 0}) + "\n", 1)
    add("tag_storm.jsonl", json.dumps({"id": "t", "text": "<a href='" * 30000, "label": 0}) + "\n", 1)
    add("long_line.jsonl", json.dumps({"id": "l", "text": "token " * 150000, "label": 1}) + "\n", 1)
    add("blank_lines.jsonl", "\n\n" + "\n\n".join(jsonl_rows(20)) + "\n\n\n", 20)
    add("one_class.csv", "id,text,label\n" + "\n".join(r for r in good if r.endswith(",1")) + "\n", 100)
    add("bad_labels.csv", "id,text,label\n" + "\n".join(good[:40]) + "\nr40,hello,7\nr41,hi,yes\n", 42, True)
    add("missing_text_column.csv", "id,body,label\n1,hello,1\n", None, True)
    add("ragged.csv", "id,text,label\n1,a\n2,b,1,extra\n3,c,0\n", 3, True)
    return cases


def build_models(c, work):
    """Train small models to corrupt; returns {name: file} of good ones."""
    models = {}
    for clf in ["lr", "nb", "knn", "dt"]:
        name = f"m_{clf}.json"
        r = run([c.bin, "train", "good.csv", "-o", name, "--classifier", clf, "--min-df", "1"],
                work, 300)
        if r.code == 0:
            models[clf] = name
        else:
            print(f"cannot train {clf}: {r.stderr[-300:]}", file=sys.stderr)
    return models


def corrupt_models(work, models):
    """(name, file) of damaged model files."""
    out = []

    def add(name, data):
        out.append((name, write(work, name, data)))

    lr = json.load(open(os.path.join(work, models["lr"])))
    raw = open(os.path.join(work, models["lr"]), "rb").read()
    add("model_truncated.json", raw[: len(raw) // 2])
    add("model_empty.json", b"")
    add("model_bom.json", b"\xef\xbb\xbf" + raw)
    add("model_random.json", bytes(random.Random(7).getrandbits(8) for _ in range(5000)))
    add("model_not_object.json", b"[1,2,3]")
    for key, value in [("threshold", 1.5), ("threshold", -1), ("threshold", "NaN"),
                       ("format_version", 99), ("format", "other")]:
        m = json.loads(json.dumps(lr))
        m[key] = value
        add(f"model_{key}_{value}.json", json.dumps(m))
    m = json.loads(json.dumps(lr))
    terms = m["vectorizer"]["terms"]
    if len(terms) > 2:
        terms[1] = terms[0]
    add("model_duplicate_terms.json", json.dumps(m))
    m = json.loads(json.dumps(lr))
    m["vectorizer"]["idf"] = m["vectorizer"]["idf"][:-1]
    add("model_short_idf.json", json.dumps(m))
    m = json.loads(json.dumps(lr))
    m["classifier"]["model"]["weights"] = m["classifier"]["model"]["weights"][:-1]
    add("model_short_weights.json", json.dumps(m))
    # Every integer in every model set to a huge count, one field at a time.
    for clf, file in models.items():
        base = json.load(open(os.path.join(work, file)))
        for path in int_paths(base):
            for value in [10 ** 18, 10 ** 15, -1]:
                m = json.loads(json.dumps(base))
                set_path(m, path, value)
                add(f"model_{clf}_{'.'.join(map(str, path))}_{value}.json", json.dumps(m))
    return out


def int_paths(v, path=()):
    if isinstance(v, bool):
        return []
    if isinstance(v, int):
        return [path]
    found = []
    if isinstance(v, dict):
        for k, x in v.items():
            if k in ("weights", "idf", "terms", "values", "scales", "vocab"):
                continue
            found += int_paths(x, path + (k,))
    elif isinstance(v, list) and len(v) <= 4:
        for i, x in enumerate(v):
            found += int_paths(x, path + (i,))
    return found


def set_path(v, path, value):
    for p in path[:-1]:
        v = v[p]
    v[path[-1]] = value


def export_inputs(work):
    """(name, file, extra ingest flags): export files for ingest."""
    issue = {"number": 1, "title": "Login token logged", "html_url": "https://github.com/a/b/issues/1",
             "user": {"login": "ann"}, "labels": [],
             "body": "The session token is logged.\n\nPlease redact it."}
    out = []

    def add(name, data, flags=()):
        out.append((name, write(work, name, data), list(flags)))

    add("gh_good.json", json.dumps([issue] * 50))
    add("gh_body_number.json", json.dumps([dict(issue, body=42), issue]))
    add("gh_body_object.json", json.dumps([dict(issue, body={"x": 1}), issue]))
    add("gh_truncated.json", json.dumps([issue] * 50)[:3000])
    add("gh_url_storm.json", json.dumps([dict(issue, body="http://" * 40000)]))
    add("gh_bracket_storm.json", json.dumps([dict(issue, body="http://a.b/c" + ")" * 40000)]))
    add("gh_url_storm_2mb.json", json.dumps([dict(issue, body="http://" * 300000)]))
    add("gh_one_huge.json.gz", gzip.compress(json.dumps([dict(issue, body="a" * (3 << 20))]).encode()))
    add("gh_deep.json", "[" * 200000 + "]" * 200000)
    add("gh_empty_array.json", "[]")
    add("so_entity_bomb.xml", '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY a{i} "{"&a;" * 10 if i == 0 else f"&a{i - 1};" * 10}">' for i in range(9))
        + ']>\n<posts><row Id="1" PostTypeId="1" Body="&a8;" Title="t"/></posts>\n')
    add("so_unclosed.xml", '<?xml version="1.0"?>\n<posts><row Id="1" PostTypeId="1" Body="x')
    add("so_good.xml", '<?xml version="1.0"?>\n<posts>\n'
        + "\n".join(f'<row Id="{i}" PostTypeId="1" Title="t{i}" Body="&lt;p&gt;The JWT secret {i} leaks&lt;/p&gt;"/>'
                    for i in range(30)) + "\n</posts>\n", ["--format", "stackexchange"])
    add("jira_unterminated.csv", 'Summary,Issue key,Description\n"Token leak,ABC-1,"desc\nx,ABC-2,y\n',
        ["--format", "jira-csv"])
    add("sede_unterminated.csv", 'Id,Title,Body\n1,"t,"b\n2,t2,b2\n', ["--format", "sede"])
    add("generic_huge_header.csv", b"text" + b"y" * (12 << 20) + b"\nhello\n", ["--format", "generic"])
    add("random.bin", bytes(random.Random(3).getrandbits(8) for _ in range(100000)))
    add("utf16.json", json.dumps([issue]).encode("utf-16"))
    return out


def attack_records(c, inputs, models):
    model = models["lr"]
    for name, file, records, unreadable in inputs:
        gz = file.endswith(".gz")
        c.check("label", name, ["label", "-m", model, file, "-o", "out.jsonl"], records=records,
                rows_from="out.jsonl")
        c.check("label", name + " (stdin)", ["label", "-m", model, "-"],
                stdin=open(os.path.join(c.work, file), "rb").read(), records=None if gz else records,
                rows_from="stdout")
        for fmt in ["csv", "jsonl"]:
            c.check("label", f"{name} (--input-format {fmt})",
                    ["label", "-m", model, "--input-format", fmt, file], records=None,
                    rows_from=None)
        c.check("train", name, ["train", file, "-o", "t.json", "--min-df", "1"],
                no_success=unreadable)
        c.check("evaluate", name, ["evaluate", file, "--folds", "3", "--min-df", "1", "--json"],
                no_success=unreadable)
        c.check("explain", name, ["explain", "-m", model, "--input", file])
        c.check("suggest", name, ["suggest", "-m", model, file, "-n", "5", "-o", "s.jsonl"],
                no_success=unreadable)
        c.check("report", name, ["report", "--records", file, "good.jsonl"])
        c.check("adapt", name, ["adapt", "-m", model, file, "-o", "a.json", "--min-df", "1"],
                no_success=unreadable)


def attack_models(c, corrupted, models):
    for name, file in corrupted:
        c.check("label", name, ["label", "-m", file, "good.jsonl", "-o", "mo.jsonl"], records=200,
                rows_from="mo.jsonl")
        c.check("inspect", name, ["inspect", file])
        c.check("explain", name, ["explain", "-m", file, "The JWT signature is not checked"])
    for clf, file in models.items():
        c.check("label", f"good {clf} model", ["label", "-m", file, "good.jsonl", "-o", "g.jsonl"],
                codes=(0,), records=200, rows_from="g.jsonl")


def attack_exports(c, exports):
    for name, file, flags in exports:
        c.check("ingest", name, ["ingest", file, "-o", "ing.jsonl"] + flags)
        c.check("ingest", name + " --keep-going", ["ingest", file, "-o", "ing.jsonl", "--keep-going"] + flags)
        c.check("label", name, ["label", "-m", "m_lr.json", file, "-o", "ex.jsonl"])


def attack_outputs(c):
    """An output that is an input: refused (exit 2 or 1), the input byte-identical."""
    write(c.work, "clobber.jsonl", "\n".join(jsonl_rows(20)) + "\n")
    write(c.work, "clobber.csv", "id,text,label\n" + "\n".join(csv_rows(40)) + "\n")
    os.link(os.path.join(c.work, "clobber.csv"), os.path.join(c.work, "hardlink.csv"))
    write(c.work, "gh.json", json.dumps([{"number": 1, "title": "t", "body": "b", "user": {"login": "a"},
                                          "html_url": "https://github.com/a/b/issues/1", "labels": []}]))
    for name, argv, keep in [
        ("label -o INPUT", ["label", "-m", "m_lr.json", "clobber.jsonl", "-o", "clobber.jsonl"], "clobber.jsonl"),
        ("label -o MODEL", ["label", "-m", "m_lr.json", "clobber.jsonl", "-o", "m_lr.json"], "m_lr.json"),
        ("label --report INPUT", ["label", "-m", "m_lr.json", "clobber.jsonl", "-o", "x.jsonl",
                                  "--report", "clobber.jsonl"], "clobber.jsonl"),
        ("train -o INPUT", ["train", "clobber.csv", "-o", "clobber.csv"], "clobber.csv"),
        ("train -o hard link of INPUT", ["train", "clobber.csv", "-o", "hardlink.csv"], "clobber.csv"),
        ("evaluate --oof INPUT", ["evaluate", "clobber.csv", "--folds", "3", "--oof", "clobber.csv"], "clobber.csv"),
        ("evaluate --folds-out INPUT", ["evaluate", "clobber.csv", "--folds", "3", "--folds-out", "clobber.csv"],
         "clobber.csv"),
        ("suggest -o POOL", ["suggest", "-m", "m_lr.json", "clobber.jsonl", "-o", "clobber.jsonl"], "clobber.jsonl"),
        ("ingest -o INPUT", ["ingest", "gh.json", "-o", "gh.json"], "gh.json"),
        ("adapt -o MODEL", ["adapt", "-m", "m_lr.json", "clobber.csv", "-o", "m_lr.json"], "m_lr.json"),
    ]:
        c.check("outputs", name, argv, codes=(1, 2), unchanged=(keep,))


def attack_flags(c):
    for name, argv in [
        ("bench --min-time 1e20", ["bench", "--min-time", "1e20"]),
        ("serve --workers 100000", ["serve", "-m", "m_lr.json", "--workers", "100000", "--addr", "127.0.0.1:0"]),
        ("serve --workers 0", ["serve", "-m", "m_lr.json", "--workers", "0", "--addr", "127.0.0.1:0"]),
        ("serve --max-connections 0", ["serve", "-m", "m_lr.json", "--max-connections", "0"]),
        ("train -o -", ["train", "good.csv", "-o", "-"]),
        ("label --report without -o", ["label", "-m", "m_lr.json", "good.jsonl", "--report", "r.html"]),
        ("--l1-ratio without elastic net", ["train", "good.csv", "-o", "l.json", "--l1-ratio", "0.3"]),
        ("evaluate --folds 1", ["evaluate", "good.csv", "--folds", "1"]),
        ("evaluate --folds 0", ["evaluate", "good.csv", "--folds", "0"]),

        ("train --threshold 1.5", ["train", "good.csv", "-o", "th.json", "--threshold", "1.5"]),
        ("label --top-terms huge", ["label", "-m", "m_lr.json", "good.jsonl", "--top-terms", "99999999999999999999"]),
        ("suggest -n 0", ["suggest", "-m", "m_lr.json", "good.jsonl", "-n", "0"]),
        ("unknown command", ["frobnicate"]),
    ]:
        c.check("flags", name, argv, codes=(2,))
    # More folds than records is about the data, not the flag: exit 1.
    c.check("flags", "evaluate --folds 1e9", ["evaluate", "good.csv", "--folds", "1000000000"], codes=(1,))


def attack_serve(c):
    """Raw HTTP against a live server; each attack is one try."""
    # Older builds (for a before/after run) lack the timeout flags; they then run with their
    # defaults, and the checks say what they did.
    help_text = run([c.bin, "serve", "--help"], c.work, 30).stdout.decode()
    flags = [f for f in [["--header-timeout", "2"], ["--body-timeout", "2"], ["--no-access-log"]]
             if f[0] in help_text]
    p = subprocess.Popen([c.bin, "serve", "-m", "m_lr.json", "--addr", "127.0.0.1:0"]
                         + sum(flags, []),
                         cwd=c.work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    first = p.stderr.readline().decode()
    if "http://" not in first:
        c.tried["serve"] += 1
        c.fail("serve", "start", "exit code", first.strip())
        p.kill()
        return
    host, port = first.split("http://")[1].split()[0].rsplit(":", 1)
    addr = (host, int(port))
    err_lines = []
    threading.Thread(target=lambda: err_lines.extend(p.stderr), daemon=True).start()
    time.sleep(0.3)

    def read_to_close(s):
        """What the server sends until it closes; "timeout" when it does not close in time."""
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            return data, "timeout"
        except OSError:
            pass
        return data, None

    def exchange(raw, timeout=10):
        s = socket.create_connection(addr, timeout=timeout)
        try:
            s.sendall(raw)
        except OSError:
            pass
        data, problem = read_to_close(s)
        s.close()
        return data, problem

    class ServerDown(Exception):
        pass

    def attack(name, raw, expect):
        c.tried["serve"] += 1
        started = time.monotonic()
        try:
            data, problem = exchange(raw)
        except OSError as e:
            code = p.poll()
            tail = b"".join(err_lines)[-300:].decode("utf-8", "replace")
            kind = "panic" if code is not None and (code == 101 or code < 0 or "panicked" in tail) else "down"
            c.fail("serve", name, kind, f"cannot connect ({e}); server exit {code}: {tail}")
            raise ServerDown()
        status = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/1.1 ") else "none"
        if problem:
            c.fail("serve", name, "hang", f"no close within 10 s (got {status})")
        elif data.count(b"HTTP/1.1 ") > 1:
            c.fail("serve", name, "two answers", data[:200])
        elif status not in expect:
            c.fail("serve", name, "status", f"{status}, expected {expect}")
        return time.monotonic() - started

    try:
        close = b"Connection: close\r\n"
        attack("header line 8 MB", b"GET /health HTTP/1.1\r\nX: " + b"a" * (8 << 20) + b"\r\n\r\n", ["431"])
        attack("150 headers", b"GET /health HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(150)) + b"\r\n",
               ["431"])
        attack("conflicting Content-Length",
               b"POST /label HTTP/1.1\r\nContent-Length: 13\r\nContent-Length: 2\r\n\r\n{\"text\":\"a\"}", ["400"])
        attack("malformed chunk", b"POST /label HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
               ["400"])
        attack("chunked over the body limit",
               b"POST /label HTTP/1.1\r\nTransfer-Encoding: chunked\r\n" + close + b"\r\n"
               + b"".join(b"100000\r\n" + b"a" * 0x100000 + b"\r\n" for _ in range(3)) + b"0\r\n\r\n", ["413"])
        attack("Content-Length over the limit", b"POST /label HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
               ["413"])
        attack("Content-Length not a number", b"POST /label HTTP/1.1\r\nContent-Length: -5\r\n\r\n", ["400"])
        attack("body shorter than Content-Length", b"POST /label HTTP/1.1\r\nContent-Length: 100\r\n\r\n{}", ["408"])
        attack("garbage request line", b"\x00\x01\x02 nonsense\r\n\r\n", ["400"])
        attack("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", ["400", "505", "none"])
        dup = b'{"text":"jwt","text":"css"}'
        attack("duplicate JSON key", b"POST /label HTTP/1.1\r\nContent-Length: " + str(len(dup)).encode()
               + b"\r\n" + close + b"\r\n" + dup, ["400"])
        attack("deep JSON", b"POST /label HTTP/1.1\r\nContent-Length: 200000\r\n" + close + b"\r\n"
               + b"[" * 100000 + b"]" * 100000, ["400"])
        attack("url storm", b"POST /label HTTP/1.1\r\n" + close + b"Content-Length: "
               + str(len(json.dumps({"text": "http://" * 40000}))).encode() + b"\r\n\r\n"
               + json.dumps({"text": "http://" * 40000}).encode(), ["200"])
        for method in [b"DELETE", b"PUT", b"OPTIONS", b"TRACE"]:
            attack(f"{method.decode()} /label", method + b" /label HTTP/1.1\r\n" + close + b"\r\n", ["405"])
        attack("HEAD /health", b"HEAD /health HTTP/1.1\r\n" + close + b"\r\n", ["200"])
        # 50 slow clients (half a head) and 20 idle ones, then /health ten times: each within 100 ms.
        c.tried["serve"] += 1
        held = []
        for i in range(70):
            s = socket.create_connection(addr)
            if i < 50:
                s.sendall(b"POST /label HTTP/1.1\r\nHost: slow\r\n")
            held.append(s)
        time.sleep(0.3)
        slowest = max(attack("/health under 70 slow clients", b"GET /health HTTP/1.1\r\n" + close + b"\r\n", ["200"])
                      for _ in range(10))
        if slowest > 0.1:
            c.fail("serve", "/health under 70 slow clients", "slow", f"{slowest * 1000:.0f} ms > 100 ms")
        # The server closes them after --header-timeout (2 s).
        c.tried["serve"] += 1
        deadline = time.monotonic() + 10
        still_open = 0
        for s in held:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                while s.recv(4096):
                    pass
            except socket.timeout:
                still_open += 1
            except OSError:
                pass
            s.close()
        if still_open:
            c.fail("serve", "slow clients", "hang", f"{still_open} of 70 not closed after the header timeout")
        # SIGTERM while a request's body is still arriving: it is answered, then exit 0.
        c.tried["serve"] += 1
        body = json.dumps({"id": "late", "text": "Rotate the leaked key"}).encode()
        s = socket.create_connection(addr, timeout=10)
        s.sendall(b"POST /label HTTP/1.1\r\n" + close + b"Content-Length: " + str(len(body)).encode()
                  + b"\r\n\r\n" + body[:5])
        time.sleep(0.3)
        p.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        s.sendall(body[5:])
        data, _ = read_to_close(s)
        if not data.startswith(b"HTTP/1.1 200"):
            c.fail("serve", "SIGTERM mid-body", "lost", f"answer {data[:60]!r}")
        try:
            code = p.wait(15)
            if code != 0:
                c.fail("serve", "SIGTERM", "exit code", f"exit {code}")
        except subprocess.TimeoutExpired:
            p.kill()
            c.fail("serve", "SIGTERM", "hang", "still running 15 s after SIGTERM")
    except ServerDown:
        p.kill()
        return
    if any(b"panicked" in l for l in err_lines):
        c.fail("serve", "log", "panic", b"".join(err_lines)[-300:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--bin", default=os.path.join(here, "..", "..", "target", "release", "secdisc"))
    ap.add_argument("--limit-s", type=float, default=30)
    ap.add_argument("--rss-mib", type=float, default=1024)
    ap.add_argument("--json", help="write the summary here too")
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin)
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"no secdisc binary at {args.bin}; build it with `cargo build --release` or pass --bin")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="secdisc-fault-") as work:
        c = Campaign(args, work)
        inputs = record_inputs(work)
        models = build_models(c, work)
        if "lr" not in models:
            sys.exit("cannot train the base lr model on good.csv")
        attack_records(c, inputs, models)
        attack_models(c, corrupt_models(work, models), models)
        attack_exports(c, export_inputs(work))
        attack_outputs(c)
        attack_flags(c)
        attack_serve(c)
    kinds = ["panic", "hang", "memory", "records lost", "duplicated"]
    noted = ["stopped, reported"]
    print(f"{'command':<10} {'inputs':>6} " + " ".join(f"{k:>12}" for k in kinds) + f" {'other':>6}"
          + f" {'stopped (reported)':>19}")
    summary = {}
    for command in sorted(c.tried):
        counts = c.counts[command]
        other = sum(v for k, v in counts.items() if k not in kinds and k not in noted)
        print(f"{command:<10} {c.tried[command]:>6} " + " ".join(f"{counts[k]:>12}" for k in kinds)
              + f" {other:>6} {counts['stopped, reported']:>19}")
        summary[command] = {"inputs": c.tried[command], **{k: counts[k] for k in kinds + noted},
                            "other": other}
    total = sum(c.tried.values())
    print(f"{total} runs in {time.monotonic() - started:.0f} s; {len(c.failures)} failures")
    for f in c.failures:
        print("FAIL", f)
    if args.json:
        json.dump({"commands": summary, "failures": c.failures, "runs": total}, open(args.json, "w"), indent=1)
    sys.exit(1 if c.failures else 0)


if __name__ == "__main__":
    main()
