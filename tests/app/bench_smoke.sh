#!/usr/bin/env bash
# A tiny `fasim bench`: one JSON line per algorithm and formulation, with the fields BENCHMARKS.md relies on.
set -euo pipefail
out=$(mpirun -n 2 --oversubscribe "$FASIM_BINARY" bench --problem.n=300 --problem.m=200 --problem.k=20 --model.r=10 \
      --run.algorithms=fa,fastar,gd --bench.steps=5 --bench.warmup=1 --grid.block=32)
echo "$out"
naive=$(mpirun -n 2 --oversubscribe "$FASIM_BINARY" bench --problem.n=300 --problem.m=200 --problem.k=20 --model.r=10 \
      --run.algorithms=fa --bench.steps=5 --bench.warmup=1 --bench.formulation=naive)
echo "$naive"
/usr/bin/python3 - "$out" "$naive" <<'PY'
import json, sys
rows = [json.loads(l) for arg in sys.argv[1:] for l in arg.splitlines() if l.startswith("{")]
assert len(rows) == 4, rows
for r in rows:
    for key in ("algorithm", "formulation", "n", "m", "r", "ranks", "grid", "block", "ms_per_step", "gflops",
                "peak_rss_mib", "dgemm_gflops"):
        assert key in r, key
    assert r["ms_per_step"] > 0 and r["gflops"] > 0 and r["peak_rss_mib"] > 0 and r["dgemm_gflops"] > 0
print("4 passed, 0 failed")
PY
