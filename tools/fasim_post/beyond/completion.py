"""docs/beyond.md's matrix-completion section (issue 15 part 2): does FA, like GD (Gunasekar et al. 2017), approach
the minimum-nuclear-norm completion from small initialization?

The runs are jobs/completion.ini (one setting, whole trajectories) and jobs/completion-sweep.ini (initialization
scale α × observed fraction p). The reference is ‖Y*‖_*, the nuclear norm of the rank-2 truth: the
minimum-nuclear-norm completion when the observed entries determine Y* by nuclear-norm minimization (exact
recovery); a fit of the observed entries with a smaller nuclear norm than ‖Y*‖_* would show that they do not.
"""
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..io import load  # noqa: E402

#: (label, job, overrides): the job's own settings throughout
#: the scales of FA's feedback matrix C tried at the sweep's smallest α and p = 0.3 (is C's scale, which FA's Z
#: update carries whatever Z's own scale, what sets FA's implicit bias?)
FEEDBACK_STDS = (0.01, 0.1, 1.0)
RUNS = [
    ("completion", "jobs/completion.ini", []),
    ("completion-sweep", "jobs/completion-sweep.ini", []),
] + [(f"completion-feedback-{s:g}", "jobs/completion.ini",
      {"init.z_std": 1e-4, "feedback.std": s, "run.algorithms": "fa"}) for s in FEEDBACK_STDS]
#: an algorithm "approaches" the minimum nuclear norm when its final ‖ZW‖_* is within this factor of ‖Y*‖_*
NEAR = 1.05
#: a run "fits" the observed entries when its final observed loss is below this fraction of ‖P_Ω Y*‖²
FIT = 1e-4
LABELS = {"gd": "GD", "fa": "FA", "kp": "KP"}
COLORS = {"gd": "tab:blue", "fa": "tab:orange", "kp": "tab:green"}


def _final(run, metric):
    v = run.metric(metric)
    return float(v[-1]) if v is not None and len(v) else float("nan")


def _truth_nuclear(res):
    y = res.problem.get("Y")
    if y is not None:
        return float(np.linalg.svd(np.asarray(y), compute_uv=False).sum())
    values = res.config.get("problem", "values")     # a list spectrum: the singular values themselves
    return float(sum(float(x) for x in values.split(","))) if values else float("nan")


def _point_settings(res):
    """{key: value} of a sweep point (root attribute sweep_point "key=value;key=value")."""
    text = str(res.attrs.get("sweep_point", "") or "")
    return dict(kv.split("=", 1) for kv in text.split(";") if "=" in kv)


def _observed_norm(res):
    """‖P_Ω Y*‖² estimated as p·‖Y*‖² (only to judge whether a loss is small; the loss itself is exact)."""
    y = res.problem.get("Y")
    p = float(res.config.get("completion", "fraction", "nan"))
    return p * float(np.sum(np.asarray(y) ** 2)) if y is not None else float("nan")


def _single(path, figdir):
    res = load(str(path))
    truth = _truth_nuclear(res)
    c = res.config
    lines = [f"### One run: `jobs/completion.ini`\n",
             f"n = m = {c.get('problem', 'n')}, Y* of rank {c.get('problem', 'k')} (σ = {c.get('problem', 'values')}, "
             f"‖Y*‖_* = {truth:.4g}), r = {c.get('model', 'r')}, p = {c.get('completion', 'fraction')}, "
             f"Z(0) ~ N(0, {c.get('init', 'z_std')}²), W(0) std {c.get('init', 'w_std')}, "
             f"{c.get('run', 'steps')} Euler steps (lr: "
             + ", ".join(f"{LABELS.get(a, a)} {c.get(a, 'lr')}" for a in res.runs)
             + (f"; kp's decay λ = {c.get('kp', 'decay')}, which also decays W, so kp's observed loss rests above 0"
                if "kp" in res.runs else "") + ").\n",
             "| algorithm | observed loss | test_error | full_error | ‖ZW‖_* | ‖ZW‖_* / ‖Y*‖_* | effective rank |",
             "|---|---|---|---|---|---|---|"]
    for alg, run in res.runs.items():
        nuc = _final(run, "nuclear_norm")
        lines.append(f"| {LABELS.get(alg, alg)} | {_final(run, 'loss'):.3g} | {_final(run, 'test_error'):.3g} | "
                     f"{_final(run, 'full_error'):.3g} | {nuc:.4g} | {nuc / truth:.4f} | "
                     f"{_final(run, 'effective_rank'):.3g} |")
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for alg, run in res.runs.items():
        t = run.steps()
        kw = dict(color=COLORS.get(alg), label=LABELS.get(alg, alg))
        axes[0].loglog(np.maximum(t, 1), run.metric("test_error"), **kw)
        axes[1].semilogx(np.maximum(t, 1), run.metric("nuclear_norm"), **kw)
        axes[2].semilogx(np.maximum(t, 1), run.metric("effective_rank"), **kw)
    axes[1].axhline(truth, color="k", ls=":", label="‖Y*‖_*")
    for ax, title in zip(axes, ("test error (unobserved entries)", "nuclear norm of ZW", "effective rank of ZW")):
        ax.set_xlabel("step")
        ax.set_title(title)
        ax.legend()
    fig.tight_layout()
    os.makedirs(figdir, exist_ok=True)
    png = os.path.join(figdir, "completion_trajectory.png")
    fig.savefig(png, dpi=110)
    plt.close(fig)
    lines.append(f"\n![completion trajectories]({os.path.relpath(png, 'docs')})\n")
    return "\n".join(lines) + "\n", {alg: (_final(r, "nuclear_norm") / truth, _final(r, "test_error"))
                                      for alg, r in res.runs.items()}


