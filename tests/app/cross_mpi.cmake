# Result files and checkpoints across MPI implementations (tests/app/test_cross_mpi_e2e.py). Registered in an
# MPICH build when an Open MPI build exists to pair it with: FASIM_OTHER_MPI_BUILD (default the checkout's
# build/, which scripts/test and .ci/run build first). Label mpi-cross: part of `ctest -L mpi-`.
if(FASIM_MPI STREQUAL "mpich")
  set(FASIM_OTHER_MPI_BUILD ${PROJECT_SOURCE_DIR}/build CACHE PATH "An Open MPI build to test file exchange with")
  find_program(FASIM_OTHER_MPIEXEC NAMES mpirun.openmpi)
  if(EXISTS ${FASIM_OTHER_MPI_BUILD}/bin/fasim AND FASIM_OTHER_MPIEXEC)
    fasim_add_script_test(cross_mpi_e2e COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_cross_mpi_e2e.py
                          LABELS "mpi-cross;e2e" TIMEOUT 600)
    set_property(TEST cross_mpi_e2e APPEND PROPERTY ENVIRONMENT FASIM_OTHER_BINARY=${FASIM_OTHER_MPI_BUILD}/bin/fasim
                                                                FASIM_OTHER_MPIEXEC=${FASIM_OTHER_MPIEXEC})
  else()
    message(STATUS "fasim: no Open MPI build at ${FASIM_OTHER_MPI_BUILD} (or no mpirun.openmpi): cross_mpi_e2e "
                   "not registered")
  endif()
endif()
