#!/usr/bin/python3
"""A file system without locks (NFS without lockd, Lustre mounted without flock), made by preloading
tests/app/nolock_shim.c (FASIM_NOLOCK_SHIM): every fcntl() record lock and flock() fails with ENOLCK (then ENOSYS).
`fasim run` on 2 ranks warns that it cannot lock and completes, under Open MPI and MPICH; every verb that reads — status, info, collect, sweep list,
fasim-plot and fasim_post — works on its result (HDF5's own file locking is skipped for reads where
the lock cannot be had). Exit 77 (ctest: skipped) when the shim is not built or does not take effect."""
import os
import subprocess
import sys

from e2e_support import ENV, FASIM, MPIEXEC, exit_with, tmpdir, write
from test_paths_e2e import CONFIG as PATHS_CONFIG

FASIM_ABS = os.path.abspath(FASIM)
TOOLS = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../tools"))
SHIM = os.environ.get("FASIM_NOLOCK_SHIM", "")
SKIP = 77

CONFIG = PATHS_CONFIG.format(steps=300)
SWEEP = CONFIG.replace("file = out/small.h5", "file = out/sweep.h5") + "[sweep]\nfa.lr = 0.1,0.05\n"

PROBE = """import errno, fcntl, sys
f = open(sys.argv[1], "w")
try:
    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
except OSError as e:
    sys.exit(0 if e.errno in (errno.ENOLCK, errno.ENOSYS) else 1)
sys.exit(1)
"""


def run(argv, d, env, timeout=120):
    return subprocess.run(argv, cwd=d, env=env, capture_output=True, text=True, timeout=timeout)


def main():
    if not SHIM or not os.path.exists(SHIM):
        print(f"SKIP: the no-lock shim is not built (FASIM_NOLOCK_SHIM={SHIM!r})")
        sys.exit(SKIP)
    failures = []
    for err in ("ENOLCK", "ENOSYS"):
        d = tmpdir()
        os.mkdir(f"{d}/out")
        write(f"{d}/small.ini", CONFIG)
        write(f"{d}/sweep.ini", SWEEP)
        preload = ":".join(x for x in (ENV.get("LD_PRELOAD", ""), SHIM) if x)  # MPICH builds preload a shim too
        env = dict(ENV, LD_PRELOAD=preload, FASIM_NOLOCK_ERRNO=err)
        env.pop("HDF5_USE_FILE_LOCKING", None)
        if run(["/usr/bin/python3", "-c", PROBE, f"{d}/probe"], d, env).returncode != 0:
            print(f"SKIP: LD_PRELOAD={SHIM} does not make locks fail here")
            exit_with(SKIP)
        # Two ranks: MPICH's MPI-IO (ROMIO) locks byte ranges for data sieving in collective writes unless
        # told not to (src/format/hdf5.cpp); a singleton would not show it.
        p = run([MPIEXEC, "-n", "2", FASIM_ABS, "run", "small.ini"], d, env)
        if p.returncode == 0 and "does not support file locks" in p.stderr:
            print(f"PASS {err}: run on 2 ranks (warns that it cannot lock)", flush=True)
        else:
            failures.append(f"{err}: run on 2 ranks exited {p.returncode}, stderr: {p.stderr[-600:]}")
            continue
        pythonpath = dict(env, PYTHONPATH=TOOLS)
        checks = {
            "status": [FASIM_ABS, "status", "small.ini"],
            "info": [FASIM_ABS, "info", "out/small.h5"],
            "info --json": [FASIM_ABS, "info", "out/small.h5", "--json"],
            "collect": [FASIM_ABS, "collect", "out", "--output", "sum.h5"],
            "sweep run": [FASIM_ABS, "sweep", "run", "sweep.ini"],
            "sweep list": [FASIM_ABS, "sweep", "list", "sweep.ini"],
            "fasim-plot": ["/usr/bin/python3", f"{TOOLS}/fasim-plot", "out/small.h5", "--out", "plots"],
            "fasim_post": ["/usr/bin/python3", "-c",
                           "import fasim_post.io as io; r = io.load('out/small.h5'); assert r.runs;"
                           "io.load_summary('sum.h5')"],
        }
        for name, argv in checks.items():
            p = run(argv, d, env if argv[0] == FASIM_ABS else pythonpath,
                    300)
            if p.returncode != 0:
                failures.append(f"{err}: {name} exited {p.returncode}: {(p.stdout + p.stderr)[-600:]}")
            else:
                print(f"PASS {err}: {name}", flush=True)
    for f in failures:
        print("FAIL " + f)
    exit_with(1 if failures else 0)


if __name__ == "__main__":
    main()
