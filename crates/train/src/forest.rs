//! `dt` and `rf`: linfa-trees decision trees on chi²-selected features, converted into
//! secdisc's own [`DecisionForest`] over the full feature space.
//!
//! linfa-trees takes dense `ndarray` matrices only, so the top `select_k` columns by
//! [`Chi2Selection`] are densified first. Each fitted linfa tree is converted node by node:
//! a split keeps its linfa threshold and names its column in the FULL feature space, and rows
//! go left when their value is `< threshold`, linfa's prediction rule. The model file holds a
//! [`ClassifierModel::Forest`], so inference never links linfa.
//!
//! **Leaf probabilities.** linfa-trees keeps only each leaf's majority class, not its class
//! counts. The conversion routes the tree's own training rows through the converted tree (the
//! partition linfa's fit made) and stores at every node the Laplace-smoothed weighted
//! frequency `(W₊ + 1) / (W₊ + W₋ + 2)`, with weights in units of one row of the lighter class.
//! Smoothing is symmetric, so a leaf's probability is above ½ exactly when linfa predicts
//! security there. A forest's probability is the mean over its trees.
//!
//! **Class imbalance.** linfa-trees honours sample weights (in its class frequencies, Gini
//! impurity and `min_weight_leaf`), so class weights ([`ClassWeight`], balanced by default)
//! are computed on the rows each tree is fitted on. `min_samples_leaf` becomes linfa's
//! `min_weight_leaf` in rows of the lighter class: a leaf holds at least that many light rows'
//! weight (a heavier row counts as several); `min_weight_split`, which linfa compares with the
//! unweighted row count, is `2 · min_samples_leaf`. `rf` by default fits each tree on a
//! balanced bootstrap ([`ForestSampling::Balanced`]: as many rows drawn with replacement from
//! each class as the minority has, Chen, Liaw and Breiman 2004); [`ForestSampling::Bootstrap`]
//! draws all `n` rows and relies on the class weights, and is some 40× slower on 1.3% positives.
//!
//! **Determinism.** linfa-trees breaks a tie between the class weights at a node in `HashMap`
//! iteration order, which differs from process to process, and prunes sibling leaves that
//! predict the same class, so a tie could change the tree. Class weights are therefore passed as
//! integers `W₊, W₋` with `gcd(W₊, W₋) = 1` and `W₋ > #positives` (or `W₊ > #negatives`): a
//! tie `a·W₊ = b·W₋` would need `W₋ | a`, impossible with `a ≤ #positives`; sums stay below
//! 2²⁴, where `f32` adds integers exactly. (The integers match the class-weight ratio to about
//! `1/min(W₊, W₋)`; past 2²⁴ the real weights are used.) `rf` draws its rows and columns with
//! [`SplitMix64`] streams seeded per tree from the fit seed, and fits trees in parallel in an
//! order-preserving collect: same seed, same forest, on any number of threads.
//!
//! **Random features.** linfa-trees cannot sample features per split, so each `rf` tree sees a
//! random subset of the selected columns ([`MaxFeatures`]), drawn without replacement before
//! fitting (the random subspace method).

use std::fmt;
use std::str::FromStr;

use linfa::dataset::DatasetBase;
use linfa::traits::Fit;
use linfa_trees::{DecisionTree as LinfaTree, SplitQuality, TreeNode as LinfaNode};
use ndarray::{Array1, Array2};
use rayon::prelude::*;
use secdisc_features::CsrMatrix;
use secdisc_model::{ClassifierModel, DecisionForest, DecisionTree, TreeNode};
use serde::{Deserialize, Serialize};

use crate::chi2::{dense_columns, Chi2Selection};
use crate::error::{Result, TrainError};
use crate::estimator::estimator;
use crate::logistic::{class_weights, ClassWeight};
use secdisc_rng::SplitMix64;

/// Laplace smoothing of node probabilities, in rows of the lighter class.
const LEAF_SMOOTHING: f64 = 1.0;

/// Integer class weights must keep every node's weight sum below this to add exactly in `f32`.
const F32_EXACT_INTEGERS: u64 = 1 << 24;

