#!/usr/bin/python3
"""End-to-end: fasim run's physics, determinism, grid invariance, resume, signals and faults."""
import os
import random
import signal
import subprocess
import time

import h5py
import numpy as np

from lifecycle_support import reap_session, stop_mid_run
from e2e_support import ENV, FASIM, MPIEXEC, SMALL, datasets, fasim, max_rel_diff, run_tests, tmpdir, write


def test_lemma1_and_optimum_reached():
    d = tmpdir()
    ini = write(f"{d}/a.ini", SMALL)
    fasim([ "run", ini, f"--output.file={d}/a.h5", "--run.steps=3000"], ranks=2)
    with h5py.File(f"{d}/a.h5", "r") as f:
        opt, lem = f["problem"].attrs["optimal_error"], f["problem"].attrs["lemma1_error"]
        assert f.attrs["status"] == "complete"
        assert abs(f["runs/gd/trajectory/loss"][-1] - opt) < 1e-6, "GD reaches the optimal error"
        for alg in ("fa", "fastar"):
            assert abs(f[f"runs/{alg}/trajectory/loss"][-1] - lem) < 1e-6, f"{alg} reaches Lemma 1's error"
        # all trajectory datasets of an algorithm have the same length
        lengths = {len(f[f"runs/fa/trajectory/{k}"]) for k in f["runs/fa/trajectory"]}
        assert len(lengths) == 1


def test_same_config_same_grid_is_bitwise_identical():
    d = tmpdir()
    ini = write(f"{d}/a.ini", SMALL)
    for name in ("x", "y"):
        fasim(["run", ini, f"--output.file={d}/{name}.h5"], ranks=2)
    a, b = datasets(f"{d}/x.h5"), datasets(f"{d}/y.h5")
    assert a.keys() == b.keys()
    for k in a:
        assert np.array_equal(a[k], b[k], equal_nan=True), f"{k} differs between identical runs"


def test_grid_shape_and_block_change_nothing_beyond_1e10():
    d = tmpdir()
    ini = write(f"{d}/a.ini", SMALL)
    fasim(["run", ini, f"--output.file={d}/ref.h5", "--grid.block=8"], ranks=1)
    ref = datasets(f"{d}/ref.h5")
    for ranks, rows, cols, block in [(2, 1, 2, 8), (2, 2, 1, 32), (4, 2, 2, 64), (4, 2, 2, 8), (3, 1, 2, 8)]:
        out = f"{d}/g{ranks}{rows}{cols}{block}.h5"
        fasim(["run", ini, f"--output.file={out}", f"--grid.rows={rows}", f"--grid.cols={cols}",
               f"--grid.block={block}"], ranks=ranks)
        worst = max_rel_diff(datasets(out), ref)
        assert worst < 1e-10, f"grid {rows}x{cols} block {block}: max relative difference {worst}"


def test_sigusr1_checkpoints_exits_75_and_resumes_to_the_same_result():
    """Bitwise (same build, kernel and grid: docs/determinism.md): a run stopped by USR1 and resumed to a step
    past its checkpoint equals the uninterrupted run to that step, trajectory included (recorded every 200 steps,
    no log-spaced points: those depend on the planned step count)."""
    d = tmpdir()
    ini = write(f"{d}/a.ini", SMALL.replace("steps = 400", "steps = 10000000")
                .replace("record_every = 20", "record_every = 200").replace("record_points = 10", "record_points = 0"))
    step = stop_mid_run(ini, f"{d}/cut.h5", 2, extra=["--output.checkpoint_every=500"])
    target = step + 7
    fasim(["run", ini, f"--output.file={d}/full.h5", f"--run.steps={target}"], ranks=2)
    fasim(["resume", f"{d}/cut.h5.ckpt", f"--run.steps={target}"], ranks=2)
    a, b = datasets(f"{d}/cut.h5"), datasets(f"{d}/full.h5")
    assert set(a) == set(b), set(a) ^ set(b)
    for k in b:
        assert np.array_equal(a[k], b[k], equal_nan=True), f"{k} differs after resume"


