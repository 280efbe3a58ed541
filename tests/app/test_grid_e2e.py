#!/usr/bin/python3
"""End-to-end: the automatic grid (docs/config.md "The automatic grid"). The dry run prints the chosen grid and
why; a run records it in its result and checkpoint; a resume keeps the recorded grid (bitwise the uninterrupted
run) even where a fresh choice would differ, and says so when its ranks cannot hold it."""
import json
import os
import subprocess
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import ENV, FASIM, MPIEXEC, SMALL, datasets, fasim, run_tests, tmpdir, write  # noqa: E402

# FA alone: its feedback is constant, so on one process row a step sums only r×r matrices, while on 2×2 it also
# sums ZᵀY's r×m over the process columns: the model takes 1×4 on 4 ranks.
FA = (SMALL.replace("algorithms = gd,fa,fastar", "algorithms = fa").replace("n = 45", "n = 400")
      .replace("m = 38", "m = 300"))


def grid_attr(path):
    with h5py.File(path, "r") as f:
        return [int(v) for v in f.attrs["grid"]]


def last_run(history, word):
    """The last line of a result's history that starts with `word` (after its time stamp)."""
    lines = [line for line in history.splitlines() if line.split(" ", 1)[-1].startswith(word)]
    assert lines, history
    return lines[-1]


