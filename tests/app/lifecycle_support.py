"""Helpers for the lifecycle tests (docs/lifecycle.md): launching fasim or slurm/run.sbatch in their own session so
that a signal or a SIGKILL reaches the whole job, bounded waits, digests of files, and the bitwise comparison of
a result with an uninterrupted reference run."""
import hashlib
import os
import signal
import subprocess
import time

import h5py
import numpy as np

from e2e_support import ENV, FASIM

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
FASIM_ABS = os.path.abspath(FASIM)
DOCUMENTED_EXITS = (0, 1, 2, 75)
STATUSES = ("running", "checkpointed", "failed", "complete")


def command(args, ranks):
    """fasim ARGS on `ranks` ranks: a singleton for one rank (signals go straight to fasim), mpirun otherwise."""
    if ranks == 1:
        return [FASIM_ABS] + list(args)
    return ["mpirun", "-n", str(ranks), "--oversubscribe", FASIM_ABS] + list(args)


def sbatch_command(config, ranks, extra, cwd):
    env = dict(ENV, SLURM_JOB_ID="1", SLURM_NTASKS=str(ranks), SLURM_SUBMIT_DIR=cwd, FASIM_LAUNCHER="mpirun",
               FASIM_SOURCE_DIR=REPO, FASIM=FASIM_ABS)
    return ["bash", os.path.join(REPO, "slurm/run.sbatch"), config] + list(extra), env


class Job:
    """A process in its own session; `signal` hits the leader, `kill` the whole session (a node failure)."""

    def __init__(self, argv, cwd, env=None):
        self.argv = argv
        self.t0 = time.time()
        self.p = subprocess.Popen(argv, cwd=cwd, env=env or ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, start_new_session=True)

    def signal(self, sig):
        try:
            os.kill(self.p.pid, sig)
        except ProcessLookupError:
            pass

    def kill(self):
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        reap_session(self.p.pid)

    def wait(self, timeout):
        """(exit code, stdout, stderr); the code is None on a hang (the session is then killed)."""
        try:
            out, err = self.p.communicate(timeout=timeout)
            return self.p.returncode, out, err
        except subprocess.TimeoutExpired:
            self.kill()
            out, err = self.p.communicate()
            return None, out, err


def session_members(sid):
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[3]) == sid and fields[0] != "Z":  # field 6 of stat: session id
                pids.append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    return pids


def reap_session(sid, bound=10.0):
    """Kill what is left of a session (ranks orphaned by a SIGKILLed mpirun) and wait until it is gone."""
    deadline = time.time() + bound
    while time.time() < deadline:
        left = session_members(sid)
        if not left:
            return True
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
    return not session_members(sid)


def md5(path):
    try:
        with open(path, "rb") as f:
            return hashlib.md5(f.read()).hexdigest()
    except OSError:
        return None


def attr(path, name):
    try:
        with h5py.File(path, "r") as f:
            v = f.attrs.get(name)
    except OSError:
        return None
    return v.decode() if isinstance(v, bytes) else v


def last_step(path):
    with h5py.File(path, "r") as f:
        return max(int(f["runs"][a]["trajectory"]["step"][-1]) for a in f["runs"])


def compare_bitwise(path, ref):
    """Empty if `path` equals the reference result bitwise: problem, initial state, final Z and W of every
    algorithm, and every trajectory row (wall time aside) at a step both record. Else what differs."""
    diffs = []
    with h5py.File(path, "r") as a, h5py.File(ref, "r") as b:
        for name in ("problem/Y", "problem/C", "init/Z0", "init/W0"):
            if not np.array_equal(a[name][()], b[name][()]):
                diffs.append(name)
        if set(a["runs"]) != set(b["runs"]):
            return diffs + [f"algorithms {sorted(a['runs'])} vs {sorted(b['runs'])}"]
        for alg in a["runs"]:
            ra, rb = a["runs"][alg], b["runs"][alg]
            for m in ("Z", "W"):
                if ra[m][()].tobytes() != rb[m][()].tobytes():
                    diffs.append(f"runs/{alg}/{m}")
            sa, sb = ra["trajectory"]["step"][()], rb["trajectory"]["step"][()]
            common, ia, ib = np.intersect1d(sa, sb, return_indices=True)
            if len(common) == 0:
                diffs.append(f"runs/{alg}: no common trajectory step")
            for col in ra["trajectory"]:
                if col == "time":
                    continue
                x, y = ra["trajectory"][col][()][ia], rb["trajectory"][col][()][ib]
                if x.tobytes() != y.tobytes():
                    diffs.append(f"runs/{alg}/trajectory/{col}")
    return diffs


def flip_bytes_in(path, dataset, count=16):
    """Flip `count` bytes inside a dataset's stored data (not its header); False if it is not stored contiguously."""
    with h5py.File(path, "r") as f:
        d = f[dataset]
        offset = d.id.get_offset()
        size = d.id.get_storage_size()
    if offset is None or size < count:
        return False
    with open(path, "r+b") as f:
        f.seek(offset + (size - count) // 2)
        chunk = f.read(count)
        f.seek(offset + (size - count) // 2)
        f.write(bytes(b ^ 0xFF for b in chunk))
    return True


def error_lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("fasim: error")]
