//! Every stage of secdisc under one statistics harness, with throughput: tokenize, TF-IDF fit and
//! transform, each classifier's fit and predict, labelling (featurize + score + JSONL) and
//! ingest.
//!
//! `cargo bench --bench pipeline` runs on `data/corpus.csv` and `data/backlog.jsonl` (ours) plus
//! two small synthetic exports; with `SECDISC_SHARED=../shared` on
//! `../shared/datasets/$SECDISC_BENCH_DATASET/data.csv` (default `matomo_github_issues`) and the
//! exports in `../shared/exports`. Filter like `cargo bench --bench pipeline -- classifier`.
//!
//! Harness: divan rather than criterion. Both give repeated samples with median and spread and
//! throughput counters; divan's attribute registration keeps each stage a short function, it
//! reports records/s and MB/s side by side (one items counter and one bytes counter per bench),
//! its dependency tree is four small crates (criterion pulls in plotters, ciborium and
//! tinytemplate, which cost minutes of compile time on a 2-core machine), and its sample budget is
//! one builder call: `main` caps every bench at 10 samples and 2 s so that the whole run stays
//! around a minute on 2 cores (`-- --sample-count 100 --max-time 10` for tighter figures).
//! Peak memory is not something a shared-process harness can measure; the `label` and `ingest`
//! programs next to this one do that in their own processes.

#[path = "common.rs"]
mod common;

use std::path::PathBuf;
use std::sync::LazyLock;
use std::time::Duration;

use divan::counter::{BytesCount, ItemsCount};
use divan::{black_box, Bencher};
use secdisc_features::{CsrMatrix, TfidfParams, TfidfValidParams, TokenizedCorpus};
use secdisc_infer::{InputItem, LabelOptions, Labeler};
use secdisc_ingest::{IngestParams, Record, RecordSink};
use secdisc_model::ClassifierModel;
use secdisc_train::{
    ClassifierParams, DecisionTreeParams, FastTextParams, Folds, KnnParams, LinfaLogisticParams,
    LogisticRegressionParams, NaiveBayesParams, RandomForestParams, SvmParams,
};

fn main() {
    // Load and featurize the data set before divan starts printing its table.
    LazyLock::force(&DATA);
    divan::Divan::default()
        .sample_count(10)
        .max_time(Duration::from_secs(2))
        .config_with_args()
        .main();
}

/// The labelled data set, its 80/20 split (first of 5 stratified group folds, seed 42) and the
/// features of both parts.
struct Data {
    texts: Vec<String>,
    labels: Vec<bool>,
    tfidf: TfidfValidParams,
    corpus: TokenizedCorpus,
    train: Vec<usize>,
    train_texts: Vec<String>,
    x_train: CsrMatrix,
    y_train: Vec<bool>,
    x_test: CsrMatrix,
}

static DATA: LazyLock<Data> = LazyLock::new(|| {
    let name =
        std::env::var("SECDISC_BENCH_DATASET").unwrap_or_else(|_| "matomo_github_issues".into());
    let path = common::dataset(&name);
    let (texts, labels, groups) = common::read(&path);
    let groups: Vec<Option<&str>> = groups.iter().map(|g| g.as_deref()).collect();
    let folds = Folds::stratified(&labels, &groups, 5, 42).expect("folds");
    let (train, test) = folds.split(0);
    let tfidf = TfidfParams::default().check().expect("tfidf");
    let corpus = tfidf.tokenize(&texts);
    let vectorizer = tfidf.fit_tokenized(&corpus, &train).expect("fit");
    let x_train = vectorizer.transform_tokenized(&corpus, &train);
    let x_test = vectorizer.transform_tokenized(&corpus, &test);
    let bytes = texts.iter().map(String::len).sum::<usize>();
    eprintln!(
        "pipeline: {} ({} texts, {:.2} MB; {} train / {} test rows, {} features), {} threads",
        path.display(),
        texts.len(),
        bytes as f64 / 1e6,
        train.len(),
        test.len(),
        vectorizer.n_features(),
        rayon::current_num_threads()
    );
    Data {
        train_texts: train.iter().map(|&i| texts[i].clone()).collect(),
        y_train: train.iter().map(|&i| labels[i]).collect(),
        texts,
        labels,
        tfidf,
        corpus,
        train,
        x_train,
        x_test,
    }
});

