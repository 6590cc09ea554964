//! Decision trees and forests over sparse features, as stored in a model file.
//!
//! Training (`secdisc-train`) fits trees with linfa-trees on dense, chi²-selected columns and
//! converts each one into a [`DecisionTree`] whose splits name columns of the FULL feature
//! space, so inference needs neither linfa nor the feature selection. A single decision tree
//! is a [`DecisionForest`] of one tree.
//!
//! A split node sends a row left when its feature value is `< threshold` (linfa-trees'
//! prediction rule; absent sparse features are 0), right otherwise. Every node keeps the
//! probability of security estimated from the class weights of the training rows that reached
//! it; a forest's probability is the mean of its trees' leaf probabilities.
//!
//! ```
//! use secdisc_features::SparseRow;
//! use secdisc_model::{DecisionForest, DecisionTree, TreeNode};
//! let tree = DecisionTree::new(vec![
//!     TreeNode::Split { feature: 2, threshold: 0.1, left: 1, right: 2, probability: 0.5 },
//!     TreeNode::Leaf { probability: 0.2 },
//!     TreeNode::Leaf { probability: 0.9 },
//! ]);
//! let forest = DecisionForest::new(3, vec![tree])?;
//! let row = SparseRow { indices: &[2], values: &[0.4], sequence: &[] };
//! assert_eq!(forest.probability(row), 0.9);
//! # Ok::<(), secdisc_model::ModelError>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::linear::Contribution;
use secdisc_features::SparseRow;

/// Probabilities are kept this far from 0 and 1 so that log-odds stay finite.
const PROBABILITY_FLOOR: f64 = 1e-12;

/// One node of a [`DecisionTree`]; children are indices into the tree's node list.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TreeNode {
    /// An internal node: rows with `value(feature) < threshold` go to `left`, others `right`.
    Split {
        /// Column in the full feature space.
        feature: u32,
        /// Split value (linfa-trees: the midpoint between two training values).
        threshold: f32,
        /// Index of the left child; greater than this node's index.
        left: u32,
        /// Index of the right child; greater than this node's index.
        right: u32,
        /// Probability of security of the training rows that reached this node.
        probability: f64,
    },
    /// A leaf.
    Leaf {
        /// Probability of security of the training rows that reached this leaf.
        probability: f64,
    },
}

impl TreeNode {
    /// The node's probability of security.
    pub fn probability(&self) -> f64 {
        match *self {
            TreeNode::Split { probability, .. } | TreeNode::Leaf { probability } => probability,
        }
    }
}

/// A binary decision tree; the root is node 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DecisionTree {
    nodes: Vec<TreeNode>,
}

impl DecisionTree {
    /// A tree from its nodes, root first. Checked by [`DecisionForest::new`].
    pub fn new(nodes: Vec<TreeNode>) -> DecisionTree {
        DecisionTree { nodes }
    }

    /// The nodes, root first.
    pub fn nodes(&self) -> &[TreeNode] {
        &self.nodes
    }

