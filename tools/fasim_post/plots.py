"""Figures of the paper drawn from fasim result files (Figs 2-6) and `fasim collect` summaries
(Theorems 3 and 4). Every function returns a list of (kind, matplotlib Figure); `save` writes them."""
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .io import experiment_name, summary_column  # noqa: E402
from .network_plots import is_network, layer_alignment_plot, network_loss_plot  # noqa: E402

LABELS = {"gd": "GD", "fa": "FA", "fastar": "FA*", "usf": "uSF", "frsf": "frSF", "kp": "KP", "mixed": "mixed",
          "dfa": "DFA"}
COLORS = {"gd": "tab:blue", "fa": "tab:orange", "fastar": "tab:green", "usf": "tab:red", "frsf": "tab:purple",
          "kp": "tab:brown", "mixed": "tab:pink", "dfa": "tab:olive"}
#: the feedback rules of issue 15 (docs/config.md): their files get the feedback figures
RULES = ("usf", "frsf", "kp", "mixed")
FIGSIZE = (6.4, 4.8)   # at dpi 100: 640×480 px
DPI = 100


def _label(alg):
    return LABELS.get(alg, alg)


def _color(alg):
    return COLORS.get(alg)


def _positive(y):
    y = np.asarray(y, dtype=float)
    return y.size > 0 and np.all(np.isfinite(y)) and np.all(y > 0)


def _logy_if_useful(ax, ys):
    ys = [np.asarray(y, dtype=float) for y in ys if y is not None and len(y)]
    if ys and all(_positive(y) for y in ys):
        lo = min(y.min() for y in ys)
        hi = max(y.max() for y in ys)
        if hi / lo > 100:
            ax.set_yscale("log")


def _label_axes(ax, xlabel, ylabel, legend=True):
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend:
        ax.legend(fontsize="small")
    ax.grid(True, alpha=0.3)


def _fig(title, ncols=1):
    fig, axes = plt.subplots(1, ncols, figsize=(FIGSIZE[0] * (1 if ncols == 1 else 0.8 * ncols), FIGSIZE[1]),
                             squeeze=False)
    fig.suptitle(title)
    return fig, list(axes[0])


# ----------------------------------------------------------------------------------- result files

def loss_plot(res, name):
    """Figs 2a/2b: ‖ZW − Y‖²_F vs step per algorithm, log-y, with the optimal and Lemma-1 errors."""
    runs = [r for r in res.runs.values() if r.metric("loss") is not None and r.T > 0]
    if not runs or is_network(res):   # a network's loss is network_loss
        return []
    fig, (ax,) = _fig(f"{name}: loss (Fig. 2)")
    for run in runs:
        ax.plot(run.steps(), run.metric("loss"), label=_label(run.name), color=_color(run.name))
    ys = [r.metric("loss") for r in runs]
    # Under matrix completion the loss is the observed one; the full-observation references do not apply.
    completion = any(r.metric("test_error") is not None for r in runs)
    for key, style, text in () if completion else (("optimal_error", "--", "optimal error Σ_{i>r} σ_i²"),
                                                   ("lemma1_error", ":", "Lemma 1 error ‖Y − P_{YCᵀ}Y‖²")):
        v = res.problem.get(key)
        if v is None or not np.isfinite(v):
            continue
        if v > 0:
            ax.axhline(v, color="k", linestyle=style, linewidth=1, label=f"{text} = {v:.4g}")
            ys.append(np.array([v]))
        else:   # 0 cannot be drawn on a log axis: keep it in the legend
            ax.plot([], [], color="k", linestyle=style, label=f"{text} = 0")
    if all(_positive(y) for y in ys):
        ax.set_yscale("log")
    _label_axes(ax, "step", "observed loss ‖P_Ω(ZW − Y)‖²_F" if completion else "loss ‖ZW − Y‖²_F")
    return [("loss", fig)]


