//! `--threshold` and `--abstain`: the decision made at labelling time (`label`, `serve`).

use secdisc_infer::{Decision, DecisionOverride};

use crate::cli::usage;

/// Flags that override the model's decision when labelling.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Decision")]
pub struct DecisionArgs {
    /// Label `security` at and above this probability instead of the model's threshold
    /// (`secdisc inspect` shows it).
    #[arg(long, value_name = "P", value_parser = probability)]
    pub threshold: Option<f64>,
    /// Label scores from LOW to HIGH (inclusive) `uncertain`, for a person to review, e.g.
    /// `--abstain 0.3-0.7`; scores outside the band are decided by the threshold.
    #[arg(long, value_name = "LOW-HIGH", value_parser = band)]
    pub abstain: Option<(f64, f64)>,
}

impl DecisionArgs {
    /// The flags as an override of the model's decision.
    pub fn choice(&self) -> DecisionOverride {
        // The value parsers below have checked both already.
        DecisionOverride::new(self.threshold, self.abstain)
            .unwrap_or_else(|e| usage(format!("{e}; check --threshold and --abstain")))
    }

    /// The decision, or `None` when neither flag is given (the model's own threshold).
    pub fn decision(&self, model_threshold: f64) -> Option<Decision> {
        self.choice().decision(model_threshold)
    }
}

/// A probability in [0, 1].
pub fn probability(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("expected a probability from 0 to 1, found `{s}`")),
    }
}

/// `LOW-HIGH` (or `LOW,HIGH`), two probabilities with LOW <= HIGH.
pub fn band(s: &str) -> Result<(f64, f64), String> {
    let (low, high) = s
        .split_once(['-', ','])
        .ok_or_else(|| format!("expected LOW-HIGH, e.g. 0.3-0.7, found `{s}`"))?;
    let (low, high) = (probability(low)?, probability(high)?);
    if low > high {
        return Err(format!(
            "the band's low end {low} is above its high end {high}"
        ));
    }
    Ok((low, high))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bands_and_refuses_bad_ones() {
        assert_eq!(band("0.3-0.7"), Ok((0.3, 0.7)));
        assert_eq!(band("0.3,0.7"), Ok((0.3, 0.7)));
        assert_eq!(band("0.5-0.5"), Ok((0.5, 0.5)));
        assert!(band("0.7-0.3").unwrap_err().contains("above"));
        assert!(band("0.3").unwrap_err().contains("LOW-HIGH"));
        assert!(band("0.3-1.5").unwrap_err().contains("from 0 to 1"));
        assert!(probability("-1").is_err());
        assert!(probability("nan").is_err());
        assert_eq!(probability("1"), Ok(1.0));
    }
}