/// How many of the selected features each `rf` tree sees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MaxFeatures {
    /// `⌊√k⌋` of the `k` selected features (at least 1). The default.
    Sqrt,
    /// `⌊f · k⌋` (at least 1), for `f` in (0, 1].
    Fraction(f64),
}

impl MaxFeatures {
    /// Features per tree out of `k`: at least 1, at most `k`.
    pub fn count(self, k: usize) -> usize {
        let m = match self {
            MaxFeatures::Sqrt => (k as f64).sqrt().floor() as usize,
            MaxFeatures::Fraction(f) => (f * k as f64).floor() as usize,
        };
        m.max(1).min(k)
    }
}

impl FromStr for MaxFeatures {
    type Err = TrainError;

    /// `sqrt` or a fraction in (0, 1].
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        if s == "sqrt" {
            return Ok(MaxFeatures::Sqrt);
        }
        match s.parse::<f64>() {
            Ok(f) if f > 0.0 && f <= 1.0 => Ok(MaxFeatures::Fraction(f)),
            _ => Err(TrainError::InvalidMaxFeatures(s.to_string())),
        }
    }
}

impl fmt::Display for MaxFeatures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MaxFeatures::Sqrt => f.write_str("sqrt"),
            MaxFeatures::Fraction(x) => write!(f, "{x}"),
        }
    }
}

/// Which rows each `rf` tree is fitted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForestSampling {
    /// As many rows drawn with replacement from each class as the minority class has (balanced
    /// random forest). The default.
    Balanced,
    /// `n` rows drawn with replacement from all rows; class weights handle the imbalance.
    Bootstrap,
}

impl ForestSampling {
    /// Every mode, in help order.
    pub const ALL: [ForestSampling; 2] = [ForestSampling::Balanced, ForestSampling::Bootstrap];

    /// The short name users choose it by (`balanced`).
    pub fn name(self) -> &'static str {
        match self {
            ForestSampling::Balanced => "balanced",
            ForestSampling::Bootstrap => "bootstrap",
        }
    }

    /// One line saying what it does, for help texts (no final full stop, as clap prints them).
    pub fn help(self) -> &'static str {
        match self {
            ForestSampling::Balanced => "Per tree, as many rows drawn with replacement from each class as the minority has",
            ForestSampling::Bootstrap => "Per tree, n rows drawn with replacement; class weights handle the imbalance (slower)",
        }
    }
}

/// How one tree is grown (shared by `dt` and `rf`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Growth {
    max_depth: usize,
    min_samples_leaf: usize,
    class_weight: ClassWeight,
}

impl Default for Growth {
    fn default() -> Self {
        Growth {
            max_depth: 20,
            min_samples_leaf: 1,
            class_weight: ClassWeight::Balanced,
        }
    }
}

impl Growth {
    fn check(&self) -> Result<()> {
        if self.max_depth == 0 {
            return Err(TrainError::InvalidMaxDepth(self.max_depth));
        }
        if self.min_samples_leaf == 0 {
            return Err(TrainError::InvalidMinSamplesLeaf(self.min_samples_leaf));
        }
        class_weights(self.class_weight, 1, 1)?;
        Ok(())
    }
}

/// A converted tree; tests also keep what linfa fitted, to compare.
pub(crate) struct GrownTree {
    /// The converted tree, over the full feature space.
    pub(crate) tree: DecisionTree,
    /// linfa's fitted tree.
    #[cfg(test)]
    pub(crate) linfa: LinfaTree<f32, bool>,
    /// The dense rows it was fitted on.
    #[cfg(test)]
    pub(crate) records: Array2<f32>,
    /// Which rows of the sparse matrix those are.
    #[cfg(test)]
    pub(crate) rows: Vec<usize>,
}