def unit_vector_plot(res, name):
    """Fig 3a (m = 1): ‖(y − ŷ)cᵀ‖² and the alignment of c and w over time."""
    m = res.problem.get("m")
    if m is None and res.problem.get("C") is not None:
        m = np.shape(res.problem["C"])[-1]
    if m != 1:
        return []
    runs = [r for r in res.runs.values() if r.T > 0 and
            (r.metric("fa_loss") is not None or r.metric("alignment_cos") is not None)]
    if not runs:
        return []
    fig, (a1, a2) = _fig(f"{name}: unit-vector source, m = 1 (Fig. 3a)", ncols=2)
    for run in runs:
        if run.metric("fa_loss") is not None:
            a1.plot(run.steps(), run.metric("fa_loss"), label=_label(run.name), color=_color(run.name))
        if run.metric("alignment_cos") is not None:
            a2.plot(run.steps(), run.metric("alignment_cos"), label=_label(run.name), color=_color(run.name))
    a1.set_xlabel("step")
    a1.set_ylabel("fa_loss ‖(y − ŷ)cᵀ‖²")
    a2.set_xlabel("step")
    a2.set_ylabel("alignment_cos ⟨c, w⟩/(‖c‖‖w‖)  (∝ cᵀw)")
    a2.axhline(0, color="k", linewidth=0.8)
    for ax in (a1, a2):
        ax.legend(fontsize="small")
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return [("unit_vector", fig)]


def _fa_loss_runs(res, algs):
    return [res.runs[a] for a in algs if a in res.runs and res.runs[a].T > 0]


def _loss_metric(run):
    """The loss of Figs 3b/5/6, ‖(Y − Ŷ)Cᵀ‖²_F (fa_loss), falling back to ‖ZW − Y‖²_F."""
    if run.metric("fa_loss") is not None:
        return run.metric("fa_loss"), "fa_loss ‖(Y − Ŷ)Cᵀ‖²_F"
    if run.metric("loss") is not None:
        return run.metric("loss"), "loss ‖ZW − Y‖²_F"
    return None, None


def fastar_fa_loss_plot(res, name):
    """Fig 3b: FA*'s ‖(Y − Ŷ)Cᵀ‖²_F (non-monotone)."""
    run = res.runs.get("fastar")
    if run is None or run.T == 0 or run.metric("fa_loss") is None:
        return []
    fig, (ax,) = _fig(f"{name}: FA* loss ‖(Y − Ŷ)Cᵀ‖² (Fig. 3b)")
    ax.plot(run.steps(), run.metric("fa_loss"), color=_color("fastar"), label="FA*")
    _logy_if_useful(ax, [run.metric("fa_loss")])
    _label_axes(ax, "step", "fa_loss ‖(Y − Ŷ)Cᵀ‖²_F")
    return [("fastar_fa_loss", fig)]


def probes_plot(res, name):
    """Fig 4a: xᵀAx for the fixed random unit vectors x (one panel per algorithm with probes)."""
    runs = []
    for run in res.runs.values():
        p = run.metric("probe_xAx")
        if p is not None and p.size and run.T > 0:
            runs.append(run)
    if not runs:
        return []
    # FA* first: it is the algorithm of Fig 4a
    runs.sort(key=lambda r: (r.name != "fastar", r.name))
    fig, axes = _fig(f"{name}: probes xᵀAx (Fig. 4a)", ncols=len(runs))
    for ax, run in zip(axes, runs):
        p = np.asarray(run.metric("probe_xAx"), dtype=float)
        if p.ndim == 1:
            p = p[:, None]
        steps = run.steps()
        for j in range(p.shape[1]):
            ax.plot(steps, p[:, j], linewidth=1, label=f"x{j + 1}")
        ax.axhline(0, color="k", linewidth=0.8)
        ax.set_title(_label(run.name))
        ax.set_xlabel("step")
        ax.set_ylabel("probe_xAx  xᵀAx")
        ax.grid(True, alpha=0.3)
        if p.shape[1] <= 10:
            ax.legend(fontsize="x-small", ncol=2)
    fig.tight_layout()
    return [("probes", fig)]


def min_eig_plot(res, name):
    """Fig 4b: the minimum eigenvalue of the alignment matrix A."""
    runs = [r for r in res.runs.values() if r.T > 0 and r.metric("align_min_eig") is not None]
    if not runs:
        return []
    fig, (ax,) = _fig(f"{name}: λ_min(A) (Fig. 4b)")
    for run in runs:
        ax.plot(run.steps(), run.metric("align_min_eig"), label=_label(run.name), color=_color(run.name))
    ax.axhline(0, color="k", linewidth=0.8)
    _label_axes(ax, "step", "align_min_eig  λ_min(A)")
    return [("align_min_eig", fig)]


