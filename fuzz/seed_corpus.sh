#!/bin/sh
# Seed fuzz/corpus/<target>/ from the repository's own fixtures (tests/fixtures/ingest) and, for
# the model loader, from tiny models trained on a toy CSV with every classifier.
# Usage: fuzz/seed_corpus.sh [path/to/secdisc]   (default: target/release/secdisc)
set -eu
cd "$(dirname "$0")/.."
fx=tests/fixtures/ingest
c=fuzz/corpus
bin=${1:-target/release/secdisc}
mkdir -p $c/github $c/jira_json $c/jira_xml $c/jira_csv $c/stackexchange $c/sede $c/record_reader $c/clean_segment $c/model_bundle
cp $fx/github_*.json $fx/gharchive_events.jsonl $c/github/
cp $fx/jira_search_v2.json $fx/jira_comments_v3_adf.json $c/jira_json/
cp $fx/jira_export.xml $c/jira_xml/
cp $fx/jira_export.csv $c/jira_csv/
# The first byte picks Posts.xml (even) or Comments.xml (odd).
{ printf '\0'; cat $fx/shop.stackexchange.com/Posts.xml; } > $c/stackexchange/posts
{ printf '\1'; cat $fx/shop.stackexchange.com/Comments.xml; } > $c/stackexchange/comments
cp $fx/sede_posts.csv $fx/sede_comments.csv $c/sede/
# First byte: bit 2 set = generic ingest (bit 0: csv/jsonl name); else RecordReader
# (bits 0-1: csv, jsonl, sniff; bits 3+: label policy).
{ printf '\0'; cat $fx/generic_records.csv; } > $c/record_reader/reader_csv
{ printf '\1'; printf '{"id":"a","text":"rotate the key","label":"security"}\n{"id":"b","text":"typo"}\n'; } > $c/record_reader/reader_jsonl
{ printf '\4'; cat $fx/generic_records.csv; } > $c/record_reader/generic_csv
{ printf '\5'; cat $fx/generic_flat_comments.json; } > $c/record_reader/generic_json
# First byte: markup (0 plain, 1 markdown, 2 jira wiki, 3 html).
{ printf '\1'; printf 'Hi,\n\n```\ncode\n```\n> quoted\nSee https://x.y/z and [link](http://a)\n\n-- \nsig\n'; } > $c/clean_segment/markdown
{ printf '\2'; printf 'h1. Title\n{code}x{code}\nbq. quote\n{quote}q{quote}\n[text|http://a] !img.png!\n'; } > $c/clean_segment/wiki
{ printf '\3'; printf '<p>Is <code>md5</code> fine?</p><pre>x</pre><blockquote>q</blockquote>&amp; &#x41;'; } > $c/clean_segment/html
{ printf '\0'; printf 'at com.x.Y(Y.java:1)\nat com.x.Z(Z.java:2)\n\n1. item\n* item\nSent from my phone\n'; } > $c/clean_segment/plain
if [ -x "$bin" ]; then
  tmp=$(mktemp -d)
  printf 'id,text,label\n' > $tmp/toy.csv
  i=0
  for t in "jwt signature not verified,1" "dashboard layout breaks,0" "bump kafka client,0" \
           "rotate leaked api key,1" "consumer lag grows,0" "typo in readme,0" \
           "sql injection in sort,1" "helm values ignored,0" "enable mtls between services,1"; do
    printf 'r%s,"%s",%s\n' $i "${t%,*}" "${t##*,}" >> $tmp/toy.csv
    i=$((i + 1))
  done
  for k in lr svm nb knn ensemble linfa-lr dt rf fasttext; do
    "$bin" train $tmp/toy.csv -o $c/model_bundle/$k.json --classifier $k --ngram-max 1 --min-df 1 --rf-trees 3 2>/dev/null \
      || "$bin" train $tmp/toy.csv -o $c/model_bundle/$k.json --classifier $k --ngram-max 1 --min-df 1
  done
  rm -r $tmp
fi
echo "seeded $(find $c -type f | wc -l) files under $c"