impl Growth {
    /// Fit linfa's tree on rows `rows` (repeats allowed) and columns `columns` of `x`, and
    /// convert it.
    fn grow(
        &self,
        x: &CsrMatrix,
        y: &[bool],
        rows: &[usize],
        columns: &[u32],
    ) -> Result<GrownTree> {
        let records: Array2<f32> = dense_columns(x, rows, columns);
        let targets: Vec<bool> = rows.iter().map(|&r| y[r]).collect();
        let positives = targets.iter().filter(|&&l| l).count();
        let (w_pos, w_neg) = tree_weights(self.class_weight, positives, targets.len() - positives)?;
        let light = w_pos.min(w_neg);
        let weights: Array1<f32> = targets
            .iter()
            .map(|&l| if l { w_pos } else { w_neg })
            .collect();
        let data = DatasetBase::new(records, Array1::from(targets)).with_weights(weights);
        let linfa = LinfaTree::<f32, bool>::params()
            .split_quality(SplitQuality::Gini)
            .max_depth(Some(self.max_depth))
            .min_weight_split((2 * self.min_samples_leaf) as f32)
            .min_weight_leaf(self.min_samples_leaf as f32 * light)
            .fit(&data)?;
        let (records, targets) = (data.records, data.targets.to_vec());
        let tree = convert(
            &linfa,
            columns,
            &records,
            &targets,
            f64::from(w_pos / light),
            f64::from(w_neg / light),
        );
        Ok(GrownTree {
            tree,
            #[cfg(test)]
            linfa,
            #[cfg(test)]
            records,
            #[cfg(test)]
            rows: rows.to_vec(),
        })
    }
}

/// Class weights `(security, non-security)` for a tree fitted on `positives` and `negatives`
/// rows: integers with gcd 1 that make ties impossible when they add exactly (see the module
/// docs), else the real weights.
fn tree_weights(mode: ClassWeight, positives: usize, negatives: usize) -> Result<(f32, f32)> {
    if positives == 0 || negatives == 0 {
        // One class only: no tie is possible and the weights do not matter.
        return Ok((1.0, 1.0));
    }
    let (ws, wn) = class_weights(mode, positives, negatives)?;
    Ok(
        match integer_weights(ws / wn, positives as u64, negatives as u64) {
            Some((a, b)) => (a as f32, b as f32),
            None => (ws as f32, wn as f32),
        },
    )
}

/// Integers `(W₊, W₋)` with `W₊ / W₋ ≈ ratio`, `gcd = 1` and `W₋ > p` or `W₊ > n`, whose total
/// `p·W₊ + n·W₋` is below 2²⁴; `None` when no such pair is small enough.
fn integer_weights(ratio: f64, p: u64, n: u64) -> Option<(u64, u64)> {
    let guard_positives = {
        let wn = p + 1;
        (nearest_coprime(ratio * wn as f64, wn), wn)
    };
    let guard_negatives = {
        let wp = n + 1;
        (wp, nearest_coprime(wp as f64 / ratio, wp))
    };
    let total = |(a, b): (u64, u64)| p.saturating_mul(a).saturating_add(n.saturating_mul(b));
    let best = if total(guard_positives) <= total(guard_negatives) {
        guard_positives
    } else {
        guard_negatives
    };
    (total(best) < F32_EXACT_INTEGERS).then_some(best)
}

