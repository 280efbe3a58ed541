"""Helpers for the lifecycle tests (docs/lifecycle.md): launching fasim or slurm/run.sbatch in their own session so
that a signal or a SIGKILL reaches the whole job, bounded waits, digests of files, and the bitwise comparison of
a result with an uninterrupted reference run."""
import hashlib
import os
import re
import signal
import subprocess
import tempfile
import time

import h5py
import numpy as np

from e2e_support import ENV, FASIM, MPIEXEC

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
FASIM_ABS = os.path.abspath(FASIM)
DOCUMENTED_EXITS = (0, 1, 2, 75)
# MPICH's Hydra exits with the number of the signal that killed a rank (Open MPI's mpirun with 128 + N); when
# one rank dies of USR1 inside the launch window, Hydra has also been seen to exit 11 (measured, MPICH 4.0.2:
# a failure inside the other rank's MPI start-up, not diagnosed further).
HYDRA = "hydra" in os.path.basename(os.path.realpath(MPIEXEC))
LAUNCHER_SIGNAL_EXITS = {int(signal.SIGUSR1), int(signal.SIGUSR2), int(signal.SIGTERM), int(signal.SIGSEGV)} if HYDRA else set()
# Hydra's start-up can wait for ever after a USR1/TERM that reached mpiexec before its ranks were connected (the
# proxy waits for the ranks, which wait for it in MPI_Init; measured about 1 try in 10 in the first 30 ms):
# inside the launch window a hang is Hydra's documented outcome, ended by killing the launcher.
LAUNCHER_START_MAY_HANG = HYDRA
# What the launcher reports when every rank exits 75 (checkpointed): Hydra (MPICH 4.0.2) loses the exit code of
# ranks that end at the same moment after a run and then reports 0 (measured: every rank's own exit code was 75,
# seen through a wrapper, while `mpiexec -print-all-exitcodes` listed 0 for one or both ranks; mpiexec exited 0 in
# about half of the tries). docs/lifecycle.md, "What the launcher reports": the result's status decides, and the
# tests assert the status and fasim's own stop line besides this code.
CHECKPOINTED_EXITS = (0, 75) if HYDRA else (75,)
STATUSES = ("running", "checkpointed", "failed", "complete")


def command(args, ranks):
    """fasim ARGS on `ranks` ranks: a singleton for one rank (signals go straight to fasim), else the build's own
    launcher (FASIM_MPIEXEC: Open MPI's mpirun or MPICH's Hydra; plain `mpirun` may be the other MPI's, which
    would start unconnected singletons of an MPICH build that all write the same result)."""
    if ranks == 1:
        return [FASIM_ABS] + list(args)
    return [MPIEXEC, "-n", str(ranks), FASIM_ABS] + list(args)


def sbatch_command(config, ranks, extra, cwd):
    env = dict(ENV, SLURM_JOB_ID="1", SLURM_NTASKS=str(ranks), SLURM_SUBMIT_DIR=cwd, FASIM_LAUNCHER="mpirun",
               FASIM_SOURCE_DIR=REPO, FASIM=FASIM_ABS)
    return ["bash", os.path.join(REPO, "slurm/run.sbatch"), config] + list(extra), env


class Job:
    """A process in its own session; `signal` hits the leader, `kill` the whole session (a node failure)."""

    def __init__(self, argv, cwd, env=None):
        self.argv = argv
        self.t0 = time.time()
        self.out = tempfile.TemporaryFile(mode="w+")  # a file, so that `started` can look while it runs
        self.p = subprocess.Popen(argv, cwd=cwd, env=env or ENV, stdout=self.out, stderr=subprocess.PIPE,
                                  text=True, start_new_session=True)

    def started(self):
        """Whether fasim has printed its start-up line ("fasim VERSION (COMMIT) on N rank(s)": MPI has started
        on every rank)."""
        with open(f"/proc/self/fd/{self.out.fileno()}") as f:
            return re.search(r"^fasim \S+ \(\S+\) on \d+ rank", f.read(), re.M) is not None

    def _output(self):
        self.out.seek(0)
        return self.out.read()

    def signal(self, sig):
        try:
            os.kill(self.p.pid, sig)
        except ProcessLookupError:
            pass

    def kill(self):
        """SIGKILL to the whole session and to every process below the leader (Hydra's proxy and its ranks run in
        a session of their own); returns once they are all gone."""
        tree = descendants(self.p.pid)
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for pid in tree:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        reap_session(self.p.pid)
        deadline = time.time() + 10
        while time.time() < deadline and any(_alive(pid) for pid in tree):
            time.sleep(0.02)

    def wait(self, timeout):
        """(exit code, stdout, stderr); the code is None on a hang (the session is then killed)."""
        try:
            _, err = self.p.communicate(timeout=timeout)
            return self.p.returncode, self._output(), err
        except subprocess.TimeoutExpired:
            self.kill()
            _, err = self.p.communicate()
            return None, self._output(), err


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


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


