"""Minimum nuclear norm subject to linear observations, with a certified bracket (NumPy only).

    min ‖X‖_*  subject to  𝒜(X) = b

for matrix completion (𝒜 = P_Ω, b = the observed entries) and matrix sensing (𝒜(X)_i = ⟨A_i, X⟩; rank-one
A_i = a_i·b_iᵀ or dense Gaussian A_i). The solver is ADMM on X = V, 𝒜(V) = b (singular value thresholding for X,
the projection onto the affine set for V); its answer comes with two bounds that do not trust the solver:

- lower: a dual-feasible point. Any λ gives Λ = 𝒜*(λ), and for every feasible X, ‖X‖_* ≥ ⟨Λ, X⟩/‖Λ‖_op =
  ⟨λ, b⟩/‖Λ‖_op (‖·‖_op the spectral norm, the dual of the nuclear norm). ADMM's scaled multiplier, which lies
  in the range of 𝒜* (supported on Ω for completion), is the λ.
- upper: ‖V‖_* of an X meeting the constraints: for completion V equals b on Ω exactly; for sensing V is the
  projection onto {𝒜(X) = b} and its residual ‖𝒜(V) − b‖ is reported (rounding only).

The bracket is exact up to floating-point rounding of an SVD and an inner product (relative ~1e-15).
"""
from dataclasses import dataclass
from typing import Optional

import numpy as np


class Completion:
    """𝒜 = P_Ω: b is Y's entries on the bool mask Ω (row-major order of np.nonzero)."""

    def __init__(self, omega: np.ndarray):
        self.omega = np.asarray(omega, dtype=bool)
        self.shape = self.omega.shape

    def forward(self, x):
        return x[self.omega]

    def adjoint(self, lam):
        out = np.zeros(self.shape)
        out[self.omega] = lam
        return out

    def project(self, z, b):
        """(V, μ): V the nearest point of {𝒜(V) = b} to z, z − V = 𝒜*(μ)."""
        v = z.copy()
        mu = z[self.omega] - b
        v[self.omega] = b
        return v, mu

    def start(self, b):
        return self.adjoint(b)


class Sensing:
    """𝒜(X)_i = ⟨A_i, X⟩ with the A_i given as the rows of `a` (M × n·m, row-major vec), for M ≤ n·m
    measurements of full row rank. `rank_one(A, B)` builds A_i = a_i·b_iᵀ from the columns of A (n×M) and B
    (m×M)."""

    def __init__(self, a: np.ndarray, shape):
        self.a = np.asarray(a, dtype=float)
        self.shape = tuple(shape)
        if self.a.shape[1] != self.shape[0] * self.shape[1]:
            raise ValueError(f"Sensing: {self.a.shape[1]} columns for a {self.shape} matrix")
        gram = self.a @ self.a.T
        self._chol = np.linalg.cholesky(gram)   # raises LinAlgError when the measurements are dependent

    @classmethod
    def rank_one(cls, a_vectors, b_vectors):
        a_vectors, b_vectors = np.asarray(a_vectors, float), np.asarray(b_vectors, float)
        rows = np.einsum("im,jm->mij", a_vectors, b_vectors).reshape(a_vectors.shape[1], -1)
        return cls(rows, (a_vectors.shape[0], b_vectors.shape[0]))

    def forward(self, x):
        return self.a @ np.asarray(x).reshape(-1)

    def adjoint(self, lam):
        return (self.a.T @ lam).reshape(self.shape)

    def _solve(self, r):
        return np.linalg.solve(self._chol.T, np.linalg.solve(self._chol, r))

    def project(self, z, b):
        mu = self._solve(self.forward(z) - b)
        return z - self.adjoint(mu), mu

    def start(self, b):
        return self.adjoint(self._solve(b))      # the feasible point of least Frobenius norm


@dataclass
class Bracket:
    """The solver's answer: lower ≤ min ‖X‖_* ≤ upper (certified), x the feasible point with ‖x‖_* = upper,
    dual the Λ = 𝒜*(λ) of the lower bound scaled to ‖Λ‖_op = 1, residual ‖𝒜(x) − b‖."""
    lower: float
    upper: float
    x: np.ndarray
    dual: np.ndarray
    residual: float
    iterations: int

    @property
    def gap(self) -> float:
        return self.upper - self.lower

    @property
    def value(self) -> float:
        return 0.5 * (self.upper + self.lower)

    def rank(self, rel=1e-6) -> int:
        s = np.linalg.svd(self.x, compute_uv=False)
        return int(np.sum(s > rel * s[0])) if s.size and s[0] > 0 else 0


def nuclear_norm(x) -> float:
    return float(np.linalg.svd(np.asarray(x, float), compute_uv=False).sum())


def dual_bound(op, lam, b):
    """(⟨λ, b⟩/‖𝒜*λ‖_op, 𝒜*λ/‖𝒜*λ‖_op): the lower bound a multiplier λ certifies, and its dual point."""
    big = op.adjoint(lam)
    norm = float(np.linalg.norm(big, 2))
    if not norm > 0:
        return -np.inf, big
    return float(np.dot(lam, b)) / norm, big / norm


def _svt(x, tau):
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    s = np.maximum(s - tau, 0.0)
    keep = s > 0
    return (u[:, keep] * s[keep]) @ vt[keep]


def min_nuclear_norm(op, b, rtol=1e-6, max_iter=5000, check_every=20, rho: Optional[float] = None) -> Bracket:
    """ADMM until (upper − lower) ≤ rtol·upper or max_iter; returns the best certified bracket seen."""
    b = np.asarray(b, dtype=float)
    v = op.start(b)
    u = np.zeros_like(v)
    rho = rho if rho is not None else 1.0 / max(float(np.linalg.norm(v, 2)), 1e-300)
    best_upper, best_x = nuclear_norm(v), v
    best_lower, best_dual = dual_bound(op, op.forward(v), b)   # λ = 𝒜(start): a first, weak certificate
    it = 0
    for it in range(1, max_iter + 1):
        x = _svt(v - u, 1.0 / rho)
        v_old = v
        v, mu = op.project(x + u, b)
        u = x + u - v                               # = 𝒜*(μ): in the range of 𝒜*
        if it % check_every == 0 or it == max_iter:
            up = nuclear_norm(v)
            if up < best_upper:
                best_upper, best_x = up, v
            low, dual = dual_bound(op, -rho * mu, b)
            if low > best_lower:
                best_lower, best_dual = low, dual
            if best_upper - best_lower <= rtol * best_upper:
                break
            # Residual balancing: keep the primal (X − V) and dual (V's change) residuals within 10× of each other.
            r, s = np.linalg.norm(x - v), rho * np.linalg.norm(v - v_old)
            if r > 10 * s:
                rho, u = rho * 2, u / 2
            elif s > 10 * r:
                rho, u = rho / 2, u * 2
    residual = float(np.linalg.norm(op.forward(best_x) - b))
    return Bracket(best_lower, best_upper, best_x, best_dual, residual, it)
