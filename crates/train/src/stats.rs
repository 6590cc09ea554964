//! Paired significance tests for comparing two classifiers on the same cross-validation folds.
//!
//! - [`wilcoxon_signed_rank`]: rank test on per-fold differences, exact for up to
//!   [`WILCOXON_EXACT_MAX_N`] non-zero differences (ties included).
//! - [`corrected_resampled_t_test`]: Nadeau & Bengio (2003) t-test whose variance is inflated
//!   because CV training sets overlap.
//! - [`holm`]: Holm–Bonferroni adjustment when several comparisons are reported together.
//!
//! Degenerate inputs never panic. "No evidence" (e.g. all differences zero) gives p = 1.0;
//! "no test possible" (mismatched lengths, NaN scores, fewer than two pairs) gives p = NaN,
//! which fails every `p < alpha` check.

use serde::{Deserialize, Serialize};

/// Largest number of non-zero differences for which [`wilcoxon_signed_rank`] enumerates the
/// exact null distribution; above it the normal approximation is used.
pub const WILCOXON_EXACT_MAX_N: usize = 50;

/// Outcome of [`wilcoxon_signed_rank`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WilcoxonResult {
    /// min(W+, W-): the smaller rank sum of the positive / negative differences (as scipy).
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Number of non-zero differences that were ranked.
    pub n: usize,
    /// `true` if `p_value` comes from the exact null distribution, `false` if from the normal
    /// approximation (or undefined).
    pub exact: bool,
}

/// Two-sided Wilcoxon signed-rank test on the paired differences `d = a - b`.
///
/// Zero differences are dropped (scipy's default `zero_method="wilcox"`); equal |d| (exact
/// float equality, as scipy) share their average rank. For n <= [`WILCOXON_EXACT_MAX_N`]
/// the p-value is exact, `2 * min(P(W+ <= w), P(W+ >= w))` over all 2^n sign assignments of the
/// observed ranks, with or without ties; this equals `scipy.stats.wilcoxon(a, b)` for 10 folds.
/// (For 14 to 50 differences with ties or zeros, scipy's default switches to the normal
/// approximation, so its p differs slightly there.) Above that, the normal approximation with
/// tie and continuity correction is used: scipy's `method="asymptotic", correction=True` (its
/// default is `correction=False`).
///
/// Degenerate inputs: all differences zero (or empty input) gives statistic 0, p = 1.0, n = 0;
/// mismatched lengths or a NaN difference give statistic and p NaN, n = 0.
pub fn wilcoxon_signed_rank(a: &[f64], b: &[f64]) -> WilcoxonResult {
    let diffs = a.iter().zip(b).map(|(x, y)| x - y);
    let d: Vec<f64> = diffs.filter(|&d| d != 0.0).collect();
    let undefined = a.len() != b.len() || d.iter().any(|x| x.is_nan());
    let (statistic, p_value, exact) = if undefined {
        (f64::NAN, f64::NAN, false)
    } else if d.is_empty() {
        (0.0, 1.0, true)
    } else {
        signed_rank_test(&d)
    };
    let n = if undefined { 0 } else { d.len() };
    WilcoxonResult {
        statistic,
        p_value,
        n,
        exact,
    }
}

/// (min(W+, W-), two-sided p, exact?) for non-empty, non-zero, non-NaN differences `d`.
fn signed_rank_test(d: &[f64]) -> (f64, f64, bool) {
    let n = d.len();
    let (ranks2, tie_sizes) = doubled_ranks(d);
    let total2 = (n * (n + 1)) as u64;
    let positive = d.iter().zip(&ranks2).filter(|(d, _)| **d > 0.0);
    let w_plus2: u64 = positive.map(|(_, r)| r).sum();
    let statistic = w_plus2.min(total2 - w_plus2) as f64 / 2.0;
    if n <= WILCOXON_EXACT_MAX_N {
        return (statistic, exact_signed_rank_p(&ranks2, w_plus2), true);
    }
    let nf = n as f64;
    let ties: f64 = tie_sizes
        .iter()
        .map(|&t| (t as f64).powi(3) - t as f64)
        .sum();
    let se = ((nf * (nf + 1.0) * (2.0 * nf + 1.0) - ties / 2.0) / 24.0).sqrt();
    let dev = w_plus2 as f64 / 2.0 - nf * (nf + 1.0) / 4.0;
    // Continuity correction towards the mean; `signum` alone would map 0.0 to 1.0.
    let corrected = if dev == 0.0 {
        0.0
    } else {
        dev - 0.5 * dev.signum()
    };
    let p_value = normal_sf_two_sided(corrected / se).min(1.0);
    (statistic, p_value, false)
}

