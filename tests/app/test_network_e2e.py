#!/usr/bin/python3
"""End-to-end: networks (issue 26) through `fasim run`: a deep ReLU network with X and O from the input file,
checked against a numpy forward/backward; the paper's model given as a network is today's model bitwise; fastar
refused beyond it; checkpoints, signals, resume and continuation in place bitwise."""
import os

import h5py
import numpy as np

from e2e_support import SMALL, datasets, fasim, max_rel_diff, run_tests, tmpdir, write
from lifecycle_support import stop_mid_run

NET = """
[problem]
source = network
n = 7
m = 3
k = 3
samples = 13
[network]
depth = 3
widths = 5,6
activation = tanh
[init]
z_std = 0.5
w_std = 0.5
[feedback]
std = 0.5
[run]
algorithms = gd,fa,dfa,kp
steps = 30
record_every = 10
[gd]
lr = 0.02
[fa]
lr = 0.02
[dfa]
lr = 0.02
[kp]
lr = 0.02
decay = 0.1
[grid]
block = 2
"""


def fasim_lines(stderr):
    """fasim's own lines (mpirun adds its report of the exit)."""
    return [line for line in stderr.splitlines() if line.startswith("fasim")]


def inputs(path):
    rng = np.random.default_rng(7)
    x, o = 0.3 * rng.standard_normal((13, 7)), rng.standard_normal((13, 3))
    with h5py.File(path, "w") as f:
        f["X"], f["O"] = x, o
    return x, o


def numpy_run(f, alg, x, o, steps, lr):
    """Euler steps of docs/config.md's network equations from the file's initial weights."""
    w = [f[f"init/W{l}"][()] for l in (1, 2, 3)]
    c = {l: f[f"init/C{l}"][()] for l in (2, 3)}
    d = {l: f[f"init/D{l}"][()] for l in (1, 2)}
    b = {l: c[l].copy() for l in (2, 3)}
    for _ in range(steps):
        a1 = x @ w[0]
        h1 = np.tanh(a1)
        a2 = h1 @ w[1]
        h2 = np.tanh(a2)
        e = o - h2 @ w[2]
        fb = {"gd": {2: w[1], 3: w[2]}, "fa": c, "kp": b}.get(alg)
        if alg == "dfa":
            d2 = (e @ d[2].T) * (1 - h2 ** 2)
            d1 = (e @ d[1].T) * (1 - h1 ** 2)
        else:
            d2 = (e @ fb[3].T) * (1 - h2 ** 2)
            d1 = (d2 @ fb[2].T) * (1 - h1 ** 2)
        g = [x.T @ d1, h1.T @ d2, h2.T @ e]
        if alg == "kp":
            nb = {2: b[2] + lr * (g[1] - 0.1 * b[2]), 3: b[3] + lr * (g[2] - 0.1 * b[3])}
            g[1] = g[1] - 0.1 * w[1]
            g[2] = g[2] - 0.1 * w[2]
            b = nb
        w = [wi + lr * gi for wi, gi in zip(w, g)]
    return w


