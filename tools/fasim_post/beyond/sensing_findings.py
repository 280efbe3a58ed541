"""The sensing grid's findings, each computed from the points and stated with its spread: convergence, the α
dependence, where GD ends when X̂ ≠ Y* (low rank or minimum nuclear norm), FA and the rules against GD, and the
step-size check. A comparison between two settings is stated per seed (the same Y*, measurements and Z(0)
direction), as "at k/5 seeds"."""
import numpy as np

from . import sensing as S
from .sensing_text import _conv, _mean, _range, _recovered, _sel, grid_cells


def _paired(a, b, key):
    """(k, total): seeds at which a's key < b's key, over the seeds both have finite."""
    bs = {x["seed"]: x[key] for x in b}
    pairs = [(x[key], bs[x["seed"]]) for x in a if x["seed"] in bs and np.isfinite(x[key]) and np.isfinite(bs[x["seed"]])]
    return sum(u < v for u, v in pairs), len(pairs)


def _convergence(grid):
    out = []
    for alg in S.GRID_ALGS:
        xs = _sel(grid, alg=alg)
        if not xs:
            continue
        unfit = [x for x in xs if not x["fitted"] and not x["diverged"]]
        text = f"  - {S.LABELS[alg]}: {_conv(xs)}"
        if unfit:
            where = sorted({(x["n"], x["count"], x["alpha"]) for x in unfit})
            every = len(where) == len({(x["n"], x["count"], x["alpha"]) for x in xs})
            text += ((" (in every cell of the grid" if every else
                      f"; not fitted at (n, M, α) = {', '.join(f'({n}, {m}, {a:g})' for n, m, a in where[:6])}"
                      f"{' …' if len(where) > 6 else ''}") + f"; final loss {_range([x['loss'] for x in unfit])}, "
                     f"drift {_range([x['drift'] for x in unfit])}" + (")" if every else ""))
        fit = [x for x in xs if x["fitted"]]
        if fit:
            text += f"; drift of the fitted runs ≤ {max(x['drift'] for x in fit if np.isfinite(x['drift'])):.2g}"
        out.append(text + ".")
    return ["- **Convergence** (grid, every algorithm):"] + out


def _alpha(grid):
    out = []
    alphas = sorted({x["alpha"] for x in grid})
    for n, count in grid_cells(grid):
        xs = _sel(grid, n=n, count=count, alg="gd")
        rec = _recovered(_sel(grid, n=n, count=count))
        means = [_mean(_sel(xs, alpha=a), "to_truth") for a in alphas]
        k, tot = _paired(_sel(xs, alpha=alphas[0]), _sel(xs, alpha=alphas[-1]), "to_truth")
        mono = all(u < v for u, v in zip(means, means[1:]))
        where = {"all": "X̂ = Y* at every seed", "none": "X̂ ≠ Y* at every seed", "some": "X̂ = Y* at some seeds"}[rec]
        out.append(f"  - n = {n}, M = {count} ({where}): GD's mean distance to Y* is "
                   + ", ".join(f"{m:.2g}" for m in means) + f" at α = {', '.join(f'{a:g}' for a in alphas)}"
                   + (" (smaller at every smaller α)" if mono else " (not monotone in α)")
                   + f"; α = {alphas[0]:g} ends closer to Y* than α = {alphas[-1]:g} at {k}/{tot} seeds.")
    return ["- **GD and the initial scale α** (grid):"] + out