/// Items and bytes of a slice of texts, the two throughput counters of a text stage.
fn counters<'a, 'b>(bencher: Bencher<'a, 'b>, texts: &[String]) -> Bencher<'a, 'b> {
    bencher
        .counter(ItemsCount::new(texts.len()))
        .counter(BytesCount::new(
            texts.iter().map(String::len).sum::<usize>(),
        ))
}

/// Tokenize every text (analyzer: lower-case, stop words, stemming; rayon-parallel).
#[divan::bench]
fn tokenize(bencher: Bencher) {
    let d = &*DATA;
    counters(bencher, &d.texts).bench(|| d.tfidf.tokenize(black_box(&d.texts)));
}

/// TF-IDF vocabulary and IDF from raw training texts (tokenizing included).
#[divan::bench]
fn tfidf_fit(bencher: Bencher) {
    let d = &*DATA;
    counters(bencher, &d.train_texts).bench(|| d.tfidf.fit(black_box(&d.train_texts)));
}

/// TF-IDF vocabulary and IDF from an already tokenized corpus (what cross-validation does per
/// fold).
#[divan::bench]
fn tfidf_fit_tokenized(bencher: Bencher) {
    let d = &*DATA;
    counters(bencher, &d.train_texts)
        .bench(|| d.tfidf.fit_tokenized(black_box(&d.corpus), &d.train));
}

/// Raw texts to L2-normalised TF-IDF rows with a fitted vectorizer (tokenizing included).
#[divan::bench]
fn tfidf_transform(bencher: Bencher) {
    let d = &*DATA;
    let vectorizer = d.tfidf.fit(&d.train_texts).expect("fit");
    counters(bencher, &d.texts).bench(|| vectorizer.transform(black_box(&d.texts)));
}

/// The classifiers benchmarked here: every one that reads the TF-IDF rows alone. `cnn` and
/// `bilstm` train only with `--features deep` and need the word sequences beside the rows; their
/// fit times are measured by `secdisc compare` (README, `secdisc train`).
const BENCHED: &[&str] = &[
    "lr", "svm", "nb", "knn", "linfa-lr", "dt", "rf", "fasttext", "ensemble",
];

/// Default parameters of each classifier (the ensemble: lr, svm and nb with equal weights).
fn params(name: &str) -> ClassifierParams {
    match name {
        "lr" => ClassifierParams::Lr(LogisticRegressionParams::default()),
        "svm" => ClassifierParams::Svm(SvmParams::default()),
        "nb" => ClassifierParams::Nb(NaiveBayesParams::default()),
        "knn" => ClassifierParams::Knn(KnnParams::default()),
        "linfa-lr" => ClassifierParams::LinfaLr(LinfaLogisticParams::default()),
        "dt" => ClassifierParams::Dt(DecisionTreeParams::default()),
        "rf" => ClassifierParams::Rf(RandomForestParams::default()),
        "fasttext" => ClassifierParams::FastText(FastTextParams::default()),
        "ensemble" => ClassifierParams::Ensemble(vec![params("lr"), params("svm"), params("nb")]),
        other => unreachable!("BENCHED has no {other}"),
    }
}

/// Each classifier fitted on the training rows' TF-IDF features; throughput in training rows.
#[divan::bench_group]
mod classifier {
    use super::*;

    #[divan::bench(args = BENCHED)]
    fn fit(bencher: Bencher, name: &str) {
        let d = &*DATA;
        let params = params(name);
        bencher
            .counter(ItemsCount::new(d.x_train.n_rows()))
            .bench(|| {
                params
                    .fit(black_box(&d.x_train), &d.y_train, 42)
                    .expect("fit")
            });
    }

    /// P(security) of every test row, one thread (labelling parallelises over rows).
    #[divan::bench(args = BENCHED)]
    fn predict(bencher: Bencher, name: &str) {
        let d = &*DATA;
        let model: ClassifierModel = params(name).fit(&d.x_train, &d.y_train, 42).expect("fit");
        bencher
            .counter(ItemsCount::new(d.x_test.n_rows()))
            .bench(|| {
                black_box(&d.x_test)
                    .rows()
                    .map(|row| model.probability(row))
                    .sum::<f64>()
            });
    }
}

