#!/usr/bin/env bash
# `fasim bench` on a network (problem.source = network, issue 26): one JSON line per algorithm in the paper
# model's grammar, on the 1×1, 2×1 and 1×2 grids, Euler and RK4. The bytes and messages the PMPI counters
# measure per rank per step equal the model (model/network_traffic.hpp) wherever it says it is exact (one rank;
# the replicated plan on one process column; the gram plan on any grid), never fall below the floor, and the
# passes over X and O are at the algebra's floor: 2 and 1 per evaluation for a nonlinear network, 0 and 0 for
# a linear one with an X (the gram plan: XᵀX and XᵀO formed once; N/P = 150 against n = 40 here).
set -euo pipefail
run() { # ranks rows cols integrator activation
  "${FASIM_MPIEXEC:-mpirun}" -n "$1" "$FASIM_BINARY" bench --problem.source=network --problem.n=40 \
    --problem.m=30 --problem.k=5 --problem.samples=300 --network.depth=3 --network.widths=12,10 \
    --network.activation="$5" --model.r=12 --run.algorithms=gd,fa,dfa,kp,usf --run.integrator="$4" \
    --grid.rows="$2" --grid.cols="$3" --grid.block=8 --bench.steps=3 --bench.warmup=1
}
all=""
for integrator in euler rk4; do
  for shape in "1 1 1" "2 2 1" "2 1 2"; do
    out=$(run $shape "$integrator" relu)
    echo "$out"
    all+="$out"$'\n'
  done
done
linear=$(run 2 2 1 euler identity)$'\n'$(run 2 1 2 rk4 identity)
echo "$linear"
# The paper model's naive formulation and bench.io_dir are refused for a network: exit 2, one error line.
set +e
err=$("${FASIM_MPIEXEC:-mpirun}" -n 1 "$FASIM_BINARY" bench --problem.source=network --problem.n=20 \
      --problem.m=10 --problem.samples=50 --network.activation=relu --model.r=4 --bench.formulation=naive 2>&1 >/dev/null)
code=$?
set -e
echo "$err"
[[ $code -eq 2 ]] || { echo "naive on a network: exit code $code, expected 2"; exit 1; }
[[ $(grep -c '^fasim: error' <<<"$err") -eq 1 ]] || { echo "expected one error line"; exit 1; }
/usr/bin/python3 - "$all" "$linear" <<'PY'
import json, sys
rows = [json.loads(l) for l in sys.argv[1].splitlines() if l.startswith("{")]
assert len(rows) == 2 * 3 * 5, len(rows)
checked = 0
for r in rows:
    for key in ("algorithm", "formulation", "plan", "n", "m", "samples", "depth", "widths", "activation", "ranks",
                "grid", "block", "ms_per_step", "gflops", "peak_rss_mib", "bytes_per_step", "messages_per_step",
                "model_bytes_per_step", "model_exact", "floor_bytes_per_step"):
        assert key in r, (key, r)
    assert r["formulation"] == "network" and r["depth"] == 3 and r["widths"] == "12,10", r
    assert r["ms_per_step"] > 0 and r["gflops"] > 0 and r["peak_rss_mib"] > 0, r
    k = 4 if r["integrator"] == "rk4" else 1
    assert r["evaluations_per_step"] == k, r
    # Passes: X twice (X·W1, Xᵀ·δ1) and O once (E = O − Ŷ) per evaluation, the floor of a ReLU network.
    assert (r["x_passes_per_evaluation"], r["o_passes_per_evaluation"]) == (2, 1), r
    assert (r["x_passes_per_step"], r["o_passes_per_step"]) == (2 * k, k), r
    assert r["x_passes_per_step"] == r["floor_x_passes_per_step"], r
    assert r["o_passes_per_step"] == r["floor_o_passes_per_step"], r
    # The plan the rule chooses: replicated on 2×1 but for kp (it would gather its B_l too), PDGEMM elsewhere.
    replicated = r["grid"] == "2x1" and r["algorithm"] != "kp"
    assert r["plan"] == r["algorithm"] + (":network=replicated" if replicated else ":network=pdgemm"), r
    assert r["bytes_per_step"] is not None, "the PMPI counters did not see the MPI calls"
    if r["grid"] == "1x1":
        assert r["bytes_per_step"] == 0 and r["messages_per_step"] == 0 and r["model_exact"], r
        assert r["model_bytes_per_step"] == 0 and r["floor_bytes_per_step"] == 0, r
    if replicated:  # exact: each W_l gathered, each gradient summed onto its owners, the loss; and at the floor
        assert r["model_exact"], r
        assert r["bytes_per_step"] == r["model_bytes_per_step"], r
        assert r["messages_per_step"] == r["model_messages_per_step"], r
        assert r["bytes_per_step"] == r["floor_bytes_per_step"], r
        # (40·12 + 12·10 + 10·30 numbers + the loss) · 8 bytes · 2·(P−1)/P, per evaluation
        assert r["floor_bytes_per_step"] == k * (40 * 12 + 12 * 10 + 10 * 30 + 1) * 8, r
        checked += 1
    if r["ranks"] > 1 and not replicated:  # PDGEMM chooses its own algorithm: an estimate
        assert not r["model_exact"] and r["model_messages_per_step"] is None, r
    assert r["bytes_per_step"] >= r["floor_bytes_per_step"], r
    assert r["bytes_per_step_max"] >= r["bytes_per_step"], r
assert checked == 2 * 4, checked
linear = [json.loads(l) for l in sys.argv[2].splitlines() if l.startswith("{")]
assert len(linear) == 10, linear
for r in linear:  # σ = identity: XᵀX and XᵀO formed once carry every product (the gram plan)
    assert r["activation"] == "identity" and r["plan"] == r["algorithm"] + ":network=gram", r
    assert (r["x_passes_per_step"], r["o_passes_per_step"]) == (0, 0), r
    assert (r["floor_x_passes_per_step"], r["floor_o_passes_per_step"]) == (0, 0), r
    # exact on any grid: one allgatherv per W_l (kp: and per B_l), nothing summed
    k = 4 if r["integrator"] == "rk4" else 1
    weights = 40 * 12 + 12 * 10 + 10 * 30 + (12 * 10 + 10 * 30 if r["algorithm"] == "kp" else 0)
    assert r["model_exact"] and r["bytes_per_step"] == r["model_bytes_per_step"] == k * weights * 8 * 0.5, r
    assert r["messages_per_step"] == r["model_messages_per_step"] == k * (3 + (2 if r["algorithm"] == "kp" else 0)), r
    assert r["floor_bytes_per_step"] == 0, r
print("network bench: %d lines checked, %d exact on 2x1" % (len(rows) + len(linear), checked))
PY
