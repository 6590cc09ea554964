#!/usr/bin/env python3
"""Reference solutions for L2-regularised logistic regression on a fixed toy problem.

Used to check secdisc's own logistic-regression solver. For each setting it prints
sklearn's LogisticRegression(solver="lbfgs") coefficients, intercept and P(y=1),
then re-solves the same objective independently

    f(w, b) = 0.5*||w||^2 + C * sum_i s_i * log(1 + exp(-y_i * (w.x_i + b))),
    y_i in {-1, +1}, intercept b unpenalised,
    s_i = n / (2 * n_c) for class_weight="balanced", else 1,

with scipy.optimize.minimize (trust-exact, analytic gradient and Hessian) followed by
plain Newton polishing, and reports the max abs difference and the gradient norm.
The "ref" lines (gradient ~1e-15) are the numbers to test against; sklearn lbfgs agrees
to ~1e-7 (its stopping rule works on a rescaled objective), newton-cholesky much closer.

Run: python benches/peers/lr_reference.py
"""
import warnings

import numpy as np
import scipy
import sklearn
from scipy.optimize import minimize
from scipy.special import expit, log1p
from sklearn.linear_model import LogisticRegression

X = np.array(
    [[1, 0, 0, 2], [0, 1, 0, 1], [1, 1, 0, 0], [0, 0, 1, 1], [2, 0, 1, 0], [0, 2, 0, 1],
     [1, 0, 2, 0], [0, 1, 1, 2], [3, 0, 0, 1], [0, 0, 2, 2], [1, 2, 1, 0], [0, 1, 0, 3]],
    dtype=float,
)
y = np.array([1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0])

SETTINGS = [
    ("a", 1.0, "balanced"),
    ("b", 0.5, None),
    ("c", 10.0, "balanced"),
]


def sample_weights(y, class_weight):
    if class_weight == "balanced":
        n = len(y)
        counts = np.bincount(y, minlength=2)
        return np.array([n / (2.0 * counts[k]) for k in y])
    return np.ones(len(y))


def objective(theta, X, ys, s, C):
    w, b = theta[:-1], theta[-1]
    m = ys * (X @ w + b)
    # log(1+exp(-m)) computed stably
    loss = np.logaddexp(0.0, -m)
    return 0.5 * w @ w + C * np.sum(s * loss)


def gradient(theta, X, ys, s, C):
    w, b = theta[:-1], theta[-1]
    m = ys * (X @ w + b)
    r = -C * s * ys * expit(-m)  # d/dz of C*s*log(1+exp(-y z))
    g = np.empty_like(theta)
    g[:-1] = w + X.T @ r
    g[-1] = r.sum()
    return g


def hessian(theta, X, ys, s, C):
    w, b = theta[:-1], theta[-1]
    m = ys * (X @ w + b)
    p = expit(m)
    d = C * s * p * (1.0 - p)
    Xa = np.hstack([X, np.ones((X.shape[0], 1))])
    H = Xa.T @ (d[:, None] * Xa)
    H[:-1, :-1] += np.eye(X.shape[1])
    return H


def solve_reference(X, y, C, class_weight):
    ys = np.where(y == 1, 1.0, -1.0)
    s = sample_weights(y, class_weight)
    theta0 = np.zeros(X.shape[1] + 1)
    res = minimize(objective, theta0, args=(X, ys, s, C), jac=gradient, hess=hessian,
                   method="trust-exact", options={"gtol": 1e-14, "maxiter": 10000})
    theta = res.x
    # Newton polishing: the objective is smooth and strictly convex in (w, b)
    for _ in range(50):
        g = gradient(theta, X, ys, s, C)
        if np.max(np.abs(g)) < 1e-15:
            break
        theta = theta - np.linalg.solve(hessian(theta, X, ys, s, C), g)
    gnorm = np.max(np.abs(gradient(theta, X, ys, s, C)))
    return theta[:-1], theta[-1], objective(theta, X, ys, s, C), gnorm, res


def fmt(a):
    return "[" + ", ".join(f"{v:.10g}" for v in np.atleast_1d(a)) + "]"


def main():
    print(f"sklearn {sklearn.__version__}, numpy {np.__version__}, scipy {scipy.__version__}")
    print(f"n={len(y)}, positives={int(y.sum())}, balanced weights: "
          f"pos={len(y) / (2 * y.sum()):.10g}, neg={len(y) / (2 * (len(y) - y.sum())):.10g}")
    for name, C, cw in SETTINGS:
        with warnings.catch_warnings():
            # sklearn >= 1.8 deprecates `penalty`; the default (l1_ratio=0) is plain L2.
            warnings.simplefilter("ignore", FutureWarning)
            clf = LogisticRegression(solver="lbfgs", tol=1e-12, max_iter=100000, C=C,
                                     class_weight=cw)
            clf.fit(X, y)
            nc = LogisticRegression(solver="newton-cholesky", tol=1e-14, max_iter=1000, C=C,
                                    class_weight=cw).fit(X, y)
        proba = clf.predict_proba(X)[:, 1]

        w_ref, b_ref, fval, gnorm, res = solve_reference(X, y, C, cw)
        p_ref = expit(X @ w_ref + b_ref)

        print()
        print(f"({name}) C={C}, class_weight={cw!r}")
        print(f"  sklearn coef_      = {fmt(clf.coef_[0])}")
        print(f"  sklearn intercept_ = {fmt(clf.intercept_)}")
        print(f"  sklearn P(y=1)     = {fmt(proba)}")
        print(f"  ref     coef       = {fmt(w_ref)}")
        print(f"  ref     intercept  = {fmt(b_ref)}")
        print(f"  ref     P(y=1)     = {fmt(p_ref)}")
        print(f"  ref objective = {fval:.15g}, max|grad| after Newton polish = {gnorm:.3g} "
              f"(scipy trust-exact: nit={res.nit}, max|grad|={np.max(np.abs(res.jac)):.3g})")
        print(f"  max|coef diff| = {np.max(np.abs(clf.coef_[0] - w_ref)):.3g}, "
              f"|intercept diff| = {abs(clf.intercept_[0] - b_ref):.3g}, "
              f"max|proba diff| = {np.max(np.abs(proba - p_ref)):.3g}  (sklearn lbfgs vs ref)")
        print(f"  max|coef diff| = {np.max(np.abs(nc.coef_[0] - w_ref)):.3g}, "
              f"|intercept diff| = {abs(nc.intercept_[0] - b_ref):.3g}  (sklearn newton-cholesky vs ref)")


if __name__ == "__main__":
    main()
