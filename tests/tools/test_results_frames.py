#!/usr/bin/python3
"""Results that xarray and pandas open: fasim's trajectory groups are netCDF-4 groups (dimension scales `step`
and `probe`, coordinate `time`), also after a resume; fasim_post.to_dataframe and the collect summary give tidy
tables; fasim_post refuses a newer schema major version. Runs the real fasim (argv[1], default build/bin/fasim)."""
import os
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd
import xarray as xr

from runner import run_tests, use_repo

# the real fasim (argv[1]) through the end-to-end tests' helpers and their small job (3 probes, 400 steps)
REPO = use_repo()
import fasim_post  # noqa: E402
from e2e_support import ENV, FASIM, SMALL, fasim as run_fasim  # noqa: E402


def fasim(tmp, *args, ranks=2):
    job = os.path.join(tmp, "job.ini")
    with open(job, "w") as fh:
        fh.write(SMALL)
    run_fasim([job if a == "JOB" else a.replace("TMP", tmp) for a in args], ranks=ranks)


def check_netcdf(path, last_step):
    """Every algorithm's trajectory opens as an xarray Dataset indexed by step, every metric a variable."""
    with h5py.File(path, "r") as f:
        for alg in ("gd", "fa", "fastar"):
            g = f[f"runs/{alg}/trajectory"]
            lr = f[f"runs/{alg}"].attrs["lr"]
            with xr.open_dataset(path, group=f"runs/{alg}/trajectory", engine="h5netcdf") as ds:
                assert dict(ds.sizes) == {"step": len(g["step"]), "probe": 3}, ds.sizes
                assert set(ds.indexes) == {"step"}, ds.indexes     # probe: a dimension without values
                np.testing.assert_array_equal(ds["step"].values, g["step"][:])
                assert float(ds["step"][-1]) == last_step, (alg, float(ds["step"][-1]))
                assert "time" in ds.coords and ds["time"].dims == ("step",)
                np.testing.assert_allclose(ds["time"].values, ds["step"].values * lr, rtol=1e-12)
                metrics = {n for n in g if n not in ("step", "time")}
                assert set(ds.data_vars) == metrics, (set(ds.data_vars), metrics)
                for name in metrics:
                    np.testing.assert_array_equal(ds[name].values, g[name][:])
                assert ds["probe_xAx"].dims == ("step", "probe")
                scale = f[f"runs/{alg}/probe"]                      # beside the group: every dataset in it has T rows
                np.testing.assert_array_equal(scale[:], [0, 1, 2])
                assert {len(g[n]) for n in g} == {len(g["step"])}


def test_trajectory_is_a_netcdf_group(tmp):
    fasim(tmp, "run", "JOB", "--output.file=TMP/r.h5")
    check_netcdf(os.path.join(tmp, "r.h5"), 400)
    res = fasim_post.load(os.path.join(tmp, "r.h5"))     # h5py-only reading is unchanged
    assert res.runs["fa"].T == len(res.runs["fa"].steps()) and res.runs["fa"].trajectory["probe_xAx"].shape[1] == 3


def test_resumed_file_stays_a_netcdf_group(tmp):
    fasim(tmp, "run", "JOB", "--run.steps=200", "--output.checkpoint_every=100", "--output.file=TMP/c.h5")
    fasim(tmp, "resume", "TMP/c.h5.ckpt", "--run.steps=400", ranks=1)
    check_netcdf(os.path.join(tmp, "c.h5"), 400)


def test_to_dataframe_long_format(tmp):
    fasim(tmp, "run", "JOB", "--output.file=TMP/r.h5")
    path = os.path.join(tmp, "r.h5")
    df = fasim_post.to_dataframe(path)
    res = fasim_post.load(path)
    assert list(df.columns[:3]) == ["algorithm", "step", "time"], list(df.columns)
    assert {"loss", "fa_loss", "probe_xAx_0", "probe_xAx_2"} <= set(df.columns), list(df.columns)
    assert df["step"].dtype == np.int64
    assert len(df) == sum(r.T for r in res.runs.values())
    for alg, run in res.runs.items():
        part = df[df["algorithm"] == alg]
        np.testing.assert_array_equal(part["loss"].values, run.metric("loss"))
        np.testing.assert_array_equal(part["probe_xAx_1"].values, run.metric("probe_xAx")[:, 1])
    both = fasim_post.to_dataframe([path, path])
    assert len(both) == 2 * len(df) and both["file"].nunique() == 1


def test_collect_summary_is_tidy(tmp):
    os.makedirs(os.path.join(tmp, "pts"))
    for seed in (2, 3):
        fasim(tmp, "run", "JOB", f"--feedback.seed={seed}", f"--output.file=TMP/pts/s{seed}.h5")
    proc = subprocess.run([FASIM, "collect", "pts", "--output", "s.h5", "--csv", "s.csv"], cwd=tmp, env=ENV,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    csv = pd.read_csv(os.path.join(tmp, "s.csv"))
    assert len(csv) == 2 and sorted(csv["feedback.seed"]) == [2, 3], csv
    assert csv["fa_final_loss"].dtype == np.float64
    h5 = fasim_post.summary_dataframe(os.path.join(tmp, "s.h5"))
    assert set(h5.columns) == set(csv.columns), set(h5.columns) ^ set(csv.columns)
    h5 = h5.set_index("file").loc[csv["file"]]
    np.testing.assert_allclose(h5["fa_final_loss"].values, csv["fa_final_loss"].values, rtol=1e-15)
    # The summary carries the schema version, and fasim_post refuses a summary of a newer major.
    with h5py.File(os.path.join(tmp, "s.h5"), "r+") as f:
        assert f.attrs["schema_version"] == "1.6"
        f.attrs["schema_version"] = "2.0"
    try:
        fasim_post.load_summary(os.path.join(tmp, "s.h5"))
    except fasim_post.SchemaVersionError as exc:
        assert "s.h5" in str(exc) and "2.0" in str(exc), str(exc)
    else:
        raise AssertionError("a schema 2.0 summary was read")


def write_versioned(path, version):
    with h5py.File(path, "w") as f:
        if version is not None:
            f.attrs["schema_version"] = version
        f.attrs["status"] = "complete"
        f["runs/fa/trajectory/loss"] = np.array([1.0, 0.5])


def test_schema_version(tmp):
    for version in (None, "1.0", "1.7"):
        path = os.path.join(tmp, f"v{version}.h5")
        write_versioned(path, version)
        assert fasim_post.load(path).runs["fa"].T == 2, version
    newer = os.path.join(tmp, "v2.h5")
    write_versioned(newer, "2.0")
    try:
        fasim_post.load(newer)
    except fasim_post.SchemaVersionError as exc:
        assert "v2.h5" in str(exc) and "2.0" in str(exc) and "newer" in str(exc), str(exc)
    else:
        raise AssertionError("a schema 2.0 file was read")
    proc = subprocess.run(["/usr/bin/python3", os.path.join(REPO, "tools/fasim-plot"), newer, "--out", tmp],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "schema_version 2.0 is newer" in proc.stderr, proc.stderr


if __name__ == "__main__":
    sys.exit(run_tests(globals()))
