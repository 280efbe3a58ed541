# `cmake --install BUILD --prefix P`: everything a user of a cluster's module needs, nothing from the checkout.
#   P/bin/fasim, P/bin/fasim-plot
#   P/share/fasim/{jobs,slurm,docs}/, P/share/fasim/env.sh (the MPI/BLAS settings of scripts/env.sh, naming the
#     MPI and launcher this build uses), P/share/fasim/python/fasim_post (put on PYTHONPATH by the module)
#   P/share/fasim/modulefiles/fasim/<version>.lua (Lmod; `module use P/share/fasim/modulefiles`)
# The module file finds P from its own path, so an installed tree can be moved or copied as a whole.
include_guard(GLOBAL)
set(_fasim_share share/fasim)

install(TARGETS fasim RUNTIME DESTINATION bin)
install(PROGRAMS tools/fasim-plot DESTINATION bin)
install(DIRECTORY tools/fasim_post DESTINATION ${_fasim_share}/python FILES_MATCHING PATTERN "*.py"
        PATTERN "__pycache__" EXCLUDE)
install(DIRECTORY jobs/ DESTINATION ${_fasim_share}/jobs FILES_MATCHING PATTERN "*.ini")
install(PROGRAMS slurm/run.sbatch slurm/sweep.sbatch DESTINATION ${_fasim_share}/slurm)
install(DIRECTORY docs/ DESTINATION ${_fasim_share}/docs)
install(FILES README.md DESTINATION ${_fasim_share}/docs)

# env.sh with this build's MPI as its default (the checkout's copy defaults to Open MPI).
file(READ scripts/env.sh _fasim_env)
set(_fasim_env_default ": \"\${FASIM_MPI:=openmpi}\"")
string(FIND "${_fasim_env}" "${_fasim_env_default}" _fasim_env_at)
if(_fasim_env_at LESS 0)
  message(FATAL_ERROR "fasim: scripts/env.sh lost its line '${_fasim_env_default}', which the install rewrites")
endif()
string(REPLACE "${_fasim_env_default}"
               ": \"\${FASIM_MPI:=${FASIM_MPI}}\" \"\${FASIM_MPIEXEC:=${MPIEXEC_EXECUTABLE}}\" # this build's MPI"
               _fasim_env "${_fasim_env}")
file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/install/env.sh CONTENT "${_fasim_env}")
install(FILES ${CMAKE_BINARY_DIR}/install/env.sh DESTINATION ${_fasim_share})

set(FASIM_MPI_IS_OPENMPI false)
if(FASIM_MPI STREQUAL "openmpi")
  set(FASIM_MPI_IS_OPENMPI true)
endif()
configure_file(cmake/fasim-module.lua.in ${CMAKE_BINARY_DIR}/install/${PROJECT_VERSION}.lua @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/install/${PROJECT_VERSION}.lua DESTINATION ${_fasim_share}/modulefiles/fasim)
