#!/usr/bin/env bash
# End-to-end test of slurm/run.sbatch and slurm/sweep.sbatch on a private single-node Slurm cluster started on
# this machine (tests/slurm/slurm_harness.sh). Needs root; installs slurm-wlm and munge if missing.
#   1. run.sbatch: a short demo run completes (result status 'complete'); a resubmission does not rerun it.
#   2. sweep.sbatch: a 4-task array of a tiny sweep, then `fasim collect` has 4 rows.
#   3. checkpoint/requeue: USR1 to a running job (as --signal=B:USR1@T would send it) -> fasim checkpoints,
#      exits 75, the job requeues itself and resumes; final losses equal an uninterrupted run's (1e-12 rel),
#      once with the automatic launcher choice (which must be srun --mpi=<plugin>: Debian's Slurm offers pmix and
#      pmi2) and once with the MPI's own launcher (mpirun.openmpi, MPICH's mpiexec.hydra), which the job script
#      must find from the binary alone (submitted without FASIM_MPI/FASIM_MPIEXEC).
#   4. a config WITHOUT output.overwrite (as jobs/*.ini ship): requeued by USR1 and resumed (final losses equal the
#      uninterrupted run's); the finished job resubmitted does nothing and leaves the file byte-identical (md5);
#      resubmitted with a larger --run.steps it is continued and equals a run of that many steps.
# Env: FASIM_BINARY (the fasim executable), FASIM_SOURCE_DIR (the repository), FASIM_MPIEXEC (the build's
# launcher); set by ctest. Any MPI build: `ctest -L slurm` in build/ or build-mpich/ (FASIM_MPI=mpich
# scripts/test -L slurm). FASIM_SLURM_TEST_STEPS: steps of the signalled runs (8000).
# Ends with "N passed, M failed"; exit 0 only if nothing failed. Failing to start the cluster is a failure.
set -uo pipefail

