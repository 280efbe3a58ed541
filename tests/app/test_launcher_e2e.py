#!/usr/bin/python3
"""fasim under the build's MPI launcher (Open MPI's mpirun or MPICH's Hydra), as its own process tree:
- a rank never outlives its launcher: SIGKILL of the launcher alone ends every rank within seconds, and the
  result's lock is free for the next submission (app/launcher.hpp: the rank dies with its parent);
- a redirected log is plain lines (no carriage return, no escape sequence) under every launcher, although Open MPI
  gives each rank a pseudo-terminal; the in-place progress bar appears on a terminal of fasim alone, or when asked
  (FASIM_PROGRESS=bar)."""
import os
import pty
import signal
import subprocess
import time

from e2e_support import ENV, MPIEXEC, SMALL, run_tests, tmpdir, write
from lifecycle_support import FASIM_ABS, Job, fasim_ranks, reap_session

LONG = SMALL.replace("steps = 400", "steps = 100000000").replace("record_every = 20", "record_every = 100000")


def alive(pid):
    """Exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_ranks_exit_when_the_launcher_is_killed():
    d = tmpdir()
    ini = write(f"{d}/a.ini", LONG)
    job = Job([MPIEXEC, "-n", "2", FASIM_ABS, "run", ini, f"--output.file={d}/r.h5",
               "--output.progress_seconds=0"], d)
    try:
        deadline = time.time() + 120
        ranks = []
        while time.time() < deadline and job.p.poll() is None:
            ranks = fasim_ranks(job.p.pid)
            if len(ranks) == 2 and os.path.exists(f"{d}/r.h5"):
                break
            time.sleep(0.1)
        assert len(ranks) == 2 and job.p.poll() is None, f"the job did not start: {ranks}, exit {job.p.poll()}"
        time.sleep(0.5)
        os.kill(job.p.pid, signal.SIGKILL)  # the launcher alone, as a node's OOM killer or `kill -9` would
        job.p.wait(timeout=30)
        deadline = time.time() + 15
        while time.time() < deadline and any(alive(p) for p in ranks):
            time.sleep(0.1)
        left = [p for p in ranks if alive(p)]
        assert not left, f"rank(s) {left} outlived their SIGKILLed launcher {os.path.basename(MPIEXEC)}"
        st = subprocess.run([FASIM_ABS, "status", ini, f"--output.file={d}/r.h5"], cwd=d, env=ENV,
                            capture_output=True, text=True, timeout=60)
        assert "state: running" not in st.stdout, f"the result is still held after the job died:\n{st.stdout}"
    finally:
        job.kill()  # the whole session, whatever is left of it
        reap_session(job.p.pid)


def run_logged(argv, d, env, tty=False):
    """(exit code, bytes fasim wrote to its stdout): redirected to a file, or to a pseudo-terminal when `tty`."""
    if not tty:
        with open(f"{d}/log", "wb") as log:
            rc = subprocess.run(argv, cwd=d, env=env, stdout=log, stderr=subprocess.PIPE, timeout=300,
                                start_new_session=True).returncode
        with open(f"{d}/log", "rb") as log:
            return rc, log.read()
    master, slave = pty.openpty()
    p = subprocess.Popen(argv, cwd=d, env=env, stdout=slave, stderr=subprocess.PIPE, start_new_session=True)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the terminal's other side is closed
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return p.wait(timeout=300), out


def test_redirected_logs_are_plain_lines():
    d = tmpdir()
    ini = write(f"{d}/a.ini", SMALL.replace("steps = 400", "steps = 8000").replace("record_every = 20",
                                                                                   "record_every = 4000"))
    env = {k: v for k, v in ENV.items() if k not in ("FASIM_PROGRESS", "SLURM_JOB_ID")}
    env["TERM"] = "xterm"
    args = ["run", ini, "--output.progress_seconds=0.05", "--output.overwrite=true"]
    cases = [("fasim > log", [FASIM_ABS], {}, False, False),
             (f"{os.path.basename(MPIEXEC)} -n 2 > log", [MPIEXEC, "-n", "2", FASIM_ABS], {}, False, False),
             (f"{os.path.basename(MPIEXEC)} -n 2 on a terminal", [MPIEXEC, "-n", "2", FASIM_ABS], {}, True, False),
             ("fasim on a terminal", [FASIM_ABS], {}, True, True),
             ("FASIM_PROGRESS=bar fasim > log", [FASIM_ABS], {"FASIM_PROGRESS": "bar"}, False, True),
             (f"FASIM_PROGRESS=bar {os.path.basename(MPIEXEC)} -n 2 > log", [MPIEXEC, "-n", "2", FASIM_ABS],
              {"FASIM_PROGRESS": "bar"}, False, True)]
    problems = []
    for what, launcher, extra, tty, bar in cases:
        rc, out = run_logged(launcher + args + [f"--output.file={d}/r.h5"], d, dict(env, **extra), tty)
        if rc != 0:
            problems.append(f"{what}: exit {rc}")
            continue
        progress = out.count(b"steps/s") if b"steps/s" in out else out.count(b"step ")
        if progress < 2:
            problems.append(f"{what}: {progress} progress line(s) in {out[-300:]!r}")
        rewrites = b"\r" in out.replace(b"\r\n", b"\n") or b"\x1b" in out
        if rewrites != bar:
            problems.append(f"{what}: {'an in-place bar' if rewrites else 'plain lines'} where "
                            f"{'the bar' if bar else 'plain lines'} belong: {out[-200:]!r}")
    assert not problems, "\n".join(problems)


if __name__ == "__main__":
    run_tests([test_ranks_exit_when_the_launcher_is_killed, test_redirected_logs_are_plain_lines])
