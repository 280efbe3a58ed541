#!/usr/bin/python3
"""Tests of tools/fasim-plot and tools/fasim_post against files written by hand following
docs/output-format.md. Run: /usr/bin/python3 tests/tools/test_fasim_plot.py (no pytest needed)."""
import csv
import os
import struct
import subprocess
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.realpath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TOOLS = os.path.join(REPO, "tools")
PLOT = os.path.join(TOOLS, "fasim-plot")
sys.path.insert(0, TOOLS)
sys.path.insert(0, HERE)

from fasim_post import load, load_summary, parse_ini  # noqa: E402
from runner import run_tests  # noqa: E402

PYTHON = "/usr/bin/python3"
ALGS = ("gd", "fa", "fastar")
CONFIG = """# resolved configuration
[problem]
source = synthetic
n = 12
m = 10
k = 6
spectrum = two-level
seed = 1

[run]
steps = 490
r = 3
probes = 3
algorithms = gd, fa, fastar

[output]
file = fig2b.h5
snapshot_every = 100
"""


# ------------------------------------------------------------------------------------ fixtures

def write_result(path, n=12, m=10, r=3, k=6, T=50, p=3, algs=ALGS, with_optional=True, seed=0):
    """A result file exactly as docs/output-format.md describes it. Returns the arrays written."""
    rng = np.random.default_rng(seed)
    Y = rng.standard_normal((n, m))
    C = rng.standard_normal((r, m))
    sv = np.sort(rng.random(k))[::-1]
    Z0 = 1e-3 * rng.standard_normal((n, r))
    W0 = 1e-3 * rng.standard_normal((r, m))
    data = {"Y": Y, "C": C, "singular_values": sv, "Z0": Z0, "W0": W0, "runs": {}}
    with h5py.File(path, "w") as f:
        f.attrs["fasim_version"] = "0.1.0"
        f.attrs["git_commit"] = "deadbeef"
        f.attrs["created"] = "2024-01-01T00:00:00Z"
        f.attrs["config"] = CONFIG.replace("m = 10", f"m = {m}").replace("n = 12", f"n = {n}")
        f.attrs["mpi_size"] = np.int32(4)
        f.attrs["grid"] = np.array([2, 2], dtype=np.int32)
        f.attrs["block"] = np.int32(64)
        f.attrs["blas_library"] = "OpenBLAS"
        f.attrs["blas_core"] = np.bytes_("Haswell")       # fixed-length bytes: must come back as str
        f.attrs["blas_threads"] = np.int32(1)
        f.attrs["host"] = "node0"
        f.attrs["status"] = "complete"
        g = f.create_group("problem")
        if with_optional:
            g["Y"] = Y
            g["singular_values"] = sv
        g["C"] = C
        g.attrs["optimal_error"] = 0.5
        g.attrs["lemma1_error"] = 0.8
        g.attrs["y_norm2"] = float(np.sum(Y * Y))
        for key, v in (("n", n), ("m", m), ("k", k), ("r", r)):
            g.attrs[key] = np.int64(v)
        g.attrs["source"] = "synthetic"
        g.attrs["spectrum"] = "two-level"
        gi = f.create_group("init")
        gi["Z0"] = Z0
        gi["W0"] = W0
        for ai, alg in enumerate(algs):
            ga = f.create_group(f"runs/{alg}")
            Z = rng.standard_normal((n, r))
            W = rng.standard_normal((r, m))
            ga["Z"] = Z
            ga["W"] = W
            if alg == "kp":
                ga["B"] = W + 0.1
                ga.attrs["decay"] = 0.5
            step = np.arange(T, dtype=np.int64) * 10
            t = np.linspace(0, 1, T)
            traj = {
                "step": step,
                "time": step * 0.1,
                "loss": 0.5 + np.exp(-5 * t) * (1 + ai),
                "fa_loss": np.abs(np.sin(7 * t)) * np.exp(-2 * t) + 1e-3,
                "ell": np.exp(-3 * t),
                "alignment_cos": -0.5 + t,
                "align_min_eig": -1 + 0.5 * t,
                "align_max_eig": 1 + t,
                "ztz_drift": t ** 2,
                "stationarity": np.exp(-4 * t),
                "feedback_loss": np.exp(-3 * t) + 1e-3,
                "feedback_cos": np.ones(T) if alg == "gd" else 0.9 * t,
                "feedback_gap": np.zeros(T) if alg == "gd" else np.exp(-2 * t),
            }
            if with_optional:
                traj["probe_xAx"] = np.outer(t, np.arange(1, p + 1)) - 0.3
            tg = ga.create_group("trajectory")
            for name, arr in traj.items():
                # chunked, unlimited maximum size: as fasim writes them
                tg.create_dataset(name, data=arr, chunks=True, maxshape=(None,) + arr.shape[1:])
            attrs = {"lr": 1.0 if alg == "gd" else 0.1, "lr_w": 0.5 if alg == "fa" else 0.0,
                     "integrator": "euler", "stop_reason": "steps", "stop_step": np.int64(490),
                     "steps_done": np.int64(490), "wall_seconds": 1.5, "seconds_per_step": 0.003}
            for key, v in attrs.items():
                ga.attrs[key] = v
            run = {"Z": Z, "W": W, "trajectory": traj, "attrs": attrs}
            if with_optional:
                S = 5
                snaps = {"Z": rng.standard_normal((S, n, r)), "W": rng.standard_normal((S, r, m)),
                         "step": np.arange(S, dtype=np.int64) * 100}
                for name, arr in snaps.items():
                    ga[f"snapshots/{name}"] = arr
                run["snapshots"] = snaps
            data["runs"][alg] = run
        if with_optional and "gd" in algs and ("fa" in algs or "fastar" in algs):
            ov = rng.random(r)
            f.create_group("summary").attrs["representation_overlap"] = ov
            data["overlap"] = ov
    return data