src=${FASIM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
fasim=${FASIM_BINARY:-$src/build/bin/fasim}
python=/usr/bin/python3
passed=0
failed=0
t_start=$(date +%s)

say() { echo "[test_slurm $(($(date +%s) - t_start))s] $*"; }
pass() {
  passed=$((passed + 1))
  say "PASS: $*"
}
fail() {
  failed=$((failed + 1))
  say "FAIL: $*"
}
summary() {
  echo "$passed passed, $failed failed"
}

if [[ ! -x $fasim ]]; then
  fail "fasim binary '$fasim' not found (set FASIM_BINARY)"
  summary
  exit 1
fi
fasim=$(cd "$(dirname "$fasim")" && pwd)/$(basename "$fasim")
# The build's own launcher (the reference runs use it; case 3 expects the job script to choose it): ctest's
# FASIM_MPIEXEC, else scripts/env.sh's for the MPI the binary links.
if [[ -z ${FASIM_MPI:-} && -z ${FASIM_MPIEXEC:-} && $("$fasim" version 2>/dev/null) == *$'\n'"MPI: MPICH"* ]]; then
  export FASIM_MPI=mpich
fi
own_launcher=${FASIM_MPIEXEC:-$(source "$src/scripts/env.sh" && echo "$FASIM_MPIEXEC")}
say "fasim $fasim: $("$fasim" version 2>/dev/null | grep '^MPI:'); own launcher $own_launcher"

# shellcheck source=slurm_harness.sh
source "$src/tests/slurm/slurm_harness.sh"
cleanup() {
  local rc=$?
  slurm_harness_stop
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! slurm_harness_start; then
  fail "could not start a single-node Slurm cluster (munged/slurmctld/slurmd): see the messages above"
  summary
  exit 1
fi
pass "single-node Slurm cluster is up ($(($(date +%s) - t_start)) s)"

work=$SLURM_HARNESS_DIR/work
cd "$work" || exit 1
# The job scripts find the binary and the repository (scripts/env.sh) through these.
export FASIM=$fasim FASIM_SOURCE_DIR=$src

# Prints the job log(s) of a job name.
show_logs() {
  local f
  for f in "$work"/"$1"-*.out; do
    [[ -f $f ]] || continue
    echo "----- $f"
    cat "$f"
  done
}

h5_status() {
  "$python" - "$1" <<'EOF'
import sys, h5py
try:
    with h5py.File(sys.argv[1], "r") as f:
        s = f.attrs.get("status", b"")
        print(s.decode() if isinstance(s, bytes) else s)
except Exception as e:
    print("unreadable: %s" % e)
EOF
}

# ---- 1. one run ---------------------------------------------------------------------------------------------
t1=$(date +%s)
demo_out=$work/demo.h5
jid=$(sbatch --parsable -J demo -n 2 "$src/slurm/run.sbatch" "$src/jobs/demo.ini" --run.steps=300 \
  --output.file="$demo_out" --output.progress_seconds=0)
if [[ -z $jid ]]; then
  fail "1. sbatch slurm/run.sbatch did not submit"
else
  state=$(slurm_harness_wait_job "$jid" 180)
  status=$(h5_status "$demo_out")
  if [[ $state == COMPLETED && $status == complete ]]; then
    pass "1. run.sbatch jobs/demo.ini (300 steps, 2 ranks): COMPLETED, status complete ($(($(date +%s) - t1)) s)"
  else
    fail "1. run.sbatch: job state '$state', result status '$status'"
    show_logs demo
  fi
  # Idempotence: the same submission again does not rerun the finished experiment.
  t1b=$(date +%s)
  before=$(stat -c %Y "$demo_out" 2>/dev/null)
  jid2=$(sbatch --parsable -J demo-again -n 2 "$src/slurm/run.sbatch" "$src/jobs/demo.ini" --run.steps=300 \
    --output.file="$demo_out" --output.progress_seconds=0)
  state=$(slurm_harness_wait_job "$jid2" 120)
  if [[ $state == COMPLETED ]] && grep -q 'nothing to do' "$work/demo-again-$jid2.out" &&
    [[ $(stat -c %Y "$demo_out" 2>/dev/null) == "$before" ]]; then
    pass "1b. resubmitting a finished run does not rerun it ($(($(date +%s) - t1b)) s)"
  else
    fail "1b. resubmission: job state '$state'"
    show_logs demo-again
  fi
fi

# ---- 2. a sweep as a job array ------------------------------------------------------------------------------
t2=$(date +%s)
sweep_probe=$("$fasim" sweep list /dev/null 2>&1)
if grep -q "unknown verb" <<<"$sweep_probe"; then
  fail "2. sweep array: this fasim has no 'sweep' verb ($sweep_probe)"
else
  mkdir -p "$work/sweep"
  cat >"$work/tiny-sweep.ini" <<EOF
[problem]
source = synthetic
n = 30
m = 30
k = 30
seed = 1
[model]
r = 3
[run]
algorithms = gd,fa,fastar
steps = 50
record_every = 10
[output]
file = $work/sweep/tiny.h5
progress_seconds = 0
[sweep]
problem.seed = 0:4
EOF
  jid=$(sbatch --parsable -J sweep --array=0-3 -n 1 "$src/slurm/sweep.sbatch" "$work/tiny-sweep.ini")
  ok=1
  if [[ -z $jid ]]; then
    ok=0
  else
    for t in 0 1 2 3; do
      state=$(slurm_harness_wait_job "${jid}_$t" 180)
      [[ $state == COMPLETED ]] || {
        ok=0
        say "array task $t: $state"
      }
    done
  fi
  rows=""
  if ((ok)) && "$fasim" collect "$work/sweep" --output "$work/summary.h5"; then
    rows=$("$python" - "$work/summary.h5" <<'EOF'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    lengths = {len(f["points"][name]) for name in f["points"]}
    print(lengths.pop() if len(lengths) == 1 else "inconsistent %s" % sorted(lengths))
EOF
    )
  fi
  if ((ok)) && [[ $rows == 4 ]]; then
    pass "2. sweep.sbatch --array=0-3: 4 tasks COMPLETED, fasim collect: 4 rows ($(($(date +%s) - t2)) s)"
  else
    fail "2. sweep array: tasks ok=$ok, collected rows '$rows'"
    show_logs sweep
  fi
fi

# ---- 3. USR1 -> checkpoint -> exit 75 -> requeue -> resume, same result as without interruption --------------
# Long enough that the signal (sent once fasim reports progress, after 1 s) finds it stepping; 20000 steps took
# 160 s per run on 2 loaded cores and made the test last 15 minutes.
steps=${FASIM_SLURM_TEST_STEPS:-8000}
ref_out=$work/reference.h5
t_ref=$(date +%s)
(
  cd "$work" && source "$src/scripts/env.sh" &&
    "$own_launcher" -n 2 "$fasim" run "$src/jobs/demo.ini" --run.steps=$steps --output.file="$ref_out" \
      --output.progress_seconds=0 >"$work/reference.log" 2>&1
) || {
  cat "$work/reference.log"
  fail "3. the uninterrupted reference run failed"
}
ref_seconds=$(($(date +%s) - t_ref))
say "reference run ($steps steps, $own_launcher -n 2, no Slurm): $ref_seconds s"
# A signalled job runs about as long as the reference, plus a requeue and a start; a loaded machine (other
# builds on the same cores) stretches both, so the waits scale with the measured reference.
run_wait=$((ref_seconds * 3 + 240))

compare_losses() { # A.h5 B.h5: last /runs/*/trajectory/loss values equal to 1e-12 relative
  "$python" - "$1" "$2" <<'EOF'
import sys, h5py
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
ok = set(a["runs"]) == set(b["runs"]) and len(a["runs"]) > 0
for name in sorted(a["runs"]):
    if name not in b["runs"]:
        continue
    la, lb = a["runs"][name]["trajectory"]["loss"][-1], b["runs"][name]["trajectory"]["loss"][-1]
    sa, sb = a["runs"][name]["trajectory"]["step"][-1], b["runs"][name]["trajectory"]["step"][-1]
    rel = abs(la - lb) / max(abs(lb), 1e-300)
    print("  %-7s final loss %.17g vs %.17g (rel %.1e), last step %d vs %d" % (name, la, lb, rel, sa, sb))
    ok = ok and rel <= 1e-12 and sa == sb
sys.exit(0 if ok else 1)
EOF
}

compare_bitwise() { # A.h5 B.h5: final Z, W and every trajectory row at a common step equal bit for bit
  "$python" - "$1" "$2" <<'EOF'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
ok = set(a["runs"]) == set(b["runs"]) and len(a["runs"]) > 0
for name in sorted(a["runs"]):
    ra, rb = a["runs"][name], b["runs"][name]
    same = all(ra[m][()].tobytes() == rb[m][()].tobytes() for m in ("Z", "W"))
    _, ia, ib = np.intersect1d(ra["trajectory"]["step"][()], rb["trajectory"]["step"][()], return_indices=True)
    rows = all(ra["trajectory"][c][()][ia].tobytes() == rb["trajectory"][c][()][ib].tobytes()
               for c in ra["trajectory"] if c != "time")
    print("  %-7s final Z, W bitwise equal: %s; %d common trajectory rows equal: %s" % (name, same, len(ia), rows))
    ok = ok and same and rows and len(ia) > 0
sys.exit(0 if ok else 1)
EOF
}

signal_test() { # NAME LAUNCHER(auto|mpirun) [CONFIG]
  local name=$1 launcher=$2 config=${3:-$src/jobs/demo.ini} t3 out jid log state status i unset_mpi=()
  t3=$(date +%s)
  out=$work/$name.h5
  # The MPI's own launcher is chosen from the binary: submit without the MPI named.
  [[ $launcher == mpirun ]] && unset_mpi=(-u FASIM_MPI -u FASIM_MPIEXEC)
  jid=$(env "${unset_mpi[@]}" FASIM_LAUNCHER=$launcher sbatch --parsable -J "$name" -n 2 "$src/slurm/run.sbatch" \
    "$config" --run.steps=$steps --output.file="$out" --output.progress_seconds=1)
  [[ -n $jid ]] || {
    fail "3. $name: sbatch did not submit"
    return
  }
  signal_jid=$jid
  log=$work/$name-$jid.out
  # Wait until fasim reports progress (it is stepping), then signal the batch shell only, as
  # --signal=B:USR1@T does T seconds before the time limit.
  for ((i = 0; i < 240; i++)); do
    grep -q 'step [0-9]*/' "$log" 2>/dev/null && break
    # Stop waiting if the job has ended or can never start.
    if ((i % 10 == 9)) && [[ $(slurm_harness_wait_job "$jid" 1) != TIMEOUT-WAITING ]]; then
      break
    fi
    sleep 0.5
  done
  sleep 1
  scancel --signal=USR1 --batch "$jid"
  state=$(slurm_harness_wait_job "$jid" "$run_wait")
  status=$(h5_status "$out")
  local checks="" exec_launcher
  # Every start (first and after the requeue) used the expected launcher.
  exec_launcher=$(grep -o 'exec: [^ ]*\( --mpi=[^ ]*\)\?' "$log" | cut -c7- | sort -u)
  if [[ $launcher == auto ]]; then
    [[ $exec_launcher == "srun --mpi="* && $exec_launcher != *$'\n'* ]] || checks+=" auto-chose-'$exec_launcher'-not-srun"
  else
    [[ $(basename "$exec_launcher") == "$(basename "$own_launcher")" ]] ||
      checks+=" launcher-'$exec_launcher'-not-$(basename "$own_launcher")"
  fi
  grep -q 'received SIGUSR1' "$log" || checks+=" no-signal-forwarded"
  grep -q 'stop requested at step' "$log" || checks+=" no-checkpoint-message"
  grep -q 'fasim exited with code 75' "$log" || checks+=" no-exit-75"
  grep -q 'requeued' "$log" || checks+=" not-requeued"
  grep -q 'exec: .* resume ' "$log" || checks+=" not-resumed"
  if [[ $state == COMPLETED && $status == complete && -z $checks ]] && compare_losses "$out" "$ref_out"; then
    pass "3. $name (launcher $launcher: $exec_launcher): USR1 -> exit 75 ->" \
      "requeued -> resumed -> same final losses as uninterrupted ($(($(date +%s) - t3)) s)"
    tr '\r' '\n' <"$log" | grep -E 'fasim-slurm: (job|exec|received|fasim exited|checkpoint|done)|stop requested' |
      sed 's/^/    /'
  else
    fail "3. $name: state '$state', status '$status', problems:${checks:- losses differ}"
    cat "$log"
  fi
}
signal_test requeue-auto auto
signal_test requeue-mpirun mpirun

# ---- 4. a config without output.overwrite: requeue, resubmission of a finished job, continuation ----------------
noover=$work/noover.ini
grep -v '^overwrite' "$src/jobs/demo.ini" >"$noover"
if grep -q '^overwrite' "$noover"; then
  fail "4. could not make a config without output.overwrite"
else
  signal_jid=""
  signal_test requeue-noover mpirun "$noover"
  out=$work/requeue-noover.h5
  # 4b and 4c need the requeued job finished (on a loaded machine it may outlast signal_test's wait).
  [[ -n $signal_jid ]] && state=$(slurm_harness_wait_job "$signal_jid" "$run_wait")
  [[ $state == COMPLETED ]] || fail "4. the requeued job $signal_jid did not finish (state '$state'): 4b/4c see no" \
    "finished result"
  t4=$(date +%s)
  before=$(md5sum <"$out" 2>/dev/null)
  jid=$(sbatch --parsable -J noover-again -n 2 "$src/slurm/run.sbatch" "$noover" --run.steps=$steps \
    --output.file="$out" --output.progress_seconds=0)
  state=$(slurm_harness_wait_job "$jid" 120)
  if [[ $state == COMPLETED && -n $before && $(md5sum <"$out") == "$before" ]] &&
    grep -q 'nothing to do' "$work/noover-again-$jid.out"; then
    pass "4b. finished job (no overwrite) resubmitted: nothing to do, file byte-identical ($(($(date +%s) - t4)) s)"
  else
    fail "4b. resubmission of a finished job without overwrite: state '$state', md5 before '$before' after" \
      "'$(md5sum <"$out" 2>/dev/null)'"
    show_logs noover-again
  fi
  # Continued to more steps by resubmission; the reference is a run of that many steps from the start.
  more=$((steps + 2000))
  t4c=$(date +%s)
  (
    cd "$work" && source "$src/scripts/env.sh" &&
      "$own_launcher" -n 2 "$fasim" run "$noover" --run.steps=$more --output.file="$work/reference-more.h5" \
        --output.progress_seconds=0 >"$work/reference-more.log" 2>&1
  ) || {
    cat "$work/reference-more.log"
    fail "4c. the uninterrupted $more-step reference run failed"
  }
  jid=$(sbatch --parsable -J noover-more -n 2 "$src/slurm/run.sbatch" "$noover" --run.steps=$more \
    --output.file="$out" --output.progress_seconds=0)
  state=$(slurm_harness_wait_job "$jid" "$run_wait")
  status=$(h5_status "$out")
  if [[ $state == COMPLETED && $status == complete ]] && grep -q 'exec: .* resume .*requeue-noover.h5' \
    "$work/noover-more-$jid.out" && compare_bitwise "$out" "$work/reference-more.h5"; then
    pass "4c. finished job resubmitted with --run.steps=$more: continued, equals a $more-step run" \
      "($(($(date +%s) - t4c)) s)"
  else
    fail "4c. continuation by resubmission: state '$state', status '$status'"
    show_logs noover-more
  fi
fi

say "total $(($(date +%s) - t_start)) s"
summary
((failed == 0))