    /// Number of leaves.
    pub fn n_leaves(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| matches!(n, TreeNode::Leaf { .. }))
            .count()
    }

    /// The child of node `i` that `row` goes to, and feature the split tests; `None` at a leaf.
    #[inline]
    fn step(&self, i: usize, row: SparseRow<'_>) -> Option<(usize, u32)> {
        match self.nodes[i] {
            TreeNode::Split {
                feature,
                threshold,
                left,
                right,
                ..
            } => {
                let child = if value(row, feature) < threshold {
                    left
                } else {
                    right
                };
                Some((child as usize, feature))
            }
            TreeNode::Leaf { .. } => None,
        }
    }

    /// Index of the leaf that `row` reaches.
    #[inline]
    pub fn leaf_index(&self, row: SparseRow<'_>) -> usize {
        let mut i = 0;
        while let Some((child, _)) = self.step(i, row) {
            i = child;
        }
        i
    }

    /// Probability of security: that of the leaf `row` reaches.
    #[inline]
    pub fn probability(&self, row: SparseRow<'_>) -> f64 {
        self.nodes[self.leaf_index(row)].probability()
    }

    /// Push `(feature, scale × (p(child) − p(node)))` for every split on `row`'s path: the
    /// path's contributions sum to `scale × (p(leaf) − p(root))` (Saabas' decomposition).
    fn push_path_contributions(&self, row: SparseRow<'_>, scale: f64, out: &mut Vec<Contribution>) {
        let mut i = 0;
        while let Some((child, feature)) = self.step(i, row) {
            let delta = self.nodes[child].probability() - self.nodes[i].probability();
            i = child;
            if delta != 0.0 {
                out.push(Contribution {
                    feature,
                    value: scale * delta,
                });
            }
        }
    }

    /// Check indices and probabilities; `tree` names the tree in errors.
    fn check(&self, tree: usize, n_features: usize) -> Result<()> {
        let bad = |node: usize, reason: String| ModelError::InvalidTree { tree, node, reason };
        if self.nodes.is_empty() {
            return Err(bad(0, "the tree has no nodes".into()));
        }
        let n = self.nodes.len();
        for (i, node) in self.nodes.iter().enumerate() {
            let p = node.probability();
            if !(0.0..=1.0).contains(&p) {
                return Err(bad(i, format!("probability {p} is not in [0, 1]")));
            }
            if let TreeNode::Split {
                feature,
                threshold,
                left,
                right,
                ..
            } = *node
            {
                if feature as usize >= n_features {
                    return Err(bad(
                        i,
                        format!("feature {feature} is outside the model's {n_features} features"),
                    ));
                }
                if threshold.is_nan() {
                    return Err(bad(i, "threshold is NaN".into()));
                }
                for child in [left, right] {
                    // Children after their parent: every path ends, so scoring terminates.
                    if child as usize <= i || child as usize >= n {
                        return Err(bad(
                            i,
                            format!("child {child} must be after node {i} and below {n}"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// The value of `feature` in a sparse row (0 when absent).
#[inline]
fn value(row: SparseRow<'_>, feature: u32) -> f32 {
    match row.indices.binary_search(&feature) {
        Ok(k) => row.values[k],
        Err(_) => 0.0,
    }
}

/// Trees voting by mean probability (a random forest, or one decision tree).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ForestRepr")]
pub struct DecisionForest {
    n_features: usize,
    trees: Vec<DecisionTree>,
}

/// What a model file holds, checked into a [`DecisionForest`] on reading.
#[derive(Deserialize)]
struct ForestRepr {
    n_features: usize,
    trees: Vec<DecisionTree>,
}

impl TryFrom<ForestRepr> for DecisionForest {
    type Error = ModelError;

    fn try_from(r: ForestRepr) -> Result<DecisionForest> {
        DecisionForest::new(r.n_features, r.trees)
    }
}

impl DecisionForest {
    /// A forest over `n_features` columns.
    ///
    /// # Errors
    ///
    /// [`ModelError::InvalidTree`] when there is no tree, a tree has no nodes, a split names
    /// a feature `>= n_features` or a child that is not after it, a threshold is NaN, or a
    /// probability is outside `[0, 1]`.
    pub fn new(n_features: usize, trees: Vec<DecisionTree>) -> Result<DecisionForest> {
        if trees.is_empty() {
            return Err(ModelError::InvalidTree {
                tree: 0,
                node: 0,
                reason: "the forest has no trees".into(),
            });
        }
        for (t, tree) in trees.iter().enumerate() {
            tree.check(t, n_features)?;
        }
        Ok(DecisionForest { n_features, trees })
    }

    /// Number of features the forest expects.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The trees.
    pub fn trees(&self) -> &[DecisionTree] {
        &self.trees
    }

    /// Probability of security: the mean of the trees' leaf probabilities.
    #[inline]
    pub fn probability(&self, row: SparseRow<'_>) -> f64 {
        let sum: f64 = self.trees.iter().map(|t| t.probability(row)).sum();
        sum / self.trees.len() as f64
    }

    /// Log-odds of [`DecisionForest::probability`], with the probability clamped to
    /// `[1e-12, 1 − 1e-12]`; `sigmoid(decision)` gives the probability back.
    #[inline]
    pub fn decision(&self, row: SparseRow<'_>) -> f64 {
        let p = self
            .probability(row)
            .clamp(PROBABILITY_FLOOR, 1.0 - PROBABILITY_FLOOR);
        (p / (1.0 - p)).ln()
    }

    /// The `k` features whose splits on `row`'s paths raised the probability of security most,
    /// largest first, ties to the lower index. A feature's value is its mean over trees of
    /// `p(child) − p(node)` summed over its splits on the path (Saabas' decomposition: the
    /// probability is the mean root probability plus all features' values).
    pub fn top_contributions(&self, row: SparseRow<'_>, k: usize, out: &mut Vec<Contribution>) {
        out.clear();
        let scale = 1.0 / self.trees.len() as f64;
        for tree in &self.trees {
            tree.push_path_contributions(row, scale, out);
        }
        // Merge per feature in place: sort by feature, fold runs into their first entry.
        out.sort_by_key(|c| c.feature);
        let mut w = 0;
        for r in 0..out.len() {
            if w > 0 && out[w - 1].feature == out[r].feature {
                out[w - 1].value += out[r].value;
            } else {
                out[w] = out[r];
                w += 1;
            }
        }
        out.truncate(w);
        out.retain(|c| c.value > 0.0);
        out.sort_by(|a, b| b.value.total_cmp(&a.value).then(a.feature.cmp(&b.feature)));
        out.truncate(k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linear::sigmoid;

    fn stump(feature: u32, threshold: f32, low: f64, high: f64) -> DecisionTree {
        DecisionTree::new(vec![
            TreeNode::Split {
                feature,
                threshold,
                left: 1,
                right: 2,
                probability: 0.5,
            },
            TreeNode::Leaf { probability: low },
            TreeNode::Leaf { probability: high },
        ])
    }

    #[test]
    fn rows_go_left_below_the_threshold_and_absent_features_are_zero() {
        let t = stump(1, 0.25, 0.1, 0.8);
        let p = |v: f32| {
            t.probability(SparseRow {
                indices: &[1],
                values: &[v],
                sequence: &[],
            })
        };
        assert_eq!(p(0.2), 0.1);
        assert_eq!(p(0.25), 0.8, "equal goes right");
        let empty = SparseRow {
            indices: &[],
            values: &[],
            sequence: &[],
        };
        assert_eq!(t.probability(empty), 0.1);
    }

    #[test]
    fn forest_averages_trees_and_decision_is_log_odds() {
        let f =
            DecisionForest::new(4, vec![stump(0, 0.5, 0.2, 0.6), stump(3, 0.5, 0.4, 1.0)]).unwrap();
        let row = SparseRow {
            indices: &[0, 3],
            values: &[0.9, 0.1],
            sequence: &[],
        };
        assert!((f.probability(row) - 0.5).abs() < 1e-15);
        assert!(f.decision(row).abs() < 1e-12);
        assert!((sigmoid(f.decision(row)) - f.probability(row)).abs() < 1e-15);
        let one = DecisionForest::new(4, vec![stump(0, 0.5, 0.0, 1.0)]).unwrap();
        assert!(one.decision(row).is_finite() && one.decision(row) > 20.0);
    }

    #[test]
    fn contributions_decompose_the_probability() {
        let f =
            DecisionForest::new(4, vec![stump(0, 0.5, 0.2, 0.9), stump(0, 0.3, 0.1, 0.7)]).unwrap();
        let row = SparseRow {
            indices: &[0],
            values: &[0.9],
            sequence: &[],
        };
        let mut out = Vec::new();
        f.top_contributions(row, 5, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].feature, 0);
        // Mean root probability 0.5 plus the contribution gives the probability.
        assert!((0.5 + out[0].value - f.probability(row)).abs() < 1e-12);
        let low = SparseRow {
            indices: &[],
            values: &[],
            sequence: &[],
        };
        f.top_contributions(low, 5, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn malformed_forests_are_rejected_on_reading() {
        let good = DecisionForest::new(3, vec![stump(2, 0.5, 0.0, 1.0)]).unwrap();
        let json = serde_json::to_string(&good).unwrap();
        assert_eq!(serde_json::from_str::<DecisionForest>(&json).unwrap(), good);
        for (bad, needle) in [
            (json.replace("\"feature\":2", "\"feature\":3"), "outside"),
            (json.replace("\"left\":1", "\"left\":0"), "after node 0"),
            (json.replace("\"right\":2", "\"right\":7"), "below 3"),
            (
                json.replace("\"probability\":1.0", "\"probability\":1.5"),
                "[0, 1]",
            ),
            (
                json.replace("\"n_features\":3", "\"n_features\":2"),
                "outside",
            ),
            (r#"{"n_features":3,"trees":[]}"#.to_string(), "no trees"),
            (r#"{"n_features":3,"trees":[[]]}"#.to_string(), "no nodes"),
        ] {
            let e = serde_json::from_str::<DecisionForest>(&bad).unwrap_err();
            assert!(e.to_string().contains(needle), "{bad}: {e}");
        }
    }
}
