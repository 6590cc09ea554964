//! Every real export in `$SECDISC_SHARED/exports` must ingest, with counts checked against
//! numbers computed independently of the parser.
//!
//! Run with `SECDISC_SHARED=/work/shared cargo test -p secdisc-ingest --test shared_exports`.
//! Without the variable each test prints a loud SKIPPED line and passes.
//!
//! The independent numbers come from Python one-liners over the raw files (run from
//! `$SECDISC_SHARED/exports`), quoted next to each case. `BOTS` there is the Python set of
//! `secdisc_ingest::DEFAULT_BOTS`; a GitHub user is a bot when `type == "Bot"`, the login ends in
//! `[bot]` or is in `BOTS`.
//!
//! Paragraph counts cannot be computed without re-implementing the cleaner, so each case pins the
//! exact count (a regression guard) and also checks it against an independent rough estimate:
//! blank-line separated blocks plus titles (Markdown and wiki bodies) or `<p>` elements plus
//! titles (HTML bodies), within 25 %. Those estimates are quoted too.

use std::collections::BTreeMap;
use std::path::PathBuf;

use secdisc_ingest::{IngestParams, LabelSource, Record, SecurityTags, Summary};

fn shared() -> Option<PathBuf> {
    match std::env::var_os("SECDISC_SHARED") {
        Some(dir) => Some(PathBuf::from(dir).join("exports")),
        None => {
            // Written to the real stderr (not eprintln!, which the test harness captures) so the
            // skip is visible in a plain `cargo test` run.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: set SECDISC_SHARED=../shared to run real-export tests"
            );
            None
        }
    }
}

struct Run {
    summary: Summary,
    records: Vec<Record>,
}

fn ingest(files: &[&str]) -> Option<Run> {
    let dir = shared()?;
    let paths: Vec<PathBuf> = files.iter().map(|f| dir.join(f)).collect();
    let mut ingester = IngestParams::default()
        .labels(LabelSource::FromTags(SecurityTags::builtin()))
        .build()
        .expect("params");
    let mut records: Vec<Record> = Vec::new();
    ingester.ingest_paths(&paths, &mut records).expect("ingest");
    let summary = ingester.finish(&mut records).expect("finish");
    assert_eq!(summary.skipped, 0, "{:?}", summary.skipped_examples);
    Some(Run { summary, records })
}

fn kinds(run: &Run) -> BTreeMap<&str, u64> {
    run.summary
        .records_by_kind
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect()
}

fn near(actual: u64, estimate: u64) {
    let diff = actual.abs_diff(estimate) as f64 / estimate as f64;
    assert!(
        diff <= 0.25,
        "{actual} paragraphs vs independent estimate {estimate}"
    );
}

#[test]
fn github_issue_pages() {
    // python3 -c "import json,re;d=[x for f in ('github/matomo1.json','github/matomo2.json','github/matomo3.json') for x in json.load(open(f))];nb=[x for x in d if not(x['user']['type']=='Bot' or x['user']['login'].endswith('[bot]') or x['user']['login'].lower() in BOTS)];print(len(d),len(nb),sum(1 for x in nb if any(l['name']=='c: Security' for l in x['labels'])),sum(1+len([p for p in re.split(r'\n\s*\n',(x['body'] or '').replace('\r','')) if p.strip()]) for x in nb))"
    // -> 300 items, 275 non-bot issues, 10 labelled `c: Security`, 2063 blocks
    let Some(run) = ingest(&[
        "github/matomo1.json",
        "github/matomo2.json",
        "github/matomo3.json",
    ]) else {
        return;
    };
    assert_eq!(run.summary.records_in, 300);
    assert_eq!(kinds(&run), BTreeMap::from([("issue", 275)]));
    assert_eq!(run.summary.records_dropped["bot"], 25);
    let security_threads: std::collections::BTreeSet<_> = run
        .records
        .iter()
        .filter(|r| r.label == Some(secdisc_ingest::Label::Security))
        .map(|r| r.group.clone())
        .collect();
    assert_eq!(security_threads.len(), 10);
    assert_eq!(run.summary.units_out, 1796);
    near(run.summary.units_out, 2063);
}

