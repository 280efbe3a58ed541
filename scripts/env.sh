# Sourced by fasim's scripts and job templates: an MPI and BLAS environment that works out of the box.
# FASIM_MPIEXEC is the launcher of the MPI fasim was built with (FASIM_MPI: openmpi, the default, or mpich),
# called by its own name because Debian's plain mpirun/mpiexec follow whichever MPI the alternatives prefer.
# (An installed copy, <prefix>/share/fasim/env.sh, names the MPI and launcher of its build instead.)
: "${FASIM_MPI:=openmpi}"
if [[ -z ${FASIM_MPIEXEC:-} ]]; then
  case $FASIM_MPI in
    openmpi) FASIM_MPIEXEC=mpirun.openmpi ;;
    mpich) FASIM_MPIEXEC=mpiexec.hydra ;;
    *) FASIM_MPIEXEC=mpiexec ;;
  esac
  # Not Debian's packages (a cluster's module): its plain launcher.
  command -v "$FASIM_MPIEXEC" >/dev/null 2>&1 || FASIM_MPIEXEC=mpiexec
fi
export FASIM_MPI FASIM_MPIEXEC
# Root needs Open MPI's explicit consent; more ranks than cores need oversubscription.
if [[ $(id -u) -eq 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_rmaps_base_oversubscribe=${OMPI_MCA_rmaps_base_oversubscribe:-1}
# Several ranks share a node: one BLAS thread each.
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
# OpenBLAS falls back to slow generic kernels on CPUs newer than its build; pick the best kernel this CPU runs,
# unless the user chose one. (SkylakeX kernels on a CPU without AVX-512 would crash: check the flags.)
if [[ -z "${OPENBLAS_CORETYPE:-}" ]] && [[ -r /proc/cpuinfo ]]; then
  if grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo; then
    export OPENBLAS_CORETYPE=SkylakeX
  fi
fi
