fasim_add_script_test(tools_fasim_plot COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/tools/test_fasim_plot.py LABELS python)
fasim_add_script_test(tools_reproduce_claims COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/tools/test_reproduce_claims.py LABELS python)
fasim_add_script_test(tools_results_frames COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/tools/test_results_frames.py $<TARGET_FILE:fasim> LABELS python)
fasim_add_script_test(tools_install COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/tools/test_install.py LABELS python)
