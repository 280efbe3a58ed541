"""docs/beyond.md, the family of feedback rules (issue 15, part 1): the Fig 2b setting run with GD, FA and the
rules usf, frsf, kp and mixed (jobs/rules.ini). For each: the final error against GD's optimum and, where it
applies, Lemma 1's prediction; kp's ‖B − W‖ against e^(−λt); the alignment curves cos∠(B, W).

The driver (fasim_post.beyond) runs RUNS and passes the result files to `section`.
"""
import os
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

from .. import plots
from ..io import load
from ..reproduce.claims import TOL_GD_OPT, TOL_LEMMA1, final, fmt

#: (label, INI path relative to the repository, overrides): the job as it stands (8000 steps).
RUNS: List[Tuple[str, str, List[str]]] = [("rules", "jobs/rules.ini", [])]

#: what each algorithm feeds back in place of Wᵀ's transpose in Z's update (docs/config.md)
FEEDBACK = {"gd": "W", "fa": "C (fixed)", "fastar": "C (fixed), W optimal", "usf": "sign(W)",
            "frsf": "\\|C\\| ∘ sign(W)", "kp": "learned, B(0) = C", "mixed": "α·W + (1 − α)·C"}
#: Lemma 1 describes the stationary points of a fixed feedback C: FA's and FA*'s, not a B that follows W
LEMMA1_APPLIES = ("fa", "fastar")

DOC_DIR = Path(__file__).resolve().parents[3] / "docs"


def _label(run) -> str:
    name = plots.LABELS.get(run.name, run.name)
    if run.name == "kp" and "decay" in run.attrs:
        return f"{name} (λ = {run.attrs['decay']:g})"
    if run.name == "mixed" and "alpha" in run.attrs:
        return f"{name} (α = {run.attrs['alpha']:g})"
    return name


def _kp_rate(run) -> Optional[float]:
    """The decay rate of ‖B − W‖ measured from the file: a least-squares slope of log‖B − W‖ against time."""
    t, gap = run.metric("time"), run.metric("feedback_gap")
    if t is None or gap is None:
        return None
    ok = np.isfinite(gap) & (gap > 0) & (t > 0)
    # Beyond ~1e-12 of its start the gap is rounding of B − W, not the decay.
    ok &= gap > 1e-12 * gap[0]
    if ok.sum() < 3:
        return None
    return float(-np.polyfit(t[ok], np.log(gap[ok]), 1)[0])


def final_feedback(res, run) -> Optional[np.ndarray]:
    """B at the run's final state (r×m), from the final W, C and the rule's definition (kp: its saved B)."""
    w, c = run.W, res.problem.get("C")
    if w is None or c is None:
        return None
    sign = np.where(w >= 0, 1.0, -1.0)   # sign(0) = +1, as fasim's
    alpha = float(run.attrs.get("alpha", np.nan))
    return {"gd": w, "fa": c, "fastar": c, "usf": sign, "frsf": np.abs(c) * sign, "kp": run.B,
            "mixed": alpha * w + (1 - alpha) * c}.get(run.name)


def projection_error(y: np.ndarray, b: np.ndarray) -> float:
    """‖Y − P_{YBᵀ}Y‖²_F: Lemma 1's error with the feedback B in place of C. At a stationary point of any rule
    (ZᵀE = 0 and E·Bᵀ = 0 with B the final feedback, Z of full rank) Ŷ = P_Z·Y with col(Z) = col(YBᵀ), so the
    error is this, the same argument as Lemma 1's for a B that has stopped moving."""
    q, _ = np.linalg.qr(y @ b.T)
    e = y - q @ (q.T @ y)
    return float(np.sum(e * e))


def _delta(x: float, y: float) -> str:
    return f"\\|Δ\\| = {fmt(abs(x - y), 2)}"  # escaped: a bare | ends a Markdown table cell


