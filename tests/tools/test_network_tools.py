#!/usr/bin/python3
"""Network results (problem.source = network, docs/networks.md) through the tools: `fasim info` on a result and
on a checkpoint, a `fasim sweep` over widths and `fasim collect` of it, fasim-plot's network figures (loss and
per-layer alignment), xarray and fasim_post.to_dataframe. Runs the real fasim (argv[1], default build/bin/fasim)."""
import json
import os
import subprocess
import sys

import h5py
import numpy as np
import xarray as xr

from runner import run_tests, use_repo

REPO = use_repo()
import fasim_post  # noqa: E402
from e2e_support import fasim  # noqa: E402

NET = """
[problem]
source = network
n = 6
m = 3
k = 3
samples = 11
[network]
depth = 3
widths = 4,5
activation = relu
[init]
z_std = 0.5
w_std = 0.5
[feedback]
std = 0.5
[run]
algorithms = gd,fa,dfa
steps = 40
record_every = 10
[gd]
lr = 0.01
[fa]
lr = 0.01
[dfa]
lr = 0.01
[grid]
block = 2
"""


def job(tmp, extra=""):
    path = os.path.join(tmp, "net.ini")
    with open(path, "w") as fh:
        fh.write(NET + extra)
    return path


def test_xarray_and_dataframe_read_a_network_result(tmp):
    out = os.path.join(tmp, "r.h5")
    fasim(["run", job(tmp), f"--output.file={out}"], ranks=2)
    with h5py.File(out, "r") as f:
        for alg in ("gd", "fa", "dfa"):
            g = f[f"runs/{alg}/trajectory"]
            with xr.open_dataset(out, group=f"runs/{alg}/trajectory", engine="h5netcdf") as ds:
                assert set(ds.indexes) == {"step"}, ds.indexes
                np.testing.assert_array_equal(ds["step"].values, [0, 10, 20, 30, 40])
                assert set(ds.data_vars) == {"loss", "align_1", "align_2"}, set(ds.data_vars)
                for name in ("loss", "align_1", "align_2"):
                    np.testing.assert_array_equal(ds[name].values, g[name][:])
    frame = fasim_post.to_dataframe(out)
    assert list(frame["algorithm"].unique()) == ["gd", "fa", "dfa"], frame["algorithm"].unique()
    assert {"step", "time", "loss", "align_1", "align_2"} <= set(frame.columns), frame.columns
    assert len(frame) == 15 and frame["step"].dtype == np.int64
    res = fasim_post.load(out)
    assert set(res.runs["fa"].layers) == {"W1", "W2", "W3"} and res.runs["fa"].layers["W2"].shape == (4, 5)
    assert np.allclose(res.runs["gd"].metric("align_1"), 1.0)


def test_fasim_plot_draws_the_loss_and_each_layers_alignment(tmp):
    out = os.path.join(tmp, "r.h5")
    fasim(["run", job(tmp), f"--output.file={out}"], ranks=1)
    p = subprocess.run([sys.executable, os.path.join(REPO, "tools", "fasim-plot"), out, "--out", tmp],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    written = sorted(os.path.basename(x) for x in p.stdout.split())
    assert written == ["r_layer_alignment.png", "r_network_loss.png"], written
    for name in written:
        assert os.path.getsize(os.path.join(tmp, name)) > 10000, name


def test_info_on_a_network_result_and_its_checkpoint(tmp):
    out = os.path.join(tmp, "r.h5")
    fasim(["run", job(tmp), f"--output.file={out}", "--output.checkpoint_every=20"], ranks=2)
    with h5py.File(out, "r") as f:
        loss = {alg: float(f[f"runs/{alg}/trajectory/loss"][-1]) for alg in ("gd", "fa", "dfa")}
    info = json.loads(fasim(["info", out, "--json"]).stdout)
    assert info["status"] == "complete", info
    for alg, value in loss.items():
        assert info["algorithms"][alg]["final_loss"] == value, (alg, info["algorithms"][alg], value)
        assert info["algorithms"][alg]["stop_reason"] == "steps", info["algorithms"][alg]
    ck = json.loads(fasim(["info", out + ".ckpt", "--json"]).stdout)
    assert ck["kind"] == "checkpoint" and ck["step"] == 40 and ck["format_version"] == 6, ck
    for alg, value in loss.items():
        assert ck["algorithms"][alg]["last_loss"] == value, (alg, ck["algorithms"][alg], value)
    text = fasim(["info", out]).stdout
    assert "complete" in text and "dfa" in text, text


def test_sweep_over_activations_and_collect(tmp):
    sweep = job(tmp, "[sweep]\nnetwork.activation = relu, tanh\n")
    out = os.path.join(tmp, "s", "w.h5")
    fasim(["sweep", "run", sweep, f"--output.file={out}"], ranks=1)
    points = sorted(x for x in os.listdir(os.path.dirname(out)) if x.endswith(".h5"))
    assert len(points) == 2, points
    summary = os.path.join(tmp, "summary.csv")
    fasim(["collect", os.path.dirname(out), "--csv", summary])
    frame = fasim_post.summary_dataframe(summary)
    assert len(frame) == 2, frame
    for alg in ("gd", "fa", "dfa"):
        col = f"{alg}_final_loss"
        assert col in frame.columns, frame.columns
        assert np.all(np.isfinite(frame[col].values)), frame[col]
    for point in points:
        with h5py.File(os.path.join(os.path.dirname(out), point), "r") as f:
            final = float(f["runs/fa/trajectory/loss"][-1])
        row = frame[frame["file"].astype(str).str.endswith(point)] if "file" in frame.columns else None
        if row is not None and len(row):
            assert float(row["fa_final_loss"].iloc[0]) == final, point


if __name__ == "__main__":
    sys.exit(run_tests(globals()))