/// The integer nearest `target` (at least 1) that is coprime with `other`.
fn nearest_coprime(target: f64, other: u64) -> u64 {
    let c = (target.round() as u64).max(1);
    for d in 0.. {
        if gcd(c + d, other) == 1 {
            return c + d;
        }
        if d < c && gcd(c - d, other) == 1 {
            return c - d;
        }
    }
    unreachable!("c + other + 1 is coprime with other")
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// linfa's tree as a [`DecisionTree`]: nodes in pre-order (children after parents), column
/// `k` of `records` renamed `columns[k]`, probabilities from the class weights of `records`'
/// rows routed through it (`w_pos`, `w_neg` per row).
fn convert(
    linfa: &LinfaTree<f32, bool>,
    columns: &[u32],
    records: &Array2<f32>,
    targets: &[bool],
    w_pos: f64,
    w_neg: f64,
) -> DecisionTree {
    // (local column, threshold, left, right) for splits; None for leaves.
    let mut splits: Vec<Option<(usize, f32, u32, u32)>> = vec![None];
    let mut stack: Vec<(&LinfaNode<f32, bool>, usize)> = vec![(linfa.root_node(), 0)];
    while let Some((node, slot)) = stack.pop() {
        if node.is_leaf() {
            continue;
        }
        let children = node.children();
        if let (Some(left), Some(right)) = (children[0], children[1]) {
            let (column, threshold, _) = node.split();
            let l = splits.len();
            splits.extend([None, None]);
            splits[slot] = Some((column, threshold, l as u32, l as u32 + 1));
            stack.push((right, l + 1));
            stack.push((left, l));
        }
    }
    let mut weight = vec![[0.0f64; 2]; splits.len()];
    for (row, &label) in records.rows().into_iter().zip(targets) {
        let mut i = 0;
        loop {
            weight[i][usize::from(label)] += if label { w_pos } else { w_neg };
            match splits[i] {
                Some((k, threshold, left, right)) => {
                    i = if row[k] < threshold { left } else { right } as usize;
                }
                None => break,
            }
        }
    }
    let nodes = splits
        .iter()
        .zip(&weight)
        .map(|(split, &[neg, pos])| {
            let probability = (pos + LEAF_SMOOTHING) / (pos + neg + 2.0 * LEAF_SMOOTHING);
            match *split {
                Some((k, threshold, left, right)) => TreeNode::Split {
                    feature: columns[k],
                    threshold,
                    left,
                    right,
                    probability,
                },
                None => TreeNode::Leaf { probability },
            }
        })
        .collect();
    DecisionTree::new(nodes)
}

fn check_fit_input(x: &CsrMatrix, y: &[bool]) -> Result<()> {
    if x.n_rows() != y.len() {
        return Err(TrainError::LengthMismatch {
            rows: x.n_rows(),
            labels: y.len(),
        });
    }
    Ok(())
}

/// Checked decision tree parameters (build with [`DecisionTreeParams`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionTreeValidParams {
    select_k: usize,
    #[serde(flatten)]
    growth: Growth,
}

/// Unchecked decision tree parameters.
///
/// ```
/// use secdisc_features::CsrMatrix;
/// use secdisc_train::DecisionTreeParams;
/// let mut x = CsrMatrix::new(2);
/// for i in 0..20 {
///     x.push_row(&[i % 2], &[1.0]);
/// }
/// let y: Vec<bool> = (0..20).map(|i| i % 2 == 0).collect();
/// let model = DecisionTreeParams::default().check()?.fit(&x, &y)?;
/// assert!(model.probability(x.row(0)) > 0.9 && model.probability(x.row(1)) < 0.1);
/// # Ok::<(), secdisc_train::TrainError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DecisionTreeParams(DecisionTreeValidParams);

impl Default for DecisionTreeParams {
    fn default() -> Self {
        DecisionTreeParams(DecisionTreeValidParams {
            select_k: 500,
            growth: Growth::default(),
        })
    }
}

impl DecisionTreeParams {
    /// Number of chi²-selected features the tree may split on. Default 500: linfa-trees scans
    /// every row of every feature at every node, so a fit costs `nodes × k × n`; one tree on
    /// the matomo issues (17,060 rows, ~500 nodes) takes 17 s at 500 and 67 s at 2000.
    pub fn select_k(mut self, k: usize) -> Self {
        self.0.select_k = k;
        self
    }

    /// Deepest level of splits (the root is depth 0). Default 20.
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.0.growth.max_depth = depth;
        self
    }

    /// Smallest leaf, in rows of the lighter class (see the module docs). Default 1.
    pub fn min_samples_leaf(mut self, n: usize) -> Self {
        self.0.growth.min_samples_leaf = n;
        self
    }

    /// Class weighting, as linfa sample weights. Default [`ClassWeight::Balanced`].
    pub fn class_weight(mut self, w: ClassWeight) -> Self {
        self.0.growth.class_weight = w;
        self
    }

    /// Validate.
    ///
    /// # Errors
    ///
    /// [`TrainError::InvalidSelectK`], [`TrainError::InvalidMaxDepth`],
    /// [`TrainError::InvalidMinSamplesLeaf`] or [`TrainError::InvalidClassWeight`] with the bad
    /// value.
    pub fn check(self) -> Result<DecisionTreeValidParams> {
        if self.0.select_k == 0 {
            return Err(TrainError::InvalidSelectK(self.0.select_k));
        }
        self.0.growth.check()?;
        Ok(self.0)
    }
}