def _row(res, run, lemma1: float, optimum: float) -> Tuple[str, bool, bool, bool]:
    loss = final(run)
    at_opt = abs(loss - optimum) <= TOL_GD_OPT
    applies = run.name in LEMMA1_APPLIES
    at_l1 = abs(loss - lemma1) <= TOL_LEMMA1
    l1 = f"{lemma1:.6f}: {_delta(loss, lemma1)}" if applies else f"does not apply ({_delta(loss, lemma1)})"
    y, b = res.problem.get("Y"), final_feedback(res, run)
    at_final_b = False
    if y is None or b is None:
        l1_end = "n/a (Y not saved)" if y is None else "n/a"
    else:
        predicted = projection_error(np.asarray(y, float), np.asarray(b, float))
        at_final_b = abs(loss - predicted) <= TOL_LEMMA1
        l1_end = f"{predicted:.6f}: {_delta(loss, predicted)}"
    cos, stat = run.metric("feedback_cos"), run.metric("stationarity")
    steps = int(run.attrs.get("steps_done", run.steps()[-1]))
    cells = [_label(run), FEEDBACK.get(run.name, "?"), f"{loss:.6f}", f"{fmt(loss - optimum, 3)}", l1, l1_end,
             fmt(float(stat[-1]), 2) if stat is not None else "n/a",
             fmt(float(cos[-1]), 4) if cos is not None else "n/a", str(steps)]
    return "| " + " | ".join(cells) + " |", at_opt, at_l1, at_final_b


def _figures(res, figdir: Path, docdir: Path) -> List[str]:
    """The alignment curves and the losses, drawn by fasim_post.plots; Markdown image lines."""
    name = "rules"
    figs = plots.feedback_alignment_plot(res, name) + plots.loss_plot(res, name) + plots.feedback_plot(res, name)
    paths = plots.save(figs, str(figdir), name)
    captions = {"feedback_alignment": "alignment cos∠(B, W) of each algorithm's feedback matrix B",
                "loss": "loss ‖ZW − Y‖²_F with GD's optimum and Lemma 1's error",
                "feedback": "‖(Y − Ŷ)Bᵀ‖²_F (Z's update) and ‖B − W‖_F"}
    lines = []
    for path in paths:
        kind = Path(path).stem[len(name) + 1:]
        lines.append(f"![{captions.get(kind, kind)}]({os.path.relpath(path, docdir)})")
    return lines


