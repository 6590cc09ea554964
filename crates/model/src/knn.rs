//! Cosine k-nearest neighbours over L2-normalised TF-IDF rows (see [`KnnModel`]).

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::linear::Contribution;
use secdisc_features::{CsrMatrix, SparseRow};

/// How neighbours' votes are weighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KnnWeighting {
    /// Each neighbour casts its class weight, however similar it is.
    Uniform,
    /// Each neighbour casts its class weight times its cosine similarity. The default.
    Similarity,
}

impl KnnWeighting {
    /// Every weighting, in help order.
    pub const ALL: [KnnWeighting; 2] = [KnnWeighting::Similarity, KnnWeighting::Uniform];

    /// The short name users choose it by (`similarity`).
    pub fn name(self) -> &'static str {
        match self {
            KnnWeighting::Similarity => "similarity",
            KnnWeighting::Uniform => "uniform",
        }
    }

    /// One line saying what it does, for help texts (no final full stop, as clap prints them).
    pub fn help(self) -> &'static str {
        match self {
            KnnWeighting::Similarity => {
                "Each neighbour casts its class weight times its cosine similarity"
            }
            KnnWeighting::Uniform => "Each neighbour casts its class weight",
        }
    }
}

/// How a [`KnnModel`] turns neighbours into a probability: stored in the model file.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KnnVoting {
    /// Number of neighbours, at least 1.
    pub k: usize,
    /// Vote weighting.
    pub weighting: KnnWeighting,
    /// Weight of a security neighbour's vote (positive, finite).
    pub security_weight: f64,
    /// Weight of a non-security neighbour's vote (positive, finite).
    pub non_security_weight: f64,
    /// Pseudo-votes `m` for the base rate in `(V₊ + π·m) / (V + m)` (finite, at least 0).
    pub smoothing: f64,
}

impl KnnVoting {
    fn check(&self) -> Result<()> {
        let bad = |what: String| Err(ModelError::InvalidKnnModel(what));
        if self.k == 0 {
            return bad("k must be at least 1, got 0".into());
        }
        let ok = |w: f64| w.is_finite() && w > 0.0;
        if !(ok(self.security_weight) && ok(self.non_security_weight)) {
            return bad(format!(
                "class weights must be positive finite numbers, got security={}, non-security={}",
                self.security_weight, self.non_security_weight
            ));
        }
        if !(self.smoothing.is_finite() && self.smoothing >= 0.0) {
            return bad(format!(
                "smoothing must be a finite number >= 0, got {}",
                self.smoothing
            ));
        }
        Ok(())
    }
}

/// One neighbour of a query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    /// Index of the training row.
    pub row: u32,
    /// Cosine similarity (dot product) with the query; always positive.
    pub similarity: f64,
}

/// Most similar first; equal similarities go to the lower row index.
fn nearest_first(a: &Neighbour, b: &Neighbour) -> std::cmp::Ordering {
    b.similarity
        .total_cmp(&a.similarity)
        .then(a.row.cmp(&b.row))
}

/// The training rows column by column (compressed sparse column layout): for feature `j`,
/// `rows[starts[j]..starts[j + 1]]` are the training rows containing it, ascending, and
/// `values[..]` the matching entries.
#[derive(Clone, Default)]
struct InvertedIndex {
    starts: Vec<usize>,
    rows: Vec<u32>,
    values: Vec<f32>,
}

impl InvertedIndex {
    /// Counting sort of the CSR entries by column; rows stay ascending within a column.
    fn build(x: &CsrMatrix) -> InvertedIndex {
        // Sized by the columns the rows use, not by `n_cols`: a model file's count must not
        // drive an allocation (`n_cols` 10^15 aborted); `postings` treats the rest as empty.
        let cols = x
            .rows()
            .filter_map(|row| row.indices.last())
            .map(|&j| j as usize + 1)
            .max()
            .unwrap_or(0);
        let mut starts = vec![0usize; cols + 1];
        for row in x.rows() {
            for &j in row.indices {
                starts[j as usize + 1] += 1;
            }
        }
        for j in 0..cols {
            starts[j + 1] += starts[j];
        }
        let mut next = starts.clone();
        let mut rows = vec![0u32; x.nnz()];
        let mut values = vec![0f32; x.nnz()];
        for (r, row) in x.rows().enumerate() {
            for (&j, &v) in row.indices.iter().zip(row.values) {
                let at = &mut next[j as usize];
                // `KnnModel::new` checked that row indices fit in u32.
                rows[*at] = r as u32;
                values[*at] = v;
                *at += 1;
            }
        }
        InvertedIndex {
            starts,
            rows,
            values,
        }
    }

