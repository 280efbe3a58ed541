"""docs/beyond.md's matrix-sensing section (issue 27): GD and FA on over-parameterized matrix sensing (Gunasekar
et al. 2017; Li, Ma & Zhang 2018), fasim's own runs of jobs/sensing.ini. Y* is 16×16 of rank 2, seen through M
dense Gaussian or rank-one measurements, M from below to above where minimum-nuclear-norm recovery starts. Every
run's final Ŷ = Z·W is compared with Y* (the file's Y) and with X̂, the certified minimum-nuclear-norm solution of
the run's own measurements (fasim_post.measurements regenerates them from the file; fasim_post.nuclear solves with
a dual lower bound and a feasible upper bound), separately.
"""
import os

import numpy as np

from .. import nuclear
from ..io import load
from ..sensing import measurements
from .completion_text import _ms

JOB = "jobs/sensing.ini"
N = M_COLS = 16
RANK = 2
COUNTS = (40, 80, 120, 160, 200, 240)
SEEDS = (1, 2, 3, 4, 5)
KINDS = ("gaussian", "rank-one")
#: X̂ (or Ŷ) "recovers" Y* when its relative distance to Y* is below this
RECOVERED = 1e-3
#: the reference solver's stopping rule
RTOL, MAX_ITER = 1e-6, 3000
LABELS = {"gd": "GD", "fa": "FA"}
#: a run's loss is "still falling" when its last recorded value is below FALLING × the one at half its steps
FALLING = 0.9


def seeded(s):
    """The overrides of seed s: Y*, the measurements, Z(0) and C all drawn afresh."""
    return {"problem.seed": s, "sensing.seed": 100 + s, "init.seed": 200 + s, "feedback.seed": 300 + s}


RUNS = [(f"sensing-{kind}-{count}-s{s}", JOB, {"sensing.kind": kind, "sensing.measurements": count, **seeded(s)})
        for kind in KINDS for count in COUNTS for s in SEEDS]


def operator(res):
    """fasim_post.nuclear's operator for the run's own measurements (regenerated or saved)."""
    ms = measurements(res)
    if ms.kind == "rank-one":
        return nuclear.Sensing.rank_one(ms.a, ms.b)
    return nuclear.Sensing(ms.dense.reshape(ms.count, -1), ms.dense.shape[1:])


def _points(path):
    """One dict per algorithm of a complete result file: the reference and the distances."""
    res = load(str(path))
    if str(res.attrs.get("status", "")) != "complete" or "Y" not in res.problem:
        return []
    y = np.asarray(res.problem["Y"])
    op = operator(res)
    br = nuclear.min_nuclear_norm(op, op.forward(y), rtol=RTOL, max_iter=MAX_ITER)
    truth = nuclear.nuclear_norm(y)
    ref = dict(lower=br.lower / truth, upper=br.upper / truth, gap=br.gap / truth,
               to_truth=float(np.linalg.norm(br.x - y) / np.linalg.norm(y)))
    out = []
    for alg, run in res.runs.items():
        if run.Z is None or run.W is None:
            continue
        yhat = np.asarray(run.Z) @ np.asarray(run.W)
        loss, steps = run.metric("loss"), run.steps()
        half = int(np.argmin(np.abs(steps - steps[-1] / 2))) if len(steps) else 0
        falling = bool(len(loss) and np.isfinite(loss[-1]) and loss[-1] < FALLING * loss[half])
        finite = bool(np.all(np.isfinite(yhat)))
        out.append(dict(alg=alg, kind=str(res.problem["sensing_kind"]), count=int(res.problem["measurements"]),
                        ref=ref, diverged=not finite or str(run.attrs.get("stop_reason", "")) == "diverged",
                        to_truth=float(np.linalg.norm(yhat - y) / np.linalg.norm(y)) if finite else float("nan"),
                        to_min=float(np.linalg.norm(yhat - br.x) / np.linalg.norm(br.x)) if finite else float("nan"),
                        ratio=nuclear.nuclear_norm(yhat) / br.lower if finite else float("nan"),
                        falling=falling, steps=int(steps[-1]) if len(steps) else 0,
                        lr=float(run.attrs.get("lr", float("nan"))), fitted=finite and float(run.metric("loss")[-1]) <= 1e-8 * float(res.problem["measured_norm2"])))
    return out