impl DecisionTreeValidParams {
    /// Fit one tree on all rows and store it as a forest of one.
    ///
    /// # Errors
    ///
    /// [`TrainError::LengthMismatch`], [`TrainError::SingleClass`], or linfa's error.
    pub fn fit(&self, x: &CsrMatrix, y: &[bool]) -> Result<ClassifierModel> {
        let grown = self.grow(x, y)?;
        Ok(ClassifierModel::Forest(DecisionForest::new(
            x.n_cols(),
            vec![grown.tree],
        )?))
    }

    pub(crate) fn grow(&self, x: &CsrMatrix, y: &[bool]) -> Result<GrownTree> {
        check_fit_input(x, y)?;
        let selection = Chi2Selection::fit(x, y, self.select_k)?;
        let rows: Vec<usize> = (0..y.len()).collect();
        self.growth.grow(x, y, &rows, selection.columns())
    }
}

/// Checked random forest parameters (build with [`RandomForestParams`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandomForestValidParams {
    select_k: usize,
    n_trees: usize,
    max_features: MaxFeatures,
    sampling: ForestSampling,
    #[serde(flatten)]
    growth: Growth,
}

/// Unchecked random forest parameters.
///
/// ```
/// use secdisc_features::CsrMatrix;
/// use secdisc_train::RandomForestParams;
/// let mut x = CsrMatrix::new(2);
/// for i in 0..40 {
///     x.push_row(&[i % 2], &[1.0]);
/// }
/// let y: Vec<bool> = (0..40).map(|i| i % 2 == 0).collect();
/// let model = RandomForestParams::default().n_trees(10).check()?.fit(&x, &y, 7)?;
/// assert!(model.probability(x.row(0)) > 0.5 && model.probability(x.row(1)) < 0.5);
/// # Ok::<(), secdisc_train::TrainError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RandomForestParams(RandomForestValidParams);

impl Default for RandomForestParams {
    fn default() -> Self {
        RandomForestParams(RandomForestValidParams {
            select_k: 2000,
            n_trees: 100,
            max_features: MaxFeatures::Sqrt,
            sampling: ForestSampling::Balanced,
            growth: Growth::default(),
        })
    }
}

impl RandomForestParams {
    /// Number of chi²-selected features the trees draw theirs from. Default 2000.
    pub fn select_k(mut self, k: usize) -> Self {
        self.0.select_k = k;
        self
    }

    /// Number of trees. Default 100.
    pub fn n_trees(mut self, n: usize) -> Self {
        self.0.n_trees = n;
        self
    }

    /// Features per tree. Default [`MaxFeatures::Sqrt`].
    pub fn max_features(mut self, m: MaxFeatures) -> Self {
        self.0.max_features = m;
        self
    }

    /// Rows per tree. Default [`ForestSampling::Balanced`].
    pub fn sampling(mut self, s: ForestSampling) -> Self {
        self.0.sampling = s;
        self
    }