def test_deep_tanh_network_matches_numpy_on_two_grids():
    d = tmpdir()
    x, o = inputs(f"{d}/in.h5")
    ini = write(f"{d}/a.ini", NET + f"[input]\nfile = {d}/in.h5\n")
    for ranks in (1, 4):
        fasim(["run", ini, f"--output.file={d}/r{ranks}.h5"], ranks=ranks)
        with h5py.File(f"{d}/r{ranks}.h5", "r") as f:
            assert f.attrs["status"] == "complete"
            assert f["problem"].attrs["activation"] == "tanh" and list(f["problem"].attrs["widths"]) == [5, 6]
            for alg in ("gd", "fa", "dfa", "kp"):
                g = f[f"runs/{alg}"]
                expect = numpy_run(f, alg, x, o, 30, 0.02)
                for l in (1, 2, 3):
                    got = g[f"W{l}"][()]
                    assert np.allclose(got, expect[l - 1], rtol=1e-10, atol=1e-12), f"{alg} W{l} ({ranks} ranks)"
                t = g["trajectory"]
                assert list(t["step"][()]) == [0, 10, 20, 30]
                assert set(t.keys()) >= {"step", "time", "loss", "align_1", "align_2"}
                assert t["loss"][-1] < t["loss"][0], f"{alg} does not learn"
                ref_loss = np.sum((o - np.tanh(np.tanh(x @ expect[0]) @ expect[1]) @ expect[2]) ** 2)
                assert abs(t["loss"][-1] - ref_loss) <= 1e-10 * ref_loss
            gd = f["runs/gd/trajectory"]
            assert np.allclose(gd["align_1"][()], 1) and np.allclose(gd["align_2"][()], 1)
            w3, c3 = f["runs/fa/W3"][()], f["init/C3"][()]
            cos = np.sum(w3 * c3) / np.linalg.norm(w3) / np.linalg.norm(c3)
            assert abs(f["runs/fa/trajectory/align_2"][-1] - cos) < 1e-10
            w2, w3, d1 = f["runs/dfa/W2"][()], f["runs/dfa/W3"][()], f["init/D1"][()]
            chain = w2 @ w3
            cos = np.sum(chain * d1) / np.linalg.norm(chain) / np.linalg.norm(d1)
            assert abs(f["runs/dfa/trajectory/align_1"][-1] - cos) < 1e-10


def test_paper_model_as_network_is_todays_model_bitwise():
    d = tmpdir()
    base = SMALL.replace("algorithms = gd,fa,fastar", "algorithms = gd,fa,fastar,dfa") + "[dfa]\nlr = 0.1\n"
    fasim(["run", write(f"{d}/a.ini", base.replace("source = synthetic", "source = network")),
           f"--output.file={d}/net.h5"], ranks=2)
    fasim(["run", write(f"{d}/b.ini", base), f"--output.file={d}/paper.h5"], ranks=2)
    a, b = datasets(f"{d}/net.h5"), datasets(f"{d}/paper.h5")
    assert set(a) == set(b)
    for k in a:
        assert np.array_equal(a[k], b[k], equal_nan=True), f"{k} differs"
    # dfa with one hidden layer and the identity is fa
    assert np.array_equal(a["runs/dfa/Z"], a["runs/fa/Z"]) and np.array_equal(a["runs/dfa/W"], a["runs/fa/W"])


def test_shipped_paper_jobs_as_networks_are_bitwise():
    """The shipped jobs of the paper's synthetic targets, given as networks (problem.source = network: depth 2,
    identity, no X), write today's results bit for bit (30 steps each, on 2 ranks)."""
    d = tmpdir()
    jobs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "jobs")
    for job in ("demo", "fig2a", "fig2b", "rules"):
        ini = os.path.join(jobs, f"{job}.ini")
        common = ["--run.steps=30", "--output.checkpoint_every=0", "--output.snapshot_every=0"]
        fasim(["run", ini, f"--output.file={d}/{job}-paper.h5", *common], ranks=2)
        fasim(["run", ini, f"--output.file={d}/{job}-net.h5", "--problem.source=network", *common], ranks=2)
        a, b = datasets(f"{d}/{job}-net.h5"), datasets(f"{d}/{job}-paper.h5")
        assert set(a) == set(b), (job, set(a) ^ set(b))
        for k in a:
            assert np.array_equal(a[k], b[k], equal_nan=True), f"{job}: {k} differs"


