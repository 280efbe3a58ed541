"""The sensing section's tables, figure and findings (sensing.py computes the points): every statement is made
from the numbers, with the spread over seeds, and says which runs converged."""
import os

import numpy as np

from . import sensing as S
from .completion_text import _ms


def _sel(points, **kw):
    return [x for x in points if all(x[k] == v for k, v in kw.items())]


def _mean(xs, key):
    v = [x[key] for x in xs if np.isfinite(x[key])]
    return float(np.mean(v)) if v else float("nan")


def _conv(xs):
    """'f/k fitted' (and ', a at rest', ', d diverged')."""
    text = f"{sum(x['fitted'] for x in xs)}/{len(xs)} fitted"
    rest = sum(x["rest"] for x in xs)
    div = sum(x["diverged"] for x in xs)
    return text + (f", {rest} at rest" if rest else "") + (f", {div} diverged" if div else "")


def _cell(xs, ratio=True):
    if not xs:
        return "—"
    ok = [x for x in xs if not x["diverged"]]
    text = f"{_ms([x['to_truth'] for x in ok])}; {_ms([x['to_min'] for x in ok])}"
    if ratio:
        text += f"; {_ms([x['ratio'] for x in ok], '.4g')}"
    return text + f" ({_conv(xs)})"


def _refs(xs):
    return list({x["ref"]["key"]: x["ref"] for x in xs}.values())


def _ref_cell(xs):
    refs = _refs(xs)
    if not refs:
        return "—"
    return f"{sum(r['to_truth'] < S.RECOVERED for r in refs)}/{len(refs)}; {_ms([r['lower'] for r in refs], '.4g')}"


def _recovered(xs):
    """'all', 'none' or 'some': is X̂ = Y* at the seeds of these points?"""
    refs = _refs(xs)
    k = sum(r["to_truth"] < S.RECOVERED for r in refs)
    return "all" if refs and k == len(refs) else "none" if k == 0 else "some"


def intro():
    return ["## Matrix sensing: GD, FA and the rules against the certified minimum-nuclear-norm solution\n",
            f"`{S.JOB}`: Y* is n×n of rank {S.RANK} (σ = 1, 1; r(2n − r) degrees of freedom), seen only through M "
            "measurements y_i = ⟨A_i, Y*⟩ (`problem.observe = sensing`, docs/config.md): dense Gaussian A_i, or "
            "rank-one A_i = a_i·b_iᵀ with Gaussian a_i, b_i. r = n (no rank constraint), Z(0) i.i.d. N(0, α²), "
            "W(0) = 0, every algorithm from the same start. Step sizes: GD 0.2, FA and the rules 0.02 (FA diverged "
            "at 0.1; the step-size check below varies both). kp: B(0) = C, weight decay λ = 0.025; mixed: B = "
            "0.5·W + 0.5·C. For each run `fasim_post.nuclear` solves min ‖X‖_* subject to the run's own measurements "
            "(regenerated from the result file by `fasim_post.measurements`), stopping at upper − lower ≤ "
            f"{S.RTOL:g}·upper or after {S.MAX_ITER} iterations, with a certified bracket; X̂ is its feasible point.\n",
            f"**Convergence.** A run *fitted* the measurements when its loss Σ_i r_i² fell to ≤ {S.STOP_LOSS:g} "
            "(Σ_i y_i² ≈ 2 here): `run.stop_loss` ends it at the first recorded step (40 log-spaced records) "
            "below that, else it runs its step budget. A run that did not fit is *at rest* when its loss changed "
            f"by less than {S.REST:g} (relative) over the last doubling of its steps (kp's weight decay keeps its "
            "loss above 0). *Drift* is the relative change of ‖ZW − Y*‖_F from the record nearest half the run's "
            "steps to its last: how much the reported distance was still moving.\n",
            "Cells, mean ± sd over the seeds that did not diverge: ‖ZW − Y*‖_F/‖Y*‖_F (to the truth); "
            "‖ZW − X̂‖_F/‖X̂‖_F (to the minimizer); ‖ZW‖_* / (certified lower bound); in parentheses the fitted "
            "runs (and those at rest). Reference cells: seeds whose X̂ is Y* (‖X̂ − Y*‖_F/‖Y*‖_F < "
            f"{S.RECOVERED:g}); the certified lower bound on min ‖X‖_* over ‖Y*‖_*.\n"]