def test_dry_run_prints_the_chosen_grid_and_why():
    d = tmpdir()
    ini = write(f"{d}/fa.ini", FA)
    out = fasim(["run", ini, f"--output.file={d}/r.h5", "--dry-run"], ranks=4).stdout
    assert "# process grid 1x4 on 4 ranks, block 8 (automatic: " in out, out
    assert " vs " in out and " on 2x2)" in out, out
    # GD at n = m = 2000, r = 16, where bytes outweigh messages: its Y·Bᵀ summed over the process row keeps the
    # near-square grid (260 KB per rank and step against 387 KB on 1×4; at n = 400, m = 300, r = 6 the fewer
    # messages of 1×4 win).
    gd = write(f"{d}/gd.ini", FA.replace("algorithms = fa", "algorithms = gd"))
    out = fasim(["run", gd, f"--output.file={d}/r.h5", "--dry-run", "--problem.n=2000", "--problem.m=2000",
                 "--model.r=16"], ranks=4).stdout
    assert "# process grid 2x2 on 4 ranks, block 8 (automatic: near-square;" in out, out
    # Given grid.rows/grid.cols win.
    out = fasim(["run", ini, f"--output.file={d}/r.h5", "--dry-run", "--grid.rows=2", "--grid.cols=2"],
                ranks=4).stdout
    assert "# process grid 2x2 on 4 ranks, block 8 (grid.rows = 2, grid.cols = 2)" in out, out
    # FASIM_PROJECT_RANKS: the choice for another rank count, from one rank.
    p = subprocess.run([MPIEXEC, "-n", "1", FASIM, "run", ini, f"--output.file={d}/r.h5", "--dry-run"],
                       env=dict(ENV, FASIM_PROJECT_RANKS="64"), capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "# process grid 1x64 on 64 ranks (FASIM_PROJECT_RANKS; 1 started), block 8 (automatic: " in p.stdout, \
        p.stdout
    assert " on 8x8)" in p.stdout, p.stdout
    assert not os.path.exists(f"{d}/r.h5")


def test_dry_run_prices_the_plans_the_grid_was_chosen_for():
    """The projection lines price each algorithm's plan as the run would take it (a fixed system.plan), and name
    the plans the model does not price (the pdgemm path) instead of printing another plan's numbers."""
    d = tmpdir()
    ini = write(f"{d}/g.ini", FA.replace("algorithms = fa", "algorithms = gd,fa"))
    fixed = fasim(["run", ini, f"--output.file={d}/r.h5", "--dry-run",
                   "--system.plan=gd:residual,zt_y=yt_z,y_bt=y_bt,path=panel"], ranks=2).stdout
    assert any(line.split()[1:3] == ["gd", "residual"] for line in fixed.splitlines() if line.startswith("#   ")), fixed
    guessed = fasim(["run", ini, f"--output.file={d}/r.h5", "--dry-run"], ranks=2).stdout
    assert any(line.split()[1:3] == ["gd", "products"] for line in guessed.splitlines() if line.startswith("#   ")), \
        guessed
    pdgemm = fasim(["run", ini, f"--output.file={d}/r.h5", "--dry-run", "--system.products=pdgemm"], ranks=2).stdout
    lines = [line for line in pdgemm.splitlines() if line.startswith("#   ")]
    assert len(lines) == 2 and all("not modelled (the pdgemm path)" in line for line in lines), pdgemm


def test_run_records_the_grid_and_a_resume_on_fewer_ranks_says_so():
    d = tmpdir()
    ini = write(f"{d}/fa.ini", FA)
    fasim(["run", ini, f"--output.file={d}/r.h5", "--output.checkpoint_every=200"], ranks=4)
    assert grid_attr(f"{d}/r.h5") == [1, 4]
    assert grid_attr(f"{d}/r.h5.ckpt") == [1, 4]
    assert ", grid 1x4\n" in fasim(["info", f"{d}/r.h5.ckpt"]).stdout
    assert json.loads(fasim(["info", f"{d}/r.h5.ckpt", "--json"]).stdout)["grid"] == [1, 4]
    with h5py.File(f"{d}/r.h5", "r") as f:
        assert "grid 1x4" in f.attrs["history"], f.attrs["history"]
    # Continued on 2 ranks: the recorded 1×4 needs 4, so the grid is chosen anew (1×2) and the line says why.
    out = fasim(["resume", f"{d}/r.h5", "--run.steps=600"], ranks=2).stdout
    assert "fasim: grid 1x2 (automatic: " in out and "the grid 1x4 recorded in" in out and "needs 4 ranks" in out, \
        out
    with h5py.File(f"{d}/r.h5", "r") as f:
        assert "grid 1x2" in last_run(f.attrs["history"], "continued"), f.attrs["history"]


def test_resume_keeps_the_recorded_grid():
    """Bitwise (same build, kernel and grid: docs/determinism.md): runs on 2×2 (given) to step 400, continued or
    resumed from their checkpoint to 600 with an automatic grid, whose fresh choice on 4 ranks would be 1×4,
    stay on 2×2 and end as the uninterrupted 2×2 run."""
    d = tmpdir()
    ini = write(f"{d}/fa.ini", FA.replace("steps = 400", "steps = 600"))
    square = ["--grid.rows=2", "--grid.cols=2"]
    automatic = ["--grid.rows=0", "--grid.cols=0"]
    fasim(["run", ini, f"--output.file={d}/full.h5"] + square, ranks=4)
    keys = ["runs/fa/Z", "runs/fa/W"]
    full = datasets(f"{d}/full.h5")
    for name in ("continued", "resumed"):
        out = f"{d}/{name}.h5"
        fasim(["run", ini, f"--output.file={out}", "--run.steps=400", "--output.checkpoint_every=400"] + square,
              ranks=4)
        assert grid_attr(f"{out}.ckpt") == [2, 2]
        if name == "resumed":  # the checkpoint alone: resume rebuilds the result from it
            os.remove(out)
            fasim(["resume", f"{out}.ckpt", "--run.steps=600"] + automatic, ranks=4)
        else:  # the complete result, continued in place
            fasim(["resume", out, "--run.steps=600"] + automatic, ranks=4)
        with h5py.File(out, "r") as f:
            assert "grid 2x2" in last_run(f.attrs["history"], name), (name, f.attrs["history"])
        assert grid_attr(out) == [2, 2], name
        got = datasets(out)
        for k in keys:
            assert np.array_equal(got[k], full[k]), f"{name}: {k} differs from the uninterrupted 2x2 run"


if __name__ == "__main__":
    run_tests([test_dry_run_prints_the_chosen_grid_and_why, test_dry_run_prices_the_plans_the_grid_was_chosen_for,
               test_run_records_the_grid_and_a_resume_on_fewer_ranks_says_so,
               test_resume_keeps_the_recorded_grid])