def test_fastar_refused_and_continue_in_place_is_bitwise():
    d = tmpdir()
    inputs(f"{d}/in.h5")
    ini = write(f"{d}/a.ini", NET + f"[input]\nfile = {d}/in.h5\n")
    p = fasim(["run", ini, "--run.algorithms=fa,fastar", f"--output.file={d}/x.h5"], check=False)
    assert p.returncode == 2 and "fastar" in p.stderr and len(fasim_lines(p.stderr)) == 1, p.stderr
    # A complete result continued in place to more steps is the longer run bitwise (same grid and kernel).
    fasim(["run", ini, f"--output.file={d}/y.h5"], ranks=2)
    fasim(["run", ini, f"--output.file={d}/long.h5", "--run.steps=60"], ranks=2)
    fasim(["resume", f"{d}/y.h5", "--run.steps=60"], ranks=2)
    a, b = datasets(f"{d}/y.h5"), datasets(f"{d}/long.h5")
    runs = [k for k in b if k.startswith("runs/")]
    assert any(k.endswith("/B3") for k in runs) and any(k.endswith("/trajectory/align_2") for k in runs), runs
    for k in runs:
        assert np.array_equal(a[k], b[k], equal_nan=True), f"{k} differs after a continuation"
    with h5py.File(f"{d}/y.h5", "r") as f:
        assert f.attrs["status"] == "complete" and "continued: from step 30" in f.attrs["history"]
        assert f["runs/fa"].attrs["steps_done"] == 60
    # Nothing more to do: refused in one line, the file untouched.
    before = open(f"{d}/y.h5", "rb").read()
    p = fasim(["resume", f"{d}/y.h5", "--run.steps=60"], check=False)
    assert p.returncode == 2 and len(fasim_lines(p.stderr)) == 1, p.stderr
    assert open(f"{d}/y.h5", "rb").read() == before


def test_checkpoint_and_resume_are_bitwise():
    """A checkpoint at step 40 of a run that crashed there, resumed (with kp's learned B, snapshots) is the
    uninterrupted run bitwise (same build, kernel and grid: docs/determinism.md); the checkpoint's layout is the
    documented one."""
    d = tmpdir()
    inputs(f"{d}/in.h5")
    ini = write(f"{d}/a.ini", NET + f"[input]\nfile = {d}/in.h5\n[output]\nsnapshot_every = 20\n")
    # A network's default 2-rank grid is 2×1, where gd, fa and dfa take the replicated plan; on 1×2 every plan
    # is pdgemm.
    for integrator, grid in (("euler", []), ("rk4", []), ("euler", ["--grid.rows=1", "--grid.cols=2"]),
                             ("rk4", ["--grid.rows=1", "--grid.cols=2"])):
        full, cut = f"{d}/full-{integrator}{len(grid)}.h5", f"{d}/cut-{integrator}{len(grid)}.h5"
        fasim(["run", ini, f"--output.file={full}", "--run.steps=90", f"--run.integrator={integrator}", *grid],
              ranks=2)
        fasim(["run", ini, f"--output.file={cut}", "--run.steps=40", f"--run.integrator={integrator}",
               "--output.checkpoint_every=40", *grid], ranks=2)
        with h5py.File(f"{cut}.ckpt", "r") as ck:
            assert ck.attrs["format_version"] == 6 and ck.attrs["depth"] == 3 and ck.attrs["step"] == 40
            kp = ck["algorithms/3"]
            assert {"W1", "W2", "W3", "B2", "B3", "trajectory"} <= set(kp.keys()), list(kp.keys())
            assert "B2" not in ck["algorithms/0"] and ck["algorithms/0/trajectory"].shape[1] == 5
        # A crash after the checkpoint: the result left `running` (a complete one would be continued instead).
        with h5py.File(cut, "r+") as f:
            f.attrs["status"] = "running"
        fasim(["resume", f"{cut}.ckpt", "--run.steps=90", *grid], ranks=2)
        a, b = datasets(cut), datasets(full)
        with h5py.File(cut, "r") as f:
            assert f.attrs["status"] == "complete" and "resumed at step 40" in f.attrs["history"]
            assert list(f.attrs["grid"]) == ([1, 2] if grid else [2, 1]), list(f.attrs["grid"])
            assert f.attrs["plan"].startswith("gd:network=" + ("pdgemm" if grid else "replicated")), f.attrs["plan"]
        keys = [k for k in b if k.startswith("runs/") and "/trajectory/" not in k] + \
               [f"runs/{alg}/trajectory/{c}" for alg in ("gd", "fa", "dfa", "kp")
                for c in ("loss", "align_1", "align_2")]
        for k in keys:
            assert k in a, f"{k} missing after resume"
            # The record points of a 40-step plan differ from a 90-step plan's: compare the rows both have.
            x, y = a[k], b[k]
            if "/trajectory/" in k:
                sa, sb = list(a[k.rsplit("/", 1)[0] + "/step"]), list(b[k.rsplit("/", 1)[0] + "/step"])
                common = sorted(set(sa) & set(sb))
                assert len(common) >= 3, (sa, sb)
                x = np.array([x[sa.index(s)] for s in common])
                y = np.array([y[sb.index(s)] for s in common])
            assert np.array_equal(x, y, equal_nan=True), f"{k} differs after resume ({integrator})"


