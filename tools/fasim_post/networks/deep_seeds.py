"""docs/networks.md's deep-chain spread over seeds: depths 2, 3, 4 rerun with seeds 2–5 (Y*'s singular vectors,
W_l(0), C_l and D_l all drawn afresh; seed 1 is the main run deep-L{L}), and how far each algorithm ends from the
optimum and from its Lemma-1-like prediction at every seed."""
import os

import numpy as np

from . import experiments as ex

SEEDS = (2, 3, 4, 5)


def runs(out):
    """(label, job, overrides) of the extra seeds; snapshots off (the mode figure uses seed 1)."""
    return [(f"deep-L{depth}-s{s}", "jobs/networks-deep.ini",
             {"network.depth": depth, "network.widths": ",".join([str(ex.DEEP_WIDTH)] * (depth - 1)),
              "problem.seed": s, "init.seed": 10 + s, "feedback.seed": 20 + s, "output.snapshot_every": 0})
            for depth in ex.DEPTHS for s in SEEDS]


def _point(path):
    """(L, {alg: (final loss, stop reason)}, optimum, fa prediction, dfa prediction)."""
    import h5py
    with h5py.File(path, "r") as f:
        if "depth" not in f["problem"].attrs:          # depth 2: the paper model's file
            y, c = f["problem/Y"][()], {2: f["problem/C"][()]}
            d1 = c[2]
            depth = 2
        else:
            depth = int(f["problem"].attrs["depth"])
            y = f["problem/O"][()]
            c = {l: f[f"init/C{l}"][()] for l in range(2, depth + 1)}
            d1 = f["init/D1"][()]
        final = {a: (float(f[f"runs/{a}/trajectory/loss"][-1]), ex._stop(f[f"runs/{a}"])[0]) for a in f["runs"]}
    c_eff = c[2]
    for l in range(3, depth + 1):
        c_eff = c_eff @ c[l]
    return depth, final, ex.optimal_error(y, ex.DEEP_WIDTH), ex.lemma1_error(y, c_eff), ex.lemma1_error(y, d1)


def _ms(v, fmt=".2g"):
    v = np.asarray([x for x in v if np.isfinite(x)], float)
    if not v.size:
        return "—"
    return f"{v.mean():{fmt}} ± {v.std(ddof=1) if v.size > 1 else 0:{fmt}} [{v.min():{fmt}}, {v.max():{fmt}}]"


def _stops(reasons):
    return "".join(f"; {reasons.count(r)} {r}" for r in sorted(set(reasons)))


def section(out):
    rows, notes = [], []
    for depth in ex.DEPTHS:
        paths = [f"{out}/deep-L{depth}.h5"] + [f"{out}/deep-L{depth}-s{s}.h5" for s in SEEDS]
        pts = [_point(p) for p in paths if os.path.exists(p)]
        if not pts:
            continue
        gd = [fin["gd"][0] - opt for _, fin, opt, _, _ in pts]
        fa = [abs(fin["fa"][0] - pf) / pf for _, fin, _, pf, _ in pts if fin["fa"][1] == "steps"]
        dfa = [abs(fin["dfa"][0] - pd) / pd for _, fin, _, _, pd in pts if fin["dfa"][1] == "steps"]
        dfa_stopped = [fin["dfa"][1] for _, fin, _, _, _ in pts if fin["dfa"][1] != "steps"]
        fa_stopped = [fin["fa"][1] for _, fin, _, _, _ in pts if fin["fa"][1] != "steps"]
        rows.append(f"| {depth} | {len(pts)} | {_ms(gd)} | {sum(g < 1e-6 for g in gd)}/{len(gd)} | {_ms(fa)} "
                    f"({len(fa)} ran every step{_stops(fa_stopped)}) | {_ms(dfa)} "
                    f"({len(dfa)} ran every step{_stops(dfa_stopped)}) |")
        notes.append((depth, gd, fa, dfa, dfa_stopped))
    if not rows:
        return ""
    text = ["### Spread over seeds", "",
            f"Each depth again with seeds {SEEDS[0]}–{SEEDS[-1]} (Y*'s singular vectors, W_l(0), C_l and D_l drawn "
            "afresh: `problem.seed` = s, `init.seed` = 10 + s, `feedback.seed` = 20 + s) besides the run above, "
            "the same lr and steps. Columns: mean ± sd [min, max] over the seeds; gd's final loss minus the optimum "
            "and how many seeds are within 1e-6 of it; fa's and dfa's relative distance |loss − prediction| / "
            "prediction over the runs that ran every step (a stopped run: its stop reason).", "",
            "| L | seeds | gd loss − optimum | gd at the optimum | fa: distance to its prediction | "
            "dfa: distance to its prediction |", "|---|---|---|---|---|---|", *rows, ""]
    for depth, gd, fa, dfa, stopped in notes:
        text.append(f"- L = {depth}: gd at the optimum (within 1e-6) at {sum(g < 1e-6 for g in gd)}/{len(gd)} seeds; "
                    f"fa within 1e-3 of its prediction at {sum(x < 1e-3 for x in fa)}/{len(fa)} seeds that ran every "
                    f"step; dfa within 1e-3 at {sum(x < 1e-3 for x in dfa)}/{len(dfa)}"
                    + (f", and {len(stopped)} dfa run(s) stopped ({', '.join(sorted(set(stopped)))})." if stopped else "."))
    return "\n".join(text) + "\n"