def _cell(xs):
    if not xs:
        return "—"
    ok = [x for x in xs if not x["diverged"]]
    text = (f"{_ms([x['to_truth'] for x in ok])}; {_ms([x['to_min'] for x in ok])}; "
            f"{_ms([x['ratio'] for x in ok], '.4g')} ({sum(x['fitted'] for x in xs)}/{len(xs)}")
    return text + (f", {len(xs) - len(ok)} diverged)" if len(ok) < len(xs) else ")")


def _ref_cell(xs):
    refs = {id(x["ref"]): x["ref"] for x in xs}.values()
    if not refs:
        return "—"
    return (f"{sum(r['to_truth'] < RECOVERED for r in refs)}/{len(refs)}; "
            f"{_ms([r['lower'] for r in refs], '.4g')}")


def _range(values, fmt=".2g"):
    lo, hi = min(values), max(values)
    return f"{lo:{fmt}}" if f"{lo:{fmt}}" == f"{hi:{fmt}}" else f"{lo:{fmt}}–{hi:{fmt}}"


def _span(counts):
    return f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}…{counts[-1]}"


def _findings(points, dof):
    out = ["", "### Findings", ""]
    for kind in KINDS:
        def sel(count, alg=None):
            return [x for x in points if x["kind"] == kind and x["count"] == count and (alg is None or x["alg"] == alg)]

        def mean(count, alg, key):
            return float(np.nanmean([x[key] for x in sel(count, alg)]))
        counts = [c for c in COUNTS if sel(c)]
        if not counts:
            continue
        every = [c for c in counts if all(x["ref"]["to_truth"] < RECOVERED for x in sel(c))]
        none = [c for c in counts if not any(x["ref"]["to_truth"] < RECOVERED for x in sel(c))]
        below = [c for c in counts if c not in every]
        line = (f"- {kind}: the minimum-nuclear-norm solution X̂ is Y* at every seed from M = {every[0]} "
                f"({every[0] / dof:.2g}× the {dof} degrees of freedom)" if every else
                f"- {kind}: the minimum-nuclear-norm solution X̂ is not Y* at every seed for any M ≤ {counts[-1]}")
        out.append(line + (f"; at no seed for M ≤ {max(none)}." if none else "."))
        for alg in LABELS:
            runs = [x for c in counts for x in sel(c, alg)]
            if not runs:
                continue
            text = f"  - {LABELS[alg]}:"
            if every:
                up = [x for c in every for x in sel(c, alg)]
                unfit = [x for x in up if not x["fitted"]]
                text += (f" at M = {_span(every)} it ends {_range([mean(c, alg, 'to_truth') for c in every])} "
                         f"from Y* (mean over seeds at each M) with ‖ZW‖_* {_range([mean(c, alg, 'ratio') for c in every], '.3g')}× "
                         f"the minimum; {len(up) - len(unfit)}/{len(up)} of these runs fitted the measurements")
                text += (f", and of the {len(unfit)} others {sum(x['falling'] for x in unfit)} still had a falling loss "
                         "at the end (last recorded loss < 0.9× the one at half the steps)." if unfit else ".")
            if below:
                closer = [c for c in below if mean(c, alg, "to_min") < mean(c, alg, "to_truth")]
                text += (f" {'Below that, at' if every else 'At'} M = {', '.join(map(str, below))}, it fitted {sum(x['fitted'] for c in below for x in sel(c, alg))}"
                         f"/{sum(len(sel(c, alg)) for c in below)} runs, and its mean distance to X̂ is smaller than to "
                         f"Y* at M = {', '.join(map(str, closer)) or 'none of them'}.")
            diverged = sum(x["diverged"] for x in runs)
            if diverged:
                text += f" {diverged}/{len(runs)} runs diverged."
            out.append(text)
        if every and all(mean(c, "fa", "to_truth") > mean(c, "gd", "to_truth") for c in every):
            out.append(f"  - At every M from {every[0]}, FA's mean distance to Y* is larger than GD's.")
    runs = sorted({(x["steps"], x["lr"]) for x in points})
    out += ["", "These are the values at the end of the runs (" +
            ", ".join(f"{steps} steps of {lr:g}" for steps, lr in runs) + "), at r = n and one initialization scale; a run that did not fit the measurements had not converged, so its distances are "
            "where it was then, not where it would end. They say nothing about other scales, step sizes or sizes of "
            "Y*.", ""]
    return out