    /// Rows and values of feature `j`; empty when `j` is not a feature of the model.
    #[inline]
    fn postings(&self, j: u32) -> (&[u32], &[f32]) {
        let j = j as usize;
        match (self.starts.get(j), self.starts.get(j + 1)) {
            (Some(&a), Some(&b)) => (&self.rows[a..b], &self.values[a..b]),
            _ => (&[], &[]),
        }
    }
}

/// A fitted cosine k-nearest-neighbours classifier: the training rows, their labels and the
/// voting rule.
///
/// Training rows are unit length, so the cosine similarity of a query `q` and a training row
/// `x` is the dot product `s = q·x`. [`KnnModel`] keeps every training row and its label. For
/// scoring it holds them as an inverted index (column-major: for each feature, the training rows
/// that contain it, with their values), so a query touches only the posting lists of its own
/// nonzero features: the cost is `Σⱼ df(j)` over the query's features, not rows × nonzeros.
///
/// - **Neighbours**: the `k` training rows with the largest *positive* similarity; equal
///   similarities go to the lower training row index. A row that shares no feature with the
///   query has similarity 0 and is never a neighbour, so a query can have fewer than `k`.
/// - **Votes**: neighbour `i` of class `yᵢ` votes `c(yᵢ)` ([`KnnWeighting::Uniform`]) or
///   `c(yᵢ)·sᵢ` ([`KnnWeighting::Similarity`], the default), where `c` is the class weight
///   stored in [`KnnVoting`]. With scikit-learn's balanced weights `c(y) = n / (2·n_y)` every
///   security vote counts `n₋/n₊` times a non-security one (about 75 on the matomo issues,
///   1.3% security), which is what lets a rare-class paragraph reach 0.5 at all: with uniform
///   class weights, 10 neighbours drawn at the base rate hold 0.13 security rows on average.
/// - **Probability**: `p = (V₊ + π·m) / (V + m)` with `V₊` the security votes, `V` all votes,
///   `π` the share of security rows in the training data (whatever the class weights) and `m`
///   the smoothing in vote units (a Beta(π·m, (1−π)·m) prior on the neighbourhood's security
///   share). `m > 0` keeps `p` strictly inside (0, 1) and pulls neighbourhoods with little
///   vote mass (few or weakly similar neighbours) towards the base rate; a query with no
///   neighbour at all (an empty text, or only unseen terms) gets `π`, not 0.5, so it is not
///   labelled security under a 0.5 threshold.
/// - **Decision value**: the log-odds `ln(p / (1 − p))`.
/// - **Top contributions**: every security neighbour's vote is split over the query's features
///   in proportion to their share `qⱼ·xⱼ / s` of its similarity; a feature's contribution is
///   the sum over the security neighbours, so the contributions add up to `V₊`. These are the
///   terms the query shares with the security paragraphs that voted for it.
///
/// Serialises as `{voting, labels, rows}` with `rows` a [`CsrMatrix`], so a model file stores
/// the rows once (a model of all 18,956 matomo issues: 30 MB of JSON); the inverted index is
/// rebuilt in one counting pass on load, after checking the rows, labels and settings.
///
/// ```
/// use secdisc_features::{CsrMatrix, SparseRow};
/// use secdisc_model::{KnnModel, KnnVoting, KnnWeighting};
/// let mut x = CsrMatrix::new(2);
/// x.push_row(&[0], &[1.0]); // security
/// x.push_row(&[1], &[1.0]); // non-security
/// let voting = KnnVoting {
///     k: 1,
///     weighting: KnnWeighting::Similarity,
///     security_weight: 1.0,
///     non_security_weight: 1.0,
///     smoothing: 1.0,
/// };
/// let knn = KnnModel::new(x, vec![true, false], voting)?;
/// let query = SparseRow { indices: &[0, 1], values: &[0.8, 0.6], sequence: &[] };
/// // Nearest: row 0 (similarity 0.8), one security vote of 0.8: (0.8 + 0.5·1) / (0.8 + 1).
/// assert!((knn.probability(query) - 1.3 / 1.8).abs() < 1e-6);
/// # Ok::<(), secdisc_model::ModelError>(())
/// ```
#[derive(Clone)]
pub struct KnnModel {
    voting: KnnVoting,
    labels: Vec<bool>,
    rows: CsrMatrix,
    /// Share of security rows in the training data.
    prior: f64,
    index: InvertedIndex,
}

