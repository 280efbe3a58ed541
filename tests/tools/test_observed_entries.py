#!/usr/bin/python3
"""Completion's Ω in the result file (docs/output-format.md, /problem): fasim_post.observed_entries returns it as
a bool array whether the file saves it or only records its seed and fraction (regenerated with fasim_post's own
Philox), it is the same Ω on every grid and block size, an input file's M comes back as given, and
‖P_Ω(Y − Z·W)‖²_F from the file's final Z, W and Y is each run's last recorded loss."""
import os
import sys

import h5py
import numpy as np

from runner import run_tests, use_repo

REPO = use_repo()
from e2e_support import fasim  # noqa: E402
from fasim_post import load, observed_entries, observed_loss  # noqa: E402
from fasim_post import philox  # noqa: E402

JOB = os.path.join(REPO, "jobs", "completion.ini")
BASE = {"problem.n": 37, "problem.m": 29, "model.r": 12, "run.steps": 300, "run.record_points": 5,
        "output.progress_seconds": 0, "run.algorithms": "gd,fa,kp", "output.save_target": "yes"}


def small(**changes):
    """The small job's overrides, with `changes` (section__key=value) in place of its own."""
    keys = {**BASE, **{k.replace("__", "."): v for k, v in changes.items()}}
    return [f"--{k}={v}" for k, v in keys.items()]


def check_losses(path):
    res = load(path)
    for alg, run in res.runs.items():
        last = float(run.metric("loss")[-1])
        assert np.isfinite(last) and run.attrs["stop_reason"] == "steps", (alg, last, run.attrs["stop_reason"])
        mine = observed_loss(res, run.Z, run.W)
        assert abs(mine - last) <= 1e-12 * max(last, 1e-300), (alg, mine, last)
    return res


def test_philox_known_answers(tmp):
    # Random123's known-answer vectors of philox4x32_10 (kat_vectors).
    assert [int(x) for x in philox.philox4x32((0, 0, 0, 0), (0, 0))] == [0x6627e8d5, 0xe169c58d, 0xbc57ac4c,
                                                                          0x9b00dbd8]
    pi = philox.philox4x32((0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344), (0xa4093822, 0x299f31d0))
    assert [int(x) for x in pi] == [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]


def test_omega_saved_regenerated_and_grid_independent(tmp):
    omegas = []
    for ranks, grid in ((1, []), (2, ["--grid.rows=1", "--grid.cols=2"]), (4, ["--grid.rows=2", "--grid.cols=2"])):
        out = os.path.join(tmp, f"c{ranks}.h5")
        fasim(["run", JOB, *small(grid__block=5), *grid, f"--output.file={out}"], ranks=ranks)
        res = check_losses(out)
        with h5py.File(out, "r") as f:
            ds = f["problem/observed"]
            assert ds.dtype == np.uint8 and ds.shape == (37, 29) and ds.compression == "gzip", ds
            attrs = dict(f["problem"].attrs)
        assert attrs["mask_source"] == "bernoulli" and attrs["observe"] == "completion", attrs
        omega = observed_entries(res)
        assert omega.dtype == bool and int(attrs["observed_count"]) == int(omega.sum()), attrs
        # The saved Ω is the Philox draw of (seed, fraction): what a file without it regenerates.
        regen = philox.bernoulli_mask(int(attrs["mask_seed"]), float(attrs["mask_fraction"]), 37, 29)
        assert np.array_equal(omega, regen)
        omegas.append(omega)
    assert all(np.array_equal(omegas[0], o) for o in omegas[1:])
    assert 0.15 < omegas[0].mean() < 0.45, omegas[0].mean()   # fraction 0.3
    # Without Y saved there is no `observed`: fasim_post regenerates the same Ω from the attributes.
    out = os.path.join(tmp, "noy.h5")
    fasim(["run", JOB, *small(output__save_target="no"), f"--output.file={out}"], ranks=2)
    with h5py.File(out, "r") as f:
        assert "observed" not in f["problem"] and "Y" not in f["problem"]
    assert np.array_equal(observed_entries(out), omegas[0])


def test_omega_from_the_input_file(tmp):
    rng = np.random.default_rng(7)
    y = rng.standard_normal((23, 2)) @ rng.standard_normal((2, 19))
    y /= np.linalg.norm(y, 2)              # σ_1 = 1, like the job's target: lr 0.2 is stable
    mask = (rng.random((23, 19)) < 0.4).astype(np.float64)
    inp = os.path.join(tmp, "in.h5")
    with h5py.File(inp, "w") as f:
        f["Y"], f["M"] = y, mask
    out = os.path.join(tmp, "c.h5")
    fasim(["run", JOB, *small(problem__n=23, problem__m=19, model__r=10, grid__block=4), f"--input.file={inp}",
           f"--output.file={out}"], ranks=2)
    res = check_losses(out)
    assert res.problem["mask_source"] == "input-file" and "mask_seed" not in res.problem
    assert np.array_equal(observed_entries(res), mask != 0)


def test_full_observation_has_no_omega(tmp):
    out = os.path.join(tmp, "f.h5")
    fasim(["run", JOB, *small(problem__observe="full"), f"--output.file={out}"])
    res = load(out)
    assert "observed" not in res.problem and "observe" not in res.problem
    try:
        observed_entries(res)
    except ValueError as e:
        assert "not a completion result" in str(e)
    else:
        raise AssertionError("observed_entries accepted a full-observation result")


if __name__ == "__main__":
    sys.exit(run_tests(globals(), prefix="fasim_observed_test_"))