def _low_rank(grid):
    out = []
    for n, count in grid_cells(grid):
        if _recovered(_sel(grid, n=n, count=count)) == "all":
            continue
        for alpha in sorted({x["alpha"] for x in grid}):
            xs = [x for x in _sel(grid, n=n, count=count, alg="gd", alpha=alpha) if not x["diverged"]]
            if not xs:
                continue
            closer = sum(x["to_truth"] < x["to_min"] for x in xs)
            out.append(f"  - n = {n}, M = {count}, α = {alpha:g}: GD is closer to Y* than to X̂ at {closer}/{len(xs)} "
                       f"seeds (mean {_mean(xs, 'to_truth'):.2g} to Y*, {_mean(xs, 'to_min'):.2g} to X̂; ‖ZW‖_* "
                       f"{_range([x['ratio'] for x in xs], '.3g')}× the certified minimum; {_conv(xs)}).")
        alphas = sorted({x["alpha"] for x in grid}, reverse=True)
        for big, small in zip(alphas, alphas[1:]):
            a = [x for x in _sel(grid, n=n, count=count, alg="gd", alpha=small) if not x["diverged"]]
            b = [x for x in _sel(grid, n=n, count=count, alg="gd", alpha=big) if not x["diverged"]]
            kt, tot = _paired(a, b, "to_truth")
            km, _ = _paired(a, b, "to_min")
            if tot:
                out.append(f"  - n = {n}, M = {count}, α {big:g} → {small:g}: GD ends closer to Y* at {kt}/{tot} seeds "
                           f"(mean {_mean(b, 'to_truth'):.2g} → {_mean(a, 'to_truth'):.2g}) and closer to X̂ at "
                           f"{km}/{tot} (mean {_mean(b, 'to_min'):.2g} → {_mean(a, 'to_min'):.2g}).")
    if not out:
        return []
    return ["- **Where X̂ ≠ Y*: low rank or minimum nuclear norm?** (the cells whose X̂ is not Y* at every seed; "
            "the claim that GD finds X̂ would put it at distance ≈ 0 from X̂):"] + out


def _vs_gd(grid):
    out = []
    for alg in S.GRID_ALGS[1:]:
        parts, total_k, total = [], 0, 0
        for n, count in grid_cells(grid):
            for alpha in sorted({x["alpha"] for x in grid}):
                gd = _sel(grid, n=n, count=count, alg="gd", alpha=alpha)
                xs = _sel(grid, n=n, count=count, alg=alg, alpha=alpha)
                k, tot = _paired(gd, xs, "to_truth")
                total_k, total = total_k + k, total + tot
        xs = [x for x in _sel(grid, alg=alg) if not x["diverged"]]
        if not xs:
            continue
        up = [x for x in xs if _recovered(_sel(grid, n=x["n"], count=x["count"])) == "all"]
        if up:
            parts.append(f"where X̂ = Y* it ends {_range([x['to_truth'] for x in up])} from Y* (runs' range)")
        out.append(f"  - {S.LABELS[alg]}: GD ends closer to Y* at {total_k}/{total} (cell, seed) pairs"
                   + (f"; {parts[0]}" if parts else "") + ".")
    return ["- **FA and the rules against GD** (grid, paired by seed over every n, M and α):"] + out


def _lr(rows):
    if not rows:
        return []
    out = ["- **Step size** (n = 16, upper M, α = 1e-3):"]
    for alg in ("gd", "fa"):
        rs = [(lr, xs) for a, lr, xs in rows if a == alg]
        if len(rs) < 2:
            continue
        means = ", ".join(f"{_mean(xs, 'to_truth'):.2g} at {lr:g}" for lr, xs in rs)
        div = sum(x["diverged"] for _, xs in rs for x in xs)
        out.append(f"  - {S.LABELS[alg]}: mean distance to Y* {means}; {sum(x['fitted'] for _, xs in rs for x in xs)}/"
                   f"{sum(len(xs) for _, xs in rs)} fitted" + (f", {div} diverged." if div else ", none diverged."))
    return out


def findings(grid, lr_rows):
    if not grid:
        return _lr(lr_rows)
    return (_convergence(grid) + _alpha(grid) + _low_rank(grid) + _vs_gd(grid) + _lr(lr_rows)
            + ["", "Scope: Y* of rank 2 with equal singular values, n ≤ 32, one measurement draw per seed, the step "
               "sizes above; distances of runs that did not fit are where those runs stopped, not limits."])
