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
    #[error("threshold {0} is not a probability from 0 to 1")]
    Threshold(f64),
    /// The band's ends are not in `[0, 1]` or low exceeds high.
    #[error("abstain band [{low}, {high}] must have 0 <= LOW <= HIGH <= 1")]
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
        let choice = DecisionOverride::new(Some(threshold), abstain)?;
        Ok(Decision {
            threshold,
            abstain: choice.abstain,
        })
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

/// A threshold and an abstain band chosen when labelling, each optional (a flag, a field of a
/// request), checked. [`DecisionOverride::or`] layers one over another (a request over the
/// server's flags) and [`DecisionOverride::decision`] falls back to the model's threshold.
///
/// ```
/// use secdisc_infer::DecisionOverride;
/// let server = DecisionOverride::new(Some(0.9), None)?;
/// let request = DecisionOverride::new(None, Some((0.4, 0.6)))?;
/// let d = request.or(server).decision(0.5).unwrap();
/// assert_eq!((d.threshold(), d.abstain()), (0.9, Some((0.4, 0.6))));
/// assert_eq!(DecisionOverride::default().decision(0.5), None);
/// # Ok::<(), secdisc_infer::DecisionError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DecisionOverride {
    threshold: Option<f64>,
    abstain: Option<(f64, f64)>,
}

impl DecisionOverride {
    /// Check the values given.
    ///
    /// # Errors
    /// [`DecisionError`] when a value is not a probability or the band is reversed.
    pub fn new(
        threshold: Option<f64>,
        abstain: Option<(f64, f64)>,
    ) -> Result<DecisionOverride, DecisionError> {
        let probability = |v: f64| (0.0..=1.0).contains(&v);
        if let Some(t) = threshold.filter(|&t| !probability(t)) {
            return Err(DecisionError::Threshold(t));
        }
        if let Some((low, high)) = abstain {
            if !(probability(low) && probability(high) && low <= high) {
                return Err(DecisionError::Band { low, high });
            }
        }
        Ok(DecisionOverride { threshold, abstain })
    }

    /// This override's values, and `fallback`'s where this one has none.
    pub fn or(self, fallback: DecisionOverride) -> DecisionOverride {
        DecisionOverride {
            threshold: self.threshold.or(fallback.threshold),
            abstain: self.abstain.or(fallback.abstain),
        }
    }

    /// The threshold given, if any.
    pub fn threshold(&self) -> Option<f64> {
        self.threshold
    }

    /// The band given, if any.
    pub fn abstain(&self) -> Option<(f64, f64)> {
        self.abstain
    }

    /// The decision with the model's threshold where none was given; `None` when nothing was
    /// given (the model decides alone).
    pub fn decision(self, model_threshold: f64) -> Option<Decision> {
        (self != DecisionOverride::default()).then(|| Decision {
            threshold: self.threshold.unwrap_or(model_threshold),
            abstain: self.abstain,
        })
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
