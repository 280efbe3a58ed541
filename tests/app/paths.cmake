# Users' paths and lock-less file systems (issue 29): tests/app/test_paths_e2e.py, test_nolock_e2e.py (with
# the LD_PRELOAD shim nolock_shim.c, built here) and test_cgroup_memory_e2e.py (a real memory cgroup; skipped,
# exit 77, where none can be made).
add_library(fasim_nolock_shim MODULE ${CMAKE_CURRENT_SOURCE_DIR}/app/nolock_shim.c)
set_target_properties(fasim_nolock_shim PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
target_link_libraries(fasim_nolock_shim PRIVATE ${CMAKE_DL_LIBS})
set_target_properties(fasim_nolock_shim PROPERTIES PREFIX "" OUTPUT_NAME nolock_shim)
fasim_add_script_test(paths_e2e COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_paths_e2e.py LABELS e2e TIMEOUT 600)
fasim_add_script_test(nolock_e2e COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_nolock_e2e.py LABELS e2e TIMEOUT 600)
set_property(TEST nolock_e2e APPEND PROPERTY ENVIRONMENT FASIM_NOLOCK_SHIM=${CMAKE_CURRENT_BINARY_DIR}/nolock_shim.so)
fasim_add_script_test(cgroup_memory_e2e COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_cgroup_memory_e2e.py LABELS e2e TIMEOUT 300)
set_tests_properties(nolock_e2e cgroup_memory_e2e PROPERTIES SKIP_RETURN_CODE 77)
