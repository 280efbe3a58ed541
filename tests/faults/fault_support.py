"""What the storage-fault tests share (test_storage_faults_e2e.py, test_full_disk_e2e.py): fasim under the MPI
launcher in a session of its own, and a bounded wait for it. A hang is a failure: the whole process group is
killed after the bound; and what both look at afterwards (leftover temporaries and locks, digests, the
recorded status)."""
import glob
import hashlib
import os
import signal
import subprocess

import h5py

from e2e_support import ENV, FASIM, MPIEXEC


def launch(args, ranks, env_extra=None, preload=""):
    """`fasim ARGS` on `ranks` ranks; `env_extra` added to the environment, `preload` to LD_PRELOAD."""
    env = dict(ENV)
    env.update(env_extra or {})
    if preload:
        env["LD_PRELOAD"] = (env.get("LD_PRELOAD", "") + " " + preload).strip()
    cmd = [MPIEXEC, "-n", str(ranks), FASIM] + list(args)
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def wait(p, bound, since=""):
    """(stdout, stderr) of `p` once it exits within `bound` seconds (`since`: from when, for the message)."""
    try:
        return p.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        raise AssertionError(f"no exit within {bound:.0f} s{since} (a hang):\n{out}\n{err}")


def leftovers(d, name="r.h5"):
    """The temporaries and the lock of `name` left in `d`."""
    return sorted(glob.glob(f"{d}/{name}.*.tmp") + glob.glob(f"{d}/{name}.lock"))


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def status(path):
    """The result's recorded status attribute."""
    with h5py.File(path, "r") as f:
        return f.attrs["status"]