/// End-to-end labelling of every text with a logistic-regression model trained on the training
/// rows: featurize, score, top terms, JSONL rows into a sink (`Labeler::label_stream`).
#[divan::bench]
fn label(bencher: Bencher) {
    let d = &*DATA;
    let bundle = common::bundle(&d.texts, &d.labels);
    let labeler = Labeler::new(&bundle).expect("a TF-IDF model needs no encoder");
    counters(bencher, &d.texts).bench(|| {
        let items = d.texts.iter().enumerate().map(|(i, t)| InputItem::Record {
            id: i.to_string(),
            text: Some(t.clone()),
        });
        labeler
            .label_stream(
                items,
                &mut std::io::sink(),
                &LabelOptions::default(),
                &mut |_| {},
            )
            .expect("label")
    });
}

/// Serialises every record like the real writer does, but keeps only a count.
struct CountingSink(u64);

impl RecordSink for CountingSink {
    fn write_record(&mut self, record: &Record) -> secdisc_ingest::Result<()> {
        let line = serde_json::to_vec(record).expect("serialise");
        self.0 += line.len() as u64 + 1;
        Ok(())
    }
}

/// Export files to ingest: ours (`data/backlog.jsonl`, two small synthetic exports) or, with
/// `SECDISC_SHARED`, one real export per format.
/// Export files by display name, and the temporary directory holding the synthetic ones.
struct Exports {
    _dir: Option<tempfile::TempDir>,
    files: Vec<(String, PathBuf)>,
}

static EXPORTS: LazyLock<Exports> = LazyLock::new(|| match std::env::var_os("SECDISC_SHARED") {
    Some(dir) => {
        let dir = PathBuf::from(dir).join("exports");
        let files = [
            "github/matomo3.json",
            "github/gharchive_2017-07-24-10_kubernetes-org.jsonl",
            "jira/apache_kafka_search_issues_with_comments.json",
            "jira/SearchRequest.xml",
            "jira/jira_cloud_export_full_columns_excel_resaved.csv",
            "stackexchange/iot.stackexchange.com/Posts.xml",
            "stackexchange/sede/stackoverflow_posts_QueryResults.csv",
        ];
        let files = files.iter().map(|f| (f.to_string(), dir.join(f))).collect();
        Exports { _dir: None, files }
    }
    None => {
        let tmp = tempfile::tempdir().expect("tempdir");
        let xml = tmp.path().join("Posts.xml");
        let json = tmp.path().join("issues.json");
        common::write_posts_xml(&xml, 4_000_000);
        common::write_github_json(&json, 4_000_000);
        let backlog = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/backlog.jsonl");
        let files = vec![
            ("data/backlog.jsonl".to_string(), backlog),
            ("synthetic Posts.xml (4 MB)".to_string(), xml),
            ("synthetic GitHub issues JSON (4 MB)".to_string(), json),
        ];
        Exports {
            _dir: Some(tmp),
            files,
        }
    }
});

fn export_names() -> Vec<&'static str> {
    EXPORTS.files.iter().map(|(n, _)| n.as_str()).collect()
}

/// One export file from disk to paragraph records (detect, parse, clean, segment, dedup,
/// serialise; default options); throughput in input bytes and in records written.
#[divan::bench(args = export_names())]
fn ingest(bencher: Bencher, name: &str) {
    let path = &EXPORTS
        .files
        .iter()
        .find(|(n, _)| n == name)
        .expect("listed")
        .1;
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let records = ingest_file(path);
    bencher
        .counter(BytesCount::new(bytes))
        .counter(ItemsCount::new(records))
        .bench(|| ingest_file(black_box(path)));
}

fn ingest_file(path: &std::path::Path) -> u64 {
    let mut ingester = IngestParams::default().build().expect("params");
    let mut sink = CountingSink(0);
    ingester
        .ingest_path(path, &mut sink)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ingester.finish(&mut sink).expect("finish").units_out
}
