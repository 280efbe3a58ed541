"""The runs of docs/networks.md and what is read from their result files."""
import os

import h5py
import numpy as np

SEEDS = [1, 2, 3, 4, 5]
N, N_IN, N_OUT, TEACHER_WIDTH = 32, 16, 4, 8
WIDTHS = [4, 8, 16, 32, 64, 128, 320]       # from N/8 to 10·N
DEPTHS = [2, 3, 4]
DEEP_WIDTH = 4


def teacher_file(out, seed):
    return os.path.join(out, "inputs", f"teacher-{seed}.h5")


def write_teacher(out, seed):
    """X (N×n, i.i.d. N(0, 1)) and O = relu(X·T1)·T2 of a random teacher (T1 n×8 with std 1/√n, T2 8×m with
    std 1/√8), from numpy's generator seeded with `seed`."""
    rng = np.random.default_rng(1000 + seed)
    x = rng.standard_normal((N, N_IN))
    t1 = rng.standard_normal((N_IN, TEACHER_WIDTH)) / np.sqrt(N_IN)
    t2 = rng.standard_normal((TEACHER_WIDTH, N_OUT)) / np.sqrt(TEACHER_WIDTH)
    o = np.maximum(x @ t1, 0.0) @ t2
    path = teacher_file(out, seed)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with h5py.File(path + ".tmp", "w") as f:
        f["X"] = x
        f["O"] = o
    os.replace(path + ".tmp", path)


def width_lr(width):
    """Step size of width w: loss = ‖E‖² sums over N samples and the output layer's Hessian grows like N·w/2,
    so lr = 0.4/(N·(w + n)) keeps Euler stable at every width (same for gd and fa)."""
    return 0.4 / (N * (width + N_IN))


def width_runs(out):
    runs = []
    for w in WIDTHS:
        for s in SEEDS:
            label = f"width-{w}-seed-{s}"
            over = {"model.r": w, "init.w_std": f"{1 / np.sqrt(w):.6g}", "init.seed": 10 + s,
                    "feedback.seed": 20 + s, "gd.lr": f"{width_lr(w):.6g}", "fa.lr": f"{width_lr(w):.6g}",
                    "input.file": teacher_file(out, s)}
            runs.append((label, "jobs/networks-width.ini", over))
    return runs


def deep_runs(out):
    runs = []
    for depth in DEPTHS:
        label = f"deep-L{depth}"
        over = {"network.depth": depth, "network.widths": ",".join([str(DEEP_WIDTH)] * (depth - 1))}
        runs.append((label, "jobs/networks-deep.ini", over))
    # The same depth-4 chain at 2/5 of the step size and 2.5 times the steps: the same time span, to tell a
    # divergence of the flow from one of the Euler steps.
    runs.append(("deep-L4-small-lr", "jobs/networks-deep.ini",
                 {"network.depth": 4, "network.widths": ",".join([str(DEEP_WIDTH)] * 3), "gd.lr": 0.02,
                  "fa.lr": 0.02, "dfa.lr": 0.02, "run.steps": 50000, "output.snapshot_every": 500}))
    return runs


def read_run(path, alg):
    with h5py.File(path, "r") as f:
        g = f[f"runs/{alg}"]
        t = {k: g["trajectory"][k][()] for k in g["trajectory"].keys()}
        t["o_norm2"] = float(f["problem"].attrs["o_norm2"])
        t["stop_reason"] = g.attrs["stop_reason"]
        if isinstance(t["stop_reason"], bytes):
            t["stop_reason"] = t["stop_reason"].decode()
        return t


def _stop(group):
    reason = group.attrs["stop_reason"]
    reason = reason.decode() if isinstance(reason, bytes) else str(reason)
    return reason, int(group.attrs["stop_step"])


def read_deep(path):
    """Y (= O), C2 … CL, D1 … D{L−1}, and per algorithm the snapshots of W1 … WL. Depth 2 with the identity and
    no X is the paper's model, whose result file has its own names (Y, C, Z, W)."""
    with h5py.File(path, "r") as f:
        if "depth" not in f["problem"].attrs:
            y, c = f["problem/Y"][()], f["problem/C"][()]
            runs = {}
            for alg in f["runs"].keys():
                g = f[f"runs/{alg}"]
                runs[alg] = dict(step=g["snapshots/step"][()], snaps={1: g["snapshots/Z"][()], 2: g["snapshots/W"][()]},
                                 loss=g["trajectory/loss"][()], tstep=g["trajectory/step"][()],
                                 final=[g["Z"][()], g["W"][()]], lr=float(g.attrs["lr"]), stop=_stop(g))
            return 2, y, {2: c}, {1: c}, runs
        depth = int(f["problem"].attrs["depth"])
        y = f["problem/O"][()]
        c = {l: f[f"init/C{l}"][()] for l in range(2, depth + 1)}
        d = {l: f[f"init/D{l}"][()] for l in range(1, depth)}
        runs = {}
        for alg in f["runs"].keys():
            g = f[f"runs/{alg}"]
            snaps = {l: g[f"snapshots/W{l}"][()] for l in range(1, depth + 1)}
            runs[alg] = dict(step=g["snapshots/step"][()], snaps=snaps,
                             loss=g["trajectory/loss"][()], tstep=g["trajectory/step"][()],
                             final=[g[f"W{l}"][()] for l in range(1, depth + 1)],
                             lr=float(g.attrs["lr"]), stop=_stop(g))
        return depth, y, c, d, runs


def lemma1_error(y, feedback):
    """‖Y − P Y‖²_F with P the projection on col(Y·Fᵀ): Lemma 1's error for the feedback F (w×m)."""
    q, _ = np.linalg.qr(y @ feedback.T)
    return float(np.linalg.norm(y - q @ (q.T @ y)) ** 2)


def optimal_error(y, rank):
    s = np.linalg.svd(y, compute_uv=False)
    return float(np.sum(s[rank:] ** 2))