def summary_columns(seed=0):
    rng = np.random.default_rng(seed)
    ns = np.repeat([100.0, 200.0, 400.0, 800.0], 5)
    N = ns.size
    return {
        "problem.n": ns,
        "problem.epsilon": np.full(N, 0.5),
        "problem.seed": np.arange(N, dtype=np.int64),
        "problem.spectrum": np.array(["spiked"] * N),
        "fa_final_loss": 0.75 + 0.05 * rng.random(N),
        "gd_final_loss": np.full(N, 0.5),
        "fastar_final_loss": 0.76 + 0.05 * rng.random(N),
        "optimal_error": np.full(N, 0.5),
        "lemma1_error": 0.75 + 0.05 * rng.random(N),
        "overlap": rng.random(N) / np.sqrt(ns),
        "stop_reason_fa": np.array(["steps"] * (N - 1) + ["stop_loss"]),
        "stop_reason_gd": np.array(["steps"] * N),
    }


def write_summary_h5(path, cols):
    with h5py.File(path, "w") as f:
        g = f.create_group("points")
        for name, arr in cols.items():
            if arr.dtype.kind == "U":
                g.create_dataset(name, data=arr.astype("S"))       # strings as HDF5 strings
            else:
                g[name] = arr


def write_summary_csv(path, cols):
    names = list(cols)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        for i in range(len(cols[names[0]])):
            w.writerow([repr(float(cols[c][i])) if cols[c].dtype.kind == "f" else str(cols[c][i])
                        for c in names])


# ------------------------------------------------------------------------------------- helpers

def png_size(path):
    with open(path, "rb") as fh:
        head = fh.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG (magic {head[:8]!r})"
    assert head[12:16] == b"IHDR", f"{path}: no IHDR chunk first"
    return struct.unpack(">II", head[16:24])