/// Twice the average rank of each |d| (an integer even with ties), and the tie-group sizes.
fn doubled_ranks(d: &[f64]) -> (Vec<u64>, Vec<usize>) {
    let mut order: Vec<usize> = (0..d.len()).collect();
    order.sort_by(|&i, &j| d[i].abs().total_cmp(&d[j].abs()));
    let mut ranks = vec![0; d.len()];
    let mut tie_sizes = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let key = d[order[start]].abs();
        let len = order[start..]
            .iter()
            .take_while(|&&i| d[i].abs() == key)
            .count();
        let end = start + len;
        // Sorted positions start..end hold ranks start+1..=end; twice their mean is start+1+end.
        for &i in &order[start..end] {
            ranks[i] = (start + 1 + end) as u64;
        }
        tie_sizes.push(len);
        start = end;
    }
    (ranks, tie_sizes)
}

/// Exact two-sided p-value of the doubled rank sum `w_plus2`: the null distribution of the
/// sum of a random subset of `ranks2` is counted by subset-sum dynamic programming.
fn exact_signed_rank_p(ranks2: &[u64], w_plus2: u64) -> f64 {
    let total = ranks2.iter().sum::<u64>() as usize;
    // counts[s] = number of sign assignments with doubled W+ = s; at most 2^50 < 2^53.
    let mut counts = vec![0u64; total + 1];
    counts[0] = 1;
    let mut reach = 0;
    for &r in ranks2 {
        let r = r as usize;
        reach += r;
        for s in (r..=reach).rev() {
            counts[s] += counts[s - r];
        }
    }
    let w = (w_plus2 as usize).min(total);
    let lower: u64 = counts[..=w].iter().sum();
    let upper: u64 = counts[w..].iter().sum();
    (2.0 * lower.min(upper) as f64 / (ranks2.len() as f64).exp2()).min(1.0)
}

/// Holm–Bonferroni step-down adjusted p-values, returned in the input order.
///
/// With the p-values sorted ascending as p(1) <= ... <= p(m), the adjusted value of p(i) is
/// `max over j <= i of min(1, (m - j + 1) * p(j))`, as `statsmodels.multipletests(method="holm")`.
/// E.g. `[0.01, 0.04, 0.03]` becomes `[0.03, 0.06, 0.06]`. NaN entries stay NaN but still count
/// towards m (conservative). Empty input gives an empty vector.
pub fn holm(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| {
        let (p, q) = (p_values[i], p_values[j]);
        p.is_nan().cmp(&q.is_nan()).then(p.total_cmp(&q))
    });
    let mut adjusted = vec![f64::NAN; m];
    let mut running = 0.0f64;
    for (k, &i) in order.iter().enumerate() {
        let p = p_values[i];
        if p.is_nan() {
            break;
        }
        running = running.max(((m - k) as f64 * p).min(1.0));
        adjusted[i] = running;
    }
    adjusted
}

/// Outcome of [`corrected_resampled_t_test`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TTestResult {
    /// Corrected t statistic; positive when `a` scores higher on average.
    pub t: f64,
    /// Degrees of freedom, J - 1 for J pairs (0 when the test is undefined).
    pub df: usize,
    /// Two-sided p-value from Student's t with `df` degrees of freedom.
    pub p_value: f64,
}

