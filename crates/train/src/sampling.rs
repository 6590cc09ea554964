//! Random over- and undersampling of training rows, applied inside training folds only.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::TrainError;
use secdisc_rng::SplitMix64;

/// How training rows are resampled before fitting (never the test fold).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sampling {
    /// Use the rows as they are. The default.
    #[default]
    None,
    /// Repeat randomly drawn minority-class rows until both classes are equally frequent.
    Over,
    /// Keep a random subset of the majority class as large as the minority class.
    Under,
}

impl Sampling {
    /// Every mode, in help order.
    pub const ALL: [Sampling; 3] = [Sampling::None, Sampling::Over, Sampling::Under];

    /// The short name users choose it by (`none`).
    pub fn name(self) -> &'static str {
        match self {
            Sampling::None => "none",
            Sampling::Over => "over",
            Sampling::Under => "under",
        }
    }

    /// One line saying what it does, for help texts (no final full stop, as clap prints them).
    pub fn help(self) -> &'static str {
        match self {
            Sampling::None => "Use the rows as they are",
            Sampling::Over => "Random oversampling of the minority class to balance",
            Sampling::Under => "Random undersampling of the majority class to balance",
        }
    }
}

impl FromStr for Sampling {
    type Err = TrainError;

    fn from_str(s: &str) -> Result<Self, TrainError> {
        match s {
            "none" => Ok(Sampling::None),
            "over" => Ok(Sampling::Over),
            "under" => Ok(Sampling::Under),
            other => Err(TrainError::InvalidSampling(other.to_string())),
        }
    }
}

impl Sampling {
    /// Indices into `labels` to train on, in ascending order (repeats adjacent), drawn with
    /// `seed`. `None` gives every row once.
    pub fn rows(self, labels: &[bool], seed: u64) -> Vec<usize> {
        let all: Vec<usize> = (0..labels.len()).collect();
        let (pos, neg): (Vec<usize>, Vec<usize>) = all.iter().partition(|&&i| labels[i]);
        let (minority, majority) = if pos.len() <= neg.len() {
            (pos, neg)
        } else {
            (neg, pos)
        };
        if minority.is_empty() {
            return all;
        }
        let mut rng = SplitMix64::new(seed ^ 0x5A3B_1E00);
        let mut rows = match self {
            Sampling::None => return all,
            Sampling::Over => {
                let mut rows = all;
                for _ in 0..majority.len() - minority.len() {
                    rows.push(minority[rng.below(minority.len())]);
                }
                rows
            }
            Sampling::Under => {
                let mut kept = majority;
                rng.shuffle(&mut kept);
                kept.truncate(minority.len());
                kept.extend(minority);
                kept
            }
        };
        rows.sort_unstable();
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balances_classes_and_is_reproducible() {
        let labels: Vec<bool> = (0..100).map(|i| i % 10 == 0).collect();
        let count = |rows: &[usize]| rows.iter().filter(|&&r| labels[r]).count();
        let over = Sampling::Over.rows(&labels, 1);
        assert_eq!((over.len(), count(&over)), (180, 90));
        assert_eq!(over, Sampling::Over.rows(&labels, 1));
        let under = Sampling::Under.rows(&labels, 1);
        assert_eq!((under.len(), count(&under)), (20, 10));
        assert!(under.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(
            Sampling::None.rows(&labels, 1),
            (0..100).collect::<Vec<_>>()
        );
        assert!("sideways".parse::<Sampling>().is_err());
    }
}