def sweep_table(pts):
    steps = [x["steps"] for x in pts]
    out = [f"### The M sweep: n = {S.SWEEP_N}, α = 1e-3, GD and FA, {len(S.SEEDS)} seeds\n",
           f"Steps run: {min(steps)}–{max(steps)}.\n",
           "| kind | M | reference: X̂ = Y*; min ‖X‖_* / ‖Y*‖_* | GD: to Y*; to X̂; ‖ZW‖_*/min | "
           "FA: to Y*; to X̂; ‖ZW‖_*/min |", "|---|---|---|---|---|"]
    for kind in S.KINDS:
        for count in S.COUNTS:
            xs = _sel(pts, kind=kind, count=count)
            if xs:
                out.append(f"| {kind} | {count} | {_ref_cell(xs)} | {_cell(_sel(xs, alg='gd'))} | "
                           f"{_cell(_sel(xs, alg='fa'))} |")
    return out + [""]


def sweep_findings(pts):
    out = []
    dof = S.RANK * (2 * S.SWEEP_N - S.RANK)
    for kind in S.KINDS:
        counts = [c for c in S.COUNTS if _sel(pts, kind=kind, count=c)]
        if not counts:
            continue
        every = [c for c in counts if _recovered(_sel(pts, kind=kind, count=c)) == "all"]
        none = [c for c in counts if _recovered(_sel(pts, kind=kind, count=c)) == "none"]
        text = (f"- {kind}, M sweep: X̂ = Y* at every seed from M = {every[0]} ({every[0] / dof:.2g}× the {dof} "
                "degrees of freedom)" if every else f"- {kind}, M sweep: X̂ ≠ Y* at some seed for every M")
        text += f"; at no seed for M ≤ {max(none)}." if none else "."
        for alg in ("gd", "fa"):
            up = [x for c in every for x in _sel(pts, kind=kind, count=c, alg=alg)]
            if up:
                text += (f" {S.LABELS[alg]} at M ≥ {every[0]}: {_range([_mean(_sel(up, count=c), 'to_truth') for c in every])} "
                         f"from Y* (mean over seeds at each M), {_conv(up)}")
                unfit = [x for x in up if not x["fitted"] and not x["diverged"]]
                text += (f"; the {len(unfit)} others ended at loss {_range([x['loss'] for x in unfit])} with drift "
                         f"{_range([x['drift'] for x in unfit])}." if unfit else ".")
        out.append(text)
    return out


def _range(values, fmt=".2g"):
    values = [v for v in values if np.isfinite(v)]
    if not values:
        return "—"
    lo, hi = min(values), max(values)
    return f"{lo:{fmt}}" if f"{lo:{fmt}}" == f"{hi:{fmt}}" else f"{lo:{fmt}}–{hi:{fmt}}"


def grid_cells(pts):
    return sorted({(x["n"], x["count"]) for x in pts})


def grid_tables(pts):
    algs = [a for a in S.GRID_ALGS if _sel(pts, alg=a)]
    out = [f"### The grid: rank-one measurements, n = {', '.join(str(n) for n in S.SIZES)}, M below and above the "
           f"threshold, α = {', '.join(f'{a:g}' for a in S.ALPHAS)}, {len(S.SEEDS)} seeds\n"]
    for n, count in grid_cells(pts):
        xs = _sel(pts, n=n, count=count)
        dof = S.RANK * (2 * n - S.RANK)
        steps = [x["steps"] for x in xs]
        out += [f"**n = {n}, M = {count}** ({count / dof:.2g}× the {dof} degrees of freedom; reference: "
                f"{_ref_cell(xs)}; steps run {min(steps)}–{max(steps)}). GD and FA: to Y*; to X̂; ‖ZW‖_*/min "
                "(fitted/runs); the rules: to Y*; to X̂ (fitted/runs).\n",
                "| α | " + " | ".join(S.LABELS[a] for a in algs) + " |", "|---|" + "---|" * len(algs)]
        for alpha in sorted({x["alpha"] for x in xs}, reverse=True):
            out.append(f"| {alpha:g} | " + " | ".join(_cell(_sel(xs, alg=a, alpha=alpha), a in ("gd", "fa"))
                                                       for a in algs) + " |")
        out.append("")
    return out