def section(results=None, figdir=None):
    """The Markdown of the sensing section, from {label: Path} (the RUNS' result files)."""
    dof = RANK * (N + M_COLS - RANK)
    out = ["## Matrix sensing: GD and FA against the certified minimum-nuclear-norm solution\n",
           f"`{JOB}`: Y* is {N}×{M_COLS} of rank {RANK} (σ = 1, 1; r(n + m − r) = {dof} degrees of freedom, "
           f"n·m = {N * M_COLS}), seen only through M measurements y_i = ⟨A_i, Y*⟩ (`problem.observe = sensing`, "
           "docs/config.md): dense Gaussian A_i, or rank-one A_i = a_i·b_iᵀ with Gaussian a_i, b_i. r = n = 16, "
           "Z(0) i.i.d. N(0, 1e-6), W(0) = 0, GD and FA from the same start, 20000 steps of size 0.02. For each "
           f"M, kind and each of {len(SEEDS)} seeds (Y*, the measurements, Z(0) and C drawn afresh), "
           "`fasim_post.nuclear` solves min ‖X‖_* subject to the run's own measurements (regenerated from the "
           f"result file by `fasim_post.measurements`), stopping at upper − lower ≤ {RTOL:g}·upper or after "
           f"{MAX_ITER} iterations, with a certified bracket; X̂ is its feasible point.\n",
           "Reference columns: how many seeds' X̂ is Y* (‖X̂ − Y*‖_F/‖Y*‖_F < "
           f"{RECOVERED:g}); the certified lower bound on min ‖X‖_* over ‖Y*‖_*, mean ± sd. Algorithm columns, mean ± "
           "sd over the seeds that did not diverge: ‖ZW − Y*‖_F/‖Y*‖_F (to the truth); ‖ZW − X̂‖_F/‖X̂‖_F (to the "
           "minimizer); ‖ZW‖_* / (certified lower bound); in parentheses the runs that fitted the measurements "
           "(final loss ≤ 1e-8·Σ y_i²).\n"]
    points = []
    for label, path in (results or {}).items():
        if label.startswith("sensing-") and path and os.path.exists(str(path)):
            points += _points(path)
    if not points:
        return "\n".join(out + ["No complete sensing results (run scripts/beyond without --report-only).", ""])
    out += ["| kind | M | reference: X̂ = Y*; min ‖X‖_* / ‖Y*‖_* | " +
            " | ".join(f"{LABELS[a]}: to Y*; to X̂; ‖ZW‖_*/min" for a in LABELS) + " |",
            "|---|---|---|" + "---|" * len(LABELS)]
    for kind in KINDS:
        for count in COUNTS:
            xs = [x for x in points if x["kind"] == kind and x["count"] == count]
            if not xs:
                continue
            out.append(f"| {kind} | {count} | {_ref_cell(xs)} | " +
                       " | ".join(_cell([x for x in xs if x["alg"] == a]) for a in LABELS) + " |")
    gaps = max(x["ref"]["gap"] for x in points)
    out += ["", f"Largest bracket gap (upper − lower)/‖Y*‖_*: {gaps:.2g}."]
    out += _findings(points, dof)
    return "\n".join(out) + "\n"
