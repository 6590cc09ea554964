//! Stratified, shuffled, group-aware k-fold assignment.
//!
//! Rows that share a group (a thread) always land in the same fold. Groups are shuffled by the
//! seed, then placed largest first, each into the fold where it leaves the classes it carries
//! least full relative to their totals (ties: the fold with fewer rows, then the lower index).
//! Without groups every row is its own group, and each class is spread so that fold counts
//! differ by at most one.

use std::collections::HashMap;

use crate::error::{Result, TrainError};
use secdisc_rng::SplitMix64;

/// Test-fold assignment of every row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folds {
    fold_of: Vec<usize>,
    k: usize,
}

impl Folds {
    /// Assign `labels.len()` rows to `k` folds. `groups[i]` is row `i`'s thread, or `None`
    /// for a row of its own.
    ///
    /// Errors when `k < 2`, when a class has fewer rows than `k`, or when keeping threads whole
    /// leaves a fold without one class.
    pub fn stratified(
        labels: &[bool],
        groups: &[Option<&str>],
        k: usize,
        seed: u64,
    ) -> Result<Folds> {
        assert_eq!(labels.len(), groups.len(), "one group entry per label");
        if k < 2 {
            return Err(TrainError::InvalidFolds(k));
        }
        let positives = labels.iter().filter(|&&l| l).count();
        let negatives = labels.len() - positives;
        for (class, count) in [("security", positives), ("non-security", negatives)] {
            if count < k {
                return Err(TrainError::TooFewForFolds {
                    class,
                    count,
                    folds: k,
                });
            }
        }
        // Groups in order of first appearance: (rows, positives, negatives).
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut members: Vec<(Vec<usize>, usize, usize)> = Vec::new();
        for (row, (&label, group)) in labels.iter().zip(groups).enumerate() {
            let slot = match group {
                Some(g) => *index.entry(g).or_insert_with(|| {
                    members.push((Vec::new(), 0, 0));
                    members.len() - 1
                }),
                None => {
                    members.push((Vec::new(), 0, 0));
                    members.len() - 1
                }
            };
            let m = &mut members[slot];
            m.0.push(row);
            if label {
                m.1 += 1;
            } else {
                m.2 += 1;
            }
        }
        let mut order: Vec<usize> = (0..members.len()).collect();
        SplitMix64::new(seed).shuffle(&mut order);
        order.sort_by_key(|&g| std::cmp::Reverse(members[g].0.len()));

        let (tp, tn) = (positives as f64, negatives as f64);
        let mut pos = vec![0usize; k];
        let mut neg = vec![0usize; k];
        let mut fold_of = vec![0usize; labels.len()];
        for g in order {
            let (rows, gp, gn) = &members[g];
            let fullness = |f: usize| {
                let p = if *gp > 0 {
                    (pos[f] + gp) as f64 / tp
                } else {
                    0.0
                };
                let n = if *gn > 0 {
                    (neg[f] + gn) as f64 / tn
                } else {
                    0.0
                };
                p.max(n)
            };
            let best = (0..k)
                .min_by(|&a, &b| {
                    fullness(a)
                        .total_cmp(&fullness(b))
                        .then((pos[a] + neg[a]).cmp(&(pos[b] + neg[b])))
                        .then(a.cmp(&b))
                })
                .unwrap_or(0);
            pos[best] += gp;
            neg[best] += gn;
            for &r in rows {
                fold_of[r] = best;
            }
        }
        for f in 0..k {
            if pos[f] == 0 {
                return Err(TrainError::EmptyFoldClass {
                    fold: f + 1,
                    class: "security",
                });
            }
            if neg[f] == 0 {
                return Err(TrainError::EmptyFoldClass {
                    fold: f + 1,
                    class: "non-security",
                });
            }
        }
        Ok(Folds { fold_of, k })
    }

    /// Folds from a fixed assignment (`fold_of[i] < k` for every row).
    pub(crate) fn predefined(fold_of: Vec<usize>, k: usize) -> Folds {
        debug_assert!(fold_of.iter().all(|&f| f < k));
        Folds { fold_of, k }
    }

    /// Number of folds.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The test fold of each row.
    pub fn fold_of(&self) -> &[usize] {
        &self.fold_of
    }

    /// `(train rows, test rows)` of fold `f`, each ascending.
    pub fn split(&self, f: usize) -> (Vec<usize>, Vec<usize>) {
        (0..self.fold_of.len()).partition(|&r| self.fold_of[r] != f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class_counts(folds: &Folds, labels: &[bool]) -> Vec<(usize, usize)> {
        (0..folds.k())
            .map(|f| {
                let (_, test) = folds.split(f);
                let p = test.iter().filter(|&&r| labels[r]).count();
                (p, test.len() - p)
            })
            .collect()
    }

    #[test]
    fn without_groups_each_class_is_spread_within_one_row() {
        let labels: Vec<bool> = (0..103).map(|i| i % 7 == 0).collect();
        let groups = vec![None; labels.len()];
        let folds = Folds::stratified(&labels, &groups, 5, 1).unwrap();
        let counts = class_counts(&folds, &labels);
        let (pmin, pmax) = (
            counts.iter().map(|c| c.0).min().unwrap(),
            counts.iter().map(|c| c.0).max().unwrap(),
        );
        let (nmin, nmax) = (
            counts.iter().map(|c| c.1).min().unwrap(),
            counts.iter().map(|c| c.1).max().unwrap(),
        );
        assert!(pmax - pmin <= 1 && nmax - nmin <= 1, "{counts:?}");
    }

    #[test]
    fn groups_never_straddle_folds() {
        let labels: Vec<bool> = (0..60).map(|i| i % 4 == 0).collect();
        let names: Vec<String> = (0..60).map(|i| format!("t{}", i / 3)).collect();
        let groups: Vec<Option<&str>> = names.iter().map(|s| Some(s.as_str())).collect();
        let folds = Folds::stratified(&labels, &groups, 4, 9).unwrap();
        for chunk in folds.fold_of().chunks(3) {
            assert!(chunk.iter().all(|&f| f == chunk[0]));
        }
    }

    #[test]
    fn seed_changes_assignment_but_same_seed_repeats_it() {
        let labels: Vec<bool> = (0..50).map(|i| i % 5 == 0).collect();
        let groups = vec![None; 50];
        let a = Folds::stratified(&labels, &groups, 5, 1).unwrap();
        assert_eq!(a, Folds::stratified(&labels, &groups, 5, 1).unwrap());
        assert_ne!(a, Folds::stratified(&labels, &groups, 5, 2).unwrap());
    }

    #[test]
    fn too_few_positives_for_the_folds_is_an_error() {
        let labels = [true, true, false, false, false, false];
        let e = Folds::stratified(&labels, &[None; 6], 3, 0).unwrap_err();
        assert!(
            e.to_string()
                .contains("2 security records cannot fill 3 folds"),
            "{e}"
        );
        assert!(Folds::stratified(&labels, &[None; 6], 1, 0).is_err());
    }

    #[test]
    fn a_thread_holding_every_positive_cannot_be_split() {
        let labels = [true, true, false, false, false, false];
        let groups = [Some("a"), Some("a"), None, None, None, None];
        let e = Folds::stratified(&labels, &groups, 2, 0).unwrap_err();
        assert!(matches!(e, TrainError::EmptyFoldClass { .. }), "{e}");
    }
}
