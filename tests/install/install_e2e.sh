#!/usr/bin/env bash
# install_e2e.sh BUILD_DIR: installs BUILD_DIR into a temporary prefix and uses it the way a cluster user would:
# a clean environment (no FASIM_* variables, no checkout on any path), `module use` + `module load fasim`
# (Lmod), a working directory outside the checkout and the build; then `fasim version`, a run, a sweep with
# `fasim collect`, `fasim-plot`, and the installed slurm/run.sbatch (outside Slurm: SLURM_JOB_ID set by hand,
# FASIM_LAUNCHER=mpirun) which must find the installed env.sh by itself.
set -euo pipefail
build=$(cd "${1:?usage: install_e2e.sh BUILD_DIR}" && pwd)
lmod_init=/usr/share/lmod/lmod/init/bash
[[ -r $lmod_init ]] || { echo "install_e2e: FAIL: Lmod is not installed (apt-get install lmod; scripts/test does)"; exit 1; }
work=$(mktemp -d /tmp/fasim-install-e2e.XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log"; exit 1; }
mkdir "$work/elsewhere"

# Everything below runs in `env -i`: only HOME, a system PATH and the module.
cat >"$work/elsewhere/session.sh" <<'SESSION'
set -euo pipefail
fail() { echo "install_e2e: FAIL: $*" >&2; exit 1; }
source /usr/share/lmod/lmod/init/bash
module use "$PREFIX/share/fasim/modulefiles"
module load fasim
[[ $(command -v fasim) == "$PREFIX/bin/fasim" ]] || fail "fasim on PATH is $(command -v fasim), not the prefix's"
[[ $(command -v fasim-plot) == "$PREFIX/bin/fasim-plot" ]] || fail "fasim-plot is not the prefix's"
[[ ${OPENBLAS_NUM_THREADS:-} == 1 && ${OMP_NUM_THREADS:-} == 1 ]] || fail "module did not set one BLAS thread"
if grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo; then
  [[ ${OPENBLAS_CORETYPE:-} == SkylakeX ]] || fail "AVX-512 CPU but OPENBLAS_CORETYPE='${OPENBLAS_CORETYPE:-}'"
else
  [[ -z ${OPENBLAS_CORETYPE:-} ]] || fail "no AVX-512 but OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE"
fi
cd "$WORK/elsewhere"
mkdir run sweep sbatch

fasim version >version.txt || fail "fasim version"
cat version.txt
for line in '^fasim [0-9]' '^MPI: ' '^ScaLAPACK: /' '^LAPACK: [0-9]' '^BLAS: ' '^HDF5: [0-9]'; do
  grep -q "$line" version.txt || fail "fasim version lacks a line matching '$line'"
done
case $FASIM_MPI in
  openmpi) grep -q '^MPI: Open MPI' version.txt || fail "an Open MPI build reports another MPI" ;;
  mpich) grep -q '^MPI: MPICH' version.txt || fail "an MPICH build reports another MPI" ;;
esac

# A job from the installed jobs/, shortened.
"$FASIM_MPIEXEC" -n 2 fasim run "$FASIM_HOME/jobs/demo.ini" --problem.n=60 --problem.m=50 --problem.k=40 \
  --model.r=5 --run.steps=200 --output.file=run/demo.h5 >run.txt 2>&1 || { cat run.txt; fail "fasim run"; }
fasim info run/demo.h5 --json | grep -q '"status": *"complete"' || fail "run/demo.h5 is not complete"

# A sweep of 4 points in 2 groups, collected.
cat >sweep.ini <<'INI'
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
file = sweep/pt.h5
[sweep]
problem.seed = 0:2
model.r = 2,3
INI
"$FASIM_MPIEXEC" -n 2 fasim sweep run sweep.ini --groups 2 >sweep.txt 2>&1 || { cat sweep.txt; fail "sweep run"; }
fasim collect sweep --output summary.h5 --csv summary.csv >collect.txt 2>&1 || { cat collect.txt; fail "collect"; }
[[ $(grep -vc '^#' summary.csv) -ge 5 ]] || fail "summary.csv should have a header and 4 rows"

# Plots through the installed fasim_post.
fasim-plot run/demo.h5 --out figures >plot.txt 2>&1 || { cat plot.txt; fail "fasim-plot"; }
ls figures/*.png >/dev/null 2>&1 || fail "fasim-plot wrote no PNG"
python3 -c 'import fasim_post, sys; sys.stdout.write(fasim_post.__file__)' | grep -q "^$PREFIX/share/fasim/python/" ||
  fail "fasim_post is not imported from the prefix"

# The installed run.sbatch, outside Slurm, finds the installed env.sh (its MPI launcher) and the binary on PATH.
SLURM_JOB_ID=4242 SLURM_NTASKS=2 FASIM_LAUNCHER=mpirun bash "$FASIM_HOME/slurm/run.sbatch" \
  "$FASIM_HOME/jobs/demo.ini" --problem.n=40 --problem.m=40 --problem.k=40 --model.r=4 --run.steps=100 \
  --output.file=sbatch/demo.h5 >sbatch.txt 2>&1 || { cat sbatch.txt; fail "installed run.sbatch"; }
grep -q "warning: no env.sh" sbatch.txt && fail "run.sbatch did not find the installed env.sh"
grep -q "exec: $FASIM_MPIEXEC -n 2 $PREFIX/bin/fasim run" sbatch.txt ||
  { cat sbatch.txt; fail "run.sbatch did not start the prefix's fasim with the build's launcher"; }
fasim info sbatch/demo.h5 --json | grep -q '"status": *"complete"' || fail "sbatch/demo.h5 is not complete"
echo "install_e2e: version, run, sweep + collect, plot, sbatch from $PWD with only the module loaded"
SESSION
env -i HOME="$work" PATH=/usr/local/bin:/usr/bin:/bin PREFIX="$prefix" WORK="$work" \
  bash "$work/elsewhere/session.sh"
echo "5 passed, 0 failed"
