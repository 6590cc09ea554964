//! Shared by the benchmark programs: pick a data set, read it, train a model bundle, write
//! synthetic exports, report peak memory. Each program uses a part of it.
#![allow(dead_code)]

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// `../shared/datasets/NAME/data.csv` when `SECDISC_SHARED` is set, else `data/corpus.csv`.
pub fn dataset(name: &str) -> PathBuf {
    match std::env::var_os("SECDISC_SHARED") {
        Some(dir) => PathBuf::from(dir)
            .join("datasets")
            .join(name)
            .join("data.csv"),
        None => {
            eprintln!(
                "SECDISC_SHARED is not set: benchmarking on data/corpus.csv instead of {name}"
            );
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/corpus.csv")
        }
    }
}

/// Texts and labels of a labelled CSV.
pub fn read(path: &std::path::Path) -> (Vec<String>, Vec<bool>, Vec<Option<String>>) {
    use secdisc_ingest::{LabelPolicy, ReadOptions, RecordReader};
    let opts = ReadOptions {
        labels: LabelPolicy::Required,
        ..ReadOptions::default()
    };
    let reader = RecordReader::open(path, &opts).unwrap_or_else(|e| panic!("{e}"));
    let (mut texts, mut labels, mut groups) = (Vec::new(), Vec::new(), Vec::new());
    for r in reader {
        let r = r.unwrap_or_else(|e| panic!("{e}")).record;
        texts.push(r.text.unwrap_or_default());
        labels.push(r.label.is_some_and(|l| l.is_security()));
        groups.push(r.group);
    }
    (texts, labels, groups)
}

/// Peak resident memory of this process in MiB (Linux `VmHWM`), or 0 when unknown.
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

const PARAS: [&str; 6] = [
    "Our services authenticate with a shared API key that never rotates &amp; every team can read it.",
    "We could switch to mutual TLS with short-lived certificates issued by the mesh, which also gives each workload an identity.",
    "The gateway forwards the bearer token to every upstream service without checking the audience claim.",
    "Latency went up after the last release; the discount engine runs twice per request.",
    "Is there a way to keep the <code>orders</code> schema migration from blocking reads?",
    "See https://example.org/docs/guide for the details and the rollout plan.",
];

fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\n', "&#xA;")
}

/// A Stack Exchange `Posts.xml` of about `target` bytes; returns its size.
pub fn write_posts_xml(path: &Path, target: u64) -> u64 {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).expect("create"));
    let mut written = 0u64;
    let head = "\u{FEFF}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<posts>\n";
    w.write_all(head.as_bytes()).unwrap();
    written += head.len() as u64;
    let mut id = 1u64;
    while written < target {
        let n = (id % 4 + 2) as usize;
        let mut body = String::new();
        for k in 0..n {
            body.push_str("<p>");
            body.push_str(PARAS[(id as usize + k) % PARAS.len()]);
            body.push_str(" Item ");
            body.push_str(&id.to_string());
            body.push_str(".</p>\n\n");
        }
        if matches!(id % 3, 0) {
            body.push_str("<pre><code>kubectl get pods -n shop\n</code></pre>\n");
        }
        let row = if id % 3 == 1 {
            format!(
                "  <row Id=\"{id}\" PostTypeId=\"1\" CreationDate=\"2024-01-01T00:00:00.000\" Score=\"1\" ViewCount=\"10\" Body=\"{}\" OwnerUserId=\"7\" Title=\"Question number {id} about services\" Tags=\"&lt;security&gt;&lt;microservices&gt;\" AnswerCount=\"2\" CommentCount=\"0\" ContentLicense=\"CC BY-SA 4.0\" />\n",
                escape_attr(&body)
            )
        } else {
            format!(
                "  <row Id=\"{id}\" PostTypeId=\"2\" ParentId=\"{}\" CreationDate=\"2024-01-01T00:00:00.000\" Score=\"1\" Body=\"{}\" OwnerUserId=\"8\" CommentCount=\"0\" ContentLicense=\"CC BY-SA 4.0\" />\n",
                id - id % 3 + 1,
                escape_attr(&body)
            )
        };
        w.write_all(row.as_bytes()).unwrap();
        written += row.len() as u64;
        id += 1;
    }
    w.write_all(b"</posts>\n").unwrap();
    w.flush().unwrap();
    written + 9
}