def lr_table(lr_pts, grid_pts):
    n, count = S.SWEEP_N, S.grid_count(S.SWEEP_N)[-1]
    base = [x for x in grid_pts if x["n"] == n and x["count"] == count and x["alpha"] == 1e-3 and x["alg"] in ("gd", "fa")]
    pts = lr_pts + base
    if not lr_pts:
        return [], []
    out = [f"### Step sizes: n = {n}, M = {count} (rank-one), α = 1e-3\n",
           "The same seeds at other step sizes (the 0.2/0.02 rows are the grid's runs): to Y*; to X̂; ‖ZW‖_*/min "
           "(fitted/runs), and the largest rise of the loss after its running minimum (1 = never rose).\n",
           "| algorithm | step size | to Y*; to X̂; ‖ZW‖_*/min (fitted) | steps run | largest loss rise |",
           "|---|---|---|---|---|"]
    rows = []
    for alg in ("gd", "fa"):
        for lr in sorted({x["lr"] for x in pts if x["alg"] == alg}):
            xs = [x for x in pts if x["alg"] == alg and x["lr"] == lr]
            rows.append((alg, lr, xs))
            out.append(f"| {S.LABELS[alg]} | {lr:g} | {_cell(xs)} | {min(x['steps'] for x in xs)}–"
                       f"{max(x['steps'] for x in xs)} | {max(x['rise'] for x in xs):.3g} |")
    return out + [""], rows


def figure(pts, figdir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    cells = grid_cells(pts)
    fig, axes = plt.subplots(1, len(cells), figsize=(3.4 * len(cells), 3.4), sharey=True)
    colors = {"gd": "tab:blue", "fa": "tab:orange", "kp": "tab:green", "usf": "tab:red", "frsf": "tab:purple",
              "mixed": "tab:brown"}
    for ax, (n, count) in zip(np.atleast_1d(axes), cells):
        for alg in S.GRID_ALGS:
            alphas = sorted({x["alpha"] for x in _sel(pts, n=n, count=count, alg=alg)})
            if alphas:
                ax.loglog(alphas, [_mean(_sel(pts, n=n, count=count, alg=alg, alpha=a), "to_truth") for a in alphas],
                          marker="o", color=colors[alg], label=S.LABELS[alg])
                if alg == "gd":
                    ax.loglog(alphas, [_mean(_sel(pts, n=n, count=count, alg=alg, alpha=a), "to_min") for a in alphas],
                              ls=":", marker="x", color=colors[alg], label="GD to X̂")
        ax.set_title(f"n = {n}, M = {count}")
        ax.set_xlabel("initial scale α")
    np.atleast_1d(axes)[0].set_ylabel("‖ZW − Y*‖/‖Y*‖ (mean of 5 seeds)")
    np.atleast_1d(axes)[0].legend(fontsize=7)
    fig.tight_layout()
    os.makedirs(str(figdir), exist_ok=True)
    png = os.path.join(str(figdir), "sensing_grid.png")
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return f"![distance of ZW to Y* (solid) against α; GD's distance to X̂ dotted]({os.path.relpath(png, 'docs')})"


def section(found, figdir=None):
    from .sensing_findings import findings
    out = intro()
    sweep, grid, lrs = found["sweep"], found["grid"], found["lr"]
    if not (sweep or grid):
        return "\n".join(out + ["No complete sensing results (run scripts/beyond without --report-only).", ""])
    if sweep:
        out += sweep_table(sweep)
    if grid:
        out += grid_tables(grid)
        if figdir is not None:
            out += [figure(grid, figdir), ""]
    lr_lines, lr_rows = lr_table(lrs, grid)
    out += lr_lines
    every = sweep + grid + lrs
    out += [f"Largest bracket gap (upper − lower)/‖Y*‖_*: {max(x['ref']['gap'] for x in every):.2g}.", ""]
    out += ["### Findings", ""] + sweep_findings(sweep) + findings(grid, lr_rows) + [""]
    return "\n".join(out) + "\n"
