#!/usr/bin/python3
"""Files written by an earlier fasim resume and continue under this one (an upgrade must not strand a running
experiment). Written by fasim 53e0557 — before the feedback rules and matrix completion added configuration keys and
three trajectory columns — from tests/data/pre-rules-job.ini (gzipped, as the chunked series are mostly empty):
pre-rules-checkpoint.h5.gz, stopped by SIGUSR1 at step 38178, and pre-rules-result.h5.gz, complete at 400 steps.
Resumed (continued) here, each run must equal a fresh run of the same job with this fasim: the same final Z and W
and the same loss at every step both recorded, with the new columns NaN on the rows the earlier fasim recorded,
and xarray still opening the trajectory. "Equal" is docs/determinism.md's: bit for bit when this machine runs the
OpenBLAS kernel that wrote the fixtures (SkylakeX: `blas_core` of the result fixture; the checkpoint fixture, from
the same machine and session, predates the checkpoints' own `blas_core`), else to KERNEL_TOLERANCE; the test
prints which it asserts."""
import os
import gzip
import shutil
import subprocess
import sys

import h5py
import numpy as np
import xarray as xr

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from e2e_support import ENV, FASIM, MPIEXEC, max_rel_diff, run_tests, tmpdir  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "data")
STOPPED_AT = 38178
STEPS = 40000
# docs/determinism.md, "Across BLAS kernels": the largest relative difference (e2e_support.max_rel_diff) allowed
# between runs of one job on one grid under two OpenBLAS kernels.
KERNEL_TOLERANCE = 1e-10


def fasim_in(cwd, *args):
    return subprocess.run([MPIEXEC, "-n", "1", FASIM] + list(args), cwd=cwd, env=ENV, capture_output=True,
                          text=True, timeout=300)


def unpack(name, to):
    with gzip.open(os.path.join(DATA, name + ".gz"), "rb") as src, open(to, "wb") as dst:
        shutil.copyfileobj(src, dst)


def blas_core(path):
    with h5py.File(path, "r") as f:
        core = f.attrs.get("blas_core")
    return None if core is None else str(core)


def fixture_kernel(name):
    """The kernel that wrote a fixture: its own blas_core, else the result fixture's (same machine, same session)."""
    d = tmpdir()
    for fixture in (name, "pre-rules-result.h5"):
        unpack(fixture, os.path.join(d, fixture))
        core = blas_core(os.path.join(d, fixture))
        if core:
            return core
    raise AssertionError("no fixture records its BLAS kernel")


def check_equal_to_fresh(d, result, steps, old_rows_until, written_by):
    fresh = fasim_in(d, "run", "job.ini", f"--run.steps={steps}", "--output.file=fresh.h5")
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    here = blas_core(os.path.join(d, "fresh.h5"))
    bitwise = here.lower() == written_by.lower()
    print(f"{result}: fixture written with kernel {written_by}, this run's {here}: asserting "
          + ("bitwise equality" if bitwise else f"equality to {KERNEL_TOLERANCE:g} (docs/determinism.md)"),
          flush=True)
    with h5py.File(os.path.join(d, result), "r") as a, h5py.File(os.path.join(d, "fresh.h5"), "r") as b:
        for alg in ("gd", "fa", "fastar"):
            ta, tb = a[f"runs/{alg}/trajectory"], b[f"runs/{alg}/trajectory"]
            common, ia, ib = np.intersect1d(ta["step"][:], tb["step"][:], return_indices=True)
            assert len(common) >= 5 and common.max() == steps, (alg, common)
            got = {f"{m}": a[f"runs/{alg}/{m}"][:] for m in ("Z", "W")}
            want = {f"{m}": b[f"runs/{alg}/{m}"][:] for m in ("Z", "W")}
            got["loss"], want["loss"] = ta["loss"][:][ia], tb["loss"][:][ib]
            for k in got:
                if bitwise:
                    assert np.array_equal(got[k], want[k]), (alg, k, "not bitwise equal")
                else:
                    worst = max_rel_diff({k: got[k]}, {k: want[k]})
                    print(f"  {alg} {k}: relative difference {worst:.2e}", flush=True)
                    assert worst <= KERNEL_TOLERANCE, (alg, k, f"relative difference {worst:.2e}")
            recorded, feedback = ta["step"][:], ta["feedback_loss"][:]
            assert np.all(np.isnan(feedback[recorded <= old_rows_until])), alg
            assert np.all(np.isfinite(feedback[recorded > old_rows_until])), alg
    ds = xr.open_dataset(os.path.join(d, result), group="runs/fa/trajectory", engine="h5netcdf")
    assert ds["feedback_loss"].dims == ("step",) and ds.sizes["step"] == len(recorded), ds


def test_checkpoint_from_before_the_rules_resumes_equal():
    d = tmpdir()
    unpack("pre-rules-checkpoint.h5", os.path.join(d, "pre-rules.h5.ckpt"))
    shutil.copy(os.path.join(DATA, "pre-rules-job.ini"), os.path.join(d, "job.ini"))
    status = fasim_in(d, "status", "job.ini")
    assert "resume" in status.stdout, status.stdout + status.stderr
    resumed = fasim_in(d, "resume", "pre-rules.h5.ckpt", f"--run.steps={STEPS}")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    check_equal_to_fresh(d, "pre-rules.h5", STEPS, STOPPED_AT, fixture_kernel("pre-rules-checkpoint.h5"))


def test_result_from_before_the_rules_is_continued_equal():
    d = tmpdir()
    unpack("pre-rules-result.h5", os.path.join(d, "pre-rules-result.h5"))
    shutil.copy(os.path.join(DATA, "pre-rules-job.ini"), os.path.join(d, "job.ini"))
    status = fasim_in(d, "status", "job.ini", "--run.steps=800", "--output.file=pre-rules-result.h5")
    assert "continue" in status.stdout, status.stdout + status.stderr
    continued = fasim_in(d, "resume", "pre-rules-result.h5", "--run.steps=800")
    assert continued.returncode == 0, continued.stdout + continued.stderr
    check_equal_to_fresh(d, "pre-rules-result.h5", 800, 400, fixture_kernel("pre-rules-result.h5"))


if __name__ == "__main__":
    run_tests([test_checkpoint_from_before_the_rules_resumes_equal,
               test_result_from_before_the_rules_is_continued_equal])
