"""docs/beyond.md's matrix-sensing section, reference side only: where does minimum-nuclear-norm recovery of a
low-rank Y* from M linear measurements start, for dense Gaussian measurements ⟨A_i, X⟩ and for rank-one
measurements a_iᵀ·X·b_i (Gunasekar et al. 2017; Li, Ma & Zhang 2018)? fasim_post.nuclear gives each problem's
certified minimum; fasim itself does not run sensing yet (issue 27 leaves `problem.observe = sensing` to do), so
there are no fasim runs here and no statement about GD's or FA's dynamics.
"""
import numpy as np

from .. import nuclear

#: the problems: n×m of rank RANK with σ = 1, 1; M from below to above the threshold; SEEDS seeds each
N = M_COLS = 16
RANK = 2
COUNTS = (40, 80, 120, 160, 200, 240)
SEEDS = (1, 2, 3, 4, 5)
#: X̂ "recovers" Y* when ‖X̂ − Y*‖_F/‖Y*‖_F is below this
RECOVERED = 1e-3
RUNS = []   # nothing for fasim to run


def problem(kind, count, seed):
    """(operator, b, Y*) of one sensing problem; the draws are NumPy's (seeded), not fasim's."""
    rng = np.random.default_rng([seed, count, 0 if kind == "gaussian" else 1])
    u, _ = np.linalg.qr(rng.standard_normal((N, RANK)))
    v, _ = np.linalg.qr(rng.standard_normal((M_COLS, RANK)))
    y = u @ v.T
    if kind == "gaussian":
        op = nuclear.Sensing(rng.standard_normal((count, N * M_COLS)), (N, M_COLS))
    else:
        op = nuclear.Sensing.rank_one(rng.standard_normal((N, count)), rng.standard_normal((M_COLS, count)))
    return op, op.forward(y), y


def _solve(kind, count, seed):
    op, b, y = problem(kind, count, seed)
    br = nuclear.min_nuclear_norm(op, b, rtol=1e-6, max_iter=3000)
    truth = nuclear.nuclear_norm(y)
    return dict(lower=br.lower / truth, upper=br.upper / truth, gap=br.gap / truth,
                recovered=float(np.linalg.norm(br.x - y) / np.linalg.norm(y)) < RECOVERED)


def section(results=None, figdir=None):
    rows = {(k, c): [_solve(k, c, s) for s in SEEDS] for k in ("gaussian", "rank-one") for c in COUNTS}
    dof = RANK * (N + M_COLS - RANK)
    out = ["## Matrix sensing: the minimum-nuclear-norm reference\n",
           f"Y* is {N}×{M_COLS} of rank {RANK} (σ = 1, 1, random singular vectors; r(n + m − r) = {dof} degrees of "
           f"freedom, n·m = {N * M_COLS}), observed through M measurements y_i = ⟨A_i, Y*⟩: dense Gaussian A_i, or "
           "rank-one A_i = a_i·b_iᵀ with Gaussian a_i, b_i. For each M and each of "
           f"{len(SEEDS)} seeds `fasim_post.nuclear` solves min ‖X‖_* subject to the measurements with a certified "
           f"bracket; \"recovered\" means ‖X̂ − Y*‖_F/‖Y*‖_F < {RECOVERED:g}. fasim does not run sensing yet "
           "(`problem.observe = sensing` is left to do, issue 27), so this section says where nuclear-norm "
           "recovery starts and nothing about GD's or FA's dynamics.\n",
           "| M | Gaussian: recovered | Gaussian: min ‖X‖_* / ‖Y*‖_* (lower, mean ± sd) | rank-one: recovered | "
           "rank-one: min ‖X‖_* / ‖Y*‖_* (lower, mean ± sd) |", "|---|---|---|---|---|"]

    def ms(v):
        v = np.asarray(v)
        return f"{v.mean():.4g} ± {v.std(ddof=1):.2g}"
    for c in COUNTS:
        g, r = rows[("gaussian", c)], rows[("rank-one", c)]
        out.append(f"| {c} | {sum(x['recovered'] for x in g)}/{len(g)} | {ms([x['lower'] for x in g])} | "
                   f"{sum(x['recovered'] for x in r)}/{len(r)} | {ms([x['lower'] for x in r])} |")
    gaps = max(x["gap"] for v in rows.values() for x in v)
    out += ["", f"Largest bracket gap (upper − lower)/‖Y*‖_*: {gaps:.2g}.", "", "Findings:", ""]
    for kind in ("gaussian", "rank-one"):
        every = [c for c in COUNTS if all(x["recovered"] for x in rows[(kind, c)])]
        none = [c for c in COUNTS if not any(x["recovered"] for x in rows[(kind, c)])]
        out.append(f"- {kind}: recovered at every seed from M = {every[0]} ({every[0] / dof:.2g}× the degrees of "
                   "freedom)" if every else f"- {kind}: not recovered at every seed for any M ≤ {COUNTS[-1]}")
        out[-1] += (f"; at no seed for M ≤ {max(none)}." if none else ".")
    return "\n".join(out) + "\n"
