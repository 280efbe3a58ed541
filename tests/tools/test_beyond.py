#!/usr/bin/python3
"""The beyond report's completion and sensing sections (tools/fasim_post/beyond/completion.py, sensing.py) on
real fasim results: their tables hold the files' final values, their verdicts follow them, and the driver plans
runs and sweeps from the sections' RUNS. Runs the real fasim (argv[1], default build/bin/fasim) on small completion and sensing problems."""
import os
import sys
from pathlib import Path

import h5py
import numpy as np

from runner import run_tests, use_repo

REPO = use_repo()
from e2e_support import fasim  # noqa: E402
from fasim_post.beyond import __main__ as driver  # noqa: E402
from fasim_post import load, observed_entries  # noqa: E402
from fasim_post.beyond import completion, reference  # noqa: E402

SMALL = ["--problem.n=30", "--problem.m=30", "--model.r=30", "--run.steps=2000", "--run.record_points=10",
         "--output.progress_seconds=0"]


def final(path, alg, metric):
    with h5py.File(path, "r") as f:
        return float(f[f"runs/{alg}/trajectory/{metric}"][-1])


def _point(tmp, name, alpha, p, seed, extra=()):
    out = os.path.join(tmp, name)
    fasim(["run", os.path.join(REPO, "jobs", "completion.ini"), *SMALL, f"--completion.fraction={p:g}",
           f"--init.z_std={alpha:g}", *[f"--{k}={v}" for k, v in completion.seeded(seed).items()], *extra,
           f"--output.file={out}"])
    with h5py.File(out, "a") as f:        # as `fasim sweep run` marks its points
        f.attrs["sweep_point"] = f"init.z_std={alpha:g};completion.fraction={p:g}"
    return out


def test_completion_section_reports_the_files(tmp):
    results = {}
    files = []
    for seed in (1, 2):
        d = os.path.join(tmp, f"sweep-s{seed}")
        os.makedirs(d)
        for i, (alpha, p) in enumerate(((1e-4, 0.5), (1e-1, 0.5))):
            files.append(_point(d, f"c-{i}.h5", alpha, p, seed))
        results[f"completion-sweep-s{seed}"] = Path(d)
    text = completion.section(results, Path(tmp) / "fig")
    # Every number is the file's: recompute GD's distances at α = 1e-4 with NumPy and the reference solver.
    to_min, to_truth, ratio = [], [], []
    for path in files[0::2]:
        res = load(path)
        y = np.asarray(res.problem["Y"])
        ref = reference.solve(y, observed_entries(res))
        yhat = res.runs["gd"].Z @ res.runs["gd"].W
        to_min.append(np.linalg.norm(yhat - ref.x) / np.linalg.norm(ref.x))
        to_truth.append(np.linalg.norm(yhat - y) / np.linalg.norm(y))
        ratio.append(np.linalg.svd(yhat, compute_uv=False).sum() / ref.lower)
    cell = (f"{np.mean(ratio):.4g} ± {np.std(ratio, ddof=1):.4g}; {np.mean(to_min):.3g} ± {np.std(to_min, ddof=1):.3g}; "
            f"{np.mean(to_truth):.3g} ± {np.std(to_truth, ddof=1):.3g}")
    row = next(line for line in text.splitlines() if line.startswith("| GD | 0.0001 |"))
    assert cell in row, (cell, row)
    assert "| 0.5 | 2 |" in text, text                      # the reference row: p = 0.5, two seeds
    assert "### Findings" in text and "α sweep, GD at p = 0.5" in text, text
    assert os.path.isfile(os.path.join(tmp, "fig", "completion_sweep.png"))
    # The reference is cached beside the results and read back unchanged.
    again = completion.section(results, Path(tmp) / "fig")
    assert again == text