def fa_vs_fastar_plot(res, name):
    """Fig 5: FA and FA* losses on one plot."""
    runs = _fa_loss_runs(res, ("fa", "fastar"))
    if len(runs) < 2:
        return []
    fig, (ax,) = _fig(f"{name}: FA vs FA* (Fig. 5)")
    ylabel, ys = None, []
    # same metric for both: fa_loss when both have it
    use = "fa_loss" if all(r.metric("fa_loss") is not None for r in runs) else "loss"
    for run in runs:
        y = run.metric(use)
        if y is None:
            continue
        ys.append(y)
        lr_w = run.attrs.get("lr_w")
        lr = run.attrs.get("lr")
        extra = f" (lr={lr:g}, lr_w={lr_w:g})" if run.name == "fa" and isinstance(lr, (int, float)) \
            and isinstance(lr_w, (int, float)) and lr_w and lr_w != lr else ""
        ax.plot(run.steps(), y, label=_label(run.name) + extra, color=_color(run.name))
    if not ys:
        plt.close(fig)
        return []
    ylabel = "fa_loss ‖(Y − Ŷ)Cᵀ‖²_F" if use == "fa_loss" else "loss ‖ZW − Y‖²_F"
    _logy_if_useful(ax, ys)
    _label_axes(ax, "step", ylabel)
    return [("fa_vs_fastar", fig)]