impl std::fmt::Debug for KnnModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnnModel")
            .field("voting", &self.voting)
            .field("rows", &self.rows.n_rows())
            .field("features", &self.rows.n_cols())
            .field("nnz", &self.rows.nnz())
            .field("prior", &self.prior)
            .finish()
    }
}

impl PartialEq for KnnModel {
    fn eq(&self, other: &Self) -> bool {
        // The prior and the index are functions of these.
        self.voting == other.voting && self.labels == other.labels && self.rows == other.rows
    }
}

impl KnnModel {
    /// A model over training `rows` (L2-normalised for cosine similarity) with one label per
    /// row (`true` for security).
    ///
    /// Errors with [`ModelError::InvalidKnnModel`] when the labels do not match the rows,
    /// there are no rows or more than `u32::MAX`, or a [`KnnVoting`] setting is out of range,
    /// and with [`ModelError::Features`] when `rows` is malformed.
    /// Word sequences of `rows` (see [`CsrMatrix::with_sequences`]) are not kept.
    pub fn new(rows: CsrMatrix, labels: Vec<bool>, voting: KnnVoting) -> Result<KnnModel> {
        let rows = rows.without_sequences();
        voting.check()?;
        rows.check()?;
        if labels.len() != rows.n_rows() {
            return Err(ModelError::InvalidKnnModel(format!(
                "{} training rows but {} labels",
                rows.n_rows(),
                labels.len()
            )));
        }
        if labels.is_empty() || u32::try_from(labels.len()).is_err() {
            return Err(ModelError::InvalidKnnModel(format!(
                "needs between 1 and {} training rows, got {}",
                u32::MAX,
                labels.len()
            )));
        }
        let positives = labels.iter().filter(|&&l| l).count();
        let prior = positives as f64 / labels.len() as f64;
        let index = InvertedIndex::build(&rows);
        Ok(KnnModel {
            voting,
            labels,
            rows,
            prior,
            index,
        })
    }

    /// Number of features the model expects.
    pub fn n_features(&self) -> usize {
        self.rows.n_cols()
    }

    /// Number of training rows.
    pub fn n_rows(&self) -> usize {
        self.labels.len()
    }

    /// The voting rule.
    pub fn voting(&self) -> KnnVoting {
        self.voting
    }

    /// The training rows.
    pub fn rows(&self) -> &CsrMatrix {
        &self.rows
    }

    /// The training labels (`true` for security), one per row.
    pub fn labels(&self) -> &[bool] {
        &self.labels
    }

    /// `π`: the share of security rows in the training data, the probability of a query
    /// without neighbours.
    pub fn prior(&self) -> f64 {
        self.prior
    }

    /// The up to `k` training rows most similar to `query`, most similar first (equal
    /// similarities: lower row first), into `out` (cleared first). Only rows with a positive
    /// similarity qualify. Features of `query` beyond [`KnnModel::n_features`] are ignored.
    pub fn nearest(&self, query: SparseRow<'_>, out: &mut Vec<Neighbour>) {
        out.clear();
        // A dense accumulator over training rows: a query's posting lists usually reach most
        // rows (matomo: 62,000 postings per query over 17,000 rows), so a branch-free
        // scatter followed by one scan beats tracking the touched rows.
        let mut acc = vec![0.0f64; self.labels.len()];
        for (&j, &q) in query.indices.iter().zip(query.values) {
            let q = f64::from(q);
            let (rows, values) = self.index.postings(j);
            for (&r, &v) in rows.iter().zip(values) {
                acc[r as usize] += q * f64::from(v);
            }
        }
        out.extend(
            acc.iter()
                .enumerate()
                .filter(|(_, &s)| s > 0.0)
                .map(|(r, &similarity)| Neighbour {
                    // `new` checked that row indices fit in u32.
                    row: r as u32,
                    similarity,
                }),
        );
        let k = self.voting.k;
        if out.len() > k {
            out.select_nth_unstable_by(k - 1, nearest_first);
            out.truncate(k);
        }
        out.sort_unstable_by(nearest_first);
    }