#[test]
fn gharchive_events() {
    // python3 -c "import json,collections;ev=[json.loads(l) for l in open('github/gharchive_2017-07-24-10_kubernetes-org.jsonl')];print(len(ev),collections.Counter(e['type'] for e in ev))"
    // -> 93 events: 66 IssueCommentEvent, 13 PullRequestReviewCommentEvent, 6 IssuesEvent, 5 WatchEvent, 3 PullRequestEvent
    // non-bot authors (payload.comment/issue/pull_request .user): 18 issue comments, 13 review comments,
    // 9 distinct issues/PRs (6 IssuesEvent + 3 PullRequestEvent); 48 bot comments.
    let Some(run) = ingest(&["github/gharchive_2017-07-24-10_kubernetes-org.jsonl"]) else {
        return;
    };
    assert_eq!(run.summary.records_in, 93);
    assert_eq!(
        kinds(&run),
        BTreeMap::from([("comment", 18), ("issue", 9), ("review_comment", 13)])
    );
    assert_eq!(run.summary.records_dropped["not_conversation"], 5);
    assert_eq!(run.summary.records_dropped["bot"], 48);
    assert_eq!(run.summary.units_out, 84);
}

#[test]
fn github_comment_files() {
    // python3 -c "import json;k=json.load(open('github/kubernetes_kubernetes_49520_issue_comments.json'));print(len(k),sum(1 for c in k if not(c['user']['type']=='Bot' or c['user']['login'].endswith('[bot]') or c['user']['login'].lower() in BOTS)))"
    // -> 36 comments, 13 not by bots
    let Some(run) = ingest(&["github/kubernetes_kubernetes_49520_issue_comments.json"]) else {
        return;
    };
    assert_eq!(run.summary.records_in, 36);
    assert_eq!(kinds(&run), BTreeMap::from([("comment", 13)]));
    assert!(run
        .records
        .iter()
        .all(|r| r.group.as_deref() == Some("github:kubernetes/kubernetes#49520")));
    assert_eq!(run.summary.units_out, 15);
}

#[test]
fn github_flattened_comments_as_generic() {
    // python3 -c "import json;d=json.load(open('github/istio_community_issue_comments_flattened.json'));print(len(d),len({c['issue_number'] for c in d}))"
    // -> 243 comments on 61 issues
    let Some(dir) = shared() else { return };
    let fields = secdisc_ingest::FieldMap::default()
        .text("comment_body")
        .group("issue_number")
        .author("author")
        .kind(secdisc_ingest::Kind::Comment);
    let mut ingester = IngestParams::default()
        .fields(fields)
        .source(Some("github/istio/community".into()))
        .build()
        .unwrap();
    let mut records: Vec<Record> = Vec::new();
    ingester
        .ingest_path(
            &dir.join("github/istio_community_issue_comments_flattened.json"),
            &mut records,
        )
        .unwrap();
    let summary = ingester.finish(&mut records).unwrap();
    assert_eq!(summary.records_in, 243);
    assert_eq!(summary.records_by_kind["comment"], 243);
    let groups: std::collections::BTreeSet<_> = records.iter().map(|r| r.group.clone()).collect();
    assert!(groups.len() <= 61 && groups.len() >= 55, "{}", groups.len());
}

#[test]
fn jira_search_results() {
    // python3 -c "import json;d=json.load(open('jira/apache_kafka_search_issues_with_comments.json'))['issues'];print(len(d),sum(len(i['fields']['comment']['comments']) for i in d))"
    // -> 100 issues, 107 comments; the same for spark: 100 issues, 56 comments
    let Some(run) = ingest(&["jira/apache_kafka_search_issues_with_comments.json"]) else {
        return;
    };
    assert_eq!(
        kinds(&run),
        BTreeMap::from([("jira_comment", 107), ("jira_issue", 100)])
    );
    assert_eq!(run.summary.units_out, 598);
    let Some(run) = ingest(&["jira/apache_spark_search_issues_with_comments.json"]) else {
        return;
    };
    assert_eq!(
        kinds(&run),
        BTreeMap::from([("jira_comment", 56), ("jira_issue", 100)])
    );
    assert_eq!(run.summary.units_out, 269);
}

#[test]
fn jira_bare_issue_array() {
    // python3 -c "import json;d=json.load(open('jira/apache_KAFKA_issues_allfields_page0.json'));print(len(d),sum(len(i['fields']['comment']['comments']) for i in d))"
    // -> 50 issues, 57 comments
    let Some(run) = ingest(&["jira/apache_KAFKA_issues_allfields_page0.json"]) else {
        return;
    };
    assert_eq!(run.summary.records_in, 50);
    assert_eq!(
        kinds(&run),
        BTreeMap::from([("jira_comment", 57), ("jira_issue", 50)])
    );
    assert_eq!(run.summary.units_out, 254);
}

