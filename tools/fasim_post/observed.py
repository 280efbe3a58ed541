"""Matrix completion's observed entries Ω of a fasim result (docs/output-format.md, /problem), as a NumPy bool
array whichever way the file records it: the saved dataset `observed`, or regenerated from `mask_seed` and
`mask_fraction` with fasim's own Philox draw, or the input file's `M`.

    omega = observed_entries(load("run.h5"))           # n×m bool, True where observed
    loss = observed_loss(res, run.Z, run.W)            # ‖P_Ω(Y − Z·W)‖²_F, the run's `loss`
"""
import os

import numpy as np

from . import philox
from .io import Result, load


def input_file_path(res, what, saved) -> str:
    """The run's input.file (a relative path also looked up beside the result). Raises ValueError, saying `what`
    the result needs from it, when it is gone."""
    path = res.config.get("input", "file", "")
    if path and not os.path.isabs(path) and not os.path.exists(path):
        path = os.path.join(os.path.dirname(os.path.abspath(res.path)), path)
    if not path or not os.path.exists(path):
        raise ValueError(f"{res.path}: {what} and the result does not save it; the input file '{path}' is not "
                         f"there (rerun with output.save_target = yes to save {saved})")
    return path


def observed_entries(res) -> np.ndarray:
    """Ω of a completion result (a Result or a path) as an n×m bool array. Raises ValueError for a result that
    observes every entry, and for an input-file Ω whose file is gone."""
    if not isinstance(res, Result):
        res = load(str(res))
    p = res.problem
    if p.get("observe") != "completion":
        raise ValueError(f"{res.path}: not a completion result (/problem has no observe = completion); every "
                         "entry is observed")
    if "observed" in p:
        return np.asarray(p["observed"]) != 0
    n, m = int(p["n"]), int(p["m"])
    source = p.get("mask_source")
    if source == "bernoulli":
        return philox.bernoulli_mask(int(p["mask_seed"]), float(p["mask_fraction"]), n, m)
    if source == "input-file":
        import h5py
        with h5py.File(input_file_path(res, "Ω is the input file's M", "Ω"), "r") as f:
            return np.asarray(f["M"][()]) != 0
    raise ValueError(f"{res.path}: /problem's mask_source '{source}' is none of bernoulli, input-file")


def observed_loss(res, z, w) -> float:
    """‖P_Ω(Y − Z·W)‖²_F with the result's Y and Ω."""
    y = res.problem.get("Y")
    if y is None:
        raise ValueError(f"{res.path}: the result does not save Y (output.save_target)")
    e = np.where(observed_entries(res), np.asarray(y) - np.asarray(z) @ np.asarray(w), 0.0)
    return float(np.sum(e * e))