    /// The vote of one neighbour.
    #[inline]
    fn vote(&self, nb: &Neighbour) -> f64 {
        let c = if self.labels[nb.row as usize] {
            self.voting.security_weight
        } else {
            self.voting.non_security_weight
        };
        match self.voting.weighting {
            KnnWeighting::Uniform => c,
            KnnWeighting::Similarity => c * nb.similarity,
        }
    }

    /// `(V₊ + π·m) / (V + m)` for these neighbours; `π` when there is no vote and `m = 0`.
    fn probability_of(&self, neighbours: &[Neighbour]) -> f64 {
        let (mut security, mut total) = (0.0, 0.0);
        for nb in neighbours {
            let v = self.vote(nb);
            total += v;
            if self.labels[nb.row as usize] {
                security += v;
            }
        }
        let m = self.voting.smoothing;
        if total + m > 0.0 {
            (security + self.prior * m) / (total + m)
        } else {
            self.prior
        }
    }

    /// Probability of security: the smoothed, weighted share of security votes among the
    /// `k` nearest training rows.
    pub fn probability(&self, query: SparseRow<'_>) -> f64 {
        let mut neighbours = Vec::with_capacity(self.voting.k.min(self.labels.len()));
        self.nearest(query, &mut neighbours);
        self.probability_of(&neighbours)
    }

    /// The log-odds of [`KnnModel::probability`]; infinite only when the smoothing is 0 and
    /// every vote went one way.
    pub fn decision(&self, query: SparseRow<'_>) -> f64 {
        let p = self.probability(query);
        (p / (1.0 - p)).ln()
    }

    /// The `k` query features that carried most of the security neighbours' votes, largest
    /// first (ties: lower feature first); each security neighbour's vote is split over the
    /// features it shares with the query in proportion to `qⱼ·xⱼ / s`. Empty when no
    /// security row is among the neighbours.
    pub fn top_contributions(&self, query: SparseRow<'_>, k: usize, out: &mut Vec<Contribution>) {
        out.clear();
        if k == 0 {
            return;
        }
        let mut neighbours = Vec::with_capacity(self.voting.k.min(self.labels.len()));
        self.nearest(query, &mut neighbours);
        self.contributions_of(query, &neighbours, k, out);
    }

    /// [`KnnModel::probability`] and [`KnnModel::top_contributions`] from one neighbour search
    /// (what labelling with top terms needs).
    pub fn probability_and_contributions(
        &self,
        query: SparseRow<'_>,
        k: usize,
        out: &mut Vec<Contribution>,
    ) -> f64 {
        let mut neighbours = Vec::with_capacity(self.voting.k.min(self.labels.len()));
        self.nearest(query, &mut neighbours);
        out.clear();
        if k > 0 {
            self.contributions_of(query, &neighbours, k, out);
        }
        self.probability_of(&neighbours)
    }

    /// The contributions of `top_contributions` for already found `neighbours`.
    fn contributions_of(
        &self,
        query: SparseRow<'_>,
        neighbours: &[Neighbour],
        k: usize,
        out: &mut Vec<Contribution>,
    ) {
        let mut share = vec![0.0f64; query.nnz()];
        for nb in neighbours.iter().filter(|nb| self.labels[nb.row as usize]) {
            let scale = self.vote(nb) / nb.similarity;
            let row = self.rows.row(nb.row as usize);
            // Merge the two ascending index lists.
            let (mut a, mut b) = (0, 0);
            while a < query.indices.len() && b < row.indices.len() {
                match query.indices[a].cmp(&row.indices[b]) {
                    std::cmp::Ordering::Less => a += 1,
                    std::cmp::Ordering::Greater => b += 1,
                    std::cmp::Ordering::Equal => {
                        share[a] += scale * f64::from(query.values[a]) * f64::from(row.values[b]);
                        a += 1;
                        b += 1;
                    }
                }
            }
        }
        out.extend(
            query
                .indices
                .iter()
                .zip(share)
                .filter(|(_, value)| *value > 0.0)
                .map(|(&feature, value)| Contribution { feature, value }),
        );
        out.sort_by(|a, b| b.value.total_cmp(&a.value).then(a.feature.cmp(&b.feature)));
        out.truncate(k);
    }
}

