#!/usr/bin/python3
"""End-to-end faults while running: the output directory or file vanishing mid-run fails with one clear
`fasim: error:` line naming the file, a nonzero exit, within a bounded time (no crash, no hang, no "complete"
written into an unreachable inode); `fasim info` on a checkpoint (docs/bad-inputs.md)."""
import hashlib
import json
import os
import shutil
import subprocess
import time

import h5py

from e2e_support import ENV, FASIM, MPIEXEC, SMALL, fasim, run_tests, tmpdir, write

LONG = SMALL.replace("steps = 400", "steps = 1000000").replace("record_every = 20", "record_every = 500")


def _start(ini, out, ranks, extra=()):
    cmd = [MPIEXEC, "-n", str(ranks), FASIM, "run", ini, f"--output.file={out}",
           "--output.progress_seconds=0"] + list(extra)
    return subprocess.Popen(cmd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_running(p, path):
    # Act once the run is stepping (its result file exists), however fast the machine is.
    deadline = time.time() + 60
    while not os.path.exists(path) and time.time() < deadline and p.poll() is None:
        time.sleep(0.05)
    assert p.poll() is None, f"the run ended before the fault was injected: {p.communicate()}"
    time.sleep(0.7)


def _delete_while_running(path, p):
    """Deletes the directory `path` while fasim (process `p`) runs, as a user's `rm -rf` repeated until it is gone
    would: fasim may create or rename a file in it while the tree is walked (ENOENT, ENOTEMPTY), which is the
    fault being tested, not a failure of the test."""
    for _ in range(200):
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.exists(path) or p.poll() is not None:
            break
        time.sleep(0.01)
    assert not os.path.exists(path) or p.poll() is not None, f"could not delete {path}"


def _fails_clearly(p, expect, bound=20):
    t0 = time.time()
    try:
        out, err = p.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise AssertionError(f"no exit within {bound} s after the fault (hang):\n{out}\n{err}")
    elapsed = time.time() - t0
    assert p.returncode not in (0, 75), f"exit code {p.returncode} after the fault:\n{out}\n{err}"
    assert p.returncode == 1, f"exit code {p.returncode} (a crash?), expected 1:\n{err}"
    lines = [l for l in err.splitlines() if l.startswith("fasim: error")]
    assert len(lines) == 1, f"expected one error line, got:\n{err}"
    for word in expect:
        assert word in lines[0], f"'{word}' not in: {lines[0]}"
    assert "Signal" not in err and "AddressSanitizer" not in err, err
    return lines[0], elapsed


def test_output_directory_deleted_mid_run_fails_clearly():
    for ranks in (1, 2):
        d = tmpdir()
        ini = write(f"{d}/a.ini", LONG)
        os.mkdir(f"{d}/res")
        out = f"{d}/res/x.h5"
        p = _start(ini, out, ranks)
        _wait_running(p, out)
        _delete_while_running(f"{d}/res", p)
        line, elapsed = _fails_clearly(p, [out, "directory", f"{d}/res", "deleted"])
        assert elapsed < 20, f"{ranks} ranks: took {elapsed:.1f} s"


def test_output_directory_deleted_with_checkpoints_on_fails_clearly():
    d = tmpdir()
    ini = write(f"{d}/a.ini", LONG)
    os.mkdir(f"{d}/res")
    out = f"{d}/res/x.h5"
    p = _start(ini, out, 2, ["--output.checkpoint_every=200"])
    _wait_running(p, out)
    _delete_while_running(f"{d}/res", p)
    _fails_clearly(p, [out, "deleted"])
    assert not os.path.exists(f"{d}/res"), "the deleted directory was recreated"


def test_output_file_deleted_or_replaced_mid_run_fails_clearly():
    d = tmpdir()
    ini = write(f"{d}/a.ini", LONG)
    out = f"{d}/x.h5"
    p = _start(ini, out, 2)
    _wait_running(p, out)
    os.unlink(out)
    _fails_clearly(p, [out, "was moved or deleted", "no checkpoint of this run exists"])
    p = _start(ini, out, 1)
    _wait_running(p, out)
    os.rename(out, f"{d}/moved.h5")
    write(out, "not the result file\n")
    _fails_clearly(p, [out, "replaced"])


def test_result_moved_with_a_checkpoint_says_how_to_resume():
    # The result moved away mid-run while its checkpoint stays: the message says so and names the resume
    # command, never that the results are lost (issue 29).
    d = tmpdir()
    ini = write(f"{d}/a.ini", LONG)
    out = f"{d}/x.h5"
    p = _start(ini, out, 2, ["--output.checkpoint_every=200"])
    deadline = time.time() + 60
    while not os.path.exists(f"{out}.ckpt") and time.time() < deadline and p.poll() is None:
        time.sleep(0.02)
    os.rename(out, f"{d}/moved.h5")
    line, _ = _fails_clearly(p, [out, "moved or deleted", f"fasim resume {out}.ckpt"])
    assert "lost" not in line, line


def test_short_run_with_output_kept_still_completes():
    # The watch costs nothing visible and does not fire on a healthy run (fresh and resumed).
    d = tmpdir()
    ini = write(f"{d}/a.ini", SMALL)
    fasim(["run", ini, f"--output.file={d}/ok.h5", "--output.checkpoint_every=200"], ranks=2)
    fasim(["resume", f"{d}/ok.h5.ckpt", "--run.steps=600"], ranks=2)
    with h5py.File(f"{d}/ok.h5", "r") as f:
        assert f.attrs["status"] == "complete"


def test_a_failed_run_is_marked_failed_and_restartable():
    # The checkpoint directory deleted mid-run: the next checkpoint fails, the run exits 1 with one error line,
    # and the result (in another directory) says status = failed with the error and a history line; `fasim
    # status` says what to do (start again: no usable checkpoint is left), which then succeeds.
    d = tmpdir()
    ini = write(f"{d}/a.ini", LONG)
    out, ckdir = f"{d}/f.h5", f"{d}/ck"
    p = _start(ini, out, 1, ["--output.checkpoint_every=500", f"--output.checkpoint_file={ckdir}/f.ckpt"])
    deadline = time.time() + 60
    while not os.path.exists(f"{ckdir}/f.ckpt") and time.time() < deadline and p.poll() is None:
        time.sleep(0.02)
    _delete_while_running(ckdir, p)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 1, (p.returncode, err)
    assert err.count("fasim: error:") == 1, err
    with h5py.File(out, "r") as f:
        assert f.attrs["status"] == "failed", f.attrs["status"]
        assert len(f.attrs["error"]) > 0
        assert "failed: " in f.attrs["history"]
    st = fasim(["status", ini, f"--output.file={out}", f"--output.checkpoint_file={ckdir}/f.ckpt"]).stdout
    assert "state: failed" in st and "action: restart" in st, st
    fasim(["run", ini, f"--output.file={out}", f"--output.checkpoint_file={ckdir}/f.ckpt", "--run.steps=600"],
          ranks=1)
    st = fasim(["status", ini, f"--output.file={out}", f"--output.checkpoint_file={ckdir}/f.ckpt"]).stdout
    assert "state: failed" not in st, st


def test_info_on_a_checkpoint():
    d = tmpdir()
    ini = write(f"{d}/a.ini", SMALL.replace("[gd]\nlr = 1.0", "[gd]\nlr = 10"))  # GD diverges and stops
    fasim(["run", ini, f"--output.file={d}/c.h5", "--run.steps=400", "--output.checkpoint_every=200"], ranks=2)
    ck = f"{d}/c.h5.ckpt"
    with h5py.File(ck, "r") as f:
        config = f.attrs["config"]
        step = int(f.attrs["step"])
    digest = hashlib.sha256(config.encode()).hexdigest()
    text = fasim(["info", ck]).stdout
    assert "checkpoint" in text and "complete" in text, text
    assert f"step {step} of 400" in text, text
    assert digest in text, text
    for alg in ("gd", "fa", "fastar"):
        assert f"\n{alg} " in text, text
    assert any(l.startswith("gd ") and ("diverged" in l or "non-finite" in l) for l in text.splitlines()), text
    assert any(l.startswith("fa ") and "running" in l for l in text.splitlines()), text
    info = json.loads(fasim(["info", ck, "--json"]).stdout)
    assert info["kind"] == "checkpoint" and info["complete"] is True and info["step"] == step, info
    assert info["config_sha256"] == digest and info["config"] == config
    assert list(info["algorithms"]) == ["gd", "fa", "fastar"], info
    assert info["algorithms"]["gd"]["stopped"] is True and info["algorithms"]["fa"]["stopped"] is False, info
    assert info["algorithms"]["fa"]["records"] > 0 and info["algorithms"]["fa"]["last_loss"] > 0, info
    # an incomplete checkpoint (cut short while writing) is shown as such
    shutil.copy(ck, f"{d}/cut.ckpt")
    with h5py.File(f"{d}/cut.ckpt", "r+") as f:
        f.attrs["complete"] = 0
    text = fasim(["info", f"{d}/cut.ckpt"]).stdout
    assert "INCOMPLETE" in text, text
    assert json.loads(fasim(["info", f"{d}/cut.ckpt", "--json"]).stdout)["complete"] is False
    # the result file itself still reads as before, and a file that is neither is refused in one line
    assert "complete" in fasim(["info", f"{d}/c.h5"]).stdout
    other = f"{d}/other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = [1.0]
    p = fasim(["info", other], check=False)
    assert p.returncode != 0
    lines = [l for l in p.stderr.splitlines() if l.startswith("fasim: error")]
    assert len(lines) == 1 and other in lines[0] and "checkpoint" in lines[0], p.stderr


if __name__ == "__main__":
    run_tests([test_a_failed_run_is_marked_failed_and_restartable, test_output_directory_deleted_mid_run_fails_clearly,
               test_output_directory_deleted_with_checkpoints_on_fails_clearly,
               test_output_file_deleted_or_replaced_mid_run_fails_clearly,
               test_short_run_with_output_kept_still_completes,
               test_info_on_a_checkpoint])
