"""docs/beyond.md's matrix-completion section (issues 15 and 27): where do GD, FA and kp end among the completions
of the observed entries — near the minimum-nuclear-norm completion, near the low-rank truth Y*, or neither?

Every run's final Ŷ = Z·W is compared with two references separately: Y* (the file's Y) and X̂, the certified
minimum-nuclear-norm completion of the file's own observations (reference.py: fasim_post.nuclear with a dual
lower bound and a feasible upper bound). Each cell is over SEEDS seeds (Y*, Ω, Z(0) and C drawn afresh).
"""
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..io import load  # noqa: E402
from . import reference  # noqa: E402
from .completion_text import LABELS, _ms, findings, intro, kp_table, rank_table  # noqa: E402

SEEDS = (1, 2, 3, 4, 5)


def seeded(s):
    """The overrides of seed s: Y*, Ω, Z(0) and C all drawn afresh."""
    return {"problem.seed": s, "completion.seed": 100 + s, "init.seed": 200 + s, "feedback.seed": 300 + s}


#: kp at a step size where it is stable at p = 0.5: lr 0.05 over the same time t = steps·lr = 1000 as lr 0.2
KP_STABLE = {"completion.fraction": 0.5, "init.z_std": 1e-4, "run.algorithms": "kp", "kp.lr": 0.05,
             "run.steps": 20000, "run.record_points": 40}
#: GD from smaller initializations at p = 0.1, where X̂ ≠ Y*: does shrinking α move GD toward X̂ or toward Y*?
#: (10000 steps: from α = 1e-8 GD needs longer to leave the origin)
SMALL_ALPHAS = (1e-6, 1e-8)
SMALL = {"completion.fraction": 0.1, "run.algorithms": "gd", "run.steps": 10000, "run.record_points": 40}
RUNS = ([(f"completion-small-{a:g}-s{s}", "jobs/completion.ini", {**SMALL, "init.z_std": a, **seeded(s)})
         for a in SMALL_ALPHAS for s in SEEDS]
        + [(f"completion-sweep-s{s}", "jobs/completion-sweep.ini", seeded(s)) for s in SEEDS]
        + [(f"completion-rank-s{s}", "jobs/completion-rank.ini", seeded(s)) for s in SEEDS]
        + [(f"completion-kp-s{s}", "jobs/completion.ini", {**KP_STABLE, **seeded(s)}) for s in SEEDS])
#: a run "fits" the observed entries when its final observed loss is below FIT·‖P_Ω Y*‖²
FIT = 1e-4
#: X̂ "is" Y* when ‖X̂ − Y*‖_F/‖Y*‖_F is below this (the solver's own accuracy is ~1e-4 at its stopping rule)
SAME = 1e-3
COLORS = {"gd": "tab:blue", "fa": "tab:orange", "kp": "tab:green"}


def _final(run, metric):
    v = run.metric(metric)
    return float(v[-1]) if v is not None and len(v) else float("nan")


def _settings(res):
    text = str(res.attrs.get("sweep_point", "") or "")
    return dict(kv.split("=", 1) for kv in text.split(";") if "=" in kv)


def _points(paths, cache):
    """[dict]: one per (result file, algorithm) with its settings, the reference and the distances."""
    out = []
    for path in paths:
        res = load(str(path))
        if str(res.attrs.get("status", "")) != "complete" or "Y" not in res.problem:
            continue
        s = _settings(res)
        y = np.asarray(res.problem["Y"])
        ref = reference.of_result(res, cache)
        observed = float(np.sum(np.where(reference.observed_entries(res), y, 0.0) ** 2))
        for alg, run in res.runs.items():
            if run.Z is None or run.W is None:
                continue
            d = reference.distances(run, y, ref)
            loss = run.metric("loss")
            low = int(np.nanargmin(loss)) if loss is not None and np.isfinite(loss).any() else None
            out.append(dict(alg=alg, path=str(path), ref=ref, d=d, loss=_final(run, "loss"),
                            fitted=bool(_final(run, "loss") <= FIT * observed),
                            peak_after_min=float("nan") if low is None else
                            float(np.nanmax(loss[low:]) / max(loss[low], 1e-300)),
                            erank=_final(run, "effective_rank"),
                            alpha=float(s.get("init.z_std", res.config.get("init", "z_std"))),
                            p=float(s.get("completion.fraction", res.config.get("completion", "fraction"))),
                            r=int(s.get("model.r", res.config.get("model", "r"))),
                            lr=float(run.attrs.get("lr", np.nan))))
    return out


def _files(results, prefix):
    paths = []
    for label, path in results.items():
        if not label.startswith(prefix) or not path:
            continue
        path = Path(path)
        if path.is_dir():
            paths += sorted(path.glob("*.h5"))
        elif path.exists():
            paths.append(path)
    return paths


def _reference_table(points):
    refs = {}
    for x in points:
        refs.setdefault(x["p"], {})[x["ref"].key] = x["ref"]
    lines = [f"| p | seeds | certified min ‖X‖_* (lower … upper, over seeds) | largest gap | rank of X̂ (σ > {reference.RANK_TOL:g}·σ_1) | "
             "‖X̂ − Y*‖_F/‖Y*‖_F | ‖Y*‖_* |", "|---|---|---|---|---|---|---|"]
    summary = {}
    for p in sorted(refs):
        rs = list(refs[p].values())
        lo, hi = min(r.lower for r in rs), max(r.upper for r in rs)
        dist = [r.truth_distance for r in rs]
        summary[p] = dict(n=len(rs), lo=lo, hi=hi, same=sum(d < SAME for d in dist),
                          below=sum(r.upper < r.truth_nuclear * (1 - 1e-6) for r in rs), dist=dist,
                          ranks=[r.rank for r in rs])
        lines.append(f"| {p:g} | {len(rs)} | {lo:.6g} … {hi:.6g} | {max(r.upper - r.lower for r in rs):.2g} | "
                     f"{min(r.rank for r in rs)}–{max(r.rank for r in rs)} | {_ms(dist)} | "
                     f"{_ms([r.truth_nuclear for r in rs], '.4g')} |")
    return "\n".join(lines), summary


