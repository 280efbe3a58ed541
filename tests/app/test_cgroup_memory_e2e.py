#!/usr/bin/python3
"""The memory check heeds the job's control group (Slurm's --mem, a container's limit): inside a memory cgroup of
600 MiB, a run whose estimate is about 1.2 GiB per rank is refused with one line naming the cgroup's limit
(exit 2, before allocating, no result written), while the node's available memory alone would let it start;
a small run in the same cgroup completes. Made with a real cgroup (v1 memory controller or v2 with memory
enabled), created as root and removed afterwards; exit 77 (ctest: skipped) where this machine does not let the
test make one."""
import os
import subprocess
import sys
import time

from e2e_support import ENV, FASIM, exit_with, tmpdir, write

FASIM_ABS = os.path.abspath(FASIM)
SKIP = 77
LIMIT = 600 << 20

CONFIG = """[problem]
source = gaussian-product
n = {n}
m = {n}
k = 4
[model]
r = 4
[run]
algorithms = gd
steps = 20
record_every = 10
[gd]
lr = 0.1
[output]
file = out/big.h5
progress_seconds = 0
"""


def make_cgroup():
    """A fresh memory cgroup with a 600 MiB limit: (its directory, the file to write a pid into), or a reason."""
    if os.geteuid() != 0:
        return None, "not root"
    name = f"fasim-test-{os.getpid()}"
    v1 = "/sys/fs/cgroup/memory"
    if os.path.isdir(v1) and os.access(v1, os.W_OK):
        cg = os.path.join(v1, name)
        try:
            os.mkdir(cg)
            with open(f"{cg}/memory.limit_in_bytes", "w") as f:
                f.write(str(LIMIT))
            return cg, None
        except OSError as e:
            if os.path.isdir(cg):
                os.rmdir(cg)
            return None, f"cgroup v1: {e}"
    if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        with open("/proc/self/cgroup") as f:
            own = [line.split(":", 2)[2].strip() for line in f if line.startswith("0::")]
        parent = "/sys/fs/cgroup" + (own[0] if own else "/")
        try:
            with open(f"{parent}/cgroup.subtree_control") as f:
                if "memory" not in f.read().split():
                    return None, f"cgroup v2: memory is not enabled for children of {parent}"
            cg = os.path.join(parent, name)
            os.mkdir(cg)
            with open(f"{cg}/memory.max", "w") as f:
                f.write(str(LIMIT))
            return cg, None
        except OSError as e:
            return None, f"cgroup v2: {e}"
    return None, "no writable cgroup memory controller"


def remove_cgroup(cg):
    """Removes the cgroup once its processes are gone. A singleton's MPI helper (Open MPI's orted) may outlive
    fasim by a moment, and rmdir of a cgroup that still has a process fails with EBUSY: wait up to 10 s. A process
    still there after that is something fasim left running: moved out (so the cgroup can go) and reported."""
    deadline = time.monotonic() + 10
    while True:
        with open(f"{cg}/cgroup.procs") as f:
            pids = [int(p) for p in f.read().split()]
        if not pids:
            try:
                os.rmdir(cg)
                return None
            except OSError:
                if time.monotonic() > deadline:
                    raise
        elif time.monotonic() > deadline:
            names = []
            for pid in pids:
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        command = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
                    names.append(f"{pid} {command}")
                    with open(f"{os.path.dirname(cg)}/cgroup.procs", "w") as f:
                        f.write(str(pid))
                except OSError:
                    pass
            time.sleep(0.2)
            os.rmdir(cg)
            return "processes left running in the cgroup 10 s after fasim exited: " + "; ".join(names)
        time.sleep(0.1)


def in_cgroup(cg, args, d):
    script = f'echo $$ > "{cg}/cgroup.procs" && exec "{FASIM_ABS}" "$@"'
    return subprocess.run(["/bin/sh", "-c", script, "sh"] + args, cwd=d, env=ENV, capture_output=True, text=True,
                          timeout=300)


def main():
    cg, why = make_cgroup()
    if cg is None:
        print(f"SKIP: cannot make a memory cgroup here ({why})")
        sys.exit(SKIP)
    failures = []
    try:
        d = tmpdir()
        os.mkdir(f"{d}/out")
        write(f"{d}/big.ini", CONFIG.format(n=12000))
        write(f"{d}/small.ini", CONFIG.format(n=40).replace("big.h5", "small.h5"))
        # Outside the cgroup the node's memory admits it (the dry run does not refuse; its estimate is printed).
        free = subprocess.run([FASIM_ABS, "run", "big.ini", "--dry-run"], cwd=d, env=ENV, capture_output=True,
                              text=True, timeout=120)
        print(free.stdout.splitlines()[-2] if free.returncode == 0 else free.stderr)
        p = in_cgroup(cg, ["run", "big.ini", "--dry-run"], d)
        if p.returncode != 0 or "cgroup" not in p.stdout:
            failures.append(f"dry run in the cgroup: exit {p.returncode}, no cgroup named:\n{p.stdout[-800:]}")
        p = in_cgroup(cg, ["run", "big.ini"], d)
        lines = [line for line in p.stderr.splitlines() if line.startswith("fasim: error")]
        if p.returncode != 2 or len(lines) != 1 or "cgroup" not in lines[0] or "600.0 MiB" not in lines[0]:
            failures.append(f"big run in the cgroup: exit {p.returncode}, stderr:\n{p.stderr[-800:]}")
        else:
            print("refused: " + lines[0])
        if os.path.exists(f"{d}/out/big.h5"):
            failures.append("a result was written for the refused run")
        p = in_cgroup(cg, ["run", "small.ini"], d)
        if p.returncode != 0:
            failures.append(f"small run in the cgroup: exit {p.returncode}\n{p.stderr[-800:]}")
    finally:
        leftover = remove_cgroup(cg)
        if leftover:
            failures.append(leftover)
    for f in failures:
        print("FAIL " + f)
    exit_with(1 if failures else 0)


if __name__ == "__main__":
    main()