def test_resume_on_another_grid_agrees_to_1e12():
    # A 2-rank (1×2) run checkpoints at step 5000; it is resumed on 1 rank (1×1 grid, redistributed on read) to
    # step 6000 and compared with an uninterrupted 2-rank run. Rounding differences between grids grow with the
    # steps taken after the switch, so the bound is about redistribution, not about a long run on a new grid.
    d = tmpdir()
    ini = write(f"{d}/a.ini", SMALL.replace("steps = 400", "steps = 6000").replace("record_every = 20",
                                                                                  "record_every = 200"))
    fasim(["run", ini, f"--output.file={d}/full.h5"], ranks=2)
    fasim(["run", ini, f"--output.file={d}/cut.h5", "--run.steps=5000", "--output.checkpoint_every=5000"], ranks=2)
    fasim(["resume", f"{d}/cut.h5.ckpt", "--run.steps=6000", "--grid.rows=1", "--grid.cols=1"], ranks=1)
    # (The log-spaced record points of a 5000-step plan differ from a 6000-step plan's: compare the state.)
    keys = [f"runs/{a}/{m}" for a in ("gd", "fa", "fastar") for m in ("Z", "W")]
    worst = max_rel_diff(datasets(f"{d}/cut.h5"), datasets(f"{d}/full.h5"), keys)
    assert worst < 1e-12, f"max relative difference {worst}"


def test_resume_to_more_steps_than_planned():
    """Bitwise (same build, kernel and grid: docs/determinism.md)."""
    # With kp, whose learned feedback B is state: checkpointed, restored, and written beside Z and W.
    d = tmpdir()
    ini = write(f"{d}/a.ini", SMALL.replace("algorithms = gd,fa,fastar", "algorithms = gd,fa,fastar,kp") +
                "[kp]\nlr = 0.1\ndecay = 0.2\n")
    fasim(["run", ini, f"--output.file={d}/long.h5", "--run.steps=800", "--run.record_every=20"], ranks=2)
    fasim(["run", ini, f"--output.file={d}/short.h5", "--output.checkpoint_every=400"], ranks=2)
    with h5py.File(f"{d}/short.h5.ckpt", "r") as ck:
        assert "B" in ck["algorithms/3"] and "B" not in ck["algorithms/0"]
    fasim(["resume", f"{d}/short.h5.ckpt", "--run.steps=800"], ranks=2)
    with h5py.File(f"{d}/short.h5", "r") as a, h5py.File(f"{d}/long.h5", "r") as b:
        for alg in ("gd", "fa", "fastar", "kp"):
            assert np.array_equal(a[f"runs/{alg}/Z"][()], b[f"runs/{alg}/Z"][()]), alg
        assert np.array_equal(a["runs/kp/W"][()], b["runs/kp/W"][()])
        assert np.array_equal(a["runs/kp/B"][()], b["runs/kp/B"][()])
        assert not np.array_equal(a["runs/kp/B"][()], a["runs/kp/W"][()])


def test_rk4_resume_is_bitwise_on_every_grid():
    """Bitwise (same build, kernel and grid: docs/determinism.md) under RK4, whose steps keep Z's rows and W's
    columns replicated (BENCHMARKS.md, "RK4 keeps the replicas"): a resume starts without them. (2×2: the
    model tests' resume case, tests/model/test_step_traffic.cpp, on 4 ranks.)"""
    d = tmpdir()
    ini = write(f"{d}/a.ini", SMALL.replace("algorithms = gd,fa,fastar", "algorithms = gd,fa,fastar,kp")
                .replace("[run]", "[run]\nintegrator = rk4") + "[kp]\nlr = 0.1\ndecay = 0.2\n")
    for rows, cols in ((1, 2), (2, 1)):
        grid = [f"--grid.rows={rows}", f"--grid.cols={cols}"]
        tag = f"{rows}x{cols}"
        fasim(["run", ini, f"--output.file={d}/long{tag}.h5", "--run.steps=600", "--run.record_every=20"] + grid,
              ranks=rows * cols)
        fasim(["run", ini, f"--output.file={d}/short{tag}.h5", "--run.steps=300", "--run.record_every=20",
               "--output.checkpoint_every=300"] + grid, ranks=rows * cols)
        fasim(["resume", f"{d}/short{tag}.h5.ckpt", "--run.steps=600"], ranks=rows * cols)
        with h5py.File(f"{d}/short{tag}.h5", "r") as a, h5py.File(f"{d}/long{tag}.h5", "r") as b:
            for alg in ("gd", "fa", "fastar", "kp"):
                for m in ("Z", "W") + (("B",) if alg == "kp" else ()):
                    assert np.array_equal(a[f"runs/{alg}/{m}"][()], b[f"runs/{alg}/{m}"][()]), (tag, alg, m)