    /// Deepest level of splits of each tree. Default 20.
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.0.growth.max_depth = depth;
        self
    }

    /// Smallest leaf, in rows of the lighter class. Default 1.
    pub fn min_samples_leaf(mut self, n: usize) -> Self {
        self.0.growth.min_samples_leaf = n;
        self
    }

    /// Class weighting of each tree's rows. Default [`ClassWeight::Balanced`] (with balanced
    /// sampling the classes are already equal, so this changes nothing unless custom).
    pub fn class_weight(mut self, w: ClassWeight) -> Self {
        self.0.growth.class_weight = w;
        self
    }

    /// Validate.
    ///
    /// # Errors
    ///
    /// [`TrainError::InvalidSelectK`], [`TrainError::InvalidTrees`],
    /// [`TrainError::InvalidMaxFeatures`], [`TrainError::InvalidMaxDepth`],
    /// [`TrainError::InvalidMinSamplesLeaf`] or [`TrainError::InvalidClassWeight`].
    pub fn check(self) -> Result<RandomForestValidParams> {
        let p = &self.0;
        if p.select_k == 0 {
            return Err(TrainError::InvalidSelectK(p.select_k));
        }
        if p.n_trees == 0 {
            return Err(TrainError::InvalidTrees(p.n_trees));
        }
        if let MaxFeatures::Fraction(f) = p.max_features {
            if !(f > 0.0 && f <= 1.0) {
                return Err(TrainError::InvalidMaxFeatures(f.to_string()));
            }
        }
        p.growth.check()?;
        Ok(self.0)
    }
}

impl RandomForestValidParams {
    /// Fit `n_trees` trees, each on its own sample of rows and of the selected columns drawn
    /// from `seed`, in parallel; the result does not depend on the thread count.
    ///
    /// # Errors
    ///
    /// [`TrainError::LengthMismatch`], [`TrainError::SingleClass`], or linfa's error.
    pub fn fit(&self, x: &CsrMatrix, y: &[bool], seed: u64) -> Result<ClassifierModel> {
        let trees = self.grow(x, y, seed)?.into_iter().map(|g| g.tree).collect();
        Ok(ClassifierModel::Forest(DecisionForest::new(
            x.n_cols(),
            trees,
        )?))
    }

    pub(crate) fn grow(&self, x: &CsrMatrix, y: &[bool], seed: u64) -> Result<Vec<GrownTree>> {
        check_fit_input(x, y)?;
        let selection = Chi2Selection::fit(x, y, self.select_k)?;
        let selected = selection.columns();
        let per_tree = self.max_features.count(selected.len());
        let (pos, neg): (Vec<usize>, Vec<usize>) = (0..y.len()).partition(|&i| y[i]);
        let mut master = SplitMix64::new(seed);
        let seeds: Vec<u64> = (0..self.n_trees).map(|_| master.next_u64()).collect();
        seeds
            .par_iter()
            .map(|&s| {
                let mut rng = SplitMix64::new(s);
                let rows: Vec<usize> = match self.sampling {
                    ForestSampling::Balanced => {
                        let m = pos.len().min(neg.len());
                        let draw = |rng: &mut SplitMix64, from: &[usize]| -> Vec<usize> {
                            (0..m).map(|_| from[rng.below(from.len())]).collect()
                        };
                        let mut rows = draw(&mut rng, &pos);
                        rows.extend(draw(&mut rng, &neg));
                        rows
                    }
                    ForestSampling::Bootstrap => (0..y.len()).map(|_| rng.below(y.len())).collect(),
                };
                let mut columns = selected.to_vec();
                for i in 0..per_tree {
                    let j = i + rng.below(columns.len() - i);
                    columns.swap(i, j);
                }
                columns.truncate(per_tree);
                columns.sort_unstable();
                self.growth.grow(x, y, &rows, &columns)
            })
            .collect()
    }
}

estimator!(DecisionTreeParams => DecisionTreeValidParams,
    check = |p| p.clone().check(),
    grid = ("max_depth", &[5usize, 10, 20, 40], DecisionTreeParams::max_depth),
    fit = |v, x, y, _seed| v.fit(x, y));

