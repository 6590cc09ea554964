//! Property tests of the metrics (against naive reference implementations), the fold
//! assignment, and the model file round trip of every classifier.

use proptest::prelude::*;
use secdisc_features::TfidfParams;
use secdisc_model::{ClassifierInfo, ClassifierModel, Manifest, ModelBundle, TrainingData};
use secdisc_train::metrics::{average_precision, evaluate, roc_auc, Confusion};
use secdisc_train::{
    ClassifierParams, DecisionTreeParams, FastTextParams, Folds, KnnParams, LinfaLogisticParams,
    LogisticRegressionParams, NaiveBayesParams, RandomForestParams, SvmParams,
};

// ---------------------------------------------------------------------------------------------
// Metrics

/// Scores from a small set, so ties are common; `-0.0` and `0.0` both appear (equal, but
/// ordered apart by `total_cmp`).
fn scored() -> impl Strategy<Value = Vec<(f64, bool)>> {
    let score = prop_oneof![
        prop::sample::select(vec![-0.0, 0.0, 0.1, 0.25, 0.5, 0.75, 1.0]),
        0.0f64..1.0,
    ];
    prop::collection::vec((score, any::<bool>()), 0..40)
}

fn split(data: &[(f64, bool)]) -> (Vec<f64>, Vec<bool>) {
    data.iter().copied().unzip()
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// ROC AUC as the probability that a random positive outscores a random negative, ties half:
/// every pair counted.
fn naive_auc(scores: &[f64], labels: &[bool]) -> f64 {
    let (mut wins, mut pairs) = (0.0, 0.0);
    for (i, &si) in scores.iter().enumerate() {
        for (j, &sj) in scores.iter().enumerate() {
            if labels[i] && !labels[j] {
                pairs += 1.0;
                if si > sj {
                    wins += 1.0;
                } else if si == sj {
                    wins += 0.5;
                }
            }
        }
    }
    if pairs == 0.0 {
        f64::NAN
    } else {
        wins / pairs
    }
}

/// Average precision straight from the definition: for each distinct score `t`, from the
/// highest down, precision and recall of `score >= t`; sum of recall steps times precision.
fn naive_ap(scores: &[f64], labels: &[bool]) -> f64 {
    let p = labels.iter().filter(|&&l| l).count();
    if p == 0 {
        return f64::NAN;
    }
    let mut thresholds: Vec<f64> = scores.to_vec();
    thresholds.sort_by(|a, b| b.partial_cmp(a).unwrap());
    thresholds.dedup_by(|a, b| a == b);
    let (mut ap, mut prev) = (0.0, 0.0);
    for t in thresholds {
        let c = Confusion::at_threshold(scores, labels, t);
        let recall = c.tp as f64 / p as f64;
        ap += (recall - prev) * ratio(c.tp, c.tp + c.fp);
        prev = recall;
    }
    ap
}

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() < 1e-12
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Counts, rates, F1, G-mean and MCC against hand-written formulas, at thresholds below all
    /// scores (everything predicted positive), above all (nothing predicted), and in between.
    #[test]
    fn confusion_metrics_match_naive_formulas(
        data in scored(),
        threshold in prop::sample::select(vec![-1.0, 0.0, 0.3, 0.5, 1.0, 2.0]),
    ) {
        let (scores, labels) = split(&data);
        let (set, c) = evaluate(&scores, &labels, threshold);
        let count = |pred: bool, truth: bool| {
            data.iter().filter(|&&(s, l)| (s >= threshold) == pred && l == truth).count()
        };
        let (tp, fp, tn, fn_) = (count(true, true), count(true, false), count(false, false), count(false, true));
        prop_assert_eq!(c, Confusion { tp, fp, tn, fn_ });
        prop_assert_eq!(tp + fp + tn + fn_, data.len());
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, tp + fn_);
        let specificity = ratio(tn, tn + fp);
        let f1 = if tp == 0 { 0.0 } else { 2.0 * tp as f64 / (2 * tp + fp + fn_) as f64 };
        let mcc = {
            let margins = [tp + fp, tp + fn_, tn + fp, tn + fn_];
            if margins.contains(&0) {
                0.0
            } else {
                let num = tp as f64 * tn as f64 - fp as f64 * fn_ as f64;
                num / margins.iter().map(|&m| (m as f64).sqrt()).product::<f64>()
            }
        };
        prop_assert!(close(set.precision, precision), "precision {} vs {}", set.precision, precision);
        prop_assert!(close(set.recall, recall));
        prop_assert!(close(c.specificity(), specificity));
        prop_assert!(close(set.f1, f1), "f1 {} vs {}", set.f1, f1);
        prop_assert!(close(set.gmean, (recall * specificity).sqrt()));
        prop_assert!(close(set.mcc, mcc), "mcc {} vs {}", set.mcc, mcc);
        prop_assert!((-1.0..=1.0).contains(&set.mcc));
        for v in [set.precision, set.recall, set.f1, set.gmean] {
            prop_assert!((0.0..=1.0).contains(&v));
        }
    }

    /// ROC AUC equals the pairwise count with ties as half; NaN exactly when a class is absent.
    #[test]
    fn roc_auc_matches_pairwise_count(data in scored()) {
        let (scores, labels) = split(&data);
        let auc = roc_auc(&scores, &labels);
        let naive = naive_auc(&scores, &labels);
        prop_assert!(close(auc, naive), "auc {} vs naive {}", auc, naive);
        let one_class = labels.iter().all(|&l| l) || labels.iter().all(|&l| !l);
        prop_assert_eq!(auc.is_nan(), one_class);
    }

    /// Average precision equals the threshold-by-threshold definition; NaN without positives.
    #[test]
    fn average_precision_matches_definition(data in scored()) {
        let (scores, labels) = split(&data);
        let ap = average_precision(&scores, &labels);
        prop_assert!(close(ap, naive_ap(&scores, &labels)), "ap {} vs {}", ap, naive_ap(&scores, &labels));
        prop_assert_eq!(ap.is_nan(), !labels.contains(&true));
        if !ap.is_nan() {
            prop_assert!((0.0..=1.0 + 1e-12).contains(&ap));
        }
    }
}