#[test]
fn jira_v3_adf_comments_by_key() {
    // python3 -c "import json;d=json.load(open('jira/hibernate_HHH_comments_by_issue_api3_adf.json'));print(len(d),sum(len(v) for v in d.values()))"
    // -> 50 issue keys, 56 comments
    let Some(run) = ingest(&["jira/hibernate_HHH_comments_by_issue_api3_adf.json"]) else {
        return;
    };
    assert_eq!(kinds(&run), BTreeMap::from([("jira_comment", 56)]));
    assert!(run.records.iter().all(|r| r
        .group
        .as_deref()
        .is_some_and(|g| g.starts_with("jira:HHH-"))));
    assert_eq!(run.summary.units_out, 101);
}

#[test]
fn jira_xml_export() {
    // python3 -c "import xml.etree.ElementTree as E;i=E.parse('jira/SearchRequest.xml').getroot().findall('./channel/item');print(len(i),sum(len(x.findall('./comments/comment')) for x in i))"
    // -> 15 items, 1 comment
    let Some(run) = ingest(&["jira/SearchRequest.xml"]) else {
        return;
    };
    assert_eq!(
        kinds(&run),
        BTreeMap::from([("jira_comment", 1), ("jira_issue", 15)])
    );
    assert_eq!(run.summary.units_out, 17);
}

#[test]
fn jira_csv_export() {
    // python3 -c "import csv;r=list(csv.reader(open('jira/jira_cloud_export_full_columns_excel_resaved.csv')));h=r[0];k=h.index('Issue key');c=[i for i,n in enumerate(h) if n=='Comment'];print(len(r)-1,sum(1 for x in r[1:] if len(x)>k and x[k].strip()),sum(1 for x in r[1:] for i in c if i<len(x) and x[i].strip()))"
    // -> 740 rows, 1 with an issue key, 1 comment cell
    let Some(run) = ingest(&["jira/jira_cloud_export_full_columns_excel_resaved.csv"]) else {
        return;
    };
    assert_eq!(run.summary.records_in, 740);
    assert_eq!(
        kinds(&run),
        BTreeMap::from([("jira_comment", 1), ("jira_issue", 1)])
    );
    assert_eq!(run.summary.records_dropped["not_conversation"], 739);
}

#[test]
fn stackexchange_posts_both_tag_formats() {
    // python3 -c "import re,collections,xml.etree.ElementTree as E;r=E.parse(F).getroot().findall('row');print(len(r),collections.Counter(x.get('PostTypeId') for x in r),sum(len(re.findall('<p>',x.get('Body',''))) for x in r if x.get('PostTypeId') in '12'))"
    // iot:        1140 rows: 320 questions, 508 answers, 312 tag wikis; 4176 <p> + 320 titles = 4496
    // SO:          620 rows: 173 questions, 447 answers;                1936 <p> + 173 titles = 2109
    // DS meta:     624 rows: 257 questions, 341 answers, 26 tag wikis;  2410 <p> + 257 titles = 2667
    let Some(run) = ingest(&["stackexchange/iot.stackexchange.com/Posts.xml"]) else {
        return;
    };
    assert_eq!(run.summary.records_in, 1140);
    assert_eq!(
        kinds(&run),
        BTreeMap::from([("answer", 508), ("question", 320)])
    );
    assert_eq!(run.summary.records_dropped["not_conversation"], 312);
    assert_eq!(run.summary.units_out, 4118);
    near(run.summary.units_out, 4496);
    assert!(
        run.summary.labels.security > 0,
        "the iot dump has `security` tags"
    );
    let Some(run) = ingest(&["stackexchange/stackoverflow.com/Posts.xml"]) else {
        return;
    };
    assert_eq!(
        kinds(&run),
        BTreeMap::from([("answer", 447), ("question", 173)])
    );
    assert_eq!(run.summary.units_out, 2071);
    near(run.summary.units_out, 2109);
    let Some(run) = ingest(&["stackexchange/datascience.meta.stackexchange.com/Posts.xml"]) else {
        return;
    };
    assert_eq!(
        kinds(&run),
        BTreeMap::from([("answer", 341), ("question", 257)])
    );
    assert_eq!(run.summary.units_out, 2876);
    near(run.summary.units_out, 2667);
    // `|a|b|` tags are split: the DS meta questions all carry tags, so all are labelled.
    assert!(run
        .records
        .iter()
        .filter(|r| r.kind.as_deref() == Some("question"))
        .all(|r| r.label.is_some()));
}

