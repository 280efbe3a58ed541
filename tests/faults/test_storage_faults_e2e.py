#!/usr/bin/python3
"""Storage faults in every phase (docs/faults.md): a write that fails with ENOSPC, EDQUOT or EIO on one rank only
(the LD_PRELOAD shim tests/faults/fault_shim.c) ends every rank within seconds with exit 1 and one
`fasim: error:` line naming the cause in words, the real path and the next step; nothing that existed before
is lost (a complete result stays byte-identical, the checkpoint ring keeps its newest good generation), no
temporary and no lock is left. A hang is a failure: the whole process group is killed after the bound. Also:
a result truncated while the run writes it is no success, and flushed rows are durable and visible."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import h5py


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "app"))
from e2e_support import ENV, SMALL, fasim, run_tests, tmpdir, write  # noqa: E402
import fault_support  # noqa: E402
from fault_support import leftovers, sha, status, wait  # noqa: E402

SHIM = os.environ.get("FASIM_FAULT_SHIM", "")
BOUND = 8.0  # seconds from the fault to the exit: below FASIM_AGREE_TIMEOUT (10), so no MPI_Abort hides a hang
WORDS = {"ENOSPC": "no space left on device", "EDQUOT": "disk quota exceeded", "EIO": "I/O error",
         "EFBIG": "file too large"}
# Long enough to be running when the fault is armed; rows recorded and flushed often.
LONG = (SMALL.replace("steps = 400", "steps = 400000").replace("record_every = 20", "record_every = 10")
        + "[output]\nflush_every = 2\nprogress_seconds = 0\n")


def launch(args, ranks, fault=None):
    """`fasim ARGS` on `ranks` ranks, with the shim armed as `fault` says (none without)."""
    return fault_support.launch(args, ranks, fault, SHIM if fault else "")


def fault(d, errno_name, rank, path, armed=False, skip=".lock"):
    # A result is written under a temporary name and linked at its path: its descriptor keeps the first name.
    f = {"FASIM_FAULT_ERRNO": errno_name, "FASIM_FAULT_RANK": str(rank), "FASIM_FAULT_PATH": path,
         "FASIM_FAULT_LOG": f"{d}/fault.log", "FASIM_FAULT_SKIP": skip}
    if armed:
        f["FASIM_FAULT_ARMED"] = f"{d}/armed"
    return f


def fails_clearly(p, d, errno_name, words, limit=90):
    """The run ends within BOUND seconds of the fault's first firing (the shim's log), exit 1, one line."""
    out, err = wait(p, limit)
    ended = time.time()
    log = f"{d}/fault.log"
    assert os.path.exists(log), f"the fault never fired (exit {p.returncode}):\n{out}\n{err}"
    elapsed = ended - os.path.getmtime(log)
    assert elapsed < BOUND, f"exit {elapsed:.1f} s after the fault:\n{err}"
    assert p.returncode == 1, f"exit {p.returncode}, expected 1:\n{out}\n{err}"
    lines = [line for line in err.splitlines() if line.startswith("fasim: error")]
    assert len(lines) == 1, f"expected one error line:\n{err}"
    for w in [WORDS[errno_name]] + list(words):
        assert w in lines[0], f"'{w}' not in: {lines[0]}"
    for bad in ("Segmentation", "Signal", "aborting the job", "MPI_ABORT", ".tmp'"):
        assert bad not in err, f"'{bad}' in:\n{err}"
    return lines[0], elapsed


def arm_when(d, p, condition, timeout=60):
    deadline = time.time() + timeout
    while not condition() and time.time() < deadline and p.poll() is None:
        time.sleep(0.02)
    assert p.poll() is None, f"the run ended before the fault was armed: {p.communicate()}"
    open(f"{d}/armed", "w").close()


CASES = [("ENOSPC", 0), ("EDQUOT", 1), ("EIO", 0)]


def test_new_result():
    """The disk is full from the start: the header cannot be written. Nothing appears at the path."""
    for errno_name, rank in CASES:
        d = tmpdir()
        ini = write(f"{d}/a.ini", SMALL)
        p = launch(["run", ini, f"--output.file={d}/r.h5"], 2, fault(d, errno_name, rank, "r.h5"))
        line, _ = fails_clearly(p, d, errno_name, [f"'{d}/r.h5'", "rerun"])
        assert not os.path.exists(f"{d}/r.h5"), "a result appeared although its header was never written"
        assert leftovers(d) == [], leftovers(d)


def test_trajectory_flush():
    """The disk fills while the run writes its trajectory (no checkpoint yet): every rank leaves within
    seconds, the lock and temporaries are gone."""
    for errno_name, rank in CASES + [("EFBIG", 1)]:
        d = tmpdir()
        ini = write(f"{d}/a.ini", LONG)
        out = f"{d}/r.h5"
        p = launch(["run", ini, f"--output.file={out}", "--output.checkpoint_seconds=0"], 2,
                   fault(d, errno_name, rank, "r.h5", armed=True, skip=".lock,.ckpt"))
        arm_when(d, p, lambda: os.path.exists(out))
        fails_clearly(p, d, errno_name, [f"'{out}'", "rerun"])
        assert leftovers(d) == [], leftovers(d)


def test_checkpoint():
    """The disk fills while a checkpoint is written: the ring keeps its newest good generation, and the
    message names it."""
    for errno_name, rank in [("ENOSPC", 1), ("EIO", 0)]:
        d = tmpdir()
        ini = write(f"{d}/a.ini", LONG)
        out, ck = f"{d}/r.h5", f"{d}/r.h5.ckpt"
        p = launch(["run", ini, f"--output.file={out}", "--output.checkpoint_every=300"], 2,
                   fault(d, errno_name, rank, ".ckpt", armed=True))
        arm_when(d, p, lambda: os.path.exists(ck))
        good = sha(ck) if not os.path.exists(f"{ck}.1") else None
        line, _ = fails_clearly(p, d, errno_name, [f"fasim resume {d}/r.h5.ckpt"])
        with h5py.File(ck, "r") as f:
            assert f.attrs["complete"] == 1, "the newest checkpoint is not complete"
            step = int(f.attrs["step"])  # not a fixed number: how far the run got depends on the machine
        if good:
            assert sha(ck) == good
        assert leftovers(d) == [] and leftovers(d, "r.h5.ckpt") == [], leftovers(d)
        r = fasim(["resume", ck, f"--run.steps={step + 300}"], ranks=2)
        assert status(out) == "complete", r.stdout


def test_continue():
    """`fasim resume RESULT --run.steps=N` on a full disk: the complete result stays complete and
    byte-identical, whether the fault hits the first checkpoint or the appended rows."""
    d = tmpdir()
    ini = write(f"{d}/a.ini", LONG.replace("steps = 400000", "steps = 400"))
    out = f"{d}/r.h5"
    fasim(["run", ini, f"--output.file={out}"], ranks=2)
    before = sha(out)
    for errno_name, rank, path in [("ENOSPC", 0, ".ckpt"), ("EDQUOT", 1, "r.h5$"), ("EIO", 0, "r.h5$")]:
        if os.path.exists(f"{d}/fault.log"):
            os.unlink(f"{d}/fault.log")
        p = launch(["resume", out, "--run.steps=400000", "--output.checkpoint_seconds=0"], 2,
                   fault(d, errno_name, rank, path))
        fails_clearly(p, d, errno_name, [f"'{out}'"])
        assert sha(out) == before, f"{errno_name} on {path}: the complete result changed"
        assert status(out) == "complete"
        assert leftovers(d) == [], leftovers(d)


def test_overwrite():
    """--output.overwrite=true on a full disk: the result it would replace stays as it was."""
    for errno_name, rank in [("ENOSPC", 1)]:
        d = tmpdir()
        ini = write(f"{d}/a.ini", SMALL)
        out = f"{d}/r.h5"
        fasim(["run", ini, f"--output.file={out}"], ranks=2)
        before = sha(out)
        p = launch(["run", ini, f"--output.file={out}", "--output.overwrite=true"], 2,
                   fault(d, errno_name, rank, "r.h5"))
        fails_clearly(p, d, errno_name, [f"'{out}'"])
        assert sha(out) == before, "the result overwrite would replace changed although the new one failed"
        assert leftovers(d) == [], leftovers(d)


def test_collect():
    """`fasim collect` on a full disk: the summary it would replace stays, no temporary is left."""
    for errno_name, rank in [("ENOSPC", 0)]:
        d = tmpdir()
        os.mkdir(f"{d}/res")
        ini = write(f"{d}/a.ini", SMALL)
        fasim(["run", ini, f"--output.file={d}/res/r.h5"], ranks=1)
        fasim(["collect", f"{d}/res", "--output", f"{d}/sum.h5"], ranks=1)
        before = sha(f"{d}/sum.h5")
        p = launch(["collect", f"{d}/res", "--output", f"{d}/sum.h5", "--overwrite"], 2,
                   fault(d, errno_name, rank, "sum.h5"))
        fails_clearly(p, d, errno_name, [f"'{d}/sum.h5'"])
        assert sha(f"{d}/sum.h5") == before, "the previous summary changed"
        assert leftovers(d, "sum.h5") == [], leftovers(d, "sum.h5")


SWEEP = SMALL + """
[output]
file = res/pt.h5
progress_seconds = 0
[sweep]
problem.seed = 0:2
"""


def test_sweep():
    """`fasim sweep run` on a full disk: the failing point says why, the group runs no further point, and the
    sweep ends with exit 1 within seconds."""
    d = tmpdir()
    ini = write(f"{d}/sweep.ini", SWEEP)
    env_cwd = os.getcwd()
    os.chdir(d)
    try:
        p = launch(["sweep", "run", ini], 2, fault(d, "ENOSPC", 1, "pt-"))
        out, err = wait(p, 90)
        ended = time.time()
    finally:
        os.chdir(env_cwd)
    assert os.path.exists(f"{d}/fault.log"), f"the fault never fired:\n{out}\n{err}"
    assert ended - os.path.getmtime(f"{d}/fault.log") < BOUND, "no exit within seconds of the fault"
    assert p.returncode == 1, f"exit {p.returncode}:\n{out}\n{err}"
    lines = [line for line in err.splitlines() if line.startswith("fasim: point")]
    assert lines and all(WORDS["ENOSPC"] in line for line in lines), err
    assert "runs no further point" in lines[0], lines[0]
    assert "Segmentation" not in err and "MPI_ABORT" not in err, err
    assert leftovers(f"{d}/res", "pt-0.h5") == [] and leftovers(f"{d}/res", "pt-1.h5") == []


def test_singleton_eio_mid_run():
    """EIO mid-run in a single process: exit 1 and the line, no crash in HDF5's shutdown."""
    d = tmpdir()
    ini = write(f"{d}/a.ini", LONG)
    out = f"{d}/r.h5"
    p = launch(["run", ini, f"--output.file={out}"], 1, fault(d, "EIO", 0, "r.h5", armed=True, skip=".lock,.ckpt"))
    arm_when(d, p, lambda: os.path.exists(out))
    fails_clearly(p, d, "EIO", [f"'{out}'"])
    assert leftovers(d) == [], leftovers(d)


