#!/usr/bin/python3
"""Files written by an earlier fasim resume and continue under this one (an upgrade must not strand a running
experiment). Written by fasim 53e0557 — before the feedback rules and matrix completion added configuration keys and
three trajectory columns — from tests/data/pre-rules-job.ini (gzipped, as the chunked series are mostly empty):
pre-rules-checkpoint.h5.gz, stopped by SIGUSR1 at step 38178, and pre-rules-result.h5.gz, complete at 400 steps.
Resumed (continued) here, each run must equal a fresh run of the same job with this fasim: the same final Z and W
and the same loss at every step both recorded, bit for bit, with the new columns NaN on the rows the earlier fasim
recorded, and xarray still opening the trajectory."""
import os
import gzip
import shutil
import subprocess
import sys

import h5py
import numpy as np
import xarray as xr

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from e2e_support import ENV, FASIM, MPIEXEC, run_tests, tmpdir  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "data")
STOPPED_AT = 38178
STEPS = 40000


def fasim_in(cwd, *args):
    return subprocess.run([MPIEXEC, "-n", "1", FASIM] + list(args), cwd=cwd, env=ENV, capture_output=True,
                          text=True, timeout=300)


def unpack(name, to):
    with gzip.open(os.path.join(DATA, name + ".gz"), "rb") as src, open(to, "wb") as dst:
        shutil.copyfileobj(src, dst)


def check_equal_to_fresh(d, result, steps, old_rows_until):
    fresh = fasim_in(d, "run", "job.ini", f"--run.steps={steps}", "--output.file=fresh.h5")
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    with h5py.File(os.path.join(d, result), "r") as a, h5py.File(os.path.join(d, "fresh.h5"), "r") as b:
        for alg in ("gd", "fa", "fastar"):
            for m in ("Z", "W"):
                assert np.array_equal(a[f"runs/{alg}/{m}"][:], b[f"runs/{alg}/{m}"][:]), (alg, m)
            ta, tb = a[f"runs/{alg}/trajectory"], b[f"runs/{alg}/trajectory"]
            common, ia, ib = np.intersect1d(ta["step"][:], tb["step"][:], return_indices=True)
            assert len(common) >= 5 and common.max() == steps, (alg, common)
            assert np.array_equal(ta["loss"][:][ia], tb["loss"][:][ib]), alg
            recorded, feedback = ta["step"][:], ta["feedback_loss"][:]
            assert np.all(np.isnan(feedback[recorded <= old_rows_until])), alg
            assert np.all(np.isfinite(feedback[recorded > old_rows_until])), alg
    ds = xr.open_dataset(os.path.join(d, result), group="runs/fa/trajectory", engine="h5netcdf")
    assert ds["feedback_loss"].dims == ("step",) and ds.sizes["step"] == len(recorded), ds


def test_checkpoint_from_before_the_rules_resumes_bitwise():
    d = tmpdir()
    unpack("pre-rules-checkpoint.h5", os.path.join(d, "pre-rules.h5.ckpt"))
    shutil.copy(os.path.join(DATA, "pre-rules-job.ini"), os.path.join(d, "job.ini"))
    status = fasim_in(d, "status", "job.ini")
    assert "resume" in status.stdout, status.stdout + status.stderr
    resumed = fasim_in(d, "resume", "pre-rules.h5.ckpt", f"--run.steps={STEPS}")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    check_equal_to_fresh(d, "pre-rules.h5", STEPS, STOPPED_AT)


def test_result_from_before_the_rules_is_continued_bitwise():
    d = tmpdir()
    unpack("pre-rules-result.h5", os.path.join(d, "pre-rules-result.h5"))
    shutil.copy(os.path.join(DATA, "pre-rules-job.ini"), os.path.join(d, "job.ini"))
    status = fasim_in(d, "status", "job.ini", "--run.steps=800", "--output.file=pre-rules-result.h5")
    assert "continue" in status.stdout, status.stdout + status.stderr
    continued = fasim_in(d, "resume", "pre-rules-result.h5", "--run.steps=800")
    assert continued.returncode == 0, continued.stdout + continued.stderr
    check_equal_to_fresh(d, "pre-rules-result.h5", 800, 400)


if __name__ == "__main__":
    run_tests([test_checkpoint_from_before_the_rules_resumes_bitwise,
               test_result_from_before_the_rules_is_continued_bitwise])