#[derive(Serialize)]
struct KnnRef<'a> {
    voting: &'a KnnVoting,
    labels: &'a [bool],
    rows: &'a CsrMatrix,
}

#[derive(Deserialize)]
struct KnnData {
    voting: KnnVoting,
    labels: Vec<bool>,
    rows: CsrMatrix,
}

impl Serialize for KnnModel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        KnnRef {
            voting: &self.voting,
            labels: &self.labels,
            rows: &self.rows,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for KnnModel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error;
        let data = KnnData::deserialize(d)?;
        KnnModel::new(data.rows, data.labels, data.voting).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voting(k: usize, weighting: KnnWeighting, smoothing: f64) -> KnnVoting {
        KnnVoting {
            k,
            weighting,
            security_weight: 1.0,
            non_security_weight: 1.0,
            smoothing,
        }
    }

    fn row<'a>(indices: &'a [u32], values: &'a [f32]) -> SparseRow<'a> {
        SparseRow {
            indices,
            values,
            sequence: &[],
        }
    }

    /// Four training rows over three features; rows 0 and 1 are security.
    fn tiny(v: KnnVoting) -> KnnModel {
        let mut x = CsrMatrix::new(3);
        x.push_row(&[0], &[1.0]); // security
        x.push_row(&[0, 1], &[0.6, 0.8]); // security
        x.push_row(&[1], &[1.0]); // non-security
        x.push_row(&[2], &[1.0]); // non-security
        KnnModel::new(x, vec![true, true, false, false], v).unwrap()
    }

    #[test]
    fn votes_and_smoothing_match_hand_computation() {
        // Query (0.8, 0.6, 0): similarities 0.8, 0.48 + 0.48 = 0.96, 0.6, 0 (never a
        // neighbour). π = 2/4.
        let q = row(&[0, 1], &[0.8, 0.6]);
        let m = tiny(voting(3, KnnWeighting::Similarity, 1.0));
        let mut nb = Vec::new();
        m.nearest(q, &mut nb);
        let rows: Vec<u32> = nb.iter().map(|n| n.row).collect();
        assert_eq!(rows, [1, 0, 2]);
        assert!((nb[0].similarity - 0.96).abs() < 1e-6);
        // Weighted: V₊ = 0.96 + 0.8, V = V₊ + 0.6; p = (1.76 + 0.5) / (2.36 + 1).
        let want = (0.96 + 0.8 + 0.5) / (0.96 + 0.8 + 0.6 + 1.0);
        assert!(
            (m.probability(q) - want).abs() < 1e-6,
            "{}",
            m.probability(q)
        );
        let lo = want.ln() - (1.0 - want).ln();
        assert!((m.decision(q) - lo).abs() < 1e-6);
        // Uniform, k = 2: two security votes of 1; p = (2 + 0.5·1) / (2 + 1).
        let u = tiny(voting(2, KnnWeighting::Uniform, 1.0));
        assert!((u.probability(q) - 2.5 / 3.0).abs() < 1e-12);
        // No smoothing: exactly the vote share.
        let u0 = tiny(voting(3, KnnWeighting::Uniform, 0.0));
        assert!((u0.probability(q) - 2.0 / 3.0).abs() < 1e-12);
        // Class weights: a security vote worth 3 non-security ones, k = 3 uniform:
        // (2·3 + 0.5·2) / (2·3 + 1 + 2).
        let mut w = voting(3, KnnWeighting::Uniform, 2.0);
        w.security_weight = 3.0;
        assert!((tiny(w).probability(q) - 7.0 / 9.0).abs() < 1e-12);
        // A query sharing no feature gets the base rate whatever the smoothing.
        for m in [u, u0] {
            assert_eq!(m.probability(row(&[], &[])), 0.5);
        }
    }

