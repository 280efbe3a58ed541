#!/usr/bin/python3
"""A checkpoint written by an earlier fasim resumes under this one (an upgrade must not strand a running
experiment). tests/data/pre-rules-checkpoint.h5 was written by fasim 53e0557 — before the feedback rules and matrix
completion added configuration keys and three trajectory columns — running tests/data/pre-rules-job.ini, stopped
by SIGUSR1 at step 38178. Resumed here, its run must equal a fresh run of the same job with this fasim: the same
final Z and W and the same loss at every step both recorded, bit for bit, with the new columns NaN on the rows the
earlier fasim recorded."""
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from e2e_support import ENV, FASIM, MPIEXEC, run_tests, tmpdir  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "data")
STOPPED_AT = 38178
STEPS = 40000


def fasim_in(cwd, *args):
    return subprocess.run([MPIEXEC, "-n", "1", FASIM] + list(args), cwd=cwd, env=ENV, capture_output=True,
                          text=True, timeout=300)


def test_checkpoint_from_before_the_rules_resumes_bitwise():
    d = tmpdir()
    shutil.copy(os.path.join(DATA, "pre-rules-checkpoint.h5"), os.path.join(d, "pre-rules.h5.ckpt"))
    shutil.copy(os.path.join(DATA, "pre-rules-job.ini"), os.path.join(d, "job.ini"))
    status = fasim_in(d, "status", "job.ini")
    assert "resume" in status.stdout, status.stdout + status.stderr
    resumed = fasim_in(d, "resume", "pre-rules.h5.ckpt", f"--run.steps={STEPS}")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    fresh = fasim_in(d, "run", "job.ini", f"--run.steps={STEPS}", "--output.file=fresh.h5")
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    with h5py.File(os.path.join(d, "pre-rules.h5"), "r") as a, h5py.File(os.path.join(d, "fresh.h5"), "r") as b:
        for alg in ("gd", "fa", "fastar"):
            for m in ("Z", "W"):
                assert np.array_equal(a[f"runs/{alg}/{m}"][:], b[f"runs/{alg}/{m}"][:]), (alg, m)
            ta, tb = a[f"runs/{alg}/trajectory"], b[f"runs/{alg}/trajectory"]
            common, ia, ib = np.intersect1d(ta["step"][:], tb["step"][:], return_indices=True)
            assert len(common) >= 5 and common.max() == STEPS, (alg, common)
            assert np.array_equal(ta["loss"][:][ia], tb["loss"][:][ib]), alg
            steps, feedback = ta["step"][:], ta["feedback_loss"][:]
            assert np.all(np.isnan(feedback[steps <= STOPPED_AT])), alg
            assert np.all(np.isfinite(feedback[steps > STOPPED_AT])), alg


if __name__ == "__main__":
    run_tests([test_checkpoint_from_before_the_rules_resumes_bitwise])