def run_plot(*args):
    proc = subprocess.run([PLOT, *args], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"fasim-plot exit {proc.returncode}\nstdout:{proc.stdout}\nstderr:{proc.stderr}"
    return [line for line in proc.stdout.splitlines() if line.strip()]


def check_pngs(outdir, stem, kinds, printed):
    for kind in kinds:
        path = os.path.join(outdir, f"{stem}_{kind}.png")
        assert os.path.isfile(path), f"missing {path}; printed: {printed}"
        assert path in printed, f"{path} not printed; printed: {printed}"
        w, h = png_size(path)
        assert w >= 300 and h >= 300, f"{path}: {w}×{h} px is too small"


def assert_equal(a, b, what):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != {b.shape}"
    if a.dtype.kind in "fiu" and b.dtype.kind in "fiu":
        assert np.allclose(a, b, rtol=0, atol=0, equal_nan=True), f"{what}: values differ"
    else:
        assert (a.astype(str) == b.astype(str)).all(), f"{what}: values differ"


RESULT_KINDS = ("loss", "fastar_fa_loss", "probes", "align_min_eig", "fa_vs_fastar", "fa_zoom")
SUMMARY_KINDS = ("thm3_hist", "thm4_overlap")


# --------------------------------------------------------------------------------------- tests

def test_plot_result_file(tmp):
    path = os.path.join(tmp, "fig2b.h5")
    write_result(path)
    out = os.path.join(tmp, "out")
    printed = run_plot(path, "--out", out)
    check_pngs(out, "fig2b", RESULT_KINDS, printed)
    # m = 10: no unit-vector figure
    assert not os.path.exists(os.path.join(out, "fig2b_unit_vector.png"))
    assert len(printed) == len(RESULT_KINDS), printed


def test_completion_metrics_are_drawn(tmp):
    """A completion result (docs/output-format.md's completion columns) gets the completion figure; others don't."""
    path = os.path.join(tmp, "completion.h5")
    write_result(path, algs=("gd", "fa"))
    with h5py.File(path, "a") as f:
        for alg in ("gd", "fa"):
            t = f[f"runs/{alg}/trajectory"]
            steps = len(t["step"])
            for metric in ("test_error", "full_error", "nuclear_norm", "effective_rank"):
                t[metric] = np.linspace(1.0, 0.1, steps)
    out = os.path.join(tmp, "out-completion")
    printed = run_plot(path, "--out", out)
    check_pngs(out, "completion", ["completion", "loss"], printed)
    res = load(path)
    assert np.allclose(res.runs["fa"].metric("nuclear_norm"), np.linspace(1.0, 0.1, res.runs["fa"].T))
    plain = os.path.join(tmp, "plain.h5")
    write_result(plain)
    printed = run_plot(plain, "--out", out)
    assert not os.path.exists(os.path.join(out, "plain_completion.png")), printed


def test_feedback_rules_get_the_feedback_figures(tmp):
    """A file with feedback rules: the alignment cos∠(B, W) and feedback figures, kp's B read."""
    path = os.path.join(tmp, "rules.h5")
    write_result(path, algs=("gd", "fa", "usf", "kp", "mixed"))
    out = os.path.join(tmp, "out_rules")
    printed = run_plot(path, "--out", out)
    check_pngs(out, "rules", ("loss", "feedback_alignment", "feedback"), printed)
    res = load(path)
    assert res.runs["kp"].B is not None and res.runs["fa"].B is None
    assert np.allclose(res.runs["kp"].B, res.runs["kp"].W + 0.1)
    assert list(res.runs) == ["gd", "fa", "usf", "kp", "mixed"]


def test_load_result_values(tmp):
    path = os.path.join(tmp, "values.h5")
    data = write_result(path, seed=7)
    res = load(path)
    assert res.config.text.startswith("# resolved configuration")
    assert res.config.sections["problem"]["n"] == "12"
    assert res.config.sections["run"]["algorithms"] == "gd, fa, fastar"
    assert res.config.get("output", "snapshot_every") == "100"
    assert res.attrs["status"] == "complete" and res.attrs["blas_core"] == "Haswell"
    assert_equal(res.attrs["grid"], [2, 2], "grid")
    assert res.attrs["mpi_size"] == 4
    for key in ("Y", "C", "singular_values"):
        assert_equal(res.problem[key], data[key], f"problem/{key}")
    assert res.problem["optimal_error"] == 0.5 and res.problem["lemma1_error"] == 0.8
    assert (res.problem["n"], res.problem["m"], res.problem["k"], res.problem["r"]) == (12, 10, 6, 3)
    assert res.problem["source"] == "synthetic"
    assert np.isclose(res.problem["y_norm2"], np.sum(data["Y"] ** 2))
    assert_equal(res.init["Z0"], data["Z0"], "Z0")
    assert_equal(res.init["W0"], data["W0"], "W0")
    assert list(res.runs) == list(ALGS), list(res.runs)
    for alg in ALGS:
        run, want = res.runs[alg], data["runs"][alg]
        assert_equal(run.Z, want["Z"], f"{alg}/Z")
        assert_equal(run.W, want["W"], f"{alg}/W")
        assert set(run.trajectory) == set(want["trajectory"]), (alg, set(run.trajectory))
        for metric, arr in want["trajectory"].items():
            assert_equal(run.trajectory[metric], arr, f"{alg}/trajectory/{metric}")
        assert run.trajectory["probe_xAx"].shape == (50, 3)
        assert run.T == 50
        for key, v in want["attrs"].items():
            assert run.attrs[key] == v, (alg, key, run.attrs[key], v)
        assert isinstance(run.attrs["stop_reason"], str)
        for key in ("Z", "W", "step"):
            assert_equal(run.snapshots[key], want["snapshots"][key], f"{alg}/snapshots/{key}")
    assert_equal(res.summary["representation_overlap"], data["overlap"], "summary overlap")


def test_missing_optional(tmp):
    """No Y, no singular values, no probes, no snapshots, no /summary; only fa and fastar."""
    path = os.path.join(tmp, "minimal.h5")
    write_result(path, algs=("fa", "fastar"), with_optional=False)
    res = load(path)
    assert "Y" not in res.problem and "singular_values" not in res.problem
    assert "C" in res.problem
    assert res.summary == {}
    assert list(res.runs) == ["fa", "fastar"]
    assert res.runs["fa"].snapshots is None and "probe_xAx" not in res.runs["fa"].trajectory
    out = os.path.join(tmp, "out_min")
    printed = run_plot(path, "--out", out)
    check_pngs(out, "minimal", ("loss", "fastar_fa_loss", "align_min_eig", "fa_vs_fastar", "fa_zoom"),
               printed)
    assert not os.path.exists(os.path.join(out, "minimal_probes.png"))


def test_unit_vector_source(tmp):
    """m = 1 (Fig 3a): the unit-vector figure is drawn."""
    path = os.path.join(tmp, "fig3a.h5")
    write_result(path, n=20, m=1, r=5, k=1, algs=("fastar",))
    res = load(path)
    assert res.problem["m"] == 1 and res.problem["Y"].shape == (20, 1)
    out = os.path.join(tmp, "out_3a")
    printed = run_plot(path, "--out", out)
    check_pngs(out, "fig3a", ("unit_vector", "loss", "fastar_fa_loss", "probes", "align_min_eig"),
               printed)


def test_pdf_and_several_files(tmp):
    a = os.path.join(tmp, "a.h5")
    b = os.path.join(tmp, "b.h5")
    write_result(a)
    write_result(b, algs=("gd",))
    out = os.path.join(tmp, "out_pdf")
    printed = run_plot(a, b, "--out", out, "--pdf")
    check_pngs(out, "a", RESULT_KINDS, printed)
    check_pngs(out, "b", ("loss", "align_min_eig"), printed)
    for kind in RESULT_KINDS:
        pdf = os.path.join(out, f"a_{kind}.pdf")
        assert os.path.isfile(pdf) and pdf in printed, pdf
        with open(pdf, "rb") as fh:
            assert fh.read(5) == b"%PDF-", pdf


def test_summary_h5(tmp):
    cols = summary_columns()
    path = os.path.join(tmp, "thm.h5")
    write_summary_h5(path, cols)
    pts = load_summary(path)
    assert set(pts) == set(cols), set(pts) ^ set(cols)
    for name, arr in cols.items():
        assert_equal(pts[name], arr, f"summary h5 {name}")
    assert pts["stop_reason_fa"][-1] == "stop_loss"
    out = os.path.join(tmp, "out_sum")
    printed = run_plot(path, "--out", out)
    check_pngs(out, "thm", SUMMARY_KINDS, printed)


def test_summary_csv(tmp):
    cols = summary_columns(seed=3)
    path = os.path.join(tmp, "thm_csv.csv")
    write_summary_csv(path, cols)
    pts = load_summary(path)
    assert set(pts) == set(cols)
    for name, arr in cols.items():
        assert_equal(pts[name], arr, f"summary csv {name}")
    out = os.path.join(tmp, "out_csv")
    printed = run_plot(path, "--out", out)
    check_pngs(out, "thm_csv", SUMMARY_KINDS, printed)


def test_summary_without_epsilon(tmp):
    """Only fa_final_loss and overlap/n columns: ε defaults to 0.5; missing columns are fine."""
    cols = summary_columns()
    cols = {k: cols[k] for k in ("problem.n", "fa_final_loss", "overlap")}
    path = os.path.join(tmp, "thin.h5")
    write_summary_h5(path, cols)
    out = os.path.join(tmp, "out_thin")
    printed = run_plot(path, "--out", out)
    check_pngs(out, "thin", SUMMARY_KINDS, printed)


def test_parse_ini(tmp):
    ini = parse_ini("top = 1\n[a]\nx = 1 # comment\n; note\ny: two words\n[b]\nz=\n[a]\nw = 3\n")
    assert ini == {"": {"top": "1"}, "a": {"x": "1", "y": "two words", "w": "3"}, "b": {"z": ""}}, ini


def test_bad_file_is_reported(tmp):
    bad = os.path.join(tmp, "bad.h5")
    with open(bad, "w") as fh:
        fh.write("not hdf5")
    proc = subprocess.run([PLOT, bad, "--out", os.path.join(tmp, "out_bad")], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode != 0 and "bad.h5" in proc.stderr, (proc.returncode, proc.stderr)


if __name__ == "__main__":
    sys.exit(run_tests(globals()))
