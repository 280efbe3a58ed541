# The grid a run takes (app/run_grid): from the configuration's algorithms, plans and sizes, within memory.
fasim_add_mpi_test(test_app_grid RANKS 1 SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/app/test_run_grid.cpp)
fasim_add_script_test(grid_e2e COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_grid_e2e.py LABELS e2e TIMEOUT 600
                      PROCESSORS 4)