def _sweep_points(directory):
    """[(alpha, p, {alg: {metric: final}}, truth, fit_scale)] of the sweep's complete point files."""
    points = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".h5"):
            continue
        res = load(os.path.join(directory, name))
        if str(res.attrs.get("status", "")) != "complete":
            continue
        s = _point_settings(res)
        alpha = float(s.get("init.z_std", res.config.get("init", "z_std")))
        p = float(s.get("completion.fraction", res.config.get("completion", "fraction")))
        finals = {alg: {m: _final(run, m) for m in ("loss", "test_error", "nuclear_norm", "effective_rank")}
                  for alg, run in res.runs.items()}
        points.append((alpha, p, finals, _truth_nuclear(res), _observed_norm(res)))
    return points


def _sweep(directory, figdir):
    points = _sweep_points(directory)
    if not points:
        return f"### Sweep: `jobs/completion-sweep.ini`\n\nNo complete point files in `{directory}`.\n", []
    algs = sorted({a for x in points for a in x[2]}, key=lambda a: list(LABELS).index(a) if a in LABELS else 99)
    ps = sorted({x[1] for x in points})
    alphas = sorted({x[0] for x in points})
    truth = points[0][3]
    by = {(x[0], x[1]): x for x in points}
    lines = [f"### Sweep: `jobs/completion-sweep.ini` (initialization scale α × observed fraction p)\n",
             f"Final values after the job's steps; ‖Y*‖_* = {truth:.4g}. Each cell: test_error / ‖ZW‖_* / effective "
             f"rank. A run marked † has not fitted the observed entries (observed loss > {FIT:g}·p·‖Y*‖²)"
             + ("; kp's decay λ also decays W, so kp rests at Zᵀ·E = λW, a residual that a † may reflect" if "kp" in algs
                else "") + ".\n"]
    header = "| α | " + " | ".join(f"{LABELS.get(a, a)}, p = {p:g}" for p in ps for a in algs) + " |"
    lines += [header, "|---|" + "---|" * (len(ps) * len(algs))]
    for alpha in alphas:
        cells = []
        for p in ps:
            for a in algs:
                x = by.get((alpha, p))
                if x is None or a not in x[2]:
                    cells.append("—")
                    continue
                f = x[2][a]
                mark = "" if f["loss"] <= FIT * x[4] else " †"
                cells.append(f"{f['test_error']:.3g} / {f['nuclear_norm']:.4g} / {f['effective_rank']:.3g}{mark}")
        lines.append(f"| {alpha:g} | " + " | ".join(cells) + " |")
    # Figure: test error and nuclear norm against α, one line per algorithm (line style per p).
    styles = ["-", "--", ":", "-."]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for a in algs:
        for i, p in enumerate(ps):
            xs = [al for al in alphas if (al, p) in by and a in by[(al, p)][2]]
            if not xs:
                continue
            kw = dict(color=COLORS.get(a), ls=styles[i % len(styles)], marker="o",
                      label=f"{LABELS.get(a, a)}, p = {p:g}")
            axes[0].loglog(xs, [by[(al, p)][2][a]["test_error"] for al in xs], **kw)
            axes[1].semilogx(xs, [by[(al, p)][2][a]["nuclear_norm"] for al in xs], **kw)
    axes[1].axhline(truth, color="k", lw=1, label="‖Y*‖_* (rank-2 truth)")
    axes[0].set_title("test error (relative, unobserved entries)")
    axes[1].set_title("nuclear norm of ZW")
    for ax in axes:
        ax.set_xlabel("initialization scale α (std of Z(0))")
        ax.legend(fontsize=7)
    fig.tight_layout()
    os.makedirs(figdir, exist_ok=True)
    png = os.path.join(figdir, "completion_sweep.png")
    fig.savefig(png, dpi=110)
    plt.close(fig)
    lines.append(f"\n![test error and nuclear norm against the initialization scale]({os.path.relpath(png, 'docs')})\n")
    # The question: at the smallest α, is each algorithm's ‖ZW‖_* near ‖Y*‖_* (and its test error small)?
    smallest = alphas[0]
    found = []
    for a in algs:
        ratios = [(p, by[(smallest, p)][2][a]["nuclear_norm"] / truth, by[(smallest, p)][2][a]["test_error"])
                  for p in ps if (smallest, p) in by and a in by[(smallest, p)][2]]
        found.append((a, ratios))
    below = [(x[0], x[1], a, f["nuclear_norm"]) for x in points for a, f in x[2].items()
             if f["loss"] <= FIT * x[4] and f["nuclear_norm"] < truth * (1 - 1e-3)]
    return "\n".join(lines) + "\n", (smallest, found, below)