def _cell(xs):
    if not xs:
        return "—"
    fitted = sum(x["fitted"] for x in xs)
    return (f"{_ms([x['d'].nuclear / x['ref'].lower for x in xs], '.4g')}; {_ms([x['d'].to_min for x in xs])}; "
            f"{_ms([x['d'].to_truth for x in xs])} ({fitted}/{len(xs)})")


def _sweep_table(points):
    ps = sorted({x["p"] for x in points})
    algs = [a for a in LABELS if any(x["alg"] == a for x in points)]
    lines = ["| algorithm | α | " + " | ".join(f"p = {p:g}" for p in ps) + " |", "|---|---|" + "---|" * len(ps)]
    for a in algs:
        for alpha in sorted({x["alpha"] for x in points}):
            cells = [_cell([x for x in points if x["alg"] == a and x["alpha"] == alpha and x["p"] == p]) for p in ps]
            if all(c == "—" for c in cells):
                continue
            lines.append(f"| {LABELS[a]} | {alpha:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _sweep_figure(points, figdir):
    ps = sorted({x["p"] for x in points})
    fig, axes = plt.subplots(1, len(ps), figsize=(3.6 * len(ps), 3.6), sharey=True)
    for ax, p in zip(np.atleast_1d(axes), ps):
        for a in LABELS:
            alphas = sorted({x["alpha"] for x in points if x["alg"] == a and x["p"] == p})
            if not alphas:
                continue
            for key, ls, name in (("to_min", "-", "to X̂"), ("to_truth", ":", "to Y*")):
                mean = [np.mean([getattr(x["d"], key) for x in points if x["alg"] == a and x["p"] == p
                                 and x["alpha"] == al]) for al in alphas]
                ax.loglog(alphas, mean, ls=ls, marker="o", color=COLORS[a], label=f"{LABELS[a]} {name}")
        ax.set_title(f"p = {p:g}")
        ax.set_xlabel("initialization scale α")
    np.atleast_1d(axes)[0].set_ylabel("relative distance (mean over seeds)")
    np.atleast_1d(axes)[0].legend(fontsize=7)
    fig.tight_layout()
    os.makedirs(figdir, exist_ok=True)
    png = os.path.join(figdir, "completion_sweep.png")
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return f"![distance of ZW to X̂ (solid) and to Y* (dotted) against α]({os.path.relpath(png, 'docs')})"


def section(results, figdir):
    """The Markdown of the completion section, from {label: Path}; figures into figdir."""
    figdir = str(figdir)
    cache = os.path.join(os.path.dirname(str(next(iter(results.values()), "results/beyond"))), "reference")
    out = intro()
    sweep = _points(_files(results, "completion-sweep"), cache) + _points(_files(results, "completion-small"), cache)
    ranks = _points(_files(results, "completion-rank"), cache)
    kps = _points(_files(results, "completion-kp"), cache)
    if not sweep:
        return "\n".join(out + ["No complete sweep results (run scripts/beyond without --report-only).", ""])
    table, refs = _reference_table(sweep + ranks + kps)
    out += ["### The reference: the certified minimum-nuclear-norm completion\n",
            f"For every result file, `fasim_post.nuclear` solves min ‖X‖_* subject to X = Y* on the file's Ω "
            f"(ADMM, stopped when upper − lower ≤ {reference.RTOL:g}·upper or after {reference.MAX_ITER} "
            "iterations), with a certified bracket: a dual point Λ supported on Ω with ‖Λ‖_op = 1 gives the lower "
            "bound ⟨Λ, Y*⟩, and a matrix equal to Y* on Ω gives the upper bound, its nuclear norm. X̂ is that "
            "matrix.\n", table, ""]
    out += [f"### Sweep: `jobs/completion-sweep.ini` (α × p), {len(SEEDS)} seeds\n",
            "Each cell, mean ± sd over seeds: ‖ZW‖_* / (certified lower bound); ‖ZW − X̂‖_F/‖X̂‖_F (distance to the "
            "minimizer); ‖ZW − Y*‖_F/‖Y*‖_F (distance to the truth); in parentheses the runs that fitted the "
            f"observed entries (observed loss ≤ {FIT:g}·‖P_Ω Y*‖²). The job's r = n, steps and step sizes; kp's λ also "
            "decays W. α = " + ", ".join(f"{a:g}" for a in SMALL_ALPHAS) + f": GD only, at p = {SMALL['completion.fraction']:g}, "
            f"{SMALL['run.steps']} steps (from so small a start GD takes longer to leave the origin).\n", _sweep_table(sweep), "", _sweep_figure(sweep, figdir), ""]
    if ranks:
        out += [rank_table(ranks), ""]
    if kps:
        out += [kp_table(kps, sweep), ""]
    out += findings(sweep, ranks, kps, refs)
    return "\n".join(out) + "\n"
