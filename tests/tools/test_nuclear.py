#!/usr/bin/python3
"""fasim_post.nuclear: the minimum-nuclear-norm reference solver's certified bracket on small cases whose answer
is known (completion and sensing), and the certificates checked independently of the solver: the dual point is
supported on the observations with spectral norm 1 and gives the lower bound, the primal point meets the
observations and has the upper bound as its nuclear norm."""
import sys

import numpy as np

from runner import run_tests, use_repo

use_repo()
from fasim_post import nuclear  # noqa: E402


def certified(op, b, br, answer, tol):
    assert br.lower <= answer + tol and answer - tol <= br.upper, (br.lower, answer, br.upper)
    assert br.gap <= tol, br.gap
    # The certificates themselves, recomputed: Λ = 𝒜*(λ) with ‖Λ‖_op = 1 and ⟨Λ, X⟩ = lower for any feasible X.
    assert abs(np.linalg.norm(br.dual, 2) - 1) < 1e-12
    assert abs(float(np.sum(br.dual * br.x)) - br.lower) <= 1e-9 * max(1.0, br.lower)
    assert abs(nuclear.nuclear_norm(br.x) - br.upper) <= 1e-12 * br.upper
    assert np.linalg.norm(op.forward(br.x) - b) <= 1e-10 * max(1.0, np.linalg.norm(b))


def test_completion_two_by_two(tmp):
    # [[1, 1], [1, ?]]: ? = 1 gives ‖X‖_* = 2, and Λ = [[0, 1], [1, 0]] (on Ω, ‖Λ‖_op = 1) certifies ≥ 2.
    omega = np.array([[True, True], [True, False]])
    op = nuclear.Completion(omega)
    b = np.ones(3)
    br = nuclear.min_nuclear_norm(op, b, rtol=1e-10)
    certified(op, b, br, 2.0, 1e-8)
    assert abs(br.x[1, 1] - 1) < 1e-3     # ‖X‖_* = √((1 − t)² + 4) is flat to second order at t = 1
    assert not br.dual[~omega].any()          # the dual point is supported on the observations


def test_completion_of_a_diagonal(tmp):
    # Only the diagonal observed: the minimum is Σ|d_i| (‖X‖_* ≥ ⟨diag(sign d), X⟩), attained by diag(d).
    d = np.array([3.0, -1.0, 0.5, -2.0, 1.5])
    omega = np.eye(5, dtype=bool)
    op = nuclear.Completion(omega)
    br = nuclear.min_nuclear_norm(op, d, rtol=1e-10)
    certified(op, d, br, float(np.abs(d).sum()), 1e-8)
    assert np.allclose(br.x, np.diag(d), atol=1e-6)


def test_completion_recovers_a_low_rank_matrix(tmp):
    rng = np.random.default_rng(3)
    # ±1 factors: an incoherent rank-one matrix, which half of its entries determine by nuclear-norm minimization
    y = np.outer(rng.choice([-1.0, 1.0], 30), rng.choice([-1.0, 1.0], 25))
    omega = rng.random(y.shape) < 0.5
    op = nuclear.Completion(omega)
    br = nuclear.min_nuclear_norm(op, y[omega], rtol=1e-9)
    truth = nuclear.nuclear_norm(y)
    certified(op, y[omega], br, truth, 1e-8 * truth)
    assert np.linalg.norm(br.x - y) <= 1e-4 * np.linalg.norm(y)
    assert br.rank() == 1


def test_completion_below_the_threshold_is_below_the_truth(tmp):
    # Few observations: a completion of smaller nuclear norm than the rank-2 truth exists, and the bracket says so.
    rng = np.random.default_rng(5)
    u, _ = np.linalg.qr(rng.standard_normal((30, 2)))
    v, _ = np.linalg.qr(rng.standard_normal((30, 2)))
    y = u @ v.T
    omega = rng.random(y.shape) < 0.12
    op = nuclear.Completion(omega)
    br = nuclear.min_nuclear_norm(op, y[omega], rtol=1e-6, max_iter=20000)
    assert br.gap <= 1e-6 * br.upper, (br.lower, br.upper)
    assert br.upper < 2.0 - 1e-3 and br.rank() > 2


def test_sensing_gaussian_square_is_the_one_feasible_point(tmp):
    # n·m generic measurements: the only feasible X is Y, so the minimum is ‖Y‖_*.
    rng = np.random.default_rng(7)
    y = rng.standard_normal((4, 2)) @ rng.standard_normal((2, 5))
    op = nuclear.Sensing(rng.standard_normal((20, 20)), (4, 5))
    b = op.forward(y)
    br = nuclear.min_nuclear_norm(op, b, rtol=1e-9)
    certified(op, b, br, nuclear.nuclear_norm(y), 1e-7)


def test_sensing_rank_one_recovers_above_the_threshold(tmp):
    # Rank one 10×10 from M = 60 rank-one measurements a_iᵀ·Y·b_i (well above the ~3r(n+m) = 60... threshold
    # for r = 1): the minimum is ‖Y‖_* and the minimizer is Y.
    rng = np.random.default_rng(11)
    y = np.outer(rng.standard_normal(10), rng.standard_normal(10))
    a, bvec = rng.standard_normal((10, 60)), rng.standard_normal((10, 60))
    op = nuclear.Sensing.rank_one(a, bvec)
    b = np.einsum("im,ij,jm->m", a, y, bvec)
    assert np.allclose(op.forward(y), b)
    br = nuclear.min_nuclear_norm(op, b, rtol=1e-9, max_iter=20000)
    certified(op, b, br, nuclear.nuclear_norm(y), 1e-7 * nuclear.nuclear_norm(y))
    assert np.linalg.norm(br.x - y) <= 1e-4 * np.linalg.norm(y)


if __name__ == "__main__":
    sys.exit(run_tests(globals(), prefix="fasim_nuclear_test_"))
