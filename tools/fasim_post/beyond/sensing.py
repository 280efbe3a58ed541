"""docs/beyond.md's matrix-sensing section (issue 27): GD, FA and the feedback rules on over-parameterized matrix
sensing (Gunasekar et al. 2017; Li, Ma & Zhang 2018), fasim's own runs of jobs/sensing.ini. Y* is n×n of rank 2,
seen through M dense Gaussian or rank-one measurements. Every run's final Ŷ = Z·W is compared with Y* (the file's
Y) and with X̂, the certified minimum-nuclear-norm solution of the run's own measurements (fasim_post.measurements
regenerates them from the file; fasim_post.nuclear solves with a dual lower bound and a feasible upper bound).

Two studies: the M sweep (n = 16, both kinds, GD and FA, α = 1e-3) locates the recovery threshold; the grid (rank-one,
n = 16 and 32, M below and above it, α = 1e-1 … 1e-4, GD, FA, kp, usf, frsf, mixed) asks where each algorithm ends.
Every run stops once it fits the measurements (`run.stop_loss`) or at its step budget; the report says which.
"""
import hashlib
import os

import numpy as np

from .. import nuclear
from ..io import load
from ..sensing import measurements

JOB = "jobs/sensing.ini"
RANK = 2
SEEDS = (1, 2, 3, 4, 5)
KINDS = ("gaussian", "rank-one")
#: the M sweep: n = 16, M from below to above where minimum-nuclear-norm recovery starts
SWEEP_N = 16
COUNTS = (40, 80, 120, 160, 200, 240)
#: the grid: sizes n (= m = r), M below and above the threshold as multiples of the r(n + m − r) degrees of freedom
SIZES = (16, 32)
M_PER_DOF = (4 / 3, 8 / 3)
ALPHAS = (1e-1, 1e-2, 1e-3)
GRID_ALGS = ("gd", "fa", "kp", "usf", "frsf", "mixed")
#: the step-size check: (gd.lr, fa.lr, steps) at n = 16, the grid's upper M, α = 1e-3 (the job's are 0.2, 0.02)
LR_CHECK = ((0.1, 0.01, 40000), (0.4, 0.04, 20000))
#: convergence: a run has *fitted* once its loss Σ r_i² ≤ STOP_LOSS (the job's run.stop_loss: the run ends at the
#: first recorded step below it); a run that has not fitted is *at rest* when its loss changed by less than
#: REST over the last doubling of its steps (kp's weight decay keeps its loss above 0)
STOP_LOSS = 1e-7
REST = 0.01
#: X̂ (or Ŷ) "recovers" Y* when its relative distance to Y* is below this
RECOVERED = 1e-3
#: the reference solver's stopping rule
RTOL, MAX_ITER = 1e-6, 3000
LABELS = {"gd": "GD", "fa": "FA", "kp": "kp", "usf": "usf", "frsf": "frsf", "mixed": "mixed"}


def seeded(s):
    """The overrides of seed s: Y*, the measurements, Z(0) and C all drawn afresh."""
    return {"problem.seed": s, "sensing.seed": 100 + s, "init.seed": 200 + s, "feedback.seed": 300 + s}


def grid_count(n):
    dof = RANK * (2 * n - RANK)
    return [int(round(f * dof)) for f in M_PER_DOF]


def _size(n):
    return {"problem.n": n, "problem.m": n, "model.r": n}


RUNS = ([(f"sensing-{kind}-{count}-s{s}", JOB, {"sensing.kind": kind, "sensing.measurements": count, **seeded(s)})
         for kind in KINDS for count in COUNTS for s in SEEDS]
        + [(f"sensing-grid-n{n}-M{count}-a{a:g}-s{s}", JOB,
            {**_size(n), "sensing.measurements": count, "init.z_std": a, "run.algorithms": ",".join(GRID_ALGS),
             **seeded(s)})
           for n in SIZES for count in grid_count(n) for a in ALPHAS for s in SEEDS]
        + [(f"sensing-lr-{gd:g}-s{s}", JOB,
            {"sensing.measurements": grid_count(SWEEP_N)[-1], "gd.lr": gd, "fa.lr": fa, "run.steps": steps,
             **seeded(s)})
           for gd, fa, steps in LR_CHECK for s in SEEDS])


def operator(res):
    """fasim_post.nuclear's operator for the run's own measurements (regenerated or saved)."""
    ms = measurements(res)
    if ms.kind == "rank-one":
        return nuclear.Sensing.rank_one(ms.a, ms.b)
    return nuclear.Sensing(ms.dense.reshape(ms.count, -1), ms.dense.shape[1:])


