"""Helpers for fasim's end-to-end tests: run the real executable under the build's MPI launcher (FASIM_MPIEXEC, set
by ctest: Open MPI's mpirun or MPICH's Hydra), read result files with h5py."""
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

FASIM = os.environ.get("FASIM_BINARY", os.path.join(os.path.dirname(__file__), "../../build/bin/fasim"))
MPIEXEC = os.environ.get("FASIM_MPIEXEC", "mpirun")
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OPENBLAS_NUM_THREADS="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", FASIM_AGREE_TIMEOUT="10")


def _kernel_of_env_sh():
    """The OpenBLAS kernel scripts/env.sh picks (it keeps the user's OPENBLAS_CORETYPE, else names the best one
    this CPU runs). Every process a test starts uses it — the ones started directly and the ones slurm/run.sbatch
    starts after sourcing env.sh — so a test compares results of one kernel even when ctest is run without
    env.sh: then a CPU OpenBLAS 0.3.21 does not know (an "Intel Xeon Processor" with AVX-512) got Prescott's
    kernels in the direct runs and SkylakeX's under run.sbatch, and lifecycle_e2e saw results that differ."""
    env_sh = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "env.sh")
    probe = subprocess.run(["bash", "-c", 'source "$1" >/dev/null 2>&1; printf %s "${OPENBLAS_CORETYPE:-}"', "_",
                            env_sh], env=ENV, capture_output=True, text=True, timeout=60)
    return probe.stdout.strip()


if not ENV.get("OPENBLAS_CORETYPE") and (_kernel := _kernel_of_env_sh()):
    ENV["OPENBLAS_CORETYPE"] = _kernel

SMALL = """
[problem]
source = synthetic
n = 45
m = 38
k = 20
spectrum = two-level
seed = 5
[model]
r = 6
[run]
algorithms = gd,fa,fastar
steps = 400
record_every = 20
record_points = 10
probes = 3
[gd]
lr = 1.0
[fa]
lr = 0.1
[fastar]
lr = 0.1
[grid]
block = 8
"""


def fasim(args, ranks=1, timeout=300, check=True):
    cmd = [MPIEXEC, "-n", str(ranks), FASIM] + list(args)
    p = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def datasets(path):
    """Every dataset of a result file, by path (attributes aside: they hold timings and dates)."""
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return out


def max_rel_diff(a, b, keys=None):
    """Largest relative difference over datasets. FA*'s stationarity ‖Zᵀ(Y−ZW)‖ is zero by construction (W is
    optimal, Fact 2): only rounding noise (~1e-16·‖Y‖, ‖Y‖ = O(1) here) is recorded, so it is compared absolutely."""
    worst = 0.0
    for k in keys or a:
        if k.endswith("fastar/trajectory/stationarity"):
            worst = max(worst, float(np.max(np.abs(np.asarray(a[k]) - np.asarray(b[k])))) / 1e2)
            continue
        x, y = np.asarray(a[k], float), np.asarray(b[k], float)
        assert x.shape == y.shape, f"{k}: shapes {x.shape} vs {y.shape}"
        fin = np.isfinite(y)
        assert np.array_equal(fin, np.isfinite(x)), f"{k}: finiteness differs"
        if fin.any():
            worst = max(worst, float(np.max(np.abs(x[fin] - y[fin]) / np.maximum(np.abs(y[fin]), 1e-300 + np.max(np.abs(y[fin]))))))
    return worst


SKIP_EXIT = 77  # ctest's SKIP_RETURN_CODE for the script tests (tests/CMakeLists.txt)


class Skip(Exception):
    """Raised by a test that cannot run here (a tool or a permission missing): reported skipped, never passed."""


def run_tests(tests):
    """Runs the tests named on the command line (all without arguments; `-NAME` leaves NAME out). Exit 1 if any
    failed, else 77 (ctest: skipped) if any could not run, else 0."""
    names = sys.argv[1:]
    if names:
        known = {t.__name__ for t in tests}
        unknown = [n for n in names if n.lstrip("-") not in known]
        if unknown:
            print(f"unknown test(s) {unknown}; these exist: {sorted(known)}")
            sys.exit(1)
        wanted = [n for n in names if not n.startswith("-")]
        dropped = {n[1:] for n in names if n.startswith("-")}
        tests = [t for t in tests if (not wanted or t.__name__ in wanted) and t.__name__ not in dropped]
    passed = failed = skipped = 0
    for t in tests:
        try:
            t()
            passed += 1
            print(f"PASS {t.__name__}", flush=True)
        except Skip as e:
            skipped += 1
            print(f"SKIP {t.__name__}: {e}", flush=True)
        except Exception as e:  # noqa: BLE001 - report every failure and go on
            failed += 1
            print(f"FAIL {t.__name__}: {e}", flush=True)
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    exit_with(1 if failed else SKIP_EXIT if skipped else 0)


_made = []  # the directories tmpdir() made in this process


def tmpdir():
    d = tempfile.mkdtemp(prefix="fasim-e2e-")
    _made.append(d)
    return d


def _remove_tree(root):
    """Removes a directory a test made. Only entries inside `root` are ever made writable (a test may leave one
    read-only: the paths tests do); what cannot be removed is named, never forced."""
    problems = []

    def on_error(function, path, exc_info):
        error = exc_info[1]
        if isinstance(error, FileNotFoundError):
            return  # the test removed it itself
        parent = os.path.dirname(path)
        if isinstance(error, PermissionError) and path != root and (parent + os.sep).startswith(root + os.sep):
            try:
                os.chmod(parent, 0o700)
                function(path)
                return
            except OSError as again:
                error = again
        problems.append(f"{path}: {error.strerror or error}")

    shutil.rmtree(root, onerror=on_error)
    for problem in problems:
        print(f"could not remove {problem}", flush=True)


def exit_with(code):
    """Ends a test script with `code`. After a pass or a skip (0, SKIP_EXIT) the directories it made with tmpdir()
    are removed — every process a test starts has exited by then — so repeated suites do not fill /tmp (about
    120 directories and 0.5 GB per suite before); after a failure they are kept and named. FASIM_TEST_KEEP=1
    keeps them always."""
    if code in (0, SKIP_EXIT) and os.environ.get("FASIM_TEST_KEEP", "0") != "1":
        for d in _made:
            _remove_tree(d)
    elif _made:
        print(f"kept for inspection: {' '.join(_made[:8])}{' …' if len(_made) > 8 else ''}", flush=True)
    sys.exit(code)
