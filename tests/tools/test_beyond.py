#!/usr/bin/python3
"""The beyond report's completion section (tools/fasim_post/beyond/completion.py) on real fasim results: its
tables hold the files' final values, its verdicts follow them, and the driver plans runs and sweeps from the
sections' RUNS. Runs the real fasim (argv[1], default build/bin/fasim) on a small completion problem."""
import os
import sys
from pathlib import Path

import h5py
import numpy as np

from runner import run_tests, use_repo

REPO = use_repo()
from e2e_support import fasim  # noqa: E402
from fasim_post.beyond import __main__ as driver  # noqa: E402
from fasim_post.beyond import completion  # noqa: E402

SMALL = ["--problem.n=30", "--problem.m=30", "--model.r=30", "--run.steps=2000", "--run.record_points=10",
         "--output.progress_seconds=0"]


def final(path, alg, metric):
    with h5py.File(path, "r") as f:
        return float(f[f"runs/{alg}/trajectory/{metric}"][-1])


def test_completion_section_reports_the_files(tmp):
    job = os.path.join(REPO, "jobs", "completion.ini")
    single = os.path.join(tmp, "completion.h5")
    fasim(["run", job, *SMALL, "--completion.fraction=0.5", f"--output.file={single}"], ranks=2)
    sweep = os.path.join(tmp, "sweep")
    os.makedirs(sweep)
    for i, alpha in enumerate((1e-4, 1e-1)):
        out = os.path.join(sweep, f"c-{i}.h5")
        fasim(["run", job, *SMALL, "--completion.fraction=0.5", f"--init.z_std={alpha:g}", f"--output.file={out}"])
        with h5py.File(out, "a") as f:        # as `fasim sweep run` marks its points
            f.attrs["sweep_point"] = f"init.z_std={alpha:g};completion.fraction=0.5"
    text = completion.section({"completion": Path(single), "completion-sweep": Path(sweep)}, Path(tmp) / "fig")
    for alg, label in (("gd", "GD"), ("fa", "FA")):
        row = next(line for line in text.splitlines() if line.startswith(f"| {label} |"))
        assert f"{final(single, alg, 'test_error'):.3g}" in row, row
        assert f"{final(single, alg, 'nuclear_norm'):.4g}" in row, row
    # The verdict follows the numbers: ‖ZW‖_* against ‖Y*‖_* = 2 (values 1, 1 in the job).
    gd_ratio = final(single, "gd", "nuclear_norm") / 2.0
    verdict = "approaches" if gd_ratio <= completion.NEAR else "does not approach"
    assert f"GD ends at ‖ZW‖_* = {gd_ratio:.4f}·‖Y*‖_* " in text and f"it {verdict} the minimum" in text, text
    small = os.path.join(sweep, "c-0.h5")
    assert f"{final(small, 'gd', 'test_error'):.3g} / {final(small, 'gd', 'nuclear_norm'):.4g}" in text, text
    assert os.path.isfile(os.path.join(tmp, "fig", "completion_sweep.png"))
    assert os.path.isfile(os.path.join(tmp, "fig", "completion_trajectory.png"))


def test_driver_plans_runs_and_sweeps(tmp):
    planned = driver.plan([completion], REPO, "OUT")
    runs = dict(planned[0][1])
    assert set(runs) == {label for label, *_ in completion.RUNS}
    assert runs["completion"].fasim_args()[:2] == ["run", "jobs/completion.ini"]
    sweep = runs["completion-sweep"]
    assert isinstance(sweep, driver.SweepRun) and sweep.fasim_args()[:3] == ["sweep", "run", "jobs/completion-sweep.ini"]
    assert driver.result_paths(planned[0][1])["completion-sweep"] == Path("OUT/completion-sweep")
    fb = runs["completion-feedback-0.1"].fasim_args()
    assert "--feedback.std=0.1" in fb and "--run.algorithms=fa" in fb, fb


if __name__ == "__main__":
    sys.exit(run_tests(globals(), prefix="fasim_beyond_test_"))