def test_sensing_section_reports_the_files(tmp):
    from fasim_post import measurements
    from fasim_post.beyond import sensing
    results = {}
    for kind, count, seed in (("gaussian", 240, 1), ("gaussian", 240, 2), ("rank-one", 40, 1)):
        label = f"sensing-{kind}-{count}-s{seed}"
        out = os.path.join(tmp, label + ".h5")
        fasim(["run", os.path.join(REPO, sensing.JOB), f"--sensing.kind={kind}", f"--sensing.measurements={count}",
               *[f"--{k}={v}" for k, v in sensing.seeded(seed).items()], "--run.steps=3000",
               "--output.progress_seconds=0", f"--output.file={out}"])
        results[label] = Path(out)
    # One point of the grid: every algorithm, n = 16, short (kp's weight decay keeps it from fitting).
    label, job, over = next(r for r in sensing.RUNS if r[0] == "sensing-grid-n16-M160-a0.001-s1")
    out = os.path.join(tmp, label + ".h5")
    fasim(["run", os.path.join(REPO, job), *[f"--{k}={v}" for k, v in over.items()], "--run.steps=1500",
           "--output.progress_seconds=0", f"--output.file={out}"])
    results[label] = Path(out)
    text = sensing.section(results, Path(tmp) / "fig")
    # The measurements fasim_post regenerates are the run's: y_i = ⟨A_i, Y*⟩ gives the recorded Σ y_i².
    res = load(str(results["sensing-rank-one-40-s1"]))
    op = sensing.operator(res)
    assert measurements(res).count == 40 and op.a.shape == (40, 256)
    norm2 = float(np.sum(op.forward(res.problem["Y"]) ** 2))
    assert abs(norm2 - res.problem["measured_norm2"]) <= 1e-12 * norm2
    # Every number is the file's: GD's distance to Y* over the two Gaussian seeds, recomputed with NumPy.
    to_truth = []
    for seed in (1, 2):
        res = load(str(results[f"sensing-gaussian-240-s{seed}"]))
        y = np.asarray(res.problem["Y"])
        yhat = res.runs["gd"].Z @ res.runs["gd"].W
        to_truth.append(np.linalg.norm(yhat - y) / np.linalg.norm(y))
    row = next(line for line in text.splitlines() if line.startswith("| gaussian | 240 |"))
    cell = f"{np.mean(to_truth):.3g} ± {np.std(to_truth, ddof=1):.3g}"
    assert cell in row.split("|")[4], (cell, row)
    # At M = 240 of 256 dense Gaussian measurements the certified minimizer is Y* (2/2); at M = 40 rank-one it is not.
    assert row.split("|")[3].strip().startswith("2/2;"), row
    low = next(line for line in text.splitlines() if line.startswith("| rank-one | 40 |"))
    assert low.split("|")[3].strip().startswith("0/1;"), low
    assert "### Findings" in text and "- gaussian, M sweep: X̂ = Y* at every seed from M = 240" in text, text
    # Convergence is stated run by run: the fitted count of each algorithm is the files' loss ≤ STOP_LOSS.
    with h5py.File(results[label], "r") as f:
        fitted = {a: int(f[f"runs/{a}/trajectory/loss"][-1] <= sensing.STOP_LOSS) for a in sensing.GRID_ALGS}
    for alg, name in sensing.LABELS.items():
        assert f"  - {name}: {fitted[alg]}/1 fitted" in text, (alg, text)
    grid_row = next(line for line in text.splitlines() if line.startswith("| 0.001 |"))
    assert len(grid_row.split("|")) == len(sensing.GRID_ALGS) + 3, grid_row
    assert os.path.isfile(os.path.join(tmp, "fig", "sensing_grid.png"))


def test_driver_plans_runs_and_sweeps(tmp):
    planned = driver.plan([completion], REPO, "OUT")
    runs = dict(planned[0][1])
    assert set(runs) == {label for label, *_ in completion.RUNS}
    sweep = runs["completion-sweep-s3"]
    assert isinstance(sweep, driver.SweepRun) and sweep.fasim_args()[:3] == ["sweep", "run", "jobs/completion-sweep.ini"]
    assert "--problem.seed=3" in sweep.fasim_args() and "--completion.seed=103" in sweep.fasim_args()
    assert driver.result_paths(planned[0][1])["completion-sweep-s3"] == Path("OUT/completion-sweep-s3")
    assert len([label for label in runs if label.startswith("completion-sweep-s")]) >= 5
    kp = runs["completion-kp-s1"].fasim_args()
    assert "--kp.lr=0.05" in kp and "--run.steps=20000" in kp and "--run.algorithms=kp" in kp, kp


if __name__ == "__main__":
    sys.exit(run_tests(globals(), prefix="fasim_beyond_test_"))
