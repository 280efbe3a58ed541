#!/usr/bin/env bash
# End to end: a 4-point sweep run in 2 groups, a second run that skips every point, and `fasim collect` to
# HDF5 and CSV read back with h5py and fasim_post.load_summary. FASIM_BINARY is set by ctest.
set -euo pipefail
: "${FASIM_BINARY:?set FASIM_BINARY to the fasim executable}"
SOURCE_DIR="${FASIM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() {
  echo "sweep_e2e: FAIL: $*" >&2
  exit 1
}

mkdir -p res
cat >sweep.ini <<'EOF'
[problem]
n = 30
m = 30
k = 30
spectrum = two-level

[model]
r = 3

[run]
algorithms = gd,fa
steps = 50
record_points = 10

[output]
file = res/pt.h5

[sweep]
problem.seed = 0:2
model.r = 2,3
EOF

"$FASIM_BINARY" sweep list sweep.ini >list.txt || fail "sweep list"
cat list.txt
[ "$(grep -vc '^#' list.txt)" = 4 ] || fail "sweep list should show 4 points"
grep -q $'^3\tabsent\tres/pt-3.h5\tproblem.seed=1;model.r=3$' list.txt || fail "point 3 should be seed 1, r 3"

"${FASIM_MPIEXEC:-mpirun}" -n 2 "$FASIM_BINARY" sweep run sweep.ini --groups 2 >run1.txt 2>&1 || {
  cat run1.txt
  fail "first sweep run"
}
cat run1.txt
[ "$(grep -c '^point [0-3]: gd ' run1.txt)" = 4 ] || fail "expected one summary line per point"
for i in 0 1 2 3; do
  [ -f "res/pt-$i.h5" ] || fail "res/pt-$i.h5 missing"
done
/usr/bin/python3 - <<'EOF' || fail "result files are not complete"
import h5py
for i in range(4):
    with h5py.File(f"res/pt-{i}.h5", "r") as f:
        status = f.attrs["status"]
        status = status.decode() if isinstance(status, bytes) else status
        assert status == "complete", (i, status)
        label = f.attrs["sweep_point"]
        label = label.decode() if isinstance(label, bytes) else label
        assert label == f"problem.seed={i // 2};model.r={2 + i % 2}", (i, label)
        assert f["problem/C"].shape[0] == 2 + i % 2
EOF

"${FASIM_MPIEXEC:-mpirun}" -n 2 "$FASIM_BINARY" sweep run sweep.ini --groups 2 >run2.txt 2>&1 || {
  cat run2.txt
  fail "second sweep run"
}
cat run2.txt
[ "$(grep -c 'skipped (complete' run2.txt)" = 4 ] || fail "the second run should skip every point"
grep -q '0 run, 4 skipped, 0 failed' run2.txt || fail "second run tally"

# One point again by index, after its file was removed.
rm res/pt-2.h5
"$FASIM_BINARY" sweep run sweep.ini --index 2 >run3.txt 2>&1 || {
  cat run3.txt
  fail "sweep run --index 2"
}
grep -q '^point 2: gd ' run3.txt || fail "--index 2 should run point 2"

# Bad input: a one-line usage error and exit code 2.
set +e
"$FASIM_BINARY" sweep run sweep.ini --index 9 2>err.txt
code=$?
set -e
[ "$code" = 2 ] || fail "--index 9 should exit 2, got $code"
grep -q 'indices are 0..3' err.txt || fail "--index 9 message: $(cat err.txt)"

"$FASIM_BINARY" collect res --output s.h5 --csv s.csv || fail "collect"
/usr/bin/python3 - "$SOURCE_DIR" <<'EOF' || fail "summary check"
import math, sys
import h5py
sys.path.insert(0, sys.argv[1] + "/tools")
import fasim_post
with h5py.File("s.h5", "r") as f:
    p = f["points"]
    assert p["file"].shape == (4,), p["file"].shape
    fa = p["fa_final_loss"][()]
    assert all(math.isfinite(x) for x in fa), fa
    assert all(math.isnan(x) for x in p["fastar_final_loss"][()])
    assert list(p["model.r"][()]) == [2, 3, 2, 3], p["model.r"][()]
    assert list(p["problem.seed"][()]) == [0, 0, 1, 1]
    assert p["problem.n"][0] == 30
    assert p["stop_reason_gd"].asstr()[0] == "steps"
    # Variable-length string columns (HDF5 1.10 refuses VL datasets created with H5D_FILL_TIME_NEVER).
    files = list(p["file"].asstr()[()])
    assert files == sorted(files) and all(x.startswith("res/pt-") and x.endswith(".h5") for x in files), files
    assert p["file"].id.get_type().is_variable_str(), "points/file should be a variable-length string"
    assert p["status"].asstr()[()].tolist() == ["complete"] * 4, p["status"][()]
    assert all(0 <= x <= 1 + 1e-9 for x in p["overlap"][()])
for path in ("s.h5", "s.csv"):
    cols = fasim_post.load_summary(path)
    for name in ("file", "gd_final_loss", "fa_final_loss", "optimal_error", "lemma1_error", "overlap",
                 "problem.n", "model.r", "problem.seed", "feedback.seed", "stop_reason_fa"):
        assert name in cols, (path, name, sorted(cols))
    assert len(cols["fa_final_loss"]) == 4
    assert cols["fa_final_loss"].dtype.kind == "f"
print("summary ok:", sorted(cols))
EOF
echo "sweep_e2e: OK"