#[test]
fn metrics_of_degenerate_inputs() {
    // All one score: AUC is one half, AP is the positive rate.
    let labels = [true, false, false, true];
    assert_eq!(roc_auc(&[0.5; 4], &labels), 0.5);
    assert_eq!(average_precision(&[0.5; 4], &labels), 0.5);
    // Nothing predicted positive: precision, recall, F1 and MCC are 0, not NaN.
    let (set, c) = evaluate(&[0.1, 0.2, 0.3, 0.4], &labels, 0.9);
    assert_eq!((c.tp, c.fp, c.tn, c.fn_), (0, 0, 2, 2));
    assert_eq!(
        (set.precision, set.recall, set.f1, set.mcc),
        (0.0, 0.0, 0.0, 0.0)
    );
    // All one class: AUC undefined; AP undefined without positives, 1 with only positives.
    assert!(roc_auc(&[0.1, 0.9], &[true, true]).is_nan());
    assert!(average_precision(&[0.1, 0.9], &[false, false]).is_nan());
    assert_eq!(average_precision(&[0.1, 0.9], &[true, true]), 1.0);
    // Empty input.
    assert!(roc_auc(&[], &[]).is_nan());
    let (set, _) = evaluate(&[], &[], 0.5);
    assert_eq!((set.precision, set.recall, set.f1), (0.0, 0.0, 0.0));
}

// ---------------------------------------------------------------------------------------------
// Folds

/// Checks that hold for every successful assignment: each row is in exactly one test fold,
/// train is the complement, rows of one group share a fold, and each fold holds both classes.
fn check_partition(folds: &Folds, labels: &[bool], groups: &[Option<String>], k: usize) {
    assert_eq!(folds.k(), k);
    assert_eq!(folds.fold_of().len(), labels.len());
    let mut seen = vec![0usize; labels.len()];
    for f in 0..k {
        let (train, test) = folds.split(f);
        assert_eq!(train.len() + test.len(), labels.len());
        for &r in &test {
            seen[r] += 1;
            assert_eq!(folds.fold_of()[r], f);
        }
        assert!(train.iter().all(|&r| folds.fold_of()[r] != f));
        assert!(test.iter().any(|&r| labels[r]), "fold {f} without security");
        assert!(
            test.iter().any(|&r| !labels[r]),
            "fold {f} without non-security"
        );
    }
    assert!(
        seen.iter().all(|&n| n == 1),
        "a row is not in exactly one test fold"
    );
    for a in 0..labels.len() {
        for b in 0..labels.len() {
            if groups[a].is_some() && groups[a] == groups[b] {
                assert_eq!(folds.fold_of()[a], folds.fold_of()[b], "group split");
            }
        }
    }
}

fn class_counts(folds: &Folds, labels: &[bool], class: bool) -> Vec<usize> {
    let mut counts = vec![0; folds.k()];
    for (r, &f) in folds.fold_of().iter().enumerate() {
        if labels[r] == class {
            counts[f] += 1;
        }
    }
    counts
}