def section(results: Dict[str, Path], figdir: Path, docdir: Optional[Path] = None) -> str:
    """The Markdown section of docs/beyond.md for the feedback rules, from the result of RUNS' "rules" run.
    Figures are written into `figdir` and linked relative to `docdir` (docs/, where beyond.md lives)."""
    docdir = Path(docdir) if docdir is not None else DOC_DIR
    label, ini, overrides = RUNS[0]
    path = results.get(label)
    out = ["## The family of feedback rules", ""]
    command = " ".join(["fasim run", ini] + list(overrides))
    if path is None or not os.path.exists(path):
        return "\n".join(out + [f"Not measured: no result of `{command}` ({path or 'not run'}).", ""])
    res = load(str(path))
    if res.attrs.get("status") != "complete":
        return "\n".join(out + [f"Not measured: `{path}` has status '{res.attrs.get('status')}', not complete.", ""])
    lemma1, optimum = float(res.problem["lemma1_error"]), float(res.problem["optimal_error"])
    p = res.problem
    out += [
        "The paper asks (Section 7) whether feedback alignment belongs to a larger family of algorithms that replace "
        "parts of the gradient with other values. fasim runs a family of such rules: GD with the Wᵀ of Z's update "
        "replaced by a feedback matrix B(t), dZ = (Y − ZW)Bᵀ, dW = Zᵀ(Y − ZW) (docs/config.md). Here they run in "
        f"the Fig 2b setting (n = m = k = {p.get('n')}, r = {p.get('r')}, two-level spectrum: GD's optimum is "
        f"Σ_{{i>r}} σ_i² = {optimum:.6f}, Lemma 1's error ‖Y − P_{{YCᵀ}}Y‖²_F = {lemma1:.6f}), all from the same "
        "Z(0), W(0) and C.",
        "",
        f"Reproduce: `{command}` (the result file is `output.file`), then `tools/fasim-plot` on it.",
        "",
        "| algorithm | B | final error | − optimum | Lemma 1 (C) | ‖Y − P_{YBᵀ}Y‖²_F, final B | "
        "‖Zᵀ(Y − ZW)‖_F at the end | cos∠(B, W) at the end | steps |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    at_opt, at_l1, at_end = [], [], []
    for run in res.runs.values():
        if run.T == 0 or run.metric("loss") is None:
            continue
        line, opt_ok, l1_ok, end_ok = _row(res, run, lemma1, optimum)
        out.append(line)
        for ok, names in ((opt_ok, at_opt), (l1_ok, at_l1), (end_ok, at_end)):
            if ok:
                names.append(_label(run))
    out += ["", f"At GD's optimum (within {TOL_GD_OPT:g}): {', '.join(at_opt) or 'none'}. "
            f"At Lemma 1's error (within {TOL_LEMMA1:g}): {', '.join(at_l1) or 'none'}. Lemma 1 describes the "
            "stationary points of a fixed feedback C (FA, FA*); for the rules whose B follows W it gives no "
            "prediction, and that column shows the distance for comparison only. The column ‖Y − P_{YBᵀ}Y‖²_F, "
            "computed from the file's final W (and C, kp's B, Y), is not a prediction but an identity that holds "
            "automatically at any rest point where W·Bᵀ is invertible: E·Bᵀ = 0 gives Z = Y·Bᵀ(W·Bᵀ)⁻¹, so col(Z) = "
            "col(Y·Bᵀ), and ZᵀE = 0 gives Ŷ = P_Z·Y; only for FA, whose B = C is fixed in advance, does it predict "
            "the error before the run (Lemma 1). Final errors on it (within "
            f"{TOL_LEMMA1:g}): {', '.join(at_end) or 'none'} — a check that those runs came to rest; a run whose "
            "‖Zᵀ(Y − ZW)‖ is far from 0 (still moving, or kp, whose decay leaves ZᵀE = λW at rest) is not expected to "
            "be."]
    mixed = res.runs.get("mixed")
    if mixed is not None and mixed.W is not None and "C" in res.problem:
        alpha = float(mixed.attrs.get("alpha", np.nan))
        w_norm, c_norm = float(np.linalg.norm(mixed.W)), float(np.linalg.norm(res.problem["C"]))
        fa = res.runs.get("fa")
        fa_err = f" (FA: {final(fa):.6f})" if fa is not None and fa.T > 0 else ""
        out += ["", f"mixed (α = {alpha:g}): B = α·W + (1 − α)·C with ‖W‖_F = {w_norm:.3g} at the end against "
                f"‖C‖_F = {c_norm:.3g}, so B ≈ {1 - alpha:g}·C: a rescaled FA, and its final error "
                f"{final(mixed):.6f}{fa_err} is near FA's for that reason."]
    kp = res.runs.get("kp")
    if kp is not None and kp.T > 0:
        decay = float(kp.attrs.get("decay", float("nan")))
        lr, lr_w = float(kp.attrs.get("lr", 1.0)), float(kp.attrs.get("lr_w", kp.attrs.get("lr", 1.0)))
        rate = _kp_rate(kp)
        gap = kp.metric("feedback_gap")
        expected = decay * lr_w / lr
        out += ["", f"kp: ‖B − W‖_F went from {fmt(float(gap[0]))} (= ‖C − W(0)‖_F) to {fmt(float(gap[-1]))}; "
                f"its measured decay rate (slope of log‖B − W‖ against t) is {fmt(rate)} against λ·lr_w/lr = "
                f"{fmt(expected)} (Euler's factor per step is 1 − lr_w·λ, a rate of "
                f"{fmt(-np.log1p(-lr_w * decay) / lr if lr_w * decay < 1 else float('nan'))})."]
    out += [""] + _figures(res, Path(figdir), docdir) + [""]
    return "\n".join(out)