    #[test]
    fn smoothing_keeps_probabilities_inside_zero_and_one() {
        let m = tiny(voting(1, KnnWeighting::Similarity, 0.5));
        // Only row 3 is similar: one non-security vote of 1; (0 + 0.5·0.5) / (1 + 0.5).
        let p = m.probability(row(&[2], &[1.0]));
        assert!((p - 0.25 / 1.5).abs() < 1e-12 && p > 0.0);
        let p = m.probability(row(&[0], &[1.0]));
        assert!((p - 1.25 / 1.5).abs() < 1e-12 && p < 1.0);
    }

    #[test]
    fn equal_similarities_go_to_the_lower_row() {
        let mut x = CsrMatrix::new(2);
        for i in 0..6 {
            x.push_row(&[i % 2], &[1.0]);
        }
        let labels = vec![false, true, false, true, false, true];
        let m = KnnModel::new(x, labels, voting(2, KnnWeighting::Uniform, 0.0)).unwrap();
        let mut nb = Vec::new();
        m.nearest(row(&[0, 1], &[0.6, 0.8]), &mut nb);
        // Rows 1, 3, 5 tie at 0.8; the lowest two win.
        assert_eq!(nb.iter().map(|n| n.row).collect::<Vec<_>>(), [1, 3]);
        m.nearest(row(&[0, 1], &[0.8, 0.6]), &mut nb);
        assert_eq!(nb.iter().map(|n| n.row).collect::<Vec<_>>(), [0, 2]);
        let m6 = KnnModel::new(
            m.rows().clone(),
            m.labels().to_vec(),
            voting(6, KnnWeighting::Uniform, 0.0),
        )
        .unwrap();
        m6.nearest(row(&[0, 1], &[0.8, 0.6]), &mut nb);
        assert_eq!(
            nb.iter().map(|n| n.row).collect::<Vec<_>>(),
            [0, 2, 4, 1, 3, 5]
        );
    }

    #[test]
    fn top_contributions_split_security_votes_over_shared_features() {
        // Weighted, k = 3: security neighbours row 1 (0.48 via f0 + 0.48 via f1) and row 0
        // (0.8 via f0); row 2 is non-security and adds nothing.
        let m = tiny(voting(3, KnnWeighting::Similarity, 1.0));
        let q = row(&[0, 1], &[0.8, 0.6]);
        let mut out = Vec::new();
        m.top_contributions(q, 5, &mut out);
        assert_eq!(out.iter().map(|c| c.feature).collect::<Vec<_>>(), [0, 1]);
        assert!((out[0].value - (0.48 + 0.8)).abs() < 1e-6);
        assert!((out[1].value - 0.48).abs() < 1e-6);
        // Uniform votes of 1 split by similarity share: f0 gets 0.5 + 1, f1 gets 0.5.
        let u = tiny(voting(3, KnnWeighting::Uniform, 1.0));
        u.top_contributions(q, 1, &mut out);
        assert_eq!(out.len(), 1);
        assert!((out[0].value - 1.5).abs() < 1e-6 && out[0].feature == 0);
        u.top_contributions(q, 0, &mut out);
        assert!(out.is_empty());
        u.top_contributions(row(&[2], &[1.0]), 3, &mut out);
        assert!(out.is_empty(), "no security neighbour");
    }