estimator!(RandomForestParams => RandomForestValidParams,
    check = |p| p.clone().check(),
    grid = ("max_depth", &[10usize, 20, 40], RandomForestParams::max_depth),
    fit = |v, x, y, seed| v.fit(x, y, seed));

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::traits::Predict;

    /// Noisy imbalanced data over 30 features: 0–4 lean security, 5–9 lean non-security, the
    /// rest are noise.
    fn noisy(n: usize, positives: usize, seed: u64) -> (CsrMatrix, Vec<bool>) {
        let mut rng = SplitMix64::new(seed);
        let mut x = CsrMatrix::new(30);
        let mut y = Vec::new();
        for i in 0..n {
            let label = i % (n / positives) == 0;
            let (mut idx, mut val) = (Vec::new(), Vec::new());
            for j in 0..30u32 {
                let pct = match (j, label) {
                    (0..=4, true) | (5..=9, false) => 45,
                    (0..=9, _) => 8,
                    _ => 15,
                };
                if rng.below(100) < pct {
                    idx.push(j);
                    val.push(0.1 + rng.below(90) as f32 / 100.0);
                }
            }
            x.push_row(&idx, &val);
            y.push(label);
        }
        (x, y)
    }

    /// linfa's class and the converted tree's (probability above ½, scored on the sparse
    /// rows over the full feature space) agree on every row the tree was fitted on.
    fn assert_agrees_with_linfa(x: &CsrMatrix, g: &GrownTree) {
        let linfa: Array1<bool> = g.linfa.predict(&g.records);
        assert_eq!(linfa.len(), g.rows.len());
        for (&r, &want) in g.rows.iter().zip(&linfa) {
            let p = g.tree.probability(x.row(r));
            assert_ne!(p, 0.5, "row {r}: a tie");
            assert_eq!(p > 0.5, want, "row {r}: probability {p}, linfa says {want}");
        }
    }

    fn auc(scores: &[f64], y: &[bool]) -> f64 {
        let (mut pairs, mut wins) = (0.0, 0.0);
        for (s, &a) in scores.iter().zip(y) {
            for (t, &b) in scores.iter().zip(y) {
                if a && !b {
                    pairs += 1.0;
                    wins += if s > t {
                        1.0
                    } else if s == t {
                        0.5
                    } else {
                        0.0
                    };
                }
            }
        }
        wins / pairs
    }

    #[test]
    fn converted_trees_predict_linfas_class_on_every_training_row() {
        let (x, y) = noisy(400, 20, 1);
        for weight in [ClassWeight::Balanced, ClassWeight::Uniform] {
            let dt = DecisionTreeParams::default()
                .select_k(20)
                .class_weight(weight)
                .check()
                .unwrap();
            let g = dt.grow(&x, &y).unwrap();
            assert!(g.tree.nodes().len() > 3, "{weight:?}: a stump");
            assert_agrees_with_linfa(&x, &g);
        }
        for sampling in [ForestSampling::Balanced, ForestSampling::Bootstrap] {
            let rf = RandomForestParams::default()
                .n_trees(8)
                .select_k(20)
                .max_features(MaxFeatures::Fraction(0.5))
                .sampling(sampling)
                .check()
                .unwrap();
            for g in rf.grow(&x, &y, 3).unwrap() {
                assert_eq!(g.records.ncols(), 10);
                assert_agrees_with_linfa(&x, &g);
            }
        }
    }

    #[test]
    fn splits_name_full_space_features_and_forests_rank_well() {
        let (x, y) = noisy(600, 30, 2);
        let dt = DecisionTreeParams::default().select_k(12).check().unwrap();
        let g = dt.grow(&x, &y).unwrap();
        let selected = Chi2Selection::fit(&x, &y, 12).unwrap();
        for node in g.tree.nodes() {
            if let TreeNode::Split { feature, .. } = node {
                assert!(selected.columns().contains(feature), "{feature}");
            }
        }
        let (xt, yt) = noisy(600, 30, 99);
        let rf = RandomForestParams::default()
            .n_trees(50)
            .select_k(20)
            .check()
            .unwrap();
        let model = rf.fit(&x, &y, 5).unwrap();
        let scores: Vec<f64> = xt.rows().map(|r| model.probability(r)).collect();
        let a = auc(&scores, &yt);
        assert!(a > 0.85, "held-out AUC {a}");
        let tree = dt.fit(&x, &y).unwrap();
        let scores: Vec<f64> = xt.rows().map(|r| tree.probability(r)).collect();
        assert!(auc(&scores, &yt) > 0.6);
    }

    #[test]
    fn same_seed_same_forest_on_any_thread_count() {
        let (x, y) = noisy(300, 15, 4);
        let rf = RandomForestParams::default()
            .n_trees(12)
            .select_k(15)
            .check()
            .unwrap();
        let fit_on = |threads: usize, seed: u64| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| rf.fit(&x, &y, seed).unwrap())
        };
        let a = fit_on(1, 8);
        assert_eq!(a, fit_on(2, 8));
        assert_eq!(a, fit_on(3, 8));
        assert_ne!(a, fit_on(2, 9));
        let dt = DecisionTreeParams::default().check().unwrap();
        assert_eq!(dt.fit(&x, &y).unwrap(), dt.fit(&x, &y).unwrap());
    }

    #[test]
    fn max_features_parse_and_count() {
        assert_eq!("sqrt".parse::<MaxFeatures>().unwrap(), MaxFeatures::Sqrt);
        assert_eq!(
            "0.25".parse::<MaxFeatures>().unwrap(),
            MaxFeatures::Fraction(0.25)
        );
        for bad in ["0", "1.5", "log2", "-0.1"] {
            let e = bad.parse::<MaxFeatures>().unwrap_err();
            assert!(e.to_string().contains(bad), "{e}");
        }
        assert_eq!(MaxFeatures::Sqrt.count(2000), 44);
        assert_eq!(MaxFeatures::Fraction(0.1).count(2000), 200);
        assert_eq!(MaxFeatures::Fraction(0.01).count(5), 1);
        assert_eq!(MaxFeatures::Sqrt.count(0), 0);
        assert_eq!(MaxFeatures::Sqrt.to_string(), "sqrt");
    }

    #[test]
    fn invalid_params_are_rejected_with_their_values() {
        assert!(matches!(
            DecisionTreeParams::default().max_depth(0).check(),
            Err(TrainError::InvalidMaxDepth(0))
        ));
        assert!(matches!(
            DecisionTreeParams::default().min_samples_leaf(0).check(),
            Err(TrainError::InvalidMinSamplesLeaf(0))
        ));
        assert!(matches!(
            RandomForestParams::default().n_trees(0).check(),
            Err(TrainError::InvalidTrees(0))
        ));
        assert!(matches!(
            RandomForestParams::default()
                .max_features(MaxFeatures::Fraction(2.0))
                .check(),
            Err(TrainError::InvalidMaxFeatures(_))
        ));
        assert!(matches!(
            RandomForestParams::default().select_k(0).check(),
            Err(TrainError::InvalidSelectK(0))
        ));
        let (x, _) = noisy(20, 2, 1);
        assert!(matches!(
            DecisionTreeParams::default()
                .check()
                .unwrap()
                .fit(&x, &[false; 20]),
            Err(TrainError::SingleClass { .. })
        ));
        assert!(matches!(
            DecisionTreeParams::default()
                .check()
                .unwrap()
                .fit(&x, &[false; 3]),
            Err(TrainError::LengthMismatch { .. })
        ));
    }

    #[test]
    fn integer_weights_rule_out_ties_and_track_the_ratio() {
        for (ratio, p, n) in [
            (1.0, 50, 50),
            (19.0, 20, 380),
            (0.25, 300, 75),
            (75.8, 222, 16838),
        ] {
            let (a, b) = integer_weights(ratio, p, n).unwrap();
            assert_eq!(gcd(a, b), 1);
            assert!(b > p || a > n, "{a} {b}");
            assert!(p * a + n * b < F32_EXACT_INTEGERS);
            let got = a as f64 / b as f64;
            assert!(
                (got / ratio - 1.0).abs() < 2.0 / a.min(b) as f64,
                "{ratio}: {a}/{b}"
            );
            for i in 1..=p {
                for j in 1..=n.min(2000) {
                    assert_ne!(i * a, j * b, "tie at {i} positives, {j} negatives");
                }
            }
        }
        assert_eq!(integer_weights(1.0, 100_000, 100_000), None);
    }
}