def test_stored_plan_is_what_resume_runs():
    """The plan each algorithm ran is stored (since schema 1.4, `plan`: <alg>:network=pdgemm|replicated) in the result
    and its checkpoints. A resume runs the stored plan: on another grid (1×2, where the rule would take pdgemm)
    it keeps the replicated one and agrees with the uninterrupted run to 1e-10; a checkpoint of schema 1.3,
    whose words name no plan, resumes with the rule's, bitwise on the same grid."""
    d = tmpdir()
    inputs(f"{d}/in.h5")
    ini = write(f"{d}/a.ini", NET + f"[input]\nfile = {d}/in.h5\n")
    on_2x1 = ["--grid.rows=2", "--grid.cols=1"]
    ran = "gd:network=replicated fa:network=replicated dfa:network=replicated kp:network=pdgemm"
    fasim(["run", ini, f"--output.file={d}/full.h5", "--run.steps=90", *on_2x1], ranks=2)
    for name in ("new", "old"):
        fasim(["run", ini, f"--output.file={d}/{name}.h5", "--run.steps=40", "--output.checkpoint_every=40",
               *on_2x1], ranks=2)
        for path in (f"{d}/{name}.h5", f"{d}/{name}.h5.ckpt"):
            with h5py.File(path, "r") as f:
                assert f.attrs["plan"] == ran and f.attrs["schema_version"] == "1.6", dict(f.attrs)
        with h5py.File(f"{d}/{name}.h5", "r+") as f:
            f.attrs["status"] = "running"  # a crash after the checkpoint
    with h5py.File(f"{d}/old.h5.ckpt", "r+") as ck:  # as schema 1.3 wrote it
        ck.attrs["plan"], ck.attrs["schema_version"] = "gd:network fa:network dfa:network kp:network", "1.3"
    fasim(["resume", f"{d}/new.h5.ckpt", "--run.steps=90", "--grid.rows=1", "--grid.cols=2"], ranks=2)
    fasim(["resume", f"{d}/old.h5.ckpt", "--run.steps=90"], ranks=2)
    full, new, old = datasets(f"{d}/full.h5"), datasets(f"{d}/new.h5"), datasets(f"{d}/old.h5")
    with h5py.File(f"{d}/new.h5", "r") as f:
        assert f.attrs["plan"] == ran and f.attrs["status"] == "complete", dict(f.attrs)
        assert list(f.attrs["grid"]) == [1, 2] and "resumed at step 40" in f.attrs["history"], dict(f.attrs)
    with h5py.File(f"{d}/old.h5", "r") as f:
        assert f.attrs["plan"] == ran and f.attrs["schema_version"] == "1.6", dict(f.attrs)
    for alg in ("gd", "fa", "dfa", "kp"):
        for w in ("W1", "W2", "W3"):
            k = f"runs/{alg}/{w}"
            assert np.array_equal(old[k], full[k]), f"{k}: the 1.3 checkpoint's resume is not the run bitwise"
            assert max_rel_diff(new, full, [k]) <= 1e-10, (k, max_rel_diff(new, full, [k]))


