#!/usr/bin/python3
"""Users' paths (issue 29): Ctrl-C and a dropped terminal checkpoint like TERM; the job script reports what the
result says whatever the launcher returned; over-long output names are refused before anything is written; a
resubmitted job's edited keys apply to its resume; collect skips foreign files; completion masks of any 0/1
type; completion's edge fractions. Each case runs in seconds (docs/lifecycle.md, docs/bad-inputs.md)."""
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

from e2e_support import ENV, FASIM, MPIEXEC, run_tests, tmpdir, write

FASIM_ABS = os.path.abspath(FASIM)
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
TIMEOUT = 120

CONFIG = """[problem]
source = synthetic
n = 24
m = 20
k = 12
spectrum = two-level
seed = 5
[model]
r = 4
[run]
algorithms = gd,fa
steps = {steps}
record_every = 100
record_points = 5
probes = 2
[gd]
lr = 1.0
[fa]
lr = 0.1
[grid]
block = 8
[output]
file = out/small.h5
progress_seconds = 0
checkpoint_seconds = 0
"""
LONG_RUN = 50_000_000  # steps no test waits for: it is stopped by a signal


def job_dir(steps):
    d = tmpdir()
    os.mkdir(f"{d}/out")
    write(f"{d}/small.ini", CONFIG.format(steps=steps))
    return d


