# The format layer (HDF5): files, attributes, distributed matrices, series and snapshots.
file(GLOB _hdf5_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/format/test_hdf5*.cpp)
# The orientation case needs h5py: it runs apart (below), so that without h5py it is reported skipped.
fasim_add_mpi_test(test_format_hdf5 RANKS 1 2 4 SOURCES ${_hdf5_tests} ARGS --test-case-exclude=orientation*)
foreach(n 1 2 4)
  add_test(NAME test_hdf5_orientation.np${n}
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/format/with_h5py.sh ${MPIEXEC_EXECUTABLE} -n ${n}
                   $<TARGET_FILE:test_format_hdf5> --test-case=orientation*)
  set_tests_properties(test_hdf5_orientation.np${n} PROPERTIES LABELS "mpi-${n}" TIMEOUT 300 PROCESSORS ${n}
                       ENVIRONMENT "${FASIM_TEST_ENV}" SKIP_RETURN_CODE 77)
endforeach()
# Fallback for running the binary outside ctest (which sets FASIM_SOURCE_DIR).
target_compile_definitions(test_format_hdf5 PRIVATE FASIM_TEST_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
fasim_add_script_test(output_format_docs COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/format/test_output_format_docs.py LABELS e2e TIMEOUT 300)
# The written layout of a result and a checkpoint against the fingerprint recorded for their versions.
fasim_add_script_test(layout_fingerprint COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/format/test_layout_fingerprint.py LABELS e2e TIMEOUT 300)