/// A GitHub issue-list JSON array of about `target` bytes; returns its size.
pub fn write_github_json(path: &Path, target: u64) -> u64 {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).expect("create"));
    let mut written = 1u64;
    w.write_all(b"[").unwrap();
    let mut n = 1u64;
    while written < target {
        let mut body = String::new();
        for k in 0..(n % 4 + 2) as usize {
            body.push_str(PARAS[(n as usize + k) % PARAS.len()]);
            body.push_str("\r\n\r\n");
        }
        body.push_str("```\r\nERROR connection refused\r\n```\r\n");
        let issue = serde_json::json!({
            "url": format!("https://api.github.com/repos/acme/shop/issues/{n}"),
            "repository_url": "https://api.github.com/repos/acme/shop",
            "labels_url": format!("https://api.github.com/repos/acme/shop/issues/{n}/labels{{/name}}"),
            "comments_url": format!("https://api.github.com/repos/acme/shop/issues/{n}/comments"),
            "html_url": format!("https://github.com/acme/shop/issues/{n}"),
            "id": 1_000_000 + n, "node_id": "I_kwDOAbc", "number": n,
            "title": format!("Issue {n}: tokens and services"),
            "user": {"login": "dev", "id": 7, "avatar_url": "https://avatars.example/u/7", "type": "User", "site_admin": false},
            "labels": [{"id": 1, "name": if matches!(n % 5, 0) { "c: Security" } else { "c: Bug" }, "color": "d73a4a", "default": false}],
            "state": "open", "locked": false, "assignee": null, "assignees": [], "milestone": null, "comments": 3,
            "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-02T00:00:00Z", "closed_at": null,
            "author_association": "MEMBER", "body": body,
            "reactions": {"url": "https://api.github.com/x", "total_count": 0, "+1": 0, "-1": 0},
            "timeline_url": format!("https://api.github.com/repos/acme/shop/issues/{n}/timeline"),
            "performed_via_github_app": null, "state_reason": null
        });
        let text = serde_json::to_string(&issue).unwrap();
        if n > 1 {
            w.write_all(b",").unwrap();
            written += 1;
        }
        w.write_all(text.as_bytes()).unwrap();
        written += text.len() as u64;
        n += 1;
    }
    w.write_all(b"]").unwrap();
    w.flush().unwrap();
    written + 1
}

/// A logistic-regression model bundle (default TF-IDF and parameters) trained on `texts`.
pub fn bundle(texts: &[String], labels: &[bool]) -> secdisc_model::ModelBundle {
    use secdisc_features::TfidfParams;
    use secdisc_train::{
        fit_pipeline, ClassifierParams, CvInput, LogisticRegressionParams, ThresholdRule,
    };
    let groups = vec![None; texts.len()];
    let input = CvInput {
        texts,
        labels,
        groups: &groups,
        dense: None,
    };
    let lr = ClassifierParams::Lr(LogisticRegressionParams::default());
    let secdisc_train::FittedPipeline {
        vectorizer,
        model: classifier,
        threshold,
        ..
    } = fit_pipeline(
        &input,
        &secdisc_train::PipelineSettings {
            tfidf: TfidfParams::default(),
            classifier: lr.clone(),
            tune: None,
            threshold: ThresholdRule::default(),
            sampling: secdisc_train::Sampling::None,
            seed: 0,
        },
    )
    .expect("fit");
    let manifest = secdisc_model::Manifest {
        secdisc_version: "bench".into(),
        seed: 0,
        training_data: secdisc_model::TrainingData {
            name: "bench".into(),
            sha256: String::new(),
            rows: texts.len(),
            positives: 0,
            negatives: 0,
        },
        classifier: secdisc_model::ClassifierInfo {
            name: "lr".into(),
            params: serde_json::json!({}),
        },
        cv: None,
    };
    secdisc_model::ModelBundle::new(manifest, vectorizer, classifier, threshold).expect("bundle")
}