def launch(argv, d, env=None):
    return subprocess.Popen(argv, cwd=d, env=env or ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def fasim_argv(args, ranks):
    if ranks == 1:
        return [FASIM_ABS] + list(args)
    return [MPIEXEC, "-n", str(ranks), FASIM_ABS] + list(args)


def sbatch_env(d, ranks):
    return dict(ENV, SLURM_JOB_ID="1", SLURM_NTASKS=str(ranks), SLURM_SUBMIT_DIR=d, FASIM_LAUNCHER="mpirun",
                FASIM_MPIEXEC=MPIEXEC, FASIM_SOURCE_DIR=REPO, FASIM=FASIM_ABS)


def finish(p, timeout=TIMEOUT):
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        raise AssertionError(f"no exit within {timeout} s:\n{out[-1500:]}\n{err[-1500:]}")
    return p.returncode, out, err


def status_attr(path):
    with h5py.File(path, "r") as f:
        v = f.attrs.get("status")
        return v.decode() if isinstance(v, bytes) else v


def last_step(path):
    with h5py.File(path, "r") as f:
        return max(int(f[f"runs/{a}"].attrs["steps_done"]) for a in f["runs"])


def wait_until_running(d, p, bound=60):
    """Until the run is past its start-up (the result exists and fasim says it is running it) and 0.5 s more."""
    t0 = time.time()
    while time.time() - t0 < bound and p.poll() is None:
        st = subprocess.run([FASIM_ABS, "status", "small.ini"], cwd=d, env=ENV, capture_output=True, text=True,
                            timeout=60).stdout
        if "state: running" in st:
            time.sleep(0.5)
            return
        time.sleep(0.1)
    raise AssertionError(f"the run did not start within {bound} s (exit {p.poll()})")


def error_lines(text):
    return [line for line in text.splitlines() if line.startswith("fasim: error")]


# ---- 1. SIGINT and SIGHUP are stop requests ----------------------------------------------------------------
def stop_with(sig, ranks, to_group, env=None):
    d = job_dir(LONG_RUN)
    p = launch(fasim_argv(["run", "small.ini"], ranks), d, env)
    wait_until_running(d, p)
    if to_group:
        os.killpg(p.pid, sig)  # Ctrl-C in a terminal, a hang-up: the whole foreground process group
    else:
        os.kill(p.pid, sig)
    rc, out, err = finish(p)
    return d, rc, out, err


def test_int_and_hup_checkpoint_a_singleton():
    for sig in (signal.SIGINT, signal.SIGHUP):
        d, rc, out, err = stop_with(sig, 1, False)
        assert rc == 75, f"{sig.name}: exit {rc}, expected 75\n{err[-1500:]}"
        assert status_attr(f"{d}/out/small.h5") == "checkpointed", f"{sig.name}: status not checkpointed"
        assert os.path.exists(f"{d}/out/small.h5.ckpt"), f"{sig.name}: no checkpoint"
        st = subprocess.run([FASIM_ABS, "status", "small.ini"], cwd=d, env=ENV, capture_output=True, text=True).stdout
        assert "action: resume" in st, f"{sig.name}: status after the stop:\n{st}"


HYDRA = "hydra" in os.path.basename(MPIEXEC) or "mpich" in os.path.basename(MPIEXEC)
# Open MPI's mpirun passes TERM/INT/HUP on to the ranks as TERM and SIGKILLs them 1 s later
# (odls_base_sigkill_timeout), too soon for a checkpoint on this loaded machine; a user gives them longer the same
# way (docs/lifecycle.md). It also delays mpirun's exit after any nonzero exit by twice that, so 5 s here.
LAUNCHER_ENV = dict(ENV, OMPI_MCA_odls_base_sigkill_timeout="5")


def test_int_and_hup_checkpoint_under_the_launcher():
    """To the launcher alone and to its whole process group (Ctrl-C, a hang-up): the ranks checkpoint, and the
    launcher reports the code docs/lifecycle.md lists for it. MPICH's Hydra dies of SIGHUP itself and its proxies
    kill the ranks at once: no checkpoint is possible there (documented), and the run is left resumable as after
    a SIGKILL (state interrupted)."""
    documented = {  # (signal, to the process group) -> the launcher's exit code
        "mpirun": {("SIGINT", False): (1,), ("SIGINT", True): (1,), ("SIGHUP", False): (1,), ("SIGHUP", True): (1,)},
        "hydra": {("SIGINT", False): (0, 75), ("SIGINT", True): (0, 75), ("SIGHUP", False): (-1,), ("SIGHUP", True): (-1,)},
    }["hydra" if HYDRA else "mpirun"]
    for sig in (signal.SIGINT, signal.SIGHUP):
        for to_group in (False, True):
            d, rc, out, err = stop_with(sig, 2, to_group, LAUNCHER_ENV)
            where = "process group" if to_group else "launcher"
            status = status_attr(f"{d}/out/small.h5")
            print(f"  {os.path.basename(MPIEXEC)}: {sig.name} to the {where}: launcher exit {rc}, result {status}",
                  flush=True)
            assert rc in documented[(sig.name, to_group)], \
                f"{sig.name} to the {where}: launcher exit {rc}, documented {documented[(sig.name, to_group)]}"
            want = "running" if HYDRA and sig == signal.SIGHUP else "checkpointed"
            assert status == want, f"{sig.name} to the {where}: status {status}, expected {want}\n{err[-1500:]}"
            assert not error_lines(err), f"{sig.name} to the {where}: {error_lines(err)}"


def test_ignored_hup_stays_ignored():
    """`nohup fasim run` (HUP ignored at the start) asks to survive a hang-up: fasim keeps ignoring it."""
    d = job_dir(LONG_RUN)
    p = launch(["nohup", FASIM_ABS, "run", "small.ini"], d)
    wait_until_running(d, p)
    os.kill(p.pid, signal.SIGHUP)
    time.sleep(2)
    alive = p.poll() is None
    os.kill(p.pid, signal.SIGUSR1)
    rc, _, err = finish(p)
    assert alive and rc == 75, f"nohup'ed run: alive after HUP {alive}, exit {rc}\n{err[-800:]}"


# ---- 1b. the job script reports what the result says -------------------------------------------------------
def test_sbatch_reports_checkpointed_after_term_to_every_process():
    """A Slurm time limit: TERM to every process of the job (script, launcher, ranks). The checkpoint is written
    and the script exits 75 whatever the launcher returned."""
    d = job_dir(LONG_RUN)
    p = launch(["bash", f"{REPO}/slurm/run.sbatch", "small.ini"], d, dict(sbatch_env(d, 2), **{
        k: v for k, v in LAUNCHER_ENV.items() if k.startswith("OMPI_MCA_odls")}))
    wait_until_running(d, p)
    os.killpg(p.pid, signal.SIGTERM)
    rc, out, err = finish(p)
    assert status_attr(f"{d}/out/small.h5") == "checkpointed", f"status {status_attr(f'{d}/out/small.h5')}\n{out}"
    assert rc == 75, f"run.sbatch exited {rc} on a checkpointed result:\n{out[-2000:]}{err[-1000:]}"


def test_sbatch_success_while_another_process_holds_the_lock():
    """Lifecycle seed 453018060, sequence 50: fasim finished (complete) and a second writer took the result's lock
    for its refusal just when run.sbatch asked `fasim status`: the state was `running`, and the script reported
    a failure without a line. It reports what the result records: complete."""
    d = job_dir(200)
    # The second writer: once the run has ended, the script's next `fasim status` finds the result's lock held
    # (by a process that writes a holder line, as `fasim resume out/small.h5` does before it refuses).
    wrapper = write(f"{d}/fasim-then-lock", f"""#!/bin/bash
if [[ $1 == status && -e ran && ! -e locked ]]; then
  setsid -f /usr/bin/python3 -c 'import fcntl, time
f = open("out/small.h5.lock", "a"); fcntl.lockf(f, fcntl.LOCK_EX); f.write("host x, pid 1, since now\\n"); f.flush()
open("locked", "w").close(); time.sleep(8)'
  for _ in $(seq 200); do [[ -e locked ]] && break; sleep 0.1; done
fi
"{FASIM_ABS}" "$@"
rc=$?
[[ $1 == run && $* != *--dry-run* ]] && touch ran
exit $rc
""")
    os.chmod(wrapper, 0o755)
    env = dict(sbatch_env(d, 1), FASIM=wrapper)
    rc, out, err = finish(launch(["bash", f"{REPO}/slurm/run.sbatch", "small.ini"], d, env))
    assert rc == 0, f"run.sbatch exited {rc} on a complete result:\n{out[-2000:]}{err[-1000:]}"
    assert status_attr(f"{d}/out/small.h5") == "complete"


# ---- 2. long names -----------------------------------------------------------------------------------------
def test_long_output_names_are_refused_before_anything_is_written():
    name_max = os.pathconf("/tmp", "PC_NAME_MAX")
    for length in (name_max - 30, name_max - 20, name_max - 10, name_max - 3, name_max):
        d = job_dir(100)
        name = ("r" * (length - 3)) + ".h5"
        p = subprocess.run([FASIM_ABS, "run", "small.ini", f"--output.file=out/{name}"], cwd=d, env=ENV,
                           capture_output=True, text=True, timeout=TIMEOUT)
        left = os.listdir(f"{d}/out")
        fits = length + 21 + 5 <= name_max  # the checkpoint's temporary: <name>.ckpt.<16 hex>.tmp
        if fits:
            assert p.returncode == 0, f"{length}-byte name: exit {p.returncode}\n{p.stderr}"
            continue
        assert p.returncode == 2, f"{length}-byte name: exit {p.returncode}, expected 2\n{p.stderr[-1500:]}"
        lines = error_lines(p.stderr)
        assert len(lines) == 1 and "NAME_MAX" in lines[0], f"{length}-byte name: stderr {p.stderr[-1500:]}"
        assert left == [], f"{length}-byte name: left {left}"
    # The directory too: a path over PATH_MAX with fasim's suffixes.
    d = job_dir(100)
    deep = "out/" + "/".join(["d" * 200] * 21) + "/r.h5"
    p = subprocess.run([FASIM_ABS, "run", "small.ini", f"--output.file={deep}"], cwd=d, env=ENV, capture_output=True,
                       text=True, timeout=TIMEOUT)
    assert p.returncode == 2 and "PATH_MAX" in p.stderr, f"deep path: exit {p.returncode}\n{p.stderr[-800:]}"
    assert os.listdir(f"{d}/out") == [], "deep path: directories were made"
    # collect's summary and CSV: written under `<name>.<16 hex>.tmp`, so the same 21 bytes must fit.
    subprocess.run([FASIM_ABS, "run", "small.ini"], cwd=d, env=ENV, check=True, capture_output=True, timeout=TIMEOUT)
    for flag, suffix in (("--output", ".h5"), ("--csv", ".csv")):
        for length, fits in ((name_max - 21, True), (name_max - 20, False), (name_max, False)):
            name = "s" * (length - len(suffix)) + suffix
            p = subprocess.run([FASIM_ABS, "collect", "out", flag, f"sums/{name}"], cwd=d, env=ENV,
                               capture_output=True, text=True, timeout=TIMEOUT)
            if fits:
                assert p.returncode == 0 and os.path.exists(f"{d}/sums/{name}"), f"collect {flag} {length}: {p.stderr}"
                os.unlink(f"{d}/sums/{name}")
                continue
            lines = error_lines(p.stderr)
            assert p.returncode == 2 and len(lines) == 1 and "NAME_MAX" in lines[0] and flag in lines[0], \
                f"collect {flag} with a {length}-byte name: exit {p.returncode}\n{p.stderr[-800:]}"
            assert not os.path.exists(f"{d}/sums") or os.listdir(f"{d}/sums") == [], os.listdir(f"{d}/sums")


# ---- 5. the job file's resumable keys apply on resubmission ------------------------------------------------
def test_resubmission_applies_the_edited_job_file():
    d = job_dir(LONG_RUN)
    p = launch(["bash", f"{REPO}/slurm/run.sbatch", "small.ini"], d, sbatch_env(d, 1))
    wait_until_running(d, p)
    os.kill(p.pid, signal.SIGUSR1)
    rc, out, _ = finish(p)
    assert rc == 75, f"first submission: exit {rc}\n{out[-1500:]}"
    with h5py.File(f"{d}/out/small.h5.ckpt", "r") as f:
        at = int(f.attrs["step"])
    target = at + 300
    write(f"{d}/small.ini", CONFIG.format(steps=target))  # the user edits the job, then resubmits it
    rc, out, err = finish(launch(["bash", f"{REPO}/slurm/run.sbatch", "small.ini"], d, sbatch_env(d, 1)))
    assert rc == 0, f"resubmission: exit {rc}\n{out[-1500:]}{err[-800:]}"
    assert status_attr(f"{d}/out/small.h5") == "complete" and last_step(f"{d}/out/small.h5") == target, \
        f"resubmission ended at step {last_step(f'{d}/out/small.h5')}, the job asks {target}"
    # And a complete result continued by an edited job: 300 more steps.
    write(f"{d}/small.ini", CONFIG.format(steps=target + 300))
    rc, out, err = finish(launch(["bash", f"{REPO}/slurm/run.sbatch", "small.ini"], d, sbatch_env(d, 1)))
    assert rc == 0 and last_step(f"{d}/out/small.h5") == target + 300, \
        f"continuation: exit {rc}, step {last_step(f'{d}/out/small.h5')}\n{out[-1500:]}"


# ---- 6. collect skips foreign files ------------------------------------------------------------------------
def test_collect_skips_every_foreign_file():
    d = job_dir(200)
    subprocess.run([FASIM_ABS, "run", "small.ini"], cwd=d, env=ENV, check=True, capture_output=True, timeout=TIMEOUT)
    with h5py.File(f"{d}/out/empty-runs.h5", "w") as f:
        f.create_group("runs")
    with h5py.File(f"{d}/out/other.h5", "w") as f:
        f["x"] = np.arange(3.0)
    p = subprocess.run([FASIM_ABS, "collect", "out", "--output", "sum.h5"], cwd=d, env=ENV, capture_output=True,
                       text=True, timeout=TIMEOUT)
    assert p.returncode == 0, f"collect exited {p.returncode}:\n{p.stdout}{p.stderr}"
    for foreign in ("empty-runs.h5", "other.h5"):
        assert any("skipped" in l and foreign in l for l in p.stdout.splitlines()), f"no line for {foreign}:\n{p.stdout}"
    with h5py.File(f"{d}/sum.h5", "r") as f:
        rows = {len(f["points"][k]) for k in f["points"]} if isinstance(f["points"], h5py.Group) else {len(f["points"])}
    assert rows == {1}, f"summary rows {rows}"


# ---- 7. completion masks and fractions ---------------------------------------------------------------------
COMPLETION = """[problem]
source = synthetic
n = 12
m = 10
k = 2
spectrum = list
values = 1,0.5
observe = completion
[model]
r = 3
[run]
algorithms = gd
steps = 200
record_every = 50
[gd]
lr = 0.5
[input]
file = in.h5
[grid]
block = 4
[output]
file = out.h5
progress_seconds = 0
"""


def test_masks_of_any_zero_one_type_give_the_same_run():
    d = tmpdir()
    rng = np.random.default_rng(3)
    y = rng.standard_normal((12, 3)) @ rng.standard_normal((3, 10))
    mask = rng.random((12, 10)) < 0.6
    results = {}
    for dtype in ("f8", "bool", "u1", "i1", "i8", "f4"):
        os.makedirs(f"{d}/{dtype}")
        with h5py.File(f"{d}/{dtype}/in.h5", "w") as f:
            f["Y"] = y
            f["M"] = mask.astype(dtype)
        write(f"{d}/{dtype}/c.ini", COMPLETION)
        p = subprocess.run([FASIM_ABS, "run", "c.ini"], cwd=f"{d}/{dtype}", env=ENV, capture_output=True, text=True,
                           timeout=TIMEOUT)
        assert p.returncode == 0, f"mask as {dtype}: exit {p.returncode}\n{p.stderr[-800:]}"
        with h5py.File(f"{d}/{dtype}/out.h5", "r") as f:
            results[dtype] = f["runs/gd/trajectory/loss"][()]
    for dtype, loss in results.items():
        assert np.array_equal(loss, results["f8"]), f"mask as {dtype} gives another run"
    # Values other than 0/1 are still refused, whatever the type.
    with h5py.File(f"{d}/i8/in.h5", "a") as f:
        del f["M"]
        f["M"] = (mask * 2).astype("i8")
    p = subprocess.run([FASIM_ABS, "run", "c.ini", "--output.file=out2.h5"], cwd=f"{d}/i8", env=ENV,
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert p.returncode == 2 and "0 (unobserved) and 1 (observed)" in p.stderr, p.stderr[-800:]


def test_completion_edge_fractions():
    d = job_dir(200)
    extra = ["--problem.observe=completion", "--run.record_every=50"]
    p = subprocess.run([FASIM_ABS, "run", "small.ini", "--completion.fraction=1"] + extra, cwd=d, env=ENV,
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert p.returncode == 0, p.stderr[-800:]
    with h5py.File(f"{d}/out/small.h5", "r") as f:
        y2 = float(np.sum(f["problem/Y"][()] ** 2))
        for a in f["runs"]:
            traj = f[f"runs/{a}/trajectory"]
            test, full = traj["test_error"][()], traj["full_error"][()]
            assert np.all(np.isfinite(test)), f"{a}: test_error {test}"
            assert np.allclose(test, full / y2, rtol=1e-12), f"{a}: test_error {test} vs full/‖Y‖² {full / y2}"
    p = subprocess.run([FASIM_ABS, "run", "small.ini", "--completion.fraction=1e-9", "--output.file=out/tiny.h5"]
                       + extra, cwd=d, env=ENV, capture_output=True, text=True, timeout=TIMEOUT)
    lines = error_lines(p.stderr)
    assert p.returncode == 2 and len(lines) == 1 and "observes no entry" in lines[0], p.stderr[-800:]
    assert not os.path.exists(f"{d}/out/tiny.h5"), "a result was written for a run that observes nothing"


if __name__ == "__main__":
    only = sys.argv[1:]
    tests = [v for k, v in dict(globals()).items() if k.startswith("test_") and (not only or k in only)]
    run_tests(tests)
