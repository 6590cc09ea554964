//! Removing duplicate units so copies cannot leak between cross-validation folds.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::error::{IngestError, Result};

/// How duplicates are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DedupMode {
    /// Keep every unit.
    None,
    /// Drop a unit whose words (lower-cased letters and digits; punctuation and spacing ignored)
    /// equal an earlier unit's.
    Exact,
    /// Drop a unit whose 64-bit SimHash over word 3-shingles differs from an earlier unit's in at
    /// most `max_distance` bits (0 to 3).
    Near {
        /// Largest number of differing fingerprint bits that still counts as a duplicate.
        max_distance: u32,
    },
}

/// Remembers what it has seen and says whether a text is a duplicate of it.
///
/// Memory grows with the number of distinct units: 16 bytes each for [`DedupMode::Exact`],
/// about 40 for [`DedupMode::Near`].
///
/// ```
/// use secdisc_ingest::{DedupMode, Deduper};
/// let mut d = Deduper::new(DedupMode::Exact)?;
/// assert!(!d.is_duplicate("Rotate the key."));
/// assert!(d.is_duplicate("rotate the   KEY"));
/// # Ok::<(), secdisc_ingest::IngestError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Deduper {
    mode: DedupMode,
    exact: HashSet<u128>,
    bands: HashMap<u64, Vec<u64>>,
}

const BANDS: u64 = 4;

impl Deduper {
    /// A deduper for `mode`.
    ///
    /// # Errors
    /// [`IngestError::NearDistanceOutOfRange`] for a near distance above 3.
    pub fn new(mode: DedupMode) -> Result<Deduper> {
        if let DedupMode::Near { max_distance } = mode {
            if max_distance >= BANDS as u32 {
                return Err(IngestError::NearDistanceOutOfRange {
                    value: max_distance,
                });
            }
        }
        Ok(Deduper {
            mode,
            exact: HashSet::new(),
            bands: HashMap::new(),
        })
    }

    /// The mode.
    pub fn mode(&self) -> DedupMode {
        self.mode
    }

    /// `true` when `text` duplicates an earlier text; otherwise remember it and return `false`.
    pub fn is_duplicate(&mut self, text: &str) -> bool {
        match self.mode {
            DedupMode::None => false,
            DedupMode::Exact => !self.exact.insert(exact_key(text)),
            DedupMode::Near { max_distance } => {
                let fp = simhash(text);
                for band in 0..BANDS {
                    if let Some(list) = self.bands.get(&band_key(fp, band)) {
                        if list.iter().any(|&o| (o ^ fp).count_ones() <= max_distance) {
                            return true;
                        }
                    }
                }
                for band in 0..BANDS {
                    self.bands.entry(band_key(fp, band)).or_default().push(fp);
                }
                false
            }
        }
    }
}

fn band_key(fp: u64, band: u64) -> u64 {
    (band << 16) | ((fp >> (band * 16)) & 0xFFFF)
}

/// Lower-cased alphanumeric words of `text`.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

fn exact_key(text: &str) -> u128 {
    let mut a = DefaultHasher::new();
    let mut b = DefaultHasher::new();
    0xA5u8.hash(&mut b);
    for w in words(text) {
        w.hash(&mut a);
        w.hash(&mut b);
    }
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

/// 64-bit SimHash over word 3-shingles (single words when the text has fewer than 3).
pub(crate) fn simhash(text: &str) -> u64 {
    let ws: Vec<String> = words(text).collect();
    let mut counts = [0i32; 64];
    let mut add = |h: u64| {
        for (bit, c) in counts.iter_mut().enumerate() {
            if h >> bit & 1 == 1 {
                *c += 1;
            } else {
                *c -= 1;
            }
        }
    };
    if ws.len() < 3 {
        for w in &ws {
            let mut h = DefaultHasher::new();
            w.hash(&mut h);
            add(h.finish());
        }
    } else {
        for sh in ws.windows(3) {
            let mut h = DefaultHasher::new();
            sh.hash(&mut h);
            add(h.finish());
        }
    }
    counts
        .iter()
        .enumerate()
        .fold(0u64, |fp, (bit, &c)| if c > 0 { fp | 1 << bit } else { fp })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_ignores_case_space_and_punctuation_only() {
        let mut d = Deduper::new(DedupMode::Exact).unwrap();
        assert!(!d.is_duplicate("Use TLS 1.3, please."));
        assert!(d.is_duplicate("use tls 1 3 please"));
        assert!(!d.is_duplicate("use tls 1.2 please"));
    }

    #[test]
    fn near_catches_small_edits_of_long_text() {
        let base = "the api gateway forwards the bearer token to every upstream service without checking the audience claim which lets one service replay it against another service in the mesh";
        let edited = base.replace("every upstream", "each upstream");
        let mut d = Deduper::new(DedupMode::Near { max_distance: 3 }).unwrap();
        assert!(!d.is_duplicate(base));
        let fp_dist = (simhash(base) ^ simhash(&edited)).count_ones();
        assert_eq!(d.is_duplicate(&edited), fp_dist <= 3);
        assert!(!d.is_duplicate(
            "completely different words about database migrations and schema changes today"
        ));
    }

    #[test]
    fn rejects_large_distance() {
        assert!(Deduper::new(DedupMode::Near { max_distance: 9 }).is_err());
    }

    #[test]
    fn none_keeps_everything() {
        let mut d = Deduper::new(DedupMode::None).unwrap();
        assert!(!d.is_duplicate("a"));
        assert!(!d.is_duplicate("a"));
    }
}