def test_truncated_result_is_no_success():
    """A result truncated while the run loop writes it: exit 1 saying so, never 0. The file is cut once the run
    has printed its first progress line, i.e. after the result was created and flushed: a cut during creation
    (docs/faults.md) is outside this row. Waiting a fixed time instead raced under load: at load 12 the creation
    took longer than the 0.3 s this test used to wait, the cut went unseen and the 200,000 steps outlasted the
    bound. (Rows are flushed at the end only here: a truncation racing HDF5's own reads of the file is outside
    what fasim can agree on.)"""
    d = tmpdir()
    ini = write(f"{d}/a.ini", LONG.replace("steps = 400000", "steps = 200000")
                .replace("flush_every = 2", "flush_every = 1000000")
                .replace("progress_seconds = 0", "progress_seconds = 0.2"))
    out = f"{d}/r.h5"
    env = dict(ENV, FASIM_PROGRESS="lines")
    log = tempfile.TemporaryFile(mode="w+")  # a file, so that the progress lines can be read while it runs
    cmd = [fault_support.MPIEXEC, "-n", "2", fault_support.FASIM, "run", ini, f"--output.file={out}",
           "--output.checkpoint_seconds=0"]
    p = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.time() + 120
    while p.poll() is None and time.time() < deadline:
        log.seek(0)
        if re.search(r"^step \d+/200000 ", log.read(), re.M):
            break
        time.sleep(0.05)
    else:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        log.seek(0)
        raise AssertionError(f"no progress line within 120 s (exit {p.returncode}):\n{log.read()}")
    os.truncate(out, 0)
    try:
        _, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        _, err = p.communicate()
        log.seek(0)
        raise AssertionError(f"no exit within 120 s of the cut (a hang):\n{log.read()}\n{err}")
    log.seek(0)
    out_text = log.read()
    assert p.returncode == 1, f"exit {p.returncode}:\n{out_text}\n{err}"
    lines = [line for line in err.splitlines() if line.startswith("fasim: error")]
    assert len(lines) == 1 and out in lines[0], err
    assert "truncated" in lines[0], lines[0]
    assert "Segmentation" not in err and "MPI_ABORT" not in err, err


