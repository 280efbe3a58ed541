"""The certified minimum-nuclear-norm reference of a completion result (fasim_post.nuclear on the file's own Y and
Ω), cached beside the results, and the distances of a run's final Ŷ = Z·W to it and to the truth Y*."""
import hashlib
import os
from dataclasses import dataclass

import numpy as np

from .. import nuclear
from ..observed import observed_entries

#: the solver's stopping rule: (upper − lower) ≤ RTOL·upper, or MAX_ITER ADMM iterations (the bracket says which)
RTOL = 1e-6
MAX_ITER = 3000
#: X̂'s rank counts σ > RANK_TOL·σ_1
RANK_TOL = 1e-3


@dataclass
class Reference:
    lower: float        # certified: every completion has ‖X‖_* ≥ lower
    upper: float        # certified: x meets the observations and ‖x‖_* = upper
    x: np.ndarray       # the solver's minimizer X̂
    rank: int           # of X̂: σ > RANK_TOL·σ_1 (the solver's stopping rule leaves smaller ones)
    truth_nuclear: float
    truth_distance: float   # ‖X̂ − Y*‖_F/‖Y*‖_F
    iterations: int
    key: str = ""           # a hash of (Y*, Ω): one reference per problem, whatever the run


def solve(y: np.ndarray, omega: np.ndarray, cache_dir=None) -> Reference:
    """The bracket for min ‖X‖_* subject to X = Y on Ω; cached in cache_dir under a hash of (Y, Ω)."""
    y = np.ascontiguousarray(y, dtype=np.float64)
    omega = np.ascontiguousarray(omega, dtype=bool)
    key = hashlib.sha1(y.tobytes() + omega.tobytes() + f"{RTOL}:{MAX_ITER}".encode()).hexdigest()[:16]
    path = os.path.join(cache_dir, f"{key}.npz") if cache_dir else None
    if path and os.path.exists(path):
        d = np.load(path)
        lower, upper, x, its = float(d["lower"]), float(d["upper"]), d["x"], int(d["iterations"])
    else:
        br = nuclear.min_nuclear_norm(nuclear.Completion(omega), y[omega], rtol=RTOL, max_iter=MAX_ITER)
        lower, upper, x, its = br.lower, br.upper, br.x, br.iterations
        if path:
            os.makedirs(cache_dir, exist_ok=True)
            np.savez_compressed(path, lower=lower, upper=upper, x=x, iterations=its)
    s = np.linalg.svd(x, compute_uv=False)
    ny = float(np.linalg.norm(y))
    return Reference(lower, upper, x, int(np.sum(s > RANK_TOL * s[0])), nuclear.nuclear_norm(y),
                     float(np.linalg.norm(x - y)) / ny, its, key)


def of_result(res, cache_dir=None) -> Reference:
    return solve(np.asarray(res.problem["Y"]), observed_entries(res), cache_dir)


@dataclass
class Distances:
    nuclear: float      # ‖Ŷ‖_*
    to_min: float       # ‖Ŷ − X̂‖_F/‖X̂‖_F
    to_truth: float     # ‖Ŷ − Y*‖_F/‖Y*‖_F
    excess: float       # ‖Ŷ‖_*/lower − 1: how far above the certified minimum (≥ the true excess)


def distances(run, y: np.ndarray, ref: Reference) -> Distances:
    yhat = np.asarray(run.Z) @ np.asarray(run.W)
    nuc = nuclear.nuclear_norm(yhat) if np.all(np.isfinite(yhat)) else float("nan")
    return Distances(nuc, float(np.linalg.norm(yhat - ref.x) / np.linalg.norm(ref.x)),
                     float(np.linalg.norm(yhat - y) / np.linalg.norm(y)), nuc / ref.lower - 1)
