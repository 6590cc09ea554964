//! kNN scoring time on one cross-validation fold: the test part's queries against the
//! training part's rows through the inverted index, against brute-force dot products over
//! every training row, plus the model's serialised size and load time.
//!
//! `SECDISC_SHARED=../shared cargo bench --bench knn` (matomo issues, fold 1 of 10, seed 42;
//! `SECDISC_BENCH_DATASET=NAME` for another data set, `SECDISC_BENCH_CHAR_NGRAMS=3-5` to add
//! character n-grams). Scoring runs on one thread; times are CPU seconds of that thread.

#[path = "common.rs"]
mod common;

use std::time::Instant;

use secdisc_features::{SparseRow, TfidfParams};
use secdisc_model::ClassifierModel;
use secdisc_train::{ClassifierParams, Folds, KnnParams};

fn main() {
    let name =
        std::env::var("SECDISC_BENCH_DATASET").unwrap_or_else(|_| "matomo_github_issues".into());
    let path = common::dataset(&name);
    let (texts, labels, groups) = common::read(&path);
    let groups: Vec<Option<&str>> = groups.iter().map(|g| g.as_deref()).collect();
    let folds = Folds::stratified(&labels, &groups, 10, 42).expect("folds");
    let (train, test) = folds.split(0);
    // `SECDISC_BENCH_CHAR_NGRAMS=3-5` adds character n-grams (many more, denser postings).
    let char_ngrams = std::env::var("SECDISC_BENCH_CHAR_NGRAMS").ok().map(|r| {
        let (a, b) = r.split_once('-').expect("MIN-MAX");
        (a.parse().expect("MIN"), b.parse().expect("MAX"))
    });
    let tfidf = TfidfParams::default()
        .char_ngrams(char_ngrams)
        .check()
        .expect("tfidf");
    let corpus = tfidf.tokenize(&texts);
    let vectorizer = tfidf.fit_tokenized(&corpus, &train).expect("fit");
    let x_train = vectorizer.transform_tokenized(&corpus, &train);
    let x_test = vectorizer.transform_tokenized(&corpus, &test);
    let y_train: Vec<bool> = train.iter().map(|&i| labels[i]).collect();

    let started = Instant::now();
    let model = ClassifierParams::Knn(KnnParams::default())
        .fit(&x_train, &y_train, 42)
        .expect("knn");
    let fit = started.elapsed().as_secs_f64();
    let ClassifierModel::Knn(knn) = &model else {
        unreachable!("kNN params fit a kNN model")
    };

    // Index scoring: best of 5 passes over the whole test part.
    let (mut index_secs, mut index_cpu) = (f64::INFINITY, f64::INFINITY);
    let mut scores = Vec::new();
    for _ in 0..5 {
        let (started, cpu) = (Instant::now(), cpu_seconds());
        scores = x_test.rows().map(|q| model.probability(q)).collect();
        index_secs = index_secs.min(started.elapsed().as_secs_f64());
        index_cpu = index_cpu.min(cpu_seconds() - cpu);
    }
    let mut terms = Vec::new();
    let cpu = cpu_seconds();
    for q in x_test.rows() {
        model.top_contributions(q, 5, &mut terms);
    }
    let explain_cpu = cpu_seconds() - cpu;

    // Brute force: a dense copy of each query dotted with every training row.
    let brute_n = x_test.n_rows().min(200);
    let mut dense = vec![0.0f64; x_train.n_cols()];
    let mut brute_top = Vec::new();
    let cpu = cpu_seconds();
    for q in x_test.rows().take(brute_n) {
        scatter(&mut dense, q, true);
        let mut sims: Vec<(f64, usize)> = x_train
            .rows()
            .enumerate()
            .map(|(r, row)| (row.dot(&dense), r))
            .filter(|s| s.0 > 0.0)
            .collect();
        sims.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        sims.truncate(10);
        brute_top.push(sims);
        scatter(&mut dense, q, false);
    }
    let brute_cpu = (cpu_seconds() - cpu) * x_test.n_rows() as f64 / brute_n as f64;
    let mut nb = Vec::new();
    for (q, want) in x_test.rows().zip(&brute_top) {
        knn.nearest(q, &mut nb);
        let got: Vec<usize> = nb.iter().map(|n| n.row as usize).collect();
        let want: Vec<usize> = want.iter().map(|s| s.1).collect();
        assert_eq!(got, want, "index and brute force disagree");
    }
    let mut df = vec![0usize; x_train.n_cols()];
    for row in x_train.rows() {
        for &j in row.indices {
            df[j as usize] += 1;
        }
    }
    let postings: usize = x_test
        .rows()
        .map(|q| q.indices.iter().map(|&j| df[j as usize]).sum::<usize>())
        .sum();

    let started = Instant::now();
    let json = serde_json::to_vec(&model).expect("serialise");
    let save = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let back: ClassifierModel = serde_json::from_slice(&json).expect("load");
    let load = started.elapsed().as_secs_f64();
    assert_eq!(back, model);
    let positives = scores.iter().filter(|&&p| p >= 0.5).count();
    println!(
        "knn {name}: fold 1/10, {} training rows ({} nonzeros, {} features), {} queries \
         ({:.0} postings per query on average)\n\
         fit (copy + index) {fit:.3} s; scoring {index_cpu:.3} s CPU, {index_secs:.3} s wall \
         ({:.0} queries per CPU second), top terms {explain_cpu:.3} s CPU; brute force \
         ~{brute_cpu:.2} s CPU (extrapolated from {brute_n} queries, same neighbours); \
         {positives} test rows at p >= 0.5\n\
         model JSON {:.1} MB ({:.1} bytes per nonzero), serialise {save:.2} s, load + index \
         {load:.2} s; peak RSS {:.0} MiB",
        x_train.n_rows(),
        x_train.nnz(),
        x_train.n_cols(),
        x_test.n_rows(),
        postings as f64 / x_test.n_rows() as f64,
        x_test.n_rows() as f64 / index_cpu,
        json.len() as f64 / 1e6,
        json.len() as f64 / x_train.nnz() as f64,
        common::peak_rss_mib(),
    );
}

/// CPU time of the calling thread in seconds (`/proc/thread-self/schedstat`, Linux), so a
/// busy machine does not inflate the figure; 0 when unknown.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e9)
}

fn scatter(dense: &mut [f64], q: SparseRow<'_>, set: bool) {
    for (&j, &v) in q.indices.iter().zip(q.values) {
        dense[j as usize] = if set { f64::from(v) } else { 0.0 };
    }
}