def test_an_earlier_runs_temporaries_are_removed_and_named():
    """What a failed or killed run left beside its result and its checkpoint (`<name>.<16 hex>.tmp`) is removed
    by the next run of that result, which names each file; anything else that merely looks alike stays."""
    d = tmpdir()
    ini = write(f"{d}/a.ini", SMALL)
    out, ck = f"{d}/r.h5", f"{d}/c/r.ckpt"
    os.mkdir(f"{d}/c")
    stale = [f"{out}.0123456789abcdef.tmp", f"{ck}.fedcba9876543210.tmp"]
    alike = [f"{out}.0123456789ABCDEF.tmp", f"{out}.0123.tmp", f"{out}.tmp", f"{d}/other.h5.0123456789abcdef.tmp",
             f"{ck}.0123456789abcdef.tmp.keep"]
    for path in stale + alike:
        write(path, "left\n")
    p = fasim(["run", ini, f"--output.file={out}", f"--output.checkpoint_file={ck}"], ranks=2)
    said = [line for line in p.stdout.splitlines() if "temporary file(s) an earlier run left behind" in line]
    assert len(said) == 1 and said[0].startswith("fasim: removed 2 "), p.stdout
    for path in stale:
        assert not os.path.exists(path), f"{path} was left"
        assert f"'{path}'" in said[0], said[0]
    for path in alike:
        assert os.path.exists(path), f"{path}, not a temporary of this result, was removed"
    assert sorted(set(leftovers(d)) - set(alike)) == [], leftovers(d)


