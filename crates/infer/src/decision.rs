//! The decision made from a score when labelling: a threshold (the model's, or one chosen at
//! labelling time) and an optional abstain band whose scores are labelled `uncertain`, for a
//! person to review.

/// What a row says about a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The score is at or above the threshold (and outside the abstain band).
    Security,
    /// The score is below the threshold (and outside the abstain band).
    NonSecurity,
    /// The score lies in the abstain band.
    Uncertain,
}

impl Verdict {
    /// The `label` field of a row: `security`, `non-security` or `uncertain`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Security => "security",
            Verdict::NonSecurity => "non-security",
            Verdict::Uncertain => "uncertain",
        }
    }

    /// Read a `label` field back.
    pub fn parse(s: &str) -> Option<Verdict> {
        match s {
            "security" => Some(Verdict::Security),
            "non-security" => Some(Verdict::NonSecurity),
            "uncertain" => Some(Verdict::Uncertain),
            _ => None,
        }
    }
}

/// Why a threshold or an abstain band was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecisionError {
    /// The threshold is not in `[0, 1]`.
    #[error("threshold {0} is not a probability in [0, 1]")]
    Threshold(f64),
    /// The band's ends are not in `[0, 1]` or low exceeds high.
    #[error("abstain band {low}-{high} must lie in [0, 1] with low <= high")]
    Band {
        /// Low end.
        low: f64,
        /// High end.
        high: f64,
    },
}

/// A checked threshold and abstain band.
///
/// ```
/// use secdisc_infer::{Decision, Verdict};
/// let d = Decision::new(0.5, Some((0.3, 0.7)))?;
/// assert_eq!(d.verdict(0.9), Verdict::Security);
/// assert_eq!(d.verdict(0.6), Verdict::Uncertain);
/// assert_eq!(d.verdict(0.1), Verdict::NonSecurity);
/// assert!(Decision::new(1.5, None).is_err());
/// # Ok::<(), secdisc_infer::DecisionError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    threshold: f64,
    abstain: Option<(f64, f64)>,
}

impl Decision {
    /// A decision at `threshold` (`score >= threshold` is security), with scores in the closed
    /// band `abstain = (low, high)` labelled uncertain.
    ///
    /// # Errors
    /// [`DecisionError`] when a value is not a probability or the band is reversed.
    pub fn new(threshold: f64, abstain: Option<(f64, f64)>) -> Result<Decision, DecisionError> {
        let probability = |v: f64| (0.0..=1.0).contains(&v);
        if !probability(threshold) {
            return Err(DecisionError::Threshold(threshold));
        }
        if let Some((low, high)) = abstain {
            if !(probability(low) && probability(high) && low <= high) {
                return Err(DecisionError::Band { low, high });
            }
        }
        Ok(Decision { threshold, abstain })
    }

    /// The model's own decision: its threshold (checked when the model was loaded), no band.
    pub(crate) fn of_model(threshold: f64) -> Decision {
        Decision {
            threshold,
            abstain: None,
        }
    }

    /// The threshold.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The abstain band, if any.
    pub fn abstain(&self) -> Option<(f64, f64)> {
        self.abstain
    }

    /// The verdict for `score`.
    pub fn verdict(&self, score: f64) -> Verdict {
        match self.abstain {
            Some((low, high)) if (low..=high).contains(&score) => Verdict::Uncertain,
            _ if score >= self.threshold => Verdict::Security,
            _ => Verdict::NonSecurity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_ends_are_uncertain_and_bad_values_refused() {
        let d = Decision::new(0.4, Some((0.3, 0.6))).unwrap();
        assert_eq!(d.verdict(0.3), Verdict::Uncertain);
        assert_eq!(d.verdict(0.6), Verdict::Uncertain);
        assert_eq!(d.verdict(0.2999), Verdict::NonSecurity);
        assert_eq!(d.verdict(0.6001), Verdict::Security);
        let plain = Decision::new(0.4, None).unwrap();
        assert_eq!(plain.verdict(0.4), Verdict::Security);
        assert_eq!(plain.verdict(0.39), Verdict::NonSecurity);
        assert!(Decision::new(f64::NAN, None).is_err());
        assert!(Decision::new(-0.1, None).is_err());
        assert!(Decision::new(0.5, Some((0.7, 0.3))).is_err());
        assert!(Decision::new(0.5, Some((0.1, 1.2))).is_err());
        for v in [Verdict::Security, Verdict::NonSecurity, Verdict::Uncertain] {
            assert_eq!(Verdict::parse(v.as_str()), Some(v));
        }
    }
}