def test_sigkill_at_random_moments_then_resume_is_bitwise_identical():
    random.seed(7)
    for ranks in (1, 2):
        d = tmpdir()
        ini = write(f"{d}/a.ini", SMALL.replace("steps = 400", "steps = 4000"))
        # The reference run, timed from its first checkpoint to its end: the window in which a kill is mid-run.
        ref = subprocess.Popen([MPIEXEC, "-n", str(ranks), FASIM, "run", ini, f"--output.file={d}/full.h5",
                                "--output.checkpoint_every=100", "--output.progress_seconds=0"], env=ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not os.path.exists(f"{d}/full.h5.ckpt") and ref.poll() is None:
            time.sleep(0.005)
        t0 = time.time()
        assert ref.wait() == 0
        window = max(time.time() - t0, 0.05)
        for attempt in range(5):
            cmd = [MPIEXEC, "-n", str(ranks), FASIM, "run", ini, f"--output.file={d}/cut.h5",
                   "--output.checkpoint_every=100", "--output.overwrite=true", "--output.progress_seconds=0"]
            p = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
            # Start-up time varies with the machine's load: kill at a random moment once the run is
            # checkpointing (every 100 steps, so often mid-checkpoint), not at a fixed time after the launch.
            deadline = time.time() + 120
            while not os.path.exists(f"{d}/cut.h5.ckpt") and p.poll() is None and time.time() < deadline:
                time.sleep(0.02)
            time.sleep(random.uniform(0.0, 0.8 * window))
            # mpirun and every rank, wherever they are (often mid-checkpoint): the whole session, since the ranks
            # have process groups of their own and would otherwise outlive mpirun and finish the run.
            reap_session(p.pid)
            p.wait()
            try:
                with h5py.File(f"{d}/cut.h5", "r") as f:
                    finished = f.attrs["status"] == "complete"  # the kill came too late: try again
            except OSError:
                finished = False  # killed while the file was being created
            if os.path.exists(f"{d}/cut.h5.ckpt") and not finished:
                break
        assert os.path.exists(f"{d}/cut.h5.ckpt"), "no checkpoint survived"
        ck = f"{d}/cut.h5.ckpt"
        r = fasim(["resume", ck], ranks=ranks, check=False)
        if r.returncode != 0 and os.path.exists(ck + ".1"):  # the newest was cut mid-write: the ring has the previous
            r = fasim(["resume", ck + ".1"], ranks=ranks, check=False)
        assert r.returncode == 0, r.stderr
        a, b = datasets(f"{d}/cut.h5"), datasets(f"{d}/full.h5")
        for k in b:
            assert np.array_equal(a[k], b[k], equal_nan=True), f"{ranks} ranks: {k} differs after kill + resume"


def test_divergent_algorithm_stops_others_continue():
    d = tmpdir()
    ini = write(f"{d}/a.ini", SMALL.replace("[gd]\nlr = 1.0", "[gd]\nlr = 10"))
    fasim(["run", ini, f"--output.file={d}/div.h5"], ranks=2)
    with h5py.File(f"{d}/div.h5", "r") as f:
        assert f["runs/gd"].attrs["stop_reason"] in ("non-finite", "diverged")
        assert f["runs/gd"].attrs["stop_step"] < 400
        assert f["runs/fa"].attrs["stop_reason"] == "steps"
        assert np.isfinite(f["runs/fa/trajectory/loss"][-1])


def _rank_pids(launcher_pid):
    """The fasim processes under a launcher: its children (Open MPI's mpirun) or grandchildren (MPICH's Hydra
    starts them through hydra_pmi_proxy)."""
    found, todo = [], [str(launcher_pid)]
    while todo:
        children = subprocess.run(["pgrep", "-P", todo.pop()], capture_output=True, text=True).stdout.split()
        for pid in children:
            try:
                is_rank = os.path.realpath(f"/proc/{pid}/exe") == os.path.realpath(FASIM)
            except OSError:
                is_rank = False
            (found if is_rank else todo).append(pid)
    return found


def test_killing_one_rank_ends_the_job():
    d = tmpdir()
    ini = write(f"{d}/a.ini", SMALL.replace("steps = 400", "steps = 1000000"))
    p = subprocess.Popen([MPIEXEC, "-n", "2", FASIM, "run", ini, f"--output.file={d}/k.h5"],
                         env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2.5)
    pids = _rank_pids(p.pid)
    assert pids, "no rank processes found"
    os.kill(int(pids[-1]), signal.SIGKILL)
    p.wait(timeout=60)  # no hang
    assert p.returncode != 0


if __name__ == "__main__":
    run_tests([test_lemma1_and_optimum_reached, test_same_config_same_grid_is_bitwise_identical,
               test_grid_shape_and_block_change_nothing_beyond_1e10,
               test_sigusr1_checkpoints_exits_75_and_resumes_to_the_same_result,
               test_resume_on_another_grid_agrees_to_1e12, test_resume_to_more_steps_than_planned,
               test_rk4_resume_is_bitwise_on_every_grid,
               test_sigkill_at_random_moments_then_resume_is_bitwise_identical,
               test_divergent_algorithm_stops_others_continue, test_killing_one_rank_ends_the_job])