def test_flushed_rows_are_visible_and_durable():
    """A reader sees a running result's rows up to its last flush; a SIGKILLed run's file keeps them."""
    d = tmpdir()
    ini = write(f"{d}/a.ini", LONG)
    out = f"{d}/r.h5"
    p = launch(["run", ini, f"--output.file={out}", "--output.checkpoint_seconds=0"], 2)
    deadline = time.time() + 60
    seen = 0
    while time.time() < deadline and seen < 50:
        time.sleep(0.2)
        try:
            with h5py.File(out, "r") as f:
                seen = f["runs/gd/trajectory/step"].shape[0]
        except (OSError, KeyError):
            continue
    assert seen >= 50, f"a reader saw {seen} rows of the running result"
    info = json.loads(fasim(["info", out, "--json"]).stdout)
    assert info["algorithms"]["gd"]["records"] >= seen, f"fasim info: {info['algorithms']}, h5py saw {seen}"
    # fasim_post (what fasim-plot, xarray and to_dataframe read through) sees them too.
    tools = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools")
    post = subprocess.run(["/usr/bin/python3", "-c", "import sys, fasim_post.io as io; "
                           "print(io.load(sys.argv[1]).runs['gd'].trajectory['step'].shape[0])", out],
                          env=dict(ENV, PYTHONPATH=tools), capture_output=True, text=True, timeout=120)
    assert post.returncode == 0 and int(post.stdout.split()[-1]) >= seen, \
        f"fasim_post.io.load of the running result: {post.stdout} {post.stderr[-800:]}"
    os.killpg(p.pid, signal.SIGKILL)
    p.communicate()
    with h5py.File(out, "r") as f:
        kept = f["runs/gd/trajectory/step"].shape[0]
        steps = f["runs/gd/trajectory/step"][:]
    assert kept >= seen, f"{kept} rows after SIGKILL, {seen} seen before"
    assert steps[0] == 0 and all(b > a for a, b in zip(steps, steps[1:])), steps[:10]


if __name__ == "__main__":
    if not SHIM or not os.path.exists(SHIM):
        print(f"SKIP: the fault shim is not built (FASIM_FAULT_SHIM = '{SHIM}')")
        sys.exit(77)
    only = sys.argv[1:]
    tests = [t for name, t in sorted(globals().items()) if name.startswith("test_") and (not only or name in only)]
    run_tests(tests)