def test_summary_holds_each_steps_traffic():
    """/summary holds, per algorithm, the bytes and messages one step sent per rank (PMPI counters), the plan's
    model and the floor (schema 1.5), as the paper's model's does, readable with h5py and xarray. On 2×1 the
    replicated plans' model is exact and equals what was counted; kp's pdgemm and every plan on 1×2 are
    estimates (model_step_exact 0)."""
    import xarray as xr
    d = tmpdir()
    inputs(f"{d}/in.h5")
    ini = write(f"{d}/a.ini", NET + f"[input]\nfile = {d}/in.h5\n")
    keys = ("step_bytes_per_rank", "step_messages_per_rank", "model_step_bytes_per_rank",
            "floor_step_bytes_per_rank", "model_step_exact")
    for grid, exact in (((2, 1), [1, 1, 1, 0]), ((1, 2), [0, 0, 0, 0])):
        out = f"{d}/{grid[0]}x{grid[1]}.h5"
        fasim(["run", ini, f"--output.file={out}", f"--grid.rows={grid[0]}", f"--grid.cols={grid[1]}"], ranks=2)
        with h5py.File(out, "r") as f:
            s = {k: np.asarray(f["summary"].attrs[k]) for k in keys}
        ds = xr.open_dataset(out, group="summary", engine="h5netcdf")
        for k in keys:
            assert s[k].shape == (4,), (grid, k, s[k])
            np.testing.assert_array_equal(np.asarray(ds.attrs[k]), s[k])
        assert list(s["model_step_exact"]) == exact, (grid, s)
        assert np.all(s["step_bytes_per_rank"] > 0) and np.all(s["step_messages_per_rank"] > 0), (grid, s)
        assert np.all(s["floor_step_bytes_per_rank"] > 0), (grid, s)
        for a in range(4):
            if exact[a]:
                assert s["step_bytes_per_rank"][a] == s["model_step_bytes_per_rank"][a], (grid, a, s)
                assert s["step_bytes_per_rank"][a] >= s["floor_step_bytes_per_rank"][a], (grid, a, s)
    # The paper's model writes the same attributes (one process: nothing sent, the model exact).
    fasim(["run", write(f"{d}/p.ini", SMALL), f"--output.file={d}/p.h5"])
    with h5py.File(f"{d}/p.h5", "r") as f:
        assert set(keys) <= set(f["summary"].attrs), dict(f["summary"].attrs)
        assert list(f["summary"].attrs["model_step_exact"]) == [1] * len(f["summary"].attrs["step_bytes_per_rank"])