def _status_field(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return line.split()[1]
    except OSError:
        return None
    return None


def handles(pid, sig):
    """Whether process `pid` has a handler installed for `sig` (its SigCgt mask in /proc)."""
    caught = _status_field(pid, "SigCgt")
    return caught is not None and bool(int(caught, 16) >> (int(sig) - 1) & 1)


def descendants(pid):
    """Every process below `pid` (children, grandchildren, ... : MPICH's Hydra starts ranks through a proxy)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            ppid = _status_field(entry, "PPid")
            if ppid is not None:
                children.setdefault(int(ppid), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def fasim_ranks(pid):
    """The fasim processes among `pid` and its descendants."""
    out = []
    for p in [pid] + descendants(pid):
        try:
            if os.path.realpath(f"/proc/{p}/exe") == os.path.realpath(FASIM_ABS):
                out.append(p)
        except OSError:
            continue
    return out


def past_launch_window(job, sig, ranks, is_sbatch=False):
    """Whether a signal `sig` sent to `job` now is past its launcher's start-up window (docs/lifecycle.md,
    "Signals right after launch"): the process signalled (fasim itself, the MPI launcher or run.sbatch) has its
    handler for it, and, under an MPI launcher, all `ranks` fasim ranks have theirs and MPI has started (fasim
    printed its start-up line: Hydra's mpiexec forwards nothing to ranks still in MPI_Init). For run.sbatch,
    which waits until fasim is running before it forwards a request, the script's trap is the whole window."""
    if not handles(job.p.pid, sig):
        return False
    if is_sbatch or ranks == 1:
        return True
    found = fasim_ranks(job.p.pid)
    return len(found) == ranks and all(handles(p, sig) for p in found) and job.started()


def window_death(rc):
    """Whether `rc` is an outcome of a signal inside the launch window: a death by the signal as the launcher
    reports it (a process killed by a signal: negative in Python, a shell's 128 + N, or LAUNCHER_SIGNAL_EXITS),
    or, under Hydra, a start-up that never ends (rc None: the job was killed after the bound)."""
    if rc is None:
        return LAUNCHER_START_MAY_HANG
    return rc < 0 or rc >= 128 or rc in LAUNCHER_SIGNAL_EXITS


def md5(path):
    try:
        with open(path, "rb") as f:
            return hashlib.md5(f.read()).hexdigest()
    except OSError:
        return None


def stop_mid_run(ini, out, ranks, sig=signal.SIGUSR1, after_s=0.5, extra=()):
    """Runs `fasim run ini` into `out` under the launcher, sends `sig` to the launcher `after_s` seconds after the
    result file appears, and asserts fasim's documented stop (exit, its stop line, status checkpointed). Returns
    the step of the checkpoint `out.ckpt`. The job must be far longer than any machine runs in `after_s` (steps
    in the millions): a test then compares with an uninterrupted run to a step past the checkpoint, so no step
    count is a bet on the machine's speed (an idle AVX-512 core ran 4,000 small steps in 0.12 s)."""
    cmd = [MPIEXEC, "-n", str(ranks), FASIM, "run", ini, f"--output.file={out}", "--output.progress_seconds=0",
           *extra]
    p = subprocess.Popen(cmd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not os.path.exists(out) and time.time() < deadline and p.poll() is None:
        time.sleep(0.05)
    time.sleep(after_s)
    p.send_signal(sig)
    stdout, stderr = p.communicate(timeout=300)
    assert p.returncode in CHECKPOINTED_EXITS, \
        f"exit code {p.returncode}, expected {CHECKPOINTED_EXITS} (checkpointed):\n{stdout}\n{stderr}"
    assert "stop requested at step" in stdout, stdout
    assert attr(out, "status") == "checkpointed", attr(out, "status")
    step = attr(f"{out}.ckpt", "step")
    assert step is not None and step > 0, f"checkpoint step {step}"
    return int(step)


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
