#!/usr/bin/env python3
"""Build a large, well-formed Stack Exchange Posts.xml by replicating the rows of a real one.

Each copy of the rows gets its ids shifted (Id, ParentId, AcceptedAnswerId) so answers still
point at their own copy's question and no two rows share an id.

Usage: big_posts.py SOURCE/Posts.xml OUT/Posts.xml [SIZE_MB, default 1024]
Then:  /usr/bin/time -v target/release/secdisc ingest OUT/Posts.xml -o /dev/null
(keep the directory name as `<site>/Posts.xml` if you want the site in ids; delete OUT after).
"""
import re
import sys

src, out = sys.argv[1], sys.argv[2]
target = int(sys.argv[3] if len(sys.argv) > 3 else 1024) << 20
rows = [line.rstrip("\n") for line in open(src, encoding="utf-8") if line.lstrip().startswith("<row ")]
if not rows:
    sys.exit(f"{src}: no <row> lines")
ID = re.compile(r'\b(Id|ParentId|AcceptedAnswerId)="(\d+)"')
max_id = max(int(m.group(2)) for r in rows for m in ID.finditer(r))
written = 0
copies = 0
with open(out, "w", encoding="utf-8") as f:
    f.write('<?xml version="1.0" encoding="utf-8"?>\n<posts>\n')
    while written < target:
        shift = copies * (max_id + 1)
        for r in rows:
            line = ID.sub(lambda m: f'{m.group(1)}="{int(m.group(2)) + shift}"', r) + "\n"
            f.write(line)
            written += len(line)
        copies += 1
    f.write("</posts>\n")
print(f"{out}: {copies} copies of {len(rows)} rows, {written / (1 << 20):.0f} MiB", file=sys.stderr)
