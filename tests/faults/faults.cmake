# Storage faults (docs/faults.md): an LD_PRELOAD shim (fault_shim.c) makes writes fail with ENOSPC, EDQUOT or
# EIO on one chosen rank; test_storage_faults_e2e.py runs each phase with it. Label mpi-faults: part of
# `ctest -L mpi-`, so CI runs it under MPICH too.
add_library(fasim_fault_shim SHARED ${CMAKE_CURRENT_SOURCE_DIR}/faults/fault_shim.c)
target_link_libraries(fasim_fault_shim PRIVATE ${CMAKE_DL_LIBS})
set_target_properties(fasim_fault_shim PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
fasim_add_script_test(storage_faults_e2e COMMAND /usr/bin/python3
                      ${CMAKE_CURRENT_SOURCE_DIR}/faults/test_storage_faults_e2e.py LABELS "e2e;mpi-faults"
                      TIMEOUT 1200)
set_property(TEST storage_faults_e2e APPEND PROPERTY ENVIRONMENT FASIM_FAULT_SHIM=$<TARGET_FILE:fasim_fault_shim>)
set_property(TEST storage_faults_e2e PROPERTY SKIP_RETURN_CODE 77)
# A real full disk: small tmpfs file systems in a private mount namespace (root; skipped where mounting is not
# allowed). Label mpi-faults: MPICH's MPI-IO reports a short write its own way.
fasim_add_script_test(full_disk_e2e COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/faults/test_full_disk_e2e.py
                      LABELS "e2e;mpi-faults" TIMEOUT 900)
set_property(TEST full_disk_e2e PROPERTY SKIP_RETURN_CODE 77)