def fa_zoom_plot(res, name, zoom_from=300):
    """Fig 6: FA's loss, and (second panel) the same from step `zoom_from` on."""
    run = res.runs.get("fa")
    if run is None or run.T == 0 or is_network(res):   # a network's loss is network_loss
        return []
    y, ylabel = _loss_metric(run)
    if y is None:
        return []
    steps = run.steps()
    start = zoom_from
    if not np.any(steps >= start):   # short run: zoom into its second half
        start = steps[len(steps) // 2]
    sel = steps >= start
    fig, (a1, a2) = _fig(f"{name}: FA loss (Fig. 6)", ncols=2)
    a1.plot(steps, y, color=_color("fa"), label="FA")
    _logy_if_useful(a1, [y])
    a1.set_title("(a) all steps")
    a2.plot(steps[sel], y[sel], color=_color("fa"), label="FA")
    a2.set_title(f"(b) from step {start:g}")
    for ax in (a1, a2):
        _label_axes(ax, "step", ylabel)
    fig.tight_layout()
    return [("fa_zoom", fig)]


def completion_plot(res, name):
    """Matrix completion (problem.observe = completion): test error, nuclear norm and effective rank of ZW per
    step and algorithm; drawn only for files that recorded them."""
    runs = [r for r in res.runs.values() if r.metric("test_error") is not None and r.T > 0]
    if not runs:
        return []
    fig, axes = _fig(f"{name}: matrix completion", ncols=3)
    for run in runs:
        kw = dict(label=_label(run.name), color=_color(run.name))
        axes[0].plot(run.steps(), run.metric("test_error"), **kw)
        axes[1].plot(run.steps(), run.metric("nuclear_norm"), **kw)
        axes[2].plot(run.steps(), run.metric("effective_rank"), **kw)
    if all(_positive(r.metric("test_error")) for r in runs):
        axes[0].set_yscale("log")
    for ax, ylabel in zip(axes, ("test error ‖P_Ωᶜ(Y − ZW)‖²/‖P_Ωᶜ Y‖²", "nuclear norm ‖ZW‖_*",
                                 "effective rank of ZW")):
        _label_axes(ax, "step", ylabel)
    return [("completion", fig)]


def _run_label(run):
    """The algorithm's label, with the rule's parameter (kp's λ, mixed's α) when the file states it."""
    for key, symbol in (("decay", "λ"), ("alpha", "α")):
        v = run.attrs.get(key)
        if isinstance(v, (int, float)):
            return f"{_label(run.name)} ({symbol} = {v:g})"
    return _label(run.name)


def _feedback_runs(res):
    """Runs with the feedback_* columns, when the file holds at least one feedback rule."""
    if not any(r in res.runs for r in RULES):
        return []
    return [r for r in res.runs.values() if r.T > 0 and r.metric("feedback_cos") is not None]


def feedback_alignment_plot(res, name):
    """The feedback rules: alignment cos∠(B, W) = ⟨B, W⟩/(‖B‖‖W‖) of each algorithm's feedback matrix B."""
    runs = _feedback_runs(res)
    if not runs:
        return []
    fig, (ax,) = _fig(f"{name}: alignment of the feedback B with W")
    for run in runs:
        ax.plot(run.steps(), run.metric("feedback_cos"), label=_run_label(run), color=_color(run.name))
    ax.axhline(0, color="k", linewidth=0.8)
    # Alignment happens in the first steps and the rest of the run holds it: a log-like step axis from 0.
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_xlim(left=0)
    _label_axes(ax, "step", "feedback_cos  cos∠(B, W)")
    return [("feedback_alignment", fig)]


def feedback_plot(res, name):
    """The feedback rules: ‖(Y − Ŷ)Bᵀ‖²_F (Z's update) and ‖B − W‖_F (kp's B approaching W) per algorithm."""
    runs = _feedback_runs(res)
    if not runs:
        return []
    fig, (a1, a2) = _fig(f"{name}: feedback B", ncols=2)
    for run in runs:
        a1.plot(run.steps(), run.metric("feedback_loss"), label=_run_label(run), color=_color(run.name))
        gap = run.metric("feedback_gap")
        if gap is not None and np.any(gap > 0):   # GD's B is W: nothing to draw
            a2.plot(run.steps(), gap, label=_run_label(run), color=_color(run.name))
    _logy_if_useful(a1, [r.metric("feedback_loss") for r in runs])
    _logy_if_useful(a2, [r.metric("feedback_gap") for r in runs if np.any(r.metric("feedback_gap") > 0)])
    _label_axes(a1, "step", "feedback_loss ‖(Y − Ŷ)Bᵀ‖²_F")
    _label_axes(a2, "step", "feedback_gap ‖B − W‖_F")
    fig.tight_layout()
    return [("feedback", fig)]


#: the kind each result plot draws, for callers that want only some of them
RESULT_KINDS = {"loss": loss_plot, "unit_vector": unit_vector_plot, "fastar_fa_loss": fastar_fa_loss_plot,
                "probes": probes_plot, "align_min_eig": min_eig_plot, "fa_vs_fastar": fa_vs_fastar_plot,
                "fa_zoom": fa_zoom_plot, "completion": completion_plot,
                "feedback_alignment": feedback_alignment_plot, "feedback": feedback_plot,
                "network_loss": network_loss_plot, "layer_alignment": layer_alignment_plot}


def result_figures(res, zoom_from=300, kinds=None):
    """Every figure `res` can feed (or only those of `kinds`, names of RESULT_KINDS)."""
    name = experiment_name(res)
    figs = []
    for kind, fn in RESULT_KINDS.items():
        if kinds is None or kind in kinds:
            figs += fn(res, name, zoom_from) if fn is fa_zoom_plot else fn(res, name)
    return figs


def ztz_drift_plot(labelled):
    """Fact 3: ‖ZᵀZ − Z(0)ᵀZ(0)‖_F vs time under FA*, one curve per (label, result) — e.g. two Euler step sizes
    and RK4 on the same problem."""
    curves = [(label, res.runs["fastar"]) for label, res in labelled
              if "fastar" in res.runs and res.runs["fastar"].metric("ztz_drift") is not None]
    if not curves:
        return []
    fig, (ax,) = _fig("Fact 3: ZᵀZ drift under FA*")
    for label, run in curves:
        t, drift = run.metric("time"), run.metric("ztz_drift")
        ax.plot(t[drift > 0], drift[drift > 0], label=label)
    ax.set_yscale("log")
    _label_axes(ax, "time t = step · lr", "ztz_drift ‖ZᵀZ − Z(0)ᵀZ(0)‖_F")
    return [("ztz_drift", fig)]


def ctw_plot(steps, ctw, name):
    """Fig 3a / Example 1: cᵀw at the W snapshots (m = 1), which must not decrease under the flow."""
    fig, (ax,) = _fig(f"{name}: cᵀw under FA* (Fig. 3a, from the W snapshots)")
    ax.plot(steps, ctw, color=_color("fastar"))
    ax.axhline(0, color="k", linewidth=0.8)
    _label_axes(ax, "step", "cᵀw", legend=False)
    return [("ctw", fig)]


# ------------------------------------------------------------------------------------- summaries

def thm3_hist(points, name):
    """Theorem 3: histogram of FA's final error over seeds, with 0.74 (FA bound) and GD's 0.5."""
    fa = summary_column(points, "fa_final_loss")
    if fa is None or fa.dtype.kind not in "fiu":
        return []
    fa = np.asarray(fa, dtype=float)
    fa = fa[np.isfinite(fa)]
    if fa.size == 0:
        return []
    fig, (ax,) = _fig(f"{name}: FA final error over seeds (Thm. 3)")
    ax.hist(fa, bins=max(5, min(30, fa.size // 2 or 1)), color=_color("fa"), alpha=0.7,
            label=f"FA final error ({fa.size} runs)")
    ax.axvline(0.74, color="tab:red", linestyle="--", label="Thm 3 FA bound 0.74")
    ax.axvline(0.5, color=_color("gd"), linestyle="--", label="GD optimum 0.5")
    gd = summary_column(points, "gd_final_loss")
    if gd is not None and gd.dtype.kind in "fiu" and np.any(np.isfinite(gd)):
        ax.axvline(float(np.nanmean(gd)), color=_color("gd"), linestyle=":",
                   label=f"GD final error (mean {np.nanmean(gd):.3g})")
    fs = summary_column(points, "fastar_final_loss")
    if fs is not None and fs.dtype.kind in "fiu" and np.any(np.isfinite(fs)):
        ax.axvline(float(np.nanmean(fs)), color=_color("fastar"), linestyle=":",
                   label=f"FA* final error (mean {np.nanmean(fs):.3g})")
    ax.set_xlabel("final error ‖ZW − Y‖²_F")
    ax.set_ylabel("number of seeds")
    ax.legend(fontsize="small")
    return [("thm3_hist", fig)]


def thm4_overlap(points, name):
    """Theorem 4: |⟨Z_fa, Z_gd⟩| (normalised) vs n, with the bound 4/(ε√n)."""
    ov = summary_column(points, "overlap", "representation_overlap")
    n = summary_column(points, "problem.n", "n")
    if ov is None or n is None or ov.dtype.kind not in "fiu" or n.dtype.kind not in "fiu":
        return []
    ov = np.abs(np.asarray(ov, dtype=float))
    n = np.asarray(n, dtype=float)
    ok = np.isfinite(ov) & np.isfinite(n) & (n > 0)
    if not np.any(ok):
        return []
    eps_col = summary_column(points, "problem.epsilon", "epsilon")
    if eps_col is not None and eps_col.dtype.kind in "fiu":
        eps = np.asarray(eps_col, dtype=float)
    else:
        eps = np.full(n.shape, 0.5)
    eps = np.where(np.isfinite(eps), eps, 0.5)
    fig, (ax,) = _fig(f"{name}: FA vs GD representation overlap (Thm. 4)")
    ax.scatter(n[ok], ov[ok], s=12, alpha=0.6, color=_color("fa"), label="overlap |⟨Z_fa, Z_gd⟩| per seed")
    ns = np.unique(n[ok])
    means = np.array([ov[ok][n[ok] == v].mean() for v in ns])
    ax.plot(ns, means, "o-", color="tab:red", label="mean over seeds")
    grid = np.geomspace(ns.min(), ns.max(), 100) if ns.min() < ns.max() else ns
    for e in np.unique(eps[ok]):
        ax.plot(grid, 4.0 / (e * np.sqrt(grid)), "k--", linewidth=1, label=f"bound 4/(ε√n), ε = {e:g}")
    if ns.min() < ns.max():
        ax.set_xscale("log")
    if np.all(ov[ok] > 0):
        ax.set_yscale("log")
    _label_axes(ax, "n", "overlap |⟨Z_fa/‖Z_fa‖, Z_gd/‖Z_gd‖⟩|")
    return [("thm4_overlap", fig)]


def summary_figures(points, name, kinds=None):
    """Every figure a summary can feed (or only those of `kinds`: "thm3_hist", "thm4_overlap")."""
    return [f for fn in (thm3_hist, thm4_overlap) if kinds is None or fn.__name__ in kinds for f in fn(points, name)]


# ----------------------------------------------------------------------------------------- output

def save(figs, outdir, stem, pdf=False):
    """Write each (kind, figure) as <outdir>/<stem>_<kind>.png (and .pdf); returns the paths."""
    os.makedirs(outdir, exist_ok=True)
    paths = []
    for kind, fig in figs:
        fig.tight_layout()
        base = os.path.join(outdir, f"{stem}_{kind}")
        fig.savefig(base + ".png", dpi=DPI)
        paths.append(base + ".png")
        if pdf:
            fig.savefig(base + ".pdf")
            paths.append(base + ".pdf")
        plt.close(fig)
    return paths
