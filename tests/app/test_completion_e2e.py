#!/usr/bin/python3
"""Matrix completion end to end (issue 15): an input file's mask M is the Ω the run uses (the recorded losses
equal numpy's masked norms of the file's Y and the run's Z, W), the Bernoulli mask gives the same trajectory on 1
and 4 ranks, and the settings completion cannot run are refused with one line."""
import h5py
import numpy as np

from e2e_support import fasim, run_tests, tmpdir, write

D = tmpdir()
BASE = """
[problem]
source = synthetic
n = 30
m = 24
k = 2
spectrum = list
values = 1,0.5
observe = completion
[completion]
fraction = 0.4
[model]
r = 8
[feedback]
std = 0.3
[init]
z_std = 0.1
w_std = 0.1
[run]
algorithms = gd,fa
steps = 30
record_every = 10
[gd]
lr = 0.2
[fa]
lr = 0.1
[grid]
block = 4
"""
INI = write(f"{D}/c.ini", BASE)


def masked_norms(y, zw, mask):
    e = y - zw
    return (float(np.sum((mask * e) ** 2)), float(np.sum(((1 - mask) * e) ** 2) / np.sum(((1 - mask) * y) ** 2)),
            float(np.sum(e ** 2)))


def test_input_mask_is_the_observed_set():
    rng = np.random.default_rng(3)
    y = rng.standard_normal((30, 2)) @ rng.standard_normal((2, 24)) / 5
    mask = (rng.random((30, 24)) < 0.5).astype(np.float64)
    src = f"{D}/in.h5"
    with h5py.File(src, "w") as f:
        f["Y"] = y
        f["M"] = mask
    out = f"{D}/m.h5"
    fasim(["run", INI, f"--input.file={src}", f"--output.file={out}", "--run.steps=0"], ranks=2)
    with h5py.File(out, "r") as f:
        z0, w0 = f["init/Z0"][...], f["init/W0"][...]
        assert np.allclose(f["problem/Y"][...], y, rtol=0, atol=1e-15)
        for alg in ("gd", "fa"):
            t = f[f"runs/{alg}/trajectory"]
            loss, test, full = masked_norms(y, z0 @ w0, mask)
            assert abs(t["loss"][0] - loss) <= 1e-12 * loss, (t["loss"][0], loss)
            assert abs(t["test_error"][0] - test) <= 1e-12 * test
            assert abs(t["full_error"][0] - full) <= 1e-12 * full
            s = np.linalg.svd(z0 @ w0, compute_uv=False)
            assert abs(t["nuclear_norm"][0] - s.sum()) <= 1e-10 * s.sum()
    # After steps, the loss is still the masked one of the final Z, W (the mask is applied in the dynamics too).
    out2 = f"{D}/m2.h5"
    fasim(["run", INI, f"--input.file={src}", f"--output.file={out2}"], ranks=2)
    with h5py.File(out2, "r") as f:
        for alg in ("gd", "fa"):
            z, w = f[f"runs/{alg}/Z"][...], f[f"runs/{alg}/W"][...]
            loss, test, _ = masked_norms(y, z @ w, mask)
            t = f[f"runs/{alg}/trajectory"]
            assert f[f"runs/{alg}"].attrs["stop_reason"] == "steps" and loss < t["loss"][0]
            assert abs(t["loss"][-1] - loss) <= 1e-12 * loss
            assert abs(t["test_error"][-1] - test) <= 1e-12 * test


def test_bernoulli_mask_is_grid_independent():
    trajectories = []
    for ranks, block in ((1, 4), (4, 3)):
        out = f"{D}/g{ranks}.h5"
        fasim(["run", INI, f"--output.file={out}", f"--grid.block={block}"], ranks=ranks)
        with h5py.File(out, "r") as f:
            trajectories.append({a: f[f"runs/{a}/trajectory/test_error"][...] for a in ("gd", "fa")})
    for a in ("gd", "fa"):
        np.testing.assert_allclose(trajectories[0][a], trajectories[1][a], rtol=1e-10)


def refused(args, expect):
    p = fasim(["run", INI, f"--output.file={D}/never.h5"] + args, ranks=1, check=False)
    assert p.returncode != 0, f"{args} was accepted"
    lines = [l for l in p.stderr.splitlines() if l.startswith("fasim: error")]
    assert len(lines) == 1 and expect in lines[0], p.stderr


def test_refusals():
    refused(["--run.algorithms=gd,fastar"], "fastar")
    refused(["--problem.representation=factored"], "problem.representation")
    refused(["--system.products=pdgemm"], "system.products")
    refused(["--init.w=optimal"], "init.w")
    refused(["--system.plan=gd:products"], "residual formulation")
    refused(["--completion.fraction=0"], "completion.fraction")


if __name__ == "__main__":
    run_tests([test_input_mask_is_the_observed_set, test_bernoulli_mask_is_grid_independent, test_refusals])