def test_linear_network_runs_the_gram_plan():
    """σ = identity with an X (N = 13 against n = 7 on one rank): the rule takes the gram plan (XᵀX and XᵀO
    formed once), stores it, and a resume from its checkpoint runs it again, bitwise on the same grid; its
    weights agree with the pdgemm plan's (system.products = pdgemm) to 1e-10 and its loss to 1e-10·‖O‖². A
    schema 1.3 checkpoint (no plan in its words) resumes with the rule of then, which had no gram plan."""
    d = tmpdir()
    inputs(f"{d}/in.h5")
    ini = write(f"{d}/a.ini", NET.replace("activation = tanh", "activation = identity") + f"[input]\nfile = {d}/in.h5\n")
    gram = " ".join(f"{a}:network=gram" for a in ("gd", "fa", "dfa", "kp"))
    p = fasim(["run", ini, f"--output.file={d}/full.h5", "--run.steps=60"])
    assert "plan: gd: network:gram (" in p.stdout, p.stdout
    fasim(["run", ini, f"--output.file={d}/cut.h5", "--run.steps=30", "--output.checkpoint_every=30"])
    with h5py.File(f"{d}/cut.h5.ckpt", "r") as f:
        assert f.attrs["plan"] == gram and f.attrs["schema_version"] == "1.6", dict(f.attrs)
    with h5py.File(f"{d}/cut.h5", "r+") as f:
        f.attrs["status"] = "running"  # a crash after the checkpoint
    fasim(["resume", f"{d}/cut.h5.ckpt", "--run.steps=60"])
    p = fasim(["run", ini, f"--output.file={d}/ref.h5", "--run.steps=60", "--system.products=pdgemm"])
    assert "plan: gd: network:pdgemm (system.products = pdgemm)" in p.stdout, p.stdout
    full, cut, ref = datasets(f"{d}/full.h5"), datasets(f"{d}/cut.h5"), datasets(f"{d}/ref.h5")
    with h5py.File(f"{d}/full.h5", "r") as f:
        assert f.attrs["plan"] == gram, dict(f.attrs)
        o2 = float(f["problem"].attrs["o_norm2"])
    with h5py.File(f"{d}/ref.h5", "r") as f:
        assert f.attrs["plan"] == gram.replace("gram", "pdgemm"), dict(f.attrs)
    for alg in ("gd", "fa", "dfa", "kp"):
        for w in ("W1", "W2", "W3"):
            k = f"runs/{alg}/{w}"
            assert np.array_equal(cut[k], full[k]), f"{k}: the resumed gram run is not the run bitwise"
            assert max_rel_diff(full, ref, [k]) <= 1e-10, (k, max_rel_diff(full, ref, [k]))
        k = f"runs/{alg}/trajectory/loss"
        assert np.array_equal(cut[k], full[k]), k
        assert np.max(np.abs(full[k] - ref[k])) <= 1e-10 * o2, (k, full[k], ref[k])
    # A checkpoint of schema 1.3 names no plan: it resumes with the rule of then (one rank: pdgemm), never gram.
    fasim(["run", ini, f"--output.file={d}/old.h5", "--run.steps=30", "--output.checkpoint_every=30"])
    with h5py.File(f"{d}/old.h5.ckpt", "r+") as ck:
        ck.attrs["plan"], ck.attrs["schema_version"] = "gd:network fa:network dfa:network kp:network", "1.3"
    with h5py.File(f"{d}/old.h5", "r+") as f:
        f.attrs["status"] = "running"
    fasim(["resume", f"{d}/old.h5.ckpt", "--run.steps=60"])
    old = datasets(f"{d}/old.h5")
    with h5py.File(f"{d}/old.h5", "r") as f:
        assert f.attrs["plan"] == gram.replace("gram", "pdgemm"), dict(f.attrs)
    for alg in ("gd", "fa", "dfa", "kp"):
        assert max_rel_diff(old, full, [f"runs/{alg}/W1"]) <= 1e-10, alg


def test_sigusr1_checkpoints_exits_75_and_resumes_bitwise():
    d = tmpdir()
    inputs(f"{d}/in.h5")
    ini = write(f"{d}/a.ini", NET.replace("steps = 30", "steps = 10000000").replace("record_every = 10",
                                                                                 "record_every = 5000") +
                f"[input]\nfile = {d}/in.h5\n")
    step = stop_mid_run(ini, f"{d}/cut.h5", 2, after_s=1.0)
    # The uninterrupted run to a step past the checkpoint, with the record plan of the interrupted one.
    target = step + 7
    fasim(["run", ini, f"--output.file={d}/full.h5", f"--run.steps={target}", "--run.record_every=5000"], ranks=2)
    fasim(["resume", f"{d}/cut.h5.ckpt", f"--run.steps={target}"], ranks=2)
    a, b = datasets(f"{d}/cut.h5"), datasets(f"{d}/full.h5")
    for alg in ("gd", "fa", "dfa", "kp"):
        for k in [f"runs/{alg}/W{l}" for l in (1, 2, 3)] + [f"runs/{alg}/trajectory/loss"]:
            assert np.array_equal(a[k], b[k]), f"{k} differs after a signal and resume"


def test_input_file_with_nothing_a_network_reads_is_refused():
    """One line naming what the file holds and what a network reads; no result is written."""
    d = tmpdir()
    with h5py.File(f"{d}/in.h5", "w") as f:
        f["foo"] = np.ones((3, 2))
    ini = write(f"{d}/a.ini", NET + f"[input]\nfile = {d}/in.h5\n")
    p = fasim(["run", ini, f"--output.file={d}/z.h5"], ranks=2, check=False)
    lines = [line for line in p.stderr.splitlines() if line.startswith("fasim: error")]
    assert p.returncode == 2 and len(lines) == 1, (p.returncode, p.stderr)
    assert "holds nothing a network reads: it has the datasets /foo; a network reads X, O" in lines[0], lines[0]
    assert not os.path.exists(f"{d}/z.h5")


