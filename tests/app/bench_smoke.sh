#!/usr/bin/env bash
# A tiny `fasim bench`: one JSON line per algorithm and formulation, with the fields BENCHMARKS.md relies on;
# with bench.io_dir one more line timing the HDF5, checkpoint and raw writes, which leave no file behind.
set -euo pipefail
out=$("${FASIM_MPIEXEC:-mpirun}" -n 2 "$FASIM_BINARY" bench --problem.n=300 --problem.m=200 --problem.k=20 --model.r=10 \
      --run.algorithms=fa,fastar,gd --bench.steps=5 --bench.warmup=1 --grid.block=32)
echo "$out"
naive=$("${FASIM_MPIEXEC:-mpirun}" -n 2 "$FASIM_BINARY" bench --problem.n=300 --problem.m=200 --problem.k=20 --model.r=10 \
      --run.algorithms=fa --bench.steps=5 --bench.warmup=1 --bench.formulation=naive)
echo "$naive"
iodir=$(mktemp -d)
trap 'rm -rf "$iodir"' EXIT
io=$("${FASIM_MPIEXEC:-mpirun}" -n 2 "$FASIM_BINARY" bench --problem.n=300 --problem.m=200 --problem.k=20 --model.r=10 \
      --run.algorithms=fa --bench.steps=2 --bench.warmup=1 --grid.block=32 --bench.io_dir="$iodir")
echo "$io"
# Ranks that own no piece of Y: n = m = 64 on a 2×2 grid with block 64 puts all of Y on rank (0,0); the GEMM
# reference (the pass floor) once read the other ranks' missing pieces and crashed.
empty=$("${FASIM_MPIEXEC:-mpirun}" -n 4 "$FASIM_BINARY" bench --problem.n=64 --problem.m=64 --problem.k=8 --model.r=4 \
      --grid.rows=2 --grid.cols=2 --grid.block=64 --run.algorithms=fa,gd --bench.steps=2 --bench.warmup=1)
echo "$empty"
left=$(find "$iodir" -name 'fasim-bench-*')
[[ -z "$left" ]] || { echo "files left behind: $left"; exit 1; }
# A directory that does not exist: a usage error (exit 2), one error line naming the key, before any work.
set +e
err=$("${FASIM_MPIEXEC:-mpirun}" -n 2 "$FASIM_BINARY" bench --problem.n=300 --problem.m=200 --model.r=10 \
      --bench.io_dir="$iodir/missing" 2>&1 >/dev/null)
code=$?
set -e
echo "$err"
[[ $code -eq 2 ]] || { echo "missing bench.io_dir: exit code $code, expected 2"; exit 1; }
[[ $(grep -c '^fasim: error' <<<"$err") -eq 1 ]] || { echo "expected one error line"; exit 1; }
grep '^fasim: error' <<<"$err" | grep -q 'bench.io_dir' || { echo "the error does not name bench.io_dir"; exit 1; }
/usr/bin/python3 - "$out" "$naive" "$io" "$empty" <<'PY'
import json, sys
rows = [json.loads(l) for arg in sys.argv[1:3] for l in arg.splitlines() if l.startswith("{")]
assert len(rows) == 4, rows
for r in rows:
    for key in ("algorithm", "formulation", "n", "m", "r", "ranks", "grid", "block", "ms_per_step", "gflops",
                "peak_rss_mib", "dgemm_gflops"):
        assert key in r, key
    assert r["ms_per_step"] > 0 and r["gflops"] > 0 and r["peak_rss_mib"] > 0 and r["dgemm_gflops"] > 0
    # The fastest timed step (the median's lower envelope: what other work on the machine disturbed least).
    assert 0 < r["ms_fastest_step"] <= r["ms_per_step"], r
    # The step's plan (parseable text) and its distance to the best one-pass GEMM layout over the local Y.
    assert r["plan"] == "naive" or r["plan"].startswith(r["algorithm"] + ":"), r
    assert r["floor_ms"] > 0 and r["vs_floor"] > 0, r
    assert r["floor_layout"] in ("zt_y", "yt_z", "y_bt", "b_yt"), r
    # Every layout's time, the floor being the fastest of them.
    assert sorted(r["layout_ms"]) == sorted(("zt_y", "yt_z", "y_bt", "b_yt")), r
    assert abs(min(r["layout_ms"].values()) - r["floor_ms"]) <= 1e-3 * r["floor_ms"] + 1e-4, r
    assert r["layout_ms"][r["floor_layout"]] == min(r["layout_ms"].values()), r
lines = [json.loads(l) for l in sys.argv[3].splitlines() if l.startswith("{")]
assert len(lines) == 2 and "algorithm" in lines[0], lines
io = lines[1]
assert io["io"] == "write" and io["grid"] == "1x2" and io["matrices"] == "Y,Z,W", io
assert io["bytes"] == 8 * (300 * 200 + 300 * 10 + 10 * 200), io
for key in ("n", "m", "r", "ranks", "bytes", "hdf5_seconds", "hdf5_write_seconds", "hdf5_mib_per_s",
            "checkpoint_bytes", "checkpoint_seconds", "checkpoint_mib_per_s", "raw_seconds", "raw_write_seconds",
            "raw_mib_per_s", "hdf5_vs_raw", "checkpoint_vs_raw"):
    assert isinstance(io[key], (int, float)) and io[key] > 0, (key, io)
empty = [json.loads(l) for l in sys.argv[4].splitlines() if l.startswith("{")]
assert [r["algorithm"] for r in empty] == ["fa", "gd"], empty
for r in empty:
    assert r["grid"] == "2x2" and r["ranks"] == 4 and r["block"] == 64, r
    assert r["ms_per_step"] > 0 and r["floor_ms"] > 0 and r["dgemm_gflops"] > 0, r
print("7 passed, 0 failed")
PY
