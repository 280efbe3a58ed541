"""docs/networks.md from the result files: the numbers, tables and figures, and what they show."""
import os

import numpy as np

from . import deep_seeds
from . import experiments as ex


def _stats(values, fmt=".3f"):
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return "—"
    sd = v.std(ddof=1) if v.size > 1 else 0.0
    return f"{v.mean():{fmt}} ± {sd:{fmt}} [{v.min():{fmt}}, {v.max():{fmt}}]"


def width_section(out, figures):
    rows, table, missing = {}, [], []
    for w in ex.WIDTHS:
        for s in ex.SEEDS:
            path = f"{out}/width-{w}-seed-{s}.h5"
            if not os.path.exists(path):
                missing.append(path)
                continue
            for alg in ("gd", "fa"):
                t = ex.read_run(path, alg)
                entry = rows.setdefault((w, alg), dict(err=[], align=[], align0=[], stop=[]))
                entry["err"].append(t["loss"][-1] / t["o_norm2"])
                entry["align"].append(t["align_1"][-1])
                entry["align0"].append(t["align_1"][0])
                entry["stop"].append(t["stop_reason"])
    for w in ex.WIDTHS:
        gd, fa = rows.get((w, "gd")), rows.get((w, "fa"))
        if not gd or not fa:
            continue
        stops = sorted(set(gd["stop"] + fa["stop"]))
        table.append(f"| {w} | {w / ex.N:g} | {len(fa['err'])} | {_stats(gd['err'], '.2e')} | {_stats(fa['err'], '.2e')} | "
                     f"{_stats(fa['align0'])} | {_stats(fa['align'])} | {', '.join(stops)} |")
    fig = _width_figure(rows, figures)
    means = {w: np.mean(rows[(w, "fa")]["align"]) for w in ex.WIDTHS if (w, "fa") in rows}
    text = [
        "## 1. Alignment vs width: a one-hidden-layer ReLU teacher–student task",
        "",
        f"Teacher: X is {ex.N}×{ex.N_IN} with i.i.d. N(0, 1) entries, O = relu(X·T1)·T2 with T1 ({ex.N_IN}×"
        f"{ex.TEACHER_WIDTH}) and T2 ({ex.TEACHER_WIDTH}×{ex.N_OUT}) Gaussian with std 1/√fan-in; one teacher "
        f"per seed (numpy, written by the script). Student: the same architecture with width w from "
        f"{ex.WIDTHS[0]} (N/{ex.N // ex.WIDTHS[0]}) to {ex.WIDTHS[-1]} ({ex.WIDTHS[-1] // ex.N}·N), "
        f"W1(0) std 1/√n, W2(0) std 1/√w, C2 std 1, "
        f"{len(ex.SEEDS)} seeds per width (teacher, student initialisation and C all change with the seed); "
        "Euler with lr = 0.4/(N·(w + n)) for gd and fa alike (`jobs/networks-width.ini`, 4000 steps). "
        "The columns are mean ± standard deviation over the seeds [min, max]. Relative error = ‖E‖²_F/‖O‖²_F "
        "at the last step; alignment = cos∠(W2, C2) (the `align_1` column).",
        "",
        "With one hidden layer DFA is FA: the hidden layer's signal is E·D1ᵀ with D1 of W2's shape, which is "
        "FA's E·C2ᵀ; fasim uses D1 = C2 unless the input file gives D1, so DFA runs are not repeated here.",
        "",
        "| width w | w/N | seeds | gd relative error | fa relative error | fa alignment at step 0 | "
        "fa alignment at the end | stop |",
        "|---|---|---|---|---|---|---|---|",
        *table,
        "",
        f"![alignment and error vs width]({fig})",
        "",
    ]
    if len(means) >= 2:
        ws = sorted(means)
        text.append(
            f"Measured: FA's final alignment averages {means[ws[0]]:.3f} at w = {ws[0]}, peaks at "
            f"{max(means.values()):.3f} (w = {max(means, key=means.get)}) and is {means[ws[-1]]:.3f} at "
            f"w = {ws[-1]} = {ws[-1] // ex.N}·N. "
            + ("It falls as the width grows past N, in the direction Song et al. (2021) report for highly "
               "over-parameterized networks; "
               if means[ws[-1]] < max(means.values()) - 0.05 else
               "No fall with over-parameterization beyond the seed spread is seen at these widths; ")
            + "this is one task, one step-size rule and one training length (the alignment of the widest "
              "students may still be moving at the last step: compare the step-0 column), so it is not a "
              "test of their theorem.")
    if missing:
        text += ["", f"Missing results (not run or failed): {len(missing)} files, e.g. `{missing[0]}`."]
    return "\n".join(text) + "\n"