#[test]
fn stackexchange_comments_find_their_questions() {
    // python3 -c "import xml.etree.ElementTree as E;print(len(E.parse('stackexchange/iot.stackexchange.com/Comments.xml').getroot().findall('row')))"
    // -> 1607 comments; with Posts.xml read first every comment is grouped by a question id.
    let Some(run) = ingest(&[
        "stackexchange/iot.stackexchange.com/Comments.xml",
        "stackexchange/iot.stackexchange.com/Posts.xml",
    ]) else {
        return;
    };
    assert_eq!(kinds(&run)["post_comment"], 1607);
    assert!(run
        .records
        .iter()
        .filter(|r| r.kind.as_deref() == Some("post_comment"))
        .all(|r| r.group.as_deref().is_some_and(|g| g.contains("/q/"))));
}

#[test]
fn stackexchange_side_tables_ingest_to_nothing() {
    // python3 -c "import xml.etree.ElementTree as E;[print(len(E.parse(f).getroot().findall('row'))) for f in ('stackexchange/iot.stackexchange.com/PostHistory.xml','stackexchange/iot.stackexchange.com/Tags.xml')]"
    // -> 4202, 199
    let Some(run) = ingest(&[
        "stackexchange/iot.stackexchange.com/PostHistory.xml",
        "stackexchange/iot.stackexchange.com/Tags.xml",
    ]) else {
        return;
    };
    assert_eq!(run.summary.records_in, 4202 + 199);
    assert_eq!(run.summary.units_out, 0);
}

#[test]
fn sede_csv_exports() {
    // python3 -c "import csv,collections;r=list(csv.DictReader(open(F,newline='')));print(len(r),collections.Counter(x.get('PostTypeId') for x in r))"
    // posts: 844 questions; security sample: 460 questions; title/body/tags: 359 (no PostTypeId);
    // comments: 4098 (2429 on questions, 1669 on answers)
    let Some(run) = ingest(&["stackexchange/sede/stackoverflow_posts_QueryResults.csv"]) else {
        return;
    };
    assert_eq!(kinds(&run), BTreeMap::from([("question", 844)]));
    let Some(run) = ingest(&["stackexchange/sede/stackoverflow_security_sample_QueryResults.csv"])
    else {
        return;
    };
    assert_eq!(kinds(&run), BTreeMap::from([("question", 460)]));
    assert!(run.summary.labels.security > 0);
    let Some(run) = ingest(&["stackexchange/sede/stackoverflow_title_body_tags_QueryResults.csv"])
    else {
        return;
    };
    assert_eq!(kinds(&run), BTreeMap::from([("question", 359)]));
    let Some(run) = ingest(&["stackexchange/sede/stackoverflow_comments_QueryResults.csv"]) else {
        return;
    };
    assert_eq!(kinds(&run), BTreeMap::from([("post_comment", 4098)]));
    let on_questions = run
        .records
        .iter()
        .filter(|r| r.group.as_deref().is_some_and(|g| g.contains("/q/")))
        .filter_map(|r| r.id.rsplit_once("/p").map(|(base, _)| base.to_string()))
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    assert!(on_questions <= 2429, "{on_questions}");
}

#[test]
fn every_shared_export_ingests() {
    let Some(dir) = shared() else { return };
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "SOURCE.md") {
                files.push(p);
            }
        }
    }
    assert!(files.len() >= 20, "{files:?}");
    for f in files {
        let mut params = IngestParams::default();
        if f.to_string_lossy().contains("flattened") {
            params = params.fields(
                secdisc_ingest::FieldMap::default()
                    .text("comment_body")
                    .group("issue_number"),
            );
        }
        let mut ingester = params.build().unwrap();
        let mut records: Vec<Record> = Vec::new();
        ingester
            .ingest_path(&f, &mut records)
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let summary = ingester.finish(&mut records).unwrap();
        assert!(summary.records_in > 0, "{}", f.display());
    }
}