def section(results, figdir):
    """The Markdown of the completion section, from {label: Path}; figures into figdir."""
    figdir = str(figdir)
    out = ["## Implicit regularization in over-parameterized matrix completion\n",
           "`problem.observe = completion` (docs/config.md): each entry of Y* is observed independently with "
           "probability p, the loss is ‖P_Ω(Y* − ZW)‖²_F and GD, FA and kp run on E = P_Ω(Y* − ZW) (GD: dZ = "
           "E·Wᵀ, dW = Zᵀ·E; FA: dZ = E·Cᵀ with C fixed random, dW = Zᵀ·E; kp: dZ = E·Bᵀ with B(0) = C and dB = "
           "Zᵀ·E − λB, dW = Zᵀ·E − λW, so B − W decays as e^(−λt)). With r = n the observed entries can be fitted "
           "exactly by many ZW; which one an algorithm converges to is its implicit bias. Gunasekar et al. (2017) "
           "report that GD from small initialization approaches the minimum-nuclear-norm completion. For the rank-2 "
           "truth the reference is ‖Y*‖_*, the nuclear norm of the minimum-nuclear-norm completion when "
           "nuclear-norm minimization recovers Y* exactly (a fit with a smaller nuclear norm would disprove that; "
           "the sweep table lists any).\n"]
    single = results.get("completion")
    verdict = None
    if single and Path(single).exists():
        text, verdict = _single(single, figdir)
        out.append(text)
    else:
        out.append("### One run: `jobs/completion.ini`\n\nNo result file (run the script without --report-only).\n")
    sweep = results.get("completion-sweep")
    findings = None
    if sweep and Path(sweep).is_dir():
        text, findings = _sweep(sweep, figdir)
        out.append(text)
    else:
        out.append("### Sweep: `jobs/completion-sweep.ini`\n\nNo result directory.\n")
    fb = [(s, results.get(f"completion-feedback-{s:g}")) for s in FEEDBACK_STDS]
    fb = [(s, load(str(p))) for s, p in fb if p and Path(p).exists()]
    if fb:
        out.append("### FA and the scale of its feedback matrix\n")
        out.append("FA's Z update E·Cᵀ has the scale of C whatever the scale of Z(0), so C's scale (`feedback.std`) "
                   "might act as FA's effective initialization scale. Same setting as `jobs/completion.ini` with "
                   "α = 1e-4, FA only:\n")
        out.append("| feedback.std | observed loss | test_error | ‖ZW‖_* | effective rank |\n|---|---|---|---|---|")
        for s, res in fb:
            run = res.runs.get("fa")
            if run is not None:
                out.append(f"| {s:g} | {_final(run, 'loss'):.3g} | {_final(run, 'test_error'):.3g} | "
                           f"{_final(run, 'nuclear_norm'):.4g} | {_final(run, 'effective_rank'):.3g} |")
        out.append("")
    out.append("### Finding\n")
    if verdict:
        for alg, (ratio, test) in verdict.items():
            near = "approaches" if ratio <= NEAR else "does not approach"
            out.append(f"- `jobs/completion.ini`: {LABELS.get(alg, alg)} ends at ‖ZW‖_* = {ratio:.4f}·‖Y*‖_* with "
                       f"test error {test:.3g}: it {near} the minimum nuclear norm (criterion ‖ZW‖_* ≤ {NEAR}·‖Y*‖_*).")
    if findings:
        smallest, found, below = findings
        for alg, ratios in found:
            parts = ", ".join(f"p = {p:g}: {r:.4f}·‖Y*‖_*, test error {t:.3g}" for p, r, t in ratios)
            near = all(r <= NEAR for _, r, _ in ratios)
            out.append(f"- Sweep, smallest α = {smallest:g}: {LABELS.get(alg, alg)} {parts} — "
                       f"{'within' if near else 'not within'} {NEAR}·‖Y*‖_* at every p.")
        if below:
            out.append("- Fits of the observed entries with ‖ZW‖_* below ‖Y*‖_* (so Y* is not the minimum there): " +
                       "; ".join(f"{LABELS.get(a, a)} at α = {al:g}, p = {p:g}: {n:.4g}" for al, p, a, n in below) + ".")
        else:
            out.append("- No run that fitted the observed entries has ‖ZW‖_* below ‖Y*‖_*: consistent with Y* being "
                       "the minimum-nuclear-norm completion at these p.")
    if fb and all("fa" in res.runs for _, res in fb):
        tests = [_final(res.runs["fa"], "test_error") for _, res in fb]
        spread = (max(tests) - min(tests)) / max(min(tests), 1e-300)
        out.append(f"- FA's test error over feedback.std = {', '.join(f'{s:g}' for s, _ in fb)}: "
                   f"{', '.join(f'{t:.3g}' for t in tests)} (relative spread {spread:.2g}): "
                   + ("C's scale does not set FA's implicit bias here." if spread < 0.1 else
                      "C's scale changes FA's implicit bias here."))
    return "\n".join(out) + "\n"