fn as_refs(groups: &[Option<String>]) -> Vec<Option<&str>> {
    groups.iter().map(|g| g.as_deref()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Without groups: it succeeds exactly when each class has at least `k` rows, and each
    /// fold's count of each class is ⌊c/k⌋ or ⌈c/k⌉ (within one of the ideal share c/k).
    #[test]
    fn folds_without_groups_are_balanced(
        labels in prop::collection::vec(any::<bool>(), 0..80),
        k in 2usize..6,
        seed in any::<u64>(),
    ) {
        let groups = vec![None; labels.len()];
        let result = Folds::stratified(&labels, &as_refs(&groups), k, seed);
        let pos = labels.iter().filter(|&&l| l).count();
        let neg = labels.len() - pos;
        prop_assert_eq!(result.is_ok(), pos >= k && neg >= k);
        let Ok(folds) = result else { return Ok(()) };
        check_partition(&folds, &labels, &groups, k);
        for (class, total) in [(true, pos), (false, neg)] {
            for c in class_counts(&folds, &labels, class) {
                prop_assert!(c == total / k || c == total.div_ceil(k), "{} of {} in one of {} folds", c, total, k);
            }
        }
        prop_assert_eq!(Folds::stratified(&labels, &as_refs(&groups), k, seed).unwrap(), folds);
    }

    /// Groups of one class each (threads whose rows share a label): groups stay whole, and each
    /// class's fold counts differ by at most the size of its largest group (so each is within
    /// that size of the ideal share; with groups of one row this is the case above).
    #[test]
    fn folds_with_single_class_groups_stay_within_largest_group(
        rows in prop::collection::vec((any::<bool>(), 0usize..6), 0..80),
        k in 2usize..5,
        seed in any::<u64>(),
    ) {
        let labels: Vec<bool> = rows.iter().map(|r| r.0).collect();
        let groups: Vec<Option<String>> = rows
            .iter()
            .enumerate()
            .map(|(i, &(l, g))| if g == 0 { None } else if l { Some(format!("p{g}")) } else { Some(format!("n{g}.{}", i % 2)) })
            .collect();
        let Ok(folds) = Folds::stratified(&labels, &as_refs(&groups), k, seed) else { return Ok(()) };
        check_partition(&folds, &labels, &groups, k);
        for class in [true, false] {
            let mut sizes = std::collections::HashMap::new();
            for (r, g) in groups.iter().enumerate() {
                if labels[r] == class {
                    *sizes.entry(g.clone().unwrap_or_else(|| format!("row{r}"))).or_insert(0usize) += 1;
                }
            }
            let largest = sizes.values().copied().max().unwrap_or(0);
            let counts = class_counts(&folds, &labels, class);
            let spread = counts.iter().max().unwrap() - counts.iter().min().unwrap();
            prop_assert!(spread <= largest, "class {} counts {:?}, largest group {}", class, counts, largest);
        }
    }

    /// Mixed groups (a thread can hold both classes): the implementation promises only whole
    /// groups, a partition, and both classes in every fold (or an error saying which is empty).
    #[test]
    fn folds_with_mixed_groups_keep_groups_whole(
        rows in prop::collection::vec((any::<bool>(), prop::option::of(0usize..8)), 0..80),
        k in 2usize..5,
        seed in any::<u64>(),
    ) {
        let labels: Vec<bool> = rows.iter().map(|r| r.0).collect();
        let groups: Vec<Option<String>> = rows.iter().map(|r| r.1.map(|g| format!("t{g}"))).collect();
        if let Ok(folds) = Folds::stratified(&labels, &as_refs(&groups), k, seed) {
            check_partition(&folds, &labels, &groups, k);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Model file round trip

const SEC: [&str; 6] = ["jwt", "signature", "xss", "csrf", "token", "leak"];
const OTHER: [&str; 6] = ["layout", "typo", "readme", "kafka", "helm", "button"];

fn labelled_docs() -> impl Strategy<Value = Vec<(String, bool)>> {
    let doc = any::<bool>().prop_flat_map(|label| {
        let words = if label { &SEC[..] } else { &OTHER[..] };
        let word = prop_oneof![
            4 => prop::sample::select(words).prop_map(str::to_string),
            1 => prop::sample::select(&SEC[..]).prop_map(str::to_string),
            1 => prop::sample::select(&OTHER[..]).prop_map(str::to_string),
            1 => "[a-z]{2,6}",
        ];
        (
            prop::collection::vec(word, 1..8).prop_map(|w| w.join(" ")),
            Just(label),
        )
    });
    prop::collection::vec(doc, 8..30).prop_filter("both classes, 3+ each", |d| {
        let p = d.iter().filter(|x| x.1).count();
        p >= 3 && d.len() - p >= 3
    })
}

/// Every classifier, with small settings so the test stays fast.
fn every_classifier() -> Vec<ClassifierParams> {
    #[allow(unused_mut)]
    let mut all = vec![
        ClassifierParams::Lr(LogisticRegressionParams::default()),
        ClassifierParams::Svm(SvmParams::default()),
        ClassifierParams::Nb(NaiveBayesParams::default()),
        ClassifierParams::Knn(KnnParams::default().k(3)),
        ClassifierParams::LinfaLr(LinfaLogisticParams::default().select_k(20)),
        ClassifierParams::Dt(DecisionTreeParams::default().select_k(20)),
        ClassifierParams::Rf(RandomForestParams::default().select_k(20).n_trees(3)),
        ClassifierParams::FastText(FastTextParams::default().dim(4).epochs(3)),
        ClassifierParams::Ensemble(vec![
            ClassifierParams::Lr(LogisticRegressionParams::default()),
            ClassifierParams::Nb(NaiveBayesParams::default()),
        ]),
    ];
    // cnn and bilstm train only with the `deep` feature (candle); their forward passes are in
    // the features crate, so the round trip itself needs no feature.
    #[cfg(feature = "deep")]
    all.extend([
        ClassifierParams::Cnn(
            secdisc_train::CnnParams::default()
                .embedding_dim(4)
                .filters(3)
                .max_len(SEQUENCE_LEN)
                .epochs(1),
        ),
        ClassifierParams::BiLstm(
            secdisc_train::BiLstmParams::default()
                .embedding_dim(4)
                .hidden(3)
                .max_len(SEQUENCE_LEN)
                .epochs(1),
        ),
    ]);
    all
}

/// Words of each text kept in order for the sequence models.
const SEQUENCE_LEN: usize = 16;

/// How many `ClassifierModel` variants `every_classifier` produces.
const VARIANTS: usize = if cfg!(feature = "deep") { 7 } else { 5 };

fn manifest(name: &str) -> Manifest {
    Manifest {
        secdisc_version: "test".into(),
        seed: 7,
        training_data: TrainingData {
            name: "generated".into(),
            sha256: "0".repeat(64),
            rows: 0,
            positives: 0,
            negatives: 0,
        },
        classifier: ClassifierInfo {
            name: name.into(),
            params: serde_json::Value::Null,
        },
        cv: None,
    }
}

fn variant(model: &ClassifierModel) -> &'static str {
    match model {
        ClassifierModel::Linear { .. } => "linear",
        ClassifierModel::Ensemble { .. } => "ensemble",
        ClassifierModel::Knn(_) => "knn",
        ClassifierModel::Forest(_) => "forest",
        ClassifierModel::EmbeddingBag { .. } => "embedding-bag",
        ClassifierModel::Cnn { .. } => "cnn",
        ClassifierModel::BiLstm { .. } => "bilstm",
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Save then load gives an equal classifier, the same bytes again, and bit-identical
    /// probabilities on every training row and on unseen text; every variant is covered.
    #[test]
    fn every_classifier_survives_save_and_load(docs in labelled_docs(), seed in any::<u64>()) {
        let texts: Vec<&str> = docs.iter().map(|d| d.0.as_str()).collect();
        let labels: Vec<bool> = docs.iter().map(|d| d.1).collect();
        let vectorizer = TfidfParams::default().min_df(1).check().unwrap().fit(&texts).unwrap();
        let x = vectorizer.transform_with(&texts, Some(SEQUENCE_LEN));
        let dir = tempfile::tempdir().unwrap();
        let mut variants = std::collections::BTreeSet::new();
        let unseen = ["jwt layout zzz", "", "csrf csrf token typo"];
        for params in every_classifier() {
            let model = params.fit(&x, &labels, seed).unwrap();
            variants.insert(variant(&model));
            let bundle = ModelBundle::new(manifest(params.name()), vectorizer.clone(), model, 0.5).unwrap();
            let path = dir.path().join(format!("{}.json", params.name()));
            bundle.save(&path).unwrap();
            let loaded = ModelBundle::load(&path).unwrap();
            prop_assert_eq!(&loaded.classifier, &bundle.classifier, "{} changed on load", params.name());
            prop_assert_eq!(loaded.to_json(), bundle.to_json());
            let before = bundle.vectorizer.transform_with(&texts, Some(SEQUENCE_LEN));
            let after = loaded.vectorizer.transform_with(&texts, Some(SEQUENCE_LEN));
            prop_assert_eq!(&before, &after);
            for i in 0..before.n_rows() {
                let (a, b) = (bundle.classifier.probability(before.row(i)), loaded.classifier.probability(after.row(i)));
                prop_assert_eq!(a.to_bits(), b.to_bits(), "{} row {}: {} vs {}", params.name(), i, a, b);
            }
            for text in unseen {
                let (a, b) = (bundle.vectorizer.transform_one(text), loaded.vectorizer.transform_one(text));
                prop_assert_eq!(&a, &b);
                prop_assert_eq!(
                    bundle.classifier.probability(a.row(0)).to_bits(),
                    loaded.classifier.probability(b.row(0)).to_bits()
                );
            }
        }
        prop_assert_eq!(variants.len(), VARIANTS, "variants covered: {:?}", variants);
    }
}