def test_bad_network_configurations_are_one_line_usage_errors():
    d = tmpdir()
    ini = write(f"{d}/a.ini", NET)
    for flags, words in ((["--network.widths=5"], "widths"), (["--network.depth=1"], "network.depth"),
                         (["--network.activation=sigmoid"], "network.activation"),
                         (["--problem.source=synthetic"], "[network]"),
                         (["--network.widths=5,x"], "network.widths")):
        p = fasim(["run", ini, f"--output.file={d}/z.h5", *flags], check=False)
        assert p.returncode == 2 and words in p.stderr and len(fasim_lines(p.stderr)) == 1, (flags, p.stderr)
    p = fasim(["run", ini, f"--output.file={d}/z.h5", "--dry-run"])
    assert "memory per rank" in p.stdout
    # The checkpoint holds W1 (7×5), W2 (5×6), W3 (6×3) of gd, fa, dfa, kp and kp's B2, B3: 380 numbers. The
    # paper's model's traffic projection is not printed for a network.
    assert "# checkpoint: 3040 bytes of weights" in p.stdout, p.stdout
    # Each algorithm's plan with its estimated bytes (one process: a 1×1 grid, where nothing is replicated).
    for alg in ("gd", "fa", "dfa", "kp"):
        assert f"# plan {alg} on 1x1: network:pdgemm (" in p.stdout, p.stdout
    assert " products " not in p.stdout, p.stdout
    p = fasim(["run", ini, f"--output.file={d}/z.h5", "--dry-run", "--grid.rows=2", "--grid.cols=1"])
    assert "# plan gd on 2x1: network:replicated (" in p.stdout and "# plan kp on 2x1: network:pdgemm (" in p.stdout, p.stdout
    # A linear network with N/P large against n runs the gram plan, which holds no N×w_l activations: its
    # memory per rank is X's and O's share, below the tanh network's of the same sizes.
    memory = {}
    for act in ("tanh", "identity"):
        p = fasim(["run", ini, f"--output.file={d}/z.h5", "--dry-run", "--problem.samples=2000000",
                   f"--network.activation={act}"])
        value, unit = p.stdout.split("# memory per rank: ")[1].split()[:2]
        memory[act] = float(value) * {"KiB": 2 ** -20, "MiB": 2 ** -10, "GiB": 1.0, "TiB": 2 ** 10}[unit]
        assert ("# plan gd on 1x1: network:gram (" in p.stdout) == (act == "identity"), p.stdout
    # X and O: 2·10⁶ × (7 + 3) numbers, 0.15 GiB; tanh adds 4 algorithms' A_l, δ_l and E, 2·10⁶ × 25 numbers each
    assert memory["identity"] < 0.3 < 1.5 < memory["tanh"], memory
    # `fasim bench` times a network (tests/app/bench_network.sh checks its numbers): one line per algorithm.
    p = fasim(["bench", ini, "--bench.steps=2", "--bench.warmup=1"])
    assert [line.split('"plan":"')[1].split('"')[0] for line in p.stdout.splitlines() if line.startswith("{")] == \
        [f"{alg}:network=pdgemm" for alg in ("gd", "fa", "dfa", "kp")], p.stdout


if __name__ == "__main__":
    run_tests([test_deep_tanh_network_matches_numpy_on_two_grids, test_paper_model_as_network_is_todays_model_bitwise,
               test_fastar_refused_and_continue_in_place_is_bitwise, test_checkpoint_and_resume_are_bitwise,
               test_stored_plan_is_what_resume_runs, test_summary_holds_each_steps_traffic,
               test_linear_network_runs_the_gram_plan, test_shipped_paper_jobs_as_networks_are_bitwise,
               test_sigusr1_checkpoints_exits_75_and_resumes_bitwise, test_bad_network_configurations_are_one_line_usage_errors,
               test_input_file_with_nothing_a_network_reads_is_refused])