/// Nadeau & Bengio (2003) corrected resampled t-test on paired per-fold scores `a` and `b`.
///
/// With d_j = a_j - b_j over J folds (k-fold, or all r×k folds of repeated CV), mean d̄ and
/// sample variance s² (ddof = 1): `t = d̄ / sqrt((1/J + n_test/n_train) * s²)`, df = J - 1.
/// `n_train` and `n_test` are the sizes of one fold's training and test sets (10-fold CV on
/// 1000 items: 900 and 100). The `n_test/n_train` term accounts for overlapping training sets,
/// which make the plain paired t-test far too liberal.
///
/// If s² = 0: t = 0, p = 1.0 when d̄ = 0, else t = ±inf, p = 0.0. Mismatched lengths, J < 2,
/// `n_train == 0` give t = NaN, df = 0, p = NaN; NaN scores give NaN t and p.
pub fn corrected_resampled_t_test(
    a: &[f64],
    b: &[f64],
    n_train: usize,
    n_test: usize,
) -> TTestResult {
    let j = a.len();
    if j != b.len() || j < 2 || n_train == 0 {
        return TTestResult {
            t: f64::NAN,
            df: 0,
            p_value: f64::NAN,
        };
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let jf = j as f64;
    let mean = d.iter().sum::<f64>() / jf;
    // Identical differences have zero variance even when their float mean is not exact.
    let var = if d.iter().all(|&x| x == d[0]) {
        0.0
    } else {
        d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (jf - 1.0)
    };
    let df = j - 1;
    if var == 0.0 {
        let (t, p_value) = if mean == 0.0 {
            (0.0, 1.0)
        } else {
            (f64::INFINITY.copysign(mean), 0.0)
        };
        return TTestResult { t, df, p_value };
    }
    let t = mean / ((1.0 / jf + n_test as f64 / n_train as f64) * var).sqrt();
    TTestResult {
        t,
        df,
        p_value: student_t_sf_two_sided(t, df as f64),
    }
}

/// Two-sided tail probability P(|T| >= |t|) of Student's t with `df` degrees of freedom
/// (`2 * scipy.stats.t.sf(abs(t), df)`), e.g. t = 2.262, df = 9 gives about 0.05.
///
/// Computed as the regularized incomplete beta I_{df/(df+t²)}(df/2, 1/2). Relative error is
/// below 1e-13 for df <= 1000 (CV folds give df < 100), 1e-12 at df = 1e4, 1e-9 at df = 1e8.
/// `df` may be fractional; `df = +inf` gives the normal tail. t = 0 gives 1.0, t = ±inf gives
/// 0.0; NaN arguments or df <= 0 give NaN.
pub fn student_t_sf_two_sided(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if df == f64::INFINITY {
        return normal_sf_two_sided(t);
    }
    let (u, v) = (t * t / df, df / (t * t));
    // x = df/(df+t²) = 1/(1+u) and y = 1-x = 1/(1+v), with logs, without cancellation.
    reg_inc_beta(
        0.5 * df,
        0.5,
        (1.0 / (1.0 + u), -u.ln_1p()),
        (1.0 / (1.0 + v), -v.ln_1p()),
    )
}

/// P(|Z| >= |z|) for standard normal Z, i.e. erfc(|z|/√2) = Q(1/2, z²/2).
fn normal_sf_two_sided(z: f64) -> f64 {
    reg_upper_gamma(0.5, 0.5 * z * z)
}

const EPS: f64 = 1e-16;
const TINY: f64 = 1e-300;
const MAX_ITER: usize = 10_000;

/// ln Γ(x) for x > 0: Lanczos (g = 7, 9 terms), reflection below 1/2; ~1e-15 relative.
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin().abs()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let sum = C[1..]
        .iter()
        .enumerate()
        .fold(C[0], |s, (i, c)| s + c / (x + i as f64 + 1.0));
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// ln B(a, b); for a >= 20 the Stirling series for lnΓ(a + b) - lnΓ(a) avoids cancellation.
fn ln_beta(a: f64, b: f64) -> f64 {
    if a < 20.0 {
        return ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b);
    }
    // Stirling remainder: lnΓ(x) = (x - 1/2) ln x - x + ln √(2π) + delta(x).
    let delta = |x: f64| {
        let x2 = x * x;
        (1.0 / 12.0 - (1.0 / 360.0 - (1.0 / 1260.0 - 1.0 / (1680.0 * x2)) / x2) / x2) / x
    };
    let ratio = b * a.ln() + (a + b - 0.5) * (b / a).ln_1p() - b + delta(a + b) - delta(a);
    ln_gamma(b) - ratio
}

/// Regularized incomplete beta I_x(a, b), given (x, ln x) and (y, ln y) for y = 1 - x, so that
/// neither y nor the logs suffer cancellation.
fn reg_inc_beta(a: f64, b: f64, (x, ln_x): (f64, f64), (y, ln_y): (f64, f64)) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    let front = (a * ln_x + b * ln_y - ln_beta(a, b)).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_cf(a, b, x) / a
    } else {
        1.0 - front * beta_cf(b, a, y) / b
    }
}

/// Lentz guard: keeps a continued-fraction denominator away from zero.
fn nonzero(v: f64) -> f64 {
    if v.abs() < TINY {
        TINY
    } else {
        v
    }
}

