# Sweeps and collection (app/sweep, app/collect): spec parsing and point numbering in-process, and an
# end-to-end script (sweep run in groups, skip of complete points, collect to HDF5 and CSV).
file(GLOB _sweep_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/app/test_sweep*.cpp)
fasim_add_mpi_test(test_app_sweep RANKS 1 SOURCES ${_sweep_tests})
fasim_add_script_test(sweep_e2e COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/app/sweep_e2e.sh LABELS sweep)