def reference(res, y, cache=None):
    """The certified bracket for the file's measurements of y (one per problem: the grid's α share it)."""
    op = operator(res)
    key = hashlib.sha1(y.tobytes() + op.a.tobytes() + f"{RTOL}:{MAX_ITER}".encode()).hexdigest()[:16]
    if cache is not None and key in cache:
        return cache[key]
    br = nuclear.min_nuclear_norm(op, op.forward(y), rtol=RTOL, max_iter=MAX_ITER)
    truth = nuclear.nuclear_norm(y)
    ref = dict(lower=br.lower / truth, upper=br.upper / truth, gap=br.gap / truth, x=br.x, lower_abs=br.lower,
               to_truth=float(np.linalg.norm(br.x - y) / np.linalg.norm(y)), key=key)
    if cache is not None:
        cache[key] = ref
    return ref


def _near(steps, target):
    return int(np.argmin(np.abs(steps - target)))


def _convergence(run):
    """(fitted, at_rest, drift): drift is the relative change of ‖ZW − Y*‖_F between the recorded step nearest
    half the run's steps and its last (the trajectory's test_error is ‖ZW − Y*‖²_F/‖Y*‖²_F)."""
    loss, steps = run.metric("loss"), run.steps()
    if loss is None or not len(loss) or not np.isfinite(loss[-1]):
        return False, False, float("nan")
    half = _near(steps, steps[-1] / 2)
    fitted = bool(loss[-1] <= STOP_LOSS)
    rest = bool(not fitted and abs(loss[-1] - loss[half]) <= REST * loss[-1])
    test = run.metric("test_error")
    drift = float("nan")
    if test is not None and len(test) and test[-1] > 0:
        drift = float(abs(np.sqrt(test[-1]) - np.sqrt(test[half])) / np.sqrt(test[-1]))
    return fitted, rest, drift


def _settings(res):
    cfg = res.config
    return dict(n=int(res.problem["n"]), alpha=float(cfg.get("init", "z_std")))


def points(path, cache=None):
    """One dict per algorithm of a complete result file: settings, the reference, distances, convergence."""
    res = load(str(path))
    if str(res.attrs.get("status", "")) != "complete" or "Y" not in res.problem:
        return []
    y = np.asarray(res.problem["Y"])
    ref = reference(res, y, cache)
    out = []
    for alg, run in res.runs.items():
        if run.Z is None or run.W is None:
            continue
        yhat = np.asarray(run.Z) @ np.asarray(run.W)
        steps = run.steps()
        finite = bool(np.all(np.isfinite(yhat)))
        fitted, rest, drift = _convergence(run) if finite else (False, False, float("nan"))
        loss = run.metric("loss")
        low = int(np.nanargmin(loss)) if loss is not None and np.isfinite(loss).any() else 0
        out.append(dict(alg=alg, kind=str(res.problem["sensing_kind"]), count=int(res.problem["measurements"]),
                        **_settings(res), seed=int(res.config.get("problem", "seed")), ref=ref,
                        diverged=not finite or str(run.attrs.get("stop_reason", "")) == "diverged",
                        to_truth=float(np.linalg.norm(yhat - y) / np.linalg.norm(y)) if finite else float("nan"),
                        to_min=float(np.linalg.norm(yhat - ref["x"]) / np.linalg.norm(ref["x"])) if finite else float("nan"),
                        ratio=nuclear.nuclear_norm(yhat) / ref["lower_abs"] if finite else float("nan"),
                        fitted=fitted, rest=rest, drift=drift, steps=int(steps[-1]) if len(steps) else 0,
                        rise=float(np.nanmax(loss[low:]) / max(loss[low], 1e-300)) if loss is not None and finite else float("nan"),
                        loss=float(loss[-1]) if loss is not None and len(loss) else float("nan"),
                        lr=float(run.attrs.get("lr", float("nan")))))
    return out


def section(results=None, figdir=None):
    """The Markdown of the sensing section, from {label: Path} (the RUNS' result files)."""
    from . import sensing_text
    cache = {}
    found = {"sweep": [], "grid": [], "lr": []}
    for label, path in (results or {}).items():
        if not label.startswith("sensing-") or not path or not os.path.exists(str(path)):
            continue
        study = "grid" if label.startswith("sensing-grid-") else "lr" if label.startswith("sensing-lr-") else "sweep"
        found[study] += points(path, cache)
    return sensing_text.section(found, figdir)
