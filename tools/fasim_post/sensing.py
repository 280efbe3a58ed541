"""Matrix sensing's measurements of a fasim result (docs/output-format.md, /problem; docs/config.md, "Matrix
sensing"), whichever way the file records them: rank-one a_i, b_i from the saved datasets A (n×M) and B (m×M),
or regenerated from `sensing_seed` with fasim's own Philox draw, or read from the input file; dense Gaussian A_i
are always regenerated (fasim does not store M·n·m numbers).

    ms = measurements(load("run.h5"))     # Measurements: .kind, .count, .apply(X) = 𝒜(X), .adjoint(r) = 𝒜*(r)
    loss = sensing_loss(res, run.Z, run.W)  # Σ_i (y_i − ⟨A_i, Z·W⟩)², the run's `loss`
"""
from dataclasses import dataclass
from typing import Optional

import numpy as np

from . import philox
from .io import Result, load
from .observed import input_file_path


@dataclass
class Measurements:
    """kind "rank-one": a (n×M), b (m×M) with A_i = a_i·b_iᵀ; kind "gaussian": dense (M×n×m)."""
    kind: str
    a: Optional[np.ndarray] = None
    b: Optional[np.ndarray] = None
    dense: Optional[np.ndarray] = None

    @property
    def count(self) -> int:
        return int(self.a.shape[1] if self.kind == "rank-one" else self.dense.shape[0])

    def apply(self, x) -> np.ndarray:
        """𝒜(X): the M numbers ⟨A_i, X⟩."""
        x = np.asarray(x, dtype=np.float64)
        if self.kind == "rank-one":
            return np.einsum("ni,nm,mi->i", self.a, x, self.b)
        return np.tensordot(self.dense, x, axes=([1, 2], [0, 1]))

    def adjoint(self, r) -> np.ndarray:
        """𝒜*(r) = Σ_i r_i·A_i (n×m)."""
        r = np.asarray(r, dtype=np.float64)
        if self.kind == "rank-one":
            return (self.a * r) @ self.b.T
        return np.tensordot(r, self.dense, axes=(0, 0))


def generated(kind, seed, count, n, m) -> Measurements:
    """The measurements fasim draws for sensing.kind, sensing.seed and sensing.measurements = count: rank-one
    a_i (entry (p, i) from (seed, SensingA, p, i)) and b_i (from (seed, SensingB, q, i)) with entries
    N(0, count^(-1/2)); gaussian A_i with entry (p, q) from (seed, SensingA, i, p·m + q), N(0, 1/count)."""
    if kind == "rank-one":
        scale = float(count) ** -0.25
        i = np.arange(count, dtype=np.uint64)[None, :]
        a = scale * philox.normal(seed, philox.SENSING_A, np.arange(n, dtype=np.uint64)[:, None], i)
        b = scale * philox.normal(seed, philox.SENSING_B, np.arange(m, dtype=np.uint64)[:, None], i)
        return Measurements("rank-one", a=a, b=b)
    if kind == "gaussian":
        entry = np.arange(n * m, dtype=np.uint64)[None, :]
        dense = philox.normal(seed, philox.SENSING_A, np.arange(count, dtype=np.uint64)[:, None], entry)
        return Measurements("gaussian", dense=dense.reshape(count, n, m) / np.sqrt(float(count)))
    raise ValueError(f"sensing kind '{kind}' is none of rank-one, gaussian")


def measurements(res) -> Measurements:
    """The measurements of a sensing result (a Result or a path). Raises ValueError for a result that does not
    sense, and for input-file measurements whose file is gone and which the result does not save."""
    if not isinstance(res, Result):
        res = load(str(res))
    p = res.problem
    if p.get("observe") != "sensing":
        raise ValueError(f"{res.path}: not a sensing result (/problem has no observe = sensing)")
    kind, count = str(p["sensing_kind"]), int(p["measurements"])
    if "A" in p and "B" in p:
        return Measurements("rank-one", a=np.asarray(p["A"]), b=np.asarray(p["B"]))
    if p.get("sensing_source") == "generated":
        return generated(kind, int(p["sensing_seed"]), count, int(p["n"]), int(p["m"]))
    import h5py
    with h5py.File(input_file_path(res, "the measurements are the input file's A and B", "them"), "r") as f:
        return Measurements("rank-one", a=np.asarray(f["A"][()]), b=np.asarray(f["B"][()]))


def sensing_loss(res, z, w) -> float:
    """Σ_i (y_i − ⟨A_i, Z·W⟩)² with the result's Y and measurements."""
    if not isinstance(res, Result):
        res = load(str(res))
    y = res.problem.get("Y")
    if y is None:
        raise ValueError(f"{res.path}: the result does not save Y (output.save_target)")
    ms = measurements(res)
    r = ms.apply(np.asarray(y) - np.asarray(z) @ np.asarray(w))
    return float(np.sum(r * r))
