"""The completion section's prose and small tables (completion.py computes the points): the introduction, the
r < n and kp step-size tables, and the findings, each stated with its spread over seeds and worded to what the
numbers show."""
import numpy as np

LABELS = {"gd": "GD", "fa": "FA", "kp": "KP"}


def _ms(values, fmt=".3g"):
    v = np.asarray([x for x in values if np.isfinite(x)], float)
    if not len(v):
        return "—"
    return f"{v.mean():{fmt}} ± {v.std(ddof=1) if len(v) > 1 else 0:{fmt}}"


def _sel(points, **kw):
    return [x for x in points if all(x[k] == v for k, v in kw.items())]


def intro():
    return ["## Implicit regularization in over-parameterized matrix completion\n",
            "`problem.observe = completion` (docs/config.md): each entry of Y* is observed independently with "
            "probability p, the loss is ‖P_Ω(Y* − ZW)‖²_F and GD, FA and kp run on E = P_Ω(Y* − ZW) (GD: dZ = "
            "E·Wᵀ, dW = Zᵀ·E; FA: dZ = E·Cᵀ with C fixed random, dW = Zᵀ·E; kp: dZ = E·Bᵀ with B(0) = C and dB = "
            "Zᵀ·E − λB, dW = Zᵀ·E − λW). Y* is 100×100 of rank 2 (σ = 1, 1, ‖Y*‖_* = 2), Z(0) ~ N(0, α²), W(0) = 0. "
            "With r large the observed entries are fitted exactly by many ZW; which one an algorithm ends at is its "
            "implicit bias. Two candidate answers are measured separately: the minimum-nuclear-norm completion X̂ "
            "(Gunasekar et al. 2017 conjecture that gradient flow from small initialization finds it) and the "
            "low-rank truth Y* (Arora et al. 2019, Razin & Cohen 2020 and Li, Luo & Lyu 2021 argue that the bias is "
            "toward low rank and can move away from the minimum nuclear norm). Where nuclear-norm minimization "
            "recovers Y* the two coincide and a run cannot tell them apart; only where X̂ ≠ Y* can it.\n"]


