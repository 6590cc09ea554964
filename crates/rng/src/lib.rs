//! The one seeded random generator of secdisc: fold shuffles, sampling, forests, the deep
//! models' initialisation and `suggest`'s diverse picks all draw from [`SplitMix64`], so a seed
//! gives the same folds, models and picks on every platform and thread count.
//!
//! ```
//! use secdisc_rng::SplitMix64;
//! let mut rng = SplitMix64::new(42);
//! let mut v = [1, 2, 3, 4];
//! rng.shuffle(&mut v);
//! assert!(rng.below(10) < 10);
//! assert!((0.0..1.0).contains(&rng.unit()));
//! ```
#![deny(missing_docs)]

/// SplitMix64 (Steele, Lea and Flood 2014): passes BigCrush, one `u64` of state.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..n` (Lemire's multiply-shift with rejection). `n > 0`.
    pub fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            if (m as u64) >= n.wrapping_neg() % n {
                return (m >> 64) as usize;
            }
        }
    }

    /// Uniform in `[0, 1)`: the top 53 bits of [`SplitMix64::next_u64`].
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Shuffle in place (Fisher-Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_reproducible_and_in_range() {
        let mut a = SplitMix64::new(42);
        let mut b = SplitMix64::new(42);
        assert_eq!(a.next_u64(), b.next_u64());
        // Reference value of SplitMix64 seeded with 0.
        assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
        assert!((0..1000).all(|_| a.below(7) < 7));
        let mut v: Vec<u32> = (0..10).collect();
        a.shuffle(&mut v);
        v.sort_unstable();
        assert_eq!(v, (0..10).collect::<Vec<_>>());
    }
}