    #[test]
    fn one_search_gives_the_same_score_and_terms_as_two() {
        let m = tiny(voting(2, KnnWeighting::Similarity, 1.0));
        for q in [
            row(&[0], &[1.0]),
            row(&[0, 1], &[0.6, 0.8]),
            row(&[1, 2], &[0.8, 0.6]),
        ] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let p = m.probability_and_contributions(q, 3, &mut a);
            m.top_contributions(q, 3, &mut b);
            assert_eq!((p, a), (m.probability(q), b));
        }
    }

    #[test]
    fn serde_round_trip_rebuilds_the_index() {
        let m = tiny(voting(2, KnnWeighting::Uniform, 0.25));
        let json = serde_json::to_string(&m).unwrap();
        assert!(json.contains("\"weighting\":\"uniform\""), "{json}");
        assert!(!json.contains("starts"), "the index is not stored: {json}");
        let back: KnnModel = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        let q = row(&[0, 1, 2], &[0.5, 0.5, 0.7]);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        m.nearest(q, &mut a);
        back.nearest(q, &mut b);
        assert_eq!(a, b);
        assert_eq!(a.len(), 2);
        assert_eq!(back.probability(q), m.probability(q));
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }

    #[test]
    fn rejects_inconsistent_models_on_load() {
        let json = serde_json::to_string(&tiny(voting(2, KnnWeighting::Uniform, 1.0))).unwrap();
        for (from, to, needle) in [
            ("\"k\":2", "\"k\":0", "k must be at least 1"),
            ("\"smoothing\":1.0", "\"smoothing\":-1.0", "smoothing"),
            (
                "\"security_weight\":1.0",
                "\"security_weight\":0.0",
                "class weights",
            ),
            (
                "[true,true,false,false]",
                "[true,false,false]",
                "4 training rows but 3 labels",
            ),
            (
                "\"indices\":[0,0,1,1,2]",
                "\"indices\":[0,1,0,1,2]",
                "columns must ascend",
            ),
            (
                "\"indices\":[0,0,1,1,2]",
                "\"indices\":[0,0,1,1,3]",
                "column 3",
            ),
        ] {
            assert!(json.contains(from), "{from} not in {json}");
            let bad = json.replacen(from, to, 1);
            let e = serde_json::from_str::<KnnModel>(&bad)
                .unwrap_err()
                .to_string();
            assert!(e.contains(needle), "{to}: {e}");
        }
        let empty = KnnModel::new(
            CsrMatrix::new(2),
            vec![],
            voting(1, KnnWeighting::Uniform, 1.0),
        );
        assert!(matches!(empty, Err(ModelError::InvalidKnnModel(_))));
    }

    /// The test's random numbers: `0..n` from the shared generator.
    struct Rng(secdisc_rng::SplitMix64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0.below(n as usize) as u64
        }
    }

    fn random_matrix(rng: &mut Rng, rows: usize, cols: u32, max_nnz: u64) -> CsrMatrix {
        let mut x = CsrMatrix::new(cols as usize);
        for _ in 0..rows {
            let mut idx: Vec<u32> = (0..rng.below(max_nnz + 1))
                .map(|_| rng.below(u64::from(cols)) as u32)
                .collect();
            idx.sort_unstable();
            idx.dedup();
            // A few distinct values, so exact ties occur.
            let vals: Vec<f32> = idx
                .iter()
                .map(|_| [0.25f32, 0.5, 1.0][rng.below(3) as usize])
                .collect();
            x.push_row(&idx, &vals);
        }
        x
    }

    fn brute_dot(a: SparseRow<'_>, b: SparseRow<'_>) -> f64 {
        let mut s = 0.0f64;
        for (&i, &v) in a.indices.iter().zip(a.values) {
            if let Ok(p) = b.indices.binary_search(&i) {
                s += f64::from(v) * f64::from(b.values[p]);
            }
        }
        s
    }

    #[test]
    fn inverted_index_agrees_with_brute_force_dot_products() {
        let mut rng = Rng(secdisc_rng::SplitMix64::new(2024));
        let x = random_matrix(&mut rng, 300, 40, 8);
        let labels: Vec<bool> = (0..300).map(|_| rng.below(4) == 0).collect();
        let queries = random_matrix(&mut rng, 200, 40, 8);
        for (k, weighting) in [(1, KnnWeighting::Uniform), (7, KnnWeighting::Similarity)] {
            let m = KnnModel::new(x.clone(), labels.clone(), voting(k, weighting, 0.5)).unwrap();
            let mut got = Vec::new();
            for q in queries.rows() {
                let mut want: Vec<Neighbour> = x
                    .rows()
                    .enumerate()
                    .map(|(r, row)| Neighbour {
                        row: r as u32,
                        similarity: brute_dot(q, row),
                    })
                    .filter(|n| n.similarity > 0.0)
                    .collect();
                want.sort_by(nearest_first);
                want.truncate(k);
                m.nearest(q, &mut got);
                // Same summation order (ascending feature), so bit-identical similarities.
                assert_eq!(got, want);
                let p = m.probability_of(&want);
                assert_eq!(m.probability(q), p);
            }
        }
    }

    #[test]
    fn autotraits() {
        fn has<T: Send + Sync + Sized + Unpin + Clone>() {}
        has::<KnnModel>();
    }
}