def rank_table(ranks):
    rs = sorted({x["r"] for x in ranks})
    lines = ["### Narrower factorizations: `jobs/completion-rank.ini` (r < n; p = 0.3, α = 1e-3)\n",
             "Each cell over seeds: ‖ZW‖_* / lower bound; ‖ZW − Y*‖_F/‖Y*‖_F (mean ± sd); fitted runs / runs "
             "(observed loss ≤ 1e-4·‖P_Ω Y*‖²; a run stopped as diverged or non-finite has not fitted).\n",
             "| algorithm | " + " | ".join(f"r = {r}" for r in rs) + " |", "|---|" + "---|" * len(rs)]
    for a in LABELS:
        cells = []
        for r in rs:
            xs = _sel(ranks, alg=a, r=r)
            if not xs:
                cells.append("—")
                continue
            cells.append(f"{_ms([x['d'].nuclear / x['ref'].lower for x in xs], '.4g')}; "
                         f"{_ms([x['d'].to_truth for x in xs])}; {sum(x['fitted'] for x in xs)}/{len(xs)}")
        if any(c != "—" for c in cells):
            lines.append(f"| {LABELS[a]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _kp_compare(kps, sweep):
    p = kps[0]["p"]
    fast = _sel(sweep, alg="kp", alpha=kps[0]["alpha"], p=p)
    return p, fast


def kp_table(kps, sweep):
    p, fast = _kp_compare(kps, sweep)
    lines = [f"### kp's step size (p = {p:g}, α = {kps[0]['alpha']:g}, same time t = 1000)\n",
             "Final observed loss, the largest loss after the run's minimum relative to that minimum (a jump means "
             "an instability), ‖ZW − Y*‖_F/‖Y*‖_F; mean ± sd over seeds.\n",
             "| kp lr | steps | final observed loss | max loss after the minimum / minimum | ‖ZW − Y*‖_F/‖Y*‖_F | fitted |",
             "|---|---|---|---|---|---|"]
    for xs, steps in ((fast, 5000), (kps, 20000)):
        if xs:
            lines.append(f"| {xs[0]['lr']:g} | {steps} | {_ms([x['loss'] for x in xs])} | "
                         f"{_ms([x['peak_after_min'] for x in xs])} | {_ms([x['d'].to_truth for x in xs])} | "
                         f"{sum(x['fitted'] for x in xs)}/{len(xs)} |")
    return "\n".join(lines)


def _trend(xs_by_alpha, key):
    return ", ".join(f"{_ms([getattr(x['d'], key) for x in xs])} (α = {a:g})" for a, xs in xs_by_alpha)


def findings(sweep, ranks, kps, refs):
    out = ["### Findings\n"]
    alphas = sorted({x["alpha"] for x in sweep})
    same_ps = [p for p, s in refs.items() if s["same"] == s["n"]]
    differ_ps = [p for p, s in refs.items() if s["same"] < s["n"]]
    for p in sorted(refs):
        s = refs[p]
        out.append(f"- Reference, p = {p:g}: certified minimum {s['lo']:.6g} … {s['hi']:.6g} over {s['n']} seeds; "
                   f"X̂ = Y* (‖X̂ − Y*‖_F/‖Y*‖_F < {1e-3:g}) at {s['same']} of {s['n']} seeds, a completion with "
                   f"nuclear norm below ‖Y*‖_* at {s['below']}; rank of X̂ {min(s['ranks'])}–{max(s['ranks'])}.")
    if same_ps:
        out.append(f"- Where X̂ = Y* at every seed (p = {', '.join(f'{p:g}' for p in sorted(same_ps))}), the distance "
                   "of a run to X̂ and to Y* are the same number, so those cells cannot say whether an algorithm "
                   "seeks the minimum nuclear norm or low rank.")
    for p in sorted(differ_ps):
        by = [(a, _sel(sweep, alg="gd", alpha=a, p=p)) for a in alphas]
        by = [(a, xs) for a, xs in by if xs]
        if not by:
            continue
        small = by[0][1]
        to_min = np.mean([x["d"].to_min for x in small])
        to_truth = np.mean([x["d"].to_truth for x in small])
        out.append(f"- GD at p = {p:g}, where X̂ ≠ Y*: distance to X̂ {_trend(by, 'to_min')}; distance to Y* "
                   f"{_trend(by, 'to_truth')}; ‖ZW‖_* / lower bound "
                   + ", ".join(f"{_ms([x['d'].nuclear / x['ref'].lower for x in xs], '.4g')} (α = {a:g})"
                               for a, xs in by) + ".")
        # Over the α whose runs all fitted and end within 5% of the certified minimum: smallest against largest.
        near = [(a, xs) for a, xs in by if all(x["fitted"] for x in xs)
                and np.mean([x["d"].nuclear / x["ref"].lower for x in xs]) <= 1.05]
        if len(near) >= 2:
            (a0, x0), (a1, x1) = near[0], near[-1]
            m = {k: (np.mean([getattr(x["d"], k) for x in x1]), np.mean([getattr(x["d"], k) for x in x0]))
                 for k in ("to_min", "to_truth")}
            way = lambda k: "away from" if m[k][1] > m[k][0] else "toward"  # noqa: E731
            out.append(f"  Shrinking α from {a1:g} to {a0:g} (every run fitted, ‖ZW‖_* within 5% of the minimum) moves GD {way('to_min')} X̂ "
                       f"({m['to_min'][0]:.3g} → {m['to_min'][1]:.3g}) and {way('to_truth')} Y* "
                       f"({m['to_truth'][0]:.3g} → {m['to_truth'][1]:.3g}).")
        if to_truth < to_min:
            out.append(f"  At the smallest α = {by[0][0]:g} GD ends closer to Y* ({to_truth:.3g}) than to the "
                       f"minimum-nuclear-norm completion ({to_min:.3g}): in this setting its bias is toward low rank, "
                       "not toward the minimum nuclear norm — what Arora et al. (2019), Razin & Cohen (2020) and Li, "
                       "Luo & Lyu (2021) argue, and not what Gunasekar et al. (2017) conjectured.")
        else:
            out.append(f"  At the smallest α = {by[0][0]:g} GD ends closer to X̂ ({to_min:.3g}) than to Y* "
                       f"({to_truth:.3g}).")
    # The α sweep: GD's dependence on the initialization scale, and where GD is worse than FA.
    for p in sorted({x["p"] for x in sweep}):
        gd = [(a, _sel(sweep, alg="gd", alpha=a, p=p)) for a in alphas]
        out.append(f"- α sweep, GD at p = {p:g}: ‖ZW‖_* / lower bound " +
                   ", ".join(f"{_ms([x['d'].nuclear / x['ref'].lower for x in xs], '.4g')} (α = {a:g})"
                             for a, xs in gd if xs) + ".")
    worse = []
    for p in sorted({x["p"] for x in sweep}):
        for a in alphas:
            g, f = _sel(sweep, alg="gd", alpha=a, p=p), _sel(sweep, alg="fa", alpha=a, p=p)
            if g and f and np.mean([x["d"].to_truth for x in g]) > np.mean([x["d"].to_truth for x in f]):
                worse.append(f"α = {a:g}, p = {p:g}")
    out.append("- GD ends farther from Y* than FA (mean over seeds) at: " + ("; ".join(worse) or "no cell") + ".")
    for alg in ("fa", "kp"):
        own = sorted({x["alpha"] for x in sweep if x["alg"] == alg})
        if not own:
            continue
        xs = _sel(sweep, alg=alg, alpha=own[0])
        ps = sorted({x["p"] for x in xs})
        near_min = [p for p in ps if np.mean([x["d"].to_min for x in _sel(xs, p=p)]) < 0.01]
        near_truth = [p for p in ps if np.mean([x["d"].to_truth for x in _sel(xs, p=p)]) < 0.01]
        verdict = ("it ends within 1% of X̂ at p = " + ", ".join(f"{p:g}" for p in near_min) if near_min else
                   "it ends more than 1% from X̂ at every p")
        verdict += ("; within 1% of Y* at p = " + ", ".join(f"{p:g}" for p in near_truth) if near_truth else
                    ", and more than 1% from Y* at every p")
        out.append(f"- {LABELS[alg]} at r = n, α = {own[0]:g}: ‖ZW‖_* / lower bound " +
                   ", ".join(f"{_ms([x['d'].nuclear / x['ref'].lower for x in _sel(xs, p=p)], '.4g')} (p = {p:g})"
                             for p in ps) +
                   "; distance to X̂ " + ", ".join(f"{_ms([x['d'].to_min for x in _sel(xs, p=p)])} (p = {p:g})"
                                                 for p in ps) +
                   "; distance to Y* " + ", ".join(f"{_ms([x['d'].to_truth for x in _sel(xs, p=p)])} (p = {p:g})"
                                                 for p in ps) + f": {verdict}.")
    if ranks:
        for alg in ("fa", "kp", "gd"):
            parts = []
            for r in sorted({x["r"] for x in ranks}):
                xs = _sel(ranks, alg=alg, r=r)
                if xs:
                    parts.append(f"r = {r}: {sum(x['fitted'] for x in xs)}/{len(xs)} fitted, ‖ZW‖_*/lower "
                                 f"{_ms([x['d'].nuclear / x['ref'].lower for x in xs], '.4g')}")
            if parts:
                out.append(f"- {LABELS[alg]} with r < n (p = 0.3, α = 1e-3): " + "; ".join(parts) + ".")
    if kps:
        p, fast = _kp_compare(kps, sweep)
        if fast:
            lf, ls = np.mean([x["loss"] for x in fast]), np.mean([x["loss"] for x in kps])
            jump = np.mean([x["peak_after_min"] for x in fast])
            verdict = ("kp's unfitted loss at lr 0.2 is a step-size instability (its loss rises after its minimum), "
                       "not the weight decay: at lr 0.05 it settles" if ls < lf and jump > 10 else
                       "these runs do not show a step-size instability")
            out.append(f"- kp at p = {p:g}: final observed loss {_ms([x['loss'] for x in fast])} at lr 0.2 (loss after "
                       f"its minimum up to {jump:.3g}× that minimum) against {_ms([x['loss'] for x in kps])} at lr "
                       f"0.05 over the same time: {verdict}.")
    return out