/// Continued fraction for I_x(a, b) (Numerical Recipes `betacf`, modified Lentz).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / nonzero(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=MAX_ITER {
        let m = m as f64;
        let m2 = 2.0 * m;
        let even = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / nonzero(1.0 + even * d);
        c = nonzero(1.0 + even / c);
        h *= d * c;
        let odd = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / nonzero(1.0 + odd * d);
        c = nonzero(1.0 + odd / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// Regularized upper incomplete gamma Q(a, x) (series below a + 1, continued fraction above).
fn reg_upper_gamma(a: f64, x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    if x == f64::INFINITY {
        return 0.0;
    }
    let front = (-x + a * x.ln() - ln_gamma(a)).exp();
    if x < a + 1.0 {
        let (mut term, mut sum, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..MAX_ITER {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * EPS {
                break;
            }
        }
        1.0 - front * sum
    } else {
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / TINY;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..=MAX_ITER {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = 1.0 / nonzero(an * d + b);
            c = nonzero(b + an / c);
            let step = d * c;
            h *= step;
            if (step - 1.0).abs() < EPS {
                break;
            }
        }
        front * h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, tol: f64) {
        assert!((got - want).abs() <= tol, "got {got}, want {want}");
    }

    /// Brute force: every 2^n sign assignment of the non-zero differences, with doubled average
    /// ranks computed independently as 2 * #{|d_j| < |d_i|} + #{|d_j| == |d_i|} + 1.
    fn brute_force_p(a: &[f64], b: &[f64]) -> f64 {
        let diffs = a.iter().zip(b).map(|(x, y)| x - y);
        let d: Vec<f64> = diffs.filter(|&d| d != 0.0).collect();
        let count =
            |i: usize, f: fn(f64, f64) -> bool| d.iter().filter(|x| f(x.abs(), d[i].abs())).count();
        let ranks2: Vec<u64> = (0..d.len())
            .map(|i| (2 * count(i, |x, y| x < y) + count(i, |x, y| x == y) + 1) as u64)
            .collect();
        let w_plus = |positive: &dyn Fn(usize) -> bool| -> u64 {
            (0..d.len())
                .filter(|&i| positive(i))
                .map(|i| ranks2[i])
                .sum()
        };
        let observed = w_plus(&|i| d[i] > 0.0);
        let all: Vec<u64> = (0..1u32 << d.len())
            .map(|m| w_plus(&|i| m >> i & 1 == 1))
            .collect();
        let lower = all.iter().filter(|&&w| w <= observed).count();
        let upper = all.iter().filter(|&&w| w >= observed).count();
        (2.0 * lower.min(upper) as f64 / all.len() as f64).min(1.0)
    }

    /// Fold scores given in thousandths (exactly the f64 nearest to the decimal literal).
    fn milli(v: &[i32]) -> Vec<f64> {
        v.iter().map(|&x| f64::from(x) / 1000.0).collect()
    }

    fn sixteenths(v: &[i32]) -> Vec<f64> {
        v.iter().map(|&x| f64::from(x) / 16.0).collect()
    }

    #[test]
    fn wilcoxon_matches_scipy_and_brute_force_at_10_folds() {
        // python3 -c "import scipy.stats as st; print(st.wilcoxon(a, b))": exact method without
        // ties; with ties/zeros scipy 1.17 (n <= 13) runs the full 2^n permutation test (exact).
        let a = [
            milli(&[863, 890, 878, 823, 830, 887, 801, 882, 880, 847]), // no ties
            milli(&[888, 851, 885, 864, 874, 809, 854, 851, 887, 836]), // no ties
            milli(&[858, 843, 888, 841, 892, 807, 843, 852, 895, 825]), // no ties
            milli(&[810, 790, 850, 830, 800, 780, 840, 820, 860, 770]), // IEEE-equal |d|
            milli(&[700, 720, 690, 750, 710, 730, 680, 740, 700, 720]), // IEEE-equal |d|
            sixteenths(&[14, 12, 13, 15, 12, 14, 13, 10, 12, 14]),      // ties and 2 zeros
        ];
        let b = [
            milli(&[853, 883, 876, 842, 831, 873, 828, 891, 918, 873]),
            milli(&[863, 865, 874, 842, 868, 785, 845, 828, 848, 840]),
            milli(&[852, 830, 879, 821, 880, 793, 851, 848, 842, 818]),
            milli(&[780, 800, 810, 790, 760, 770, 800, 830, 800, 750]),
            milli(&[705, 710, 695, 740, 730, 725, 700, 735, 690, 730]),
            sixteenths(&[12, 12, 11, 13, 13, 12, 11, 11, 8, 14]),
        ];
        let want = [
            (10, 16.0, 0.275390625),
            (10, 6.0, 0.02734375),
            (10, 4.0, 0.013671875),
            (10, 4.0, 0.015625),
            (10, 24.5, 0.818359375),
            (8, 3.0, 0.03125),
        ];
        for ((a, b), (n, statistic, p)) in a.iter().zip(&b).zip(want) {
            let r = wilcoxon_signed_rank(a, b);
            assert_eq!((r.statistic, r.n, r.exact), (statistic, n, true));
            close(r.p_value, p, 1e-12);
            close(r.p_value, brute_force_p(a, b), 1e-15);
            assert_eq!(wilcoxon_signed_rank(b, a), r, "symmetric in a <-> b");
        }
        // Heavy ties, DP vs brute force only: 10 non-zero differences in {±1, ±2, ±3}.
        let a: Vec<f64> = (0..12).map(|i| f64::from((i * 5) % 7) - 3.0).collect();
        let r = wilcoxon_signed_rank(&a, &[0.0; 12]);
        close(r.p_value, brute_force_p(&a, &[0.0; 12]), 1e-15);
        // n = 30, no ties: print(st.wilcoxon([(i+1)*(-1 if i%3==0 else 1) for i in range(30)]))
        let a: Vec<f64> = (1..=30)
            .map(|i| f64::from(i) * if i % 3 == 1 { -1.0 } else { 1.0 })
            .collect();
        let r = wilcoxon_signed_rank(&a, &[0.0; 30]);
        assert_eq!(r.statistic, 145.0);
        close(r.p_value, 0.07324407435953617, 1e-12);
    }

    #[test]
    fn wilcoxon_normal_approximation_above_50() {
        // python3 -c "import scipy.stats as st; a=[float((i*7)%13) for i in range(60)];
        //   b=[float((i*5)%11) for i in range(60)];
        //   print(st.wilcoxon(a, b, method='asymptotic', correction=True))"
        let a: Vec<f64> = (0..60).map(|i| ((i * 7) % 13) as f64).collect();
        let b: Vec<f64> = (0..60).map(|i| ((i * 5) % 11) as f64).collect();
        let r = wilcoxon_signed_rank(&a, &b);
        assert_eq!((r.statistic, r.n, r.exact), (668.5, 56, false));
        close(r.p_value, 0.29206759343879973, 1e-12);
    }

    #[test]
    fn wilcoxon_degenerate_inputs() {
        let zeros = wilcoxon_signed_rank(&[0.8; 10], &[0.8; 10]);
        assert_eq!((zeros.statistic, zeros.p_value, zeros.n), (0.0, 1.0, 0));
        assert_eq!(wilcoxon_signed_rank(&[], &[]).p_value, 1.0);
        assert!(wilcoxon_signed_rank(&[1.0, 2.0], &[1.0]).p_value.is_nan());
        assert!(wilcoxon_signed_rank(&[1.0, f64::NAN], &[0.0, 0.0])
            .p_value
            .is_nan());
        // One non-zero difference: both sign assignments are as extreme, p = 1.
        assert_eq!(wilcoxon_signed_rank(&[1.0, 0.5], &[0.0, 0.5]).p_value, 1.0);
    }

    #[test]
    fn holm_hand_computed() {
        // Sorted 0.01, 0.02, 0.03, 0.04, 0.30 (m = 5): 5*0.01 = 0.05, 4*0.02 = 0.08,
        // 3*0.03 = 0.09, 2*0.04 = 0.08 -> max with 0.09, 1*0.30 = 0.30.
        let got = holm(&[0.04, 0.01, 0.30, 0.03, 0.02]);
        for (g, w) in got.iter().zip([0.09, 0.05, 0.30, 0.09, 0.08]) {
            close(*g, w, 1e-15);
        }
        assert_eq!(holm(&[0.6, 0.5]), vec![1.0, 1.0]);
        assert!(holm(&[]).is_empty());
        let with_nan = holm(&[f64::NAN, 0.01]);
        assert!(with_nan[0].is_nan());
        close(with_nan[1], 0.02, 1e-15);
    }

    fn student_t_cdf(t: f64, df: f64) -> f64 {
        let half = 0.5 * student_t_sf_two_sided(t, df);
        if t < 0.0 {
            half
        } else {
            1.0 - half
        }
    }

    #[test]
    fn student_t_cdf_matches_scipy() {
        // python3 -c "import scipy.stats as st; print(repr(st.t.cdf(t, df)))"
        let cases = [
            (0.5, 1.0, 0.6475836176504333),
            (-2.0, 3.0, 0.06966298427942152),
            (1.833, 9.0, 0.9499910299747085),
            (-2.262, 9.0, 0.025006422751227313),
            (3.5, 4.5, 0.9897291550153072),
            (-0.1, 100.0, 0.4602722655479256),
            (10.0, 2.0, 0.9950737714883372),
            (-8.0, 9.0, 1.1067408404700078e-05),
            (0.0, 5.0, 0.5),
            (1.2, 0.5, 0.7203710369343177),
            (-2.5, 1e4, 0.006217609775291849),
            (2.0, 1e6, 0.9772497330743404),
        ];
        for (t, df, want) in cases {
            close(student_t_cdf(t, df), want, 1e-10);
        }
        // Tail is relative-accurate: 2 * 1.1067408404700078e-05 from the row above.
        close(
            student_t_sf_two_sided(8.0, 9.0) / 2.2134816809400155e-05,
            1.0,
            1e-12,
        );
    }

    #[test]
    fn student_t_sf_edge_cases() {
        assert_eq!(student_t_sf_two_sided(0.0, 3.0), 1.0);
        assert_eq!(student_t_sf_two_sided(f64::INFINITY, 3.0), 0.0);
        assert!(student_t_sf_two_sided(f64::NAN, 3.0).is_nan());
        assert!(student_t_sf_two_sided(1.0, 0.0).is_nan());
        // python3 -c "import scipy.stats as st; print(repr(2*st.norm.sf(1.96)))"
        close(
            student_t_sf_two_sided(-1.96, f64::INFINITY),
            0.04999579029644087,
            1e-14,
        );
        // python3 -c "import scipy.special as sp; print(repr(sp.gammaln(0.25)))", same for 50.5
        close(ln_gamma(0.25), 1.2880225246980774, 1e-13);
        close(ln_gamma(50.5), 146.51925549072064, 1e-11);
    }

    #[test]
    fn corrected_t_test_matches_python() {
        // python3 -c "import numpy as np, scipy.stats as st; d=np.subtract(A, B); J=len(d);
        //   t=d.mean()/np.sqrt((1/J+100/900)*d.var(ddof=1));
        //   print(repr(t), repr(2*st.t.sf(abs(t), J-1)))"
        let a = milli(&[812, 795, 831, 804, 826, 817, 799, 823, 808, 815]);
        let b = milli(&[801, 797, 815, 798, 811, 812, 790, 809, 806, 800]);
        let r = corrected_resampled_t_test(&a, &b, 900, 100);
        assert_eq!(r.df, 9);
        close(r.t, 3.199340797493833, 1e-12);
        close(r.p_value, 0.010842766821530613, 1e-12);
        let swapped = corrected_resampled_t_test(&b, &a, 900, 100);
        close(swapped.t, -r.t, 1e-12);
        close(swapped.p_value, r.p_value, 1e-15);
        // n_test = 0 reduces to the paired t-test: print(st.ttest_rel(A, B))
        let paired = corrected_resampled_t_test(&a, &b, 900, 0);
        close(paired.t, 4.648534407407482, 1e-12);
        close(paired.p_value, 0.0012046122141386687, 1e-12);
    }

    #[test]
    fn corrected_t_test_degenerate_inputs() {
        let same = corrected_resampled_t_test(&[0.8; 5], &[0.8; 5], 80, 20);
        assert_eq!((same.t, same.df, same.p_value), (0.0, 4, 1.0));
        let shifted = corrected_resampled_t_test(&[0.9; 5], &[0.8; 5], 80, 20);
        assert_eq!((shifted.t, shifted.p_value), (f64::INFINITY, 0.0));
        let below = corrected_resampled_t_test(&[0.7; 5], &[0.8; 5], 80, 20);
        assert_eq!((below.t, below.p_value), (f64::NEG_INFINITY, 0.0));
        for r in [
            corrected_resampled_t_test(&[0.8], &[0.7], 80, 20),
            corrected_resampled_t_test(&[0.8, 0.9], &[0.7], 80, 20),
            corrected_resampled_t_test(&[0.8, 0.9], &[0.7, 0.6], 0, 20),
        ] {
            assert!(r.t.is_nan() && r.p_value.is_nan());
            assert_eq!(r.df, 0);
        }
        assert!(
            corrected_resampled_t_test(&[0.8, f64::NAN], &[0.7, 0.6], 8, 2)
                .p_value
                .is_nan()
        );
    }
}