def _width_figure(rows, figures):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    os.makedirs(figures, exist_ok=True)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for alg, ax_key, marker in (("fa", "align", "o"),):
        ws = [w for w in ex.WIDTHS if (w, alg) in rows]
        m = [np.mean(rows[(w, alg)][ax_key]) for w in ws]
        s = [np.std(rows[(w, alg)][ax_key]) for w in ws]
        axes[0].errorbar(ws, m, yerr=s, marker=marker, capsize=3, label="fa, end")
        m0 = [np.mean(rows[(w, alg)]["align0"]) for w in ws]
        axes[0].plot(ws, m0, ":", color="gray", label="fa, step 0")
    axes[0].axvline(ex.N, color="k", lw=0.5)
    axes[0].set(xscale="log", xlabel="hidden width w (vertical line: N)", ylabel="cos∠(W2, C2)",
                title="FA alignment vs width (mean ± sd, 5 seeds)")
    axes[0].legend()
    for alg in ("gd", "fa"):
        ws = [w for w in ex.WIDTHS if (w, alg) in rows]
        m = [np.mean(rows[(w, alg)]["err"]) for w in ws]
        s = [np.std(rows[(w, alg)]["err"]) for w in ws]
        axes[1].errorbar(ws, m, yerr=s, marker="o", capsize=3, label=alg)
    axes[1].set(xscale="log", yscale="log", xlabel="hidden width w", ylabel="‖E‖²/‖O‖² at the end",
                title="training error vs width")
    axes[1].legend()
    fig.tight_layout()
    path = os.path.join(figures, "alignment-vs-width.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return os.path.relpath(path, "docs")


def deep_section(out, figures):
    table, mode_data, gaps, gd_notes = [], {}, [], []
    for label, _, _ in ex.deep_runs(out):
        path = f"{out}/{label}.h5"
        if not os.path.exists(path):
            table.append(f"| {label} | (missing) | | | | | | | | |")
            continue
        L, y, c, d, runs = ex.read_deep(path)
        c_eff = c[2]
        for l in range(3, L + 1):
            c_eff = c_eff @ c[l]
        opt = ex.optimal_error(y, ex.DEEP_WIDTH)
        pred_fa, pred_dfa = ex.lemma1_error(y, c_eff), ex.lemma1_error(y, d[1])
        loss = {a: runs[a]["loss"][-1] for a in runs}
        lr = runs["gd"]["lr"]
        steps = int(runs["gd"]["tstep"][-1]) if runs["gd"]["stop"][0] == "steps" else runs["gd"]["stop"][1]
        stops = "; ".join(f"{a}: {r[0]} at step {r[1]} (time {r[1] * runs[a]['lr']:g})"
                          for a in ("gd", "fa", "dfa") if a in runs for r in [runs[a]["stop"]]
                          if r[0] != "steps")
        table.append(f"| {label} | {L} | {lr:g} × {steps} | {loss.get('gd', np.nan):.4g} | {opt:.4f} | "
                     f"{loss.get('fa', np.nan):.6g} | {pred_fa:.6g} | {loss.get('dfa', np.nan):.4g} | {pred_dfa:.4f} | "
                     f"{stops or 'all ran every step'} |")
        if label == f"deep-L{L}":
            mode_data[L] = (y, runs)
        if "gd" in loss:
            gd_notes.append(f"{label}: {loss['gd'] - opt:.2e} at time {runs['gd']['tstep'][-1] * runs['gd']['lr']:g}")
        for alg, pred in (("fa", pred_fa), ("dfa", pred_dfa)):
            if alg in loss and np.isfinite(loss[alg]) and runs[alg]["stop"][0] == "steps":
                gaps.append(f"{alg} at L = {L} ({label}): {abs(loss[alg] - pred) / pred:.1e}")
    text_runs = "\n".join(table)
    gap_text = ("Relative distance of the final loss from the prediction (runs that ran every step): " +
                "; ".join(gaps) + ". A distance at rounding level says the run sits at the predicted stationary "
                "error; a larger one says it is elsewhere or still moving.") if gaps else ""
    fig = _modes_figure(mode_data, figures)
    text = [
        "## 2. Deep linear chains on the Fig 2b target",
        "",
        "Y is 40×40 of rank 40 with the two-level spectrum of Fig 2b (4 head values holding half of ‖Y‖² = 1, 36 "
        "tail values the other half); no X (deep matrix factorisation: Ŷ = W1·W2·…·WL), all hidden widths 4, so "
        "the best error is the tail's 0.5. W_l(0) i.i.d. N(0, 0.1²), C_l and D_l i.i.d. N(0, 0.3²); Euler with the "
        "same lr for every algorithm (`jobs/networks-deep.ini`; the table gives lr × steps). The table is seed 1 "
        "(the spread over seeds 2–5 follows below the figure); `deep-L4-small-lr` repeats depth 4 over the same time span with a smaller step, to tell a "
        "divergence of the flow from one of Euler's steps. Depth 2 is the paper's model, run on its own code path.",
        "",
        "Lemma-1-like prediction: with identity inputs W1's update is δ1 = E·C_effᵀ with C_eff = C2·C3·…·CL for "
        "fa and C_eff = D1 for dfa (δ_L = E propagates through the fixed C_l, or jumps to layer 1 through D1). "
        "W1 is stationary only where E·C_effᵀ = 0; if FA converges the way Lemma 1 describes for L = 2, its error "
        "is ‖Y − P_{Y·C_effᵀ}Y‖²_F — the column below. This is a conjecture the numbers test, not a theorem.",
        "",
        "| run | L | lr × steps | gd loss | optimum (rank-4 tail) | fa loss | fa prediction ‖Y − P_{YC_effᵀ}Y‖² | "
        "dfa loss | dfa prediction ‖Y − P_{YD1ᵀ}Y‖² | stopped early |",
        "|---|---|---|---|---|---|---|---|---|---|",
        text_runs,
        "",
        gap_text,
        "",
        "gd's final loss above the optimum (0 = it found the best rank-4 product; more = a mode not yet learned, "
        "a plateau of the stage-like dynamics or a slow approach): " + "; ".join(gd_notes) + ".",
        "",
        f"![mode strengths]({fig})" if fig else "",
        "",
        "Mode strength: s_i(t) = u_iᵀ·(W1⋯WL)(t)·v_i for Y's singular pairs (u_i, v_i), i = 1 … 4 (head, solid) "
        "and i = 5 (first tail mode, dashed), from the snapshots every 200 steps. Stage-like learning (Saxe et al. "
        "2014) shows as modes rising one after another in sigmoidal steps; the final loss columns above say where "
        "each algorithm ends.",
        "",
        deep_seeds.section(out),
    ]
    return "\n".join(text) + "\n"


def _modes_figure(mode_data, figures):
    if not mode_data:
        return ""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    os.makedirs(figures, exist_ok=True)
    depths = sorted(mode_data)
    fig, axes = plt.subplots(len(depths), 3, figsize=(12, 3 * len(depths)), squeeze=False)
    for row, L in enumerate(depths):
        y, runs = mode_data[L]
        u, s, vt = np.linalg.svd(y)
        for col, alg in enumerate(("gd", "fa", "dfa")):
            ax = axes[row][col]
            if alg not in runs:
                ax.set_visible(False)
                continue
            r = runs[alg]
            prod = r["snaps"][1]
            for l in range(2, L + 1):
                prod = np.einsum("tij,tjk->tik", prod, r["snaps"][l])
            t = r["step"] * r["lr"]
            for i in range(5):
                strength = np.einsum("i,tij,j->t", u[:, i], prod, vt[i])
                ax.plot(t, strength, "-" if i < 4 else "--", label=f"mode {i + 1} (σ = {s[i]:.3f})")
            ax.set(title=f"L = {L}, {alg}", xlabel="time (step·lr)", ylabel="u_iᵀ W1⋯WL v_i")
            if row == 0 and col == 0:
                ax.legend(fontsize=7)
    fig.tight_layout()
    path = os.path.join(figures, "mode-strengths.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return os.path.relpath(path, "docs")


TEMPLATE = """# Networks: alignment vs width, and deep linear chains

Generated by `{how}` on {now} (repository HEAD {commit}; {version}; host with {cores} cores, shared with other
work). Every number, table and figure below is computed by the script from the HDF5 result files in `{out}/`;
nothing is edited by hand. The model (docs/config.md, "Networks"): input X (N×n, or none: deep matrix
factorisation), target O (N×m), weights W1 (n×w1), W_l (w_(l−1)×w_l), WL (w_(L−1)×m); A_l = H_(l−1)·W_l,
H_l = σ(A_l), Ŷ = A_L, E = O − Ŷ, loss ‖E‖²_F; δ_L = E and δ_l = (δ_(l+1)·B_(l+1)ᵀ) ∘ σ'(A_l) with B = W (gd),
C (fa), or δ_l = (E·D_lᵀ) ∘ σ'(A_l) (dfa); W_l += lr·H_(l−1)ᵀ·δ_l.

Rerun: `scripts/networks` (everything, here: a few minutes on 2 cores), `scripts/networks --report-only`,
`scripts/networks --list`.

{sections}
## Not done here

The large run of issue 26 at N = 10⁶ samples (n = m = 1000, width 500, ReLU, 2 ranks) was not made here: it needs
the memory per rank of the dry runs above on each of 2 ranks, more than this 23 GiB machine holds. BENCHMARKS.md
("The large network run") gives the largest run made here with `scripts/bench-network` (its N, time per step and
measured peak memory per rank beside the estimate) and the ranks and nodes N = 10⁶ needs.

## Runs

| run | wall s | exit |
|---|---|---|
{rows}

Commands (from the repository root after `source scripts/env.sh`; the script runs a private copy of
`build/bin/fasim` from `{out}/bin/`), e.g.:

```sh
{commands}
```
"""


def write(path, figures, out, runs, timings, header, root="."):
    from . import plans
    sections = width_section(out, figures) + "\n" + deep_section(out, figures) + "\n" + plans.section(root, out)
    rows = []
    for run in runs:
        t = timings.get(run.name, {})
        rows.append(f"| {run.name} | {t['seconds']:.0f} | {t.get('rc', '—')} |" if "seconds" in t
                    else f"| {run.name} | — | — |")
    commands = "\n".join(r.display() for r in (runs[0], runs[-1]))
    text = TEMPLATE.format(sections=sections, rows="\n".join(rows), commands=commands, **header)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)
