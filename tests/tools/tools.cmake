fasim_add_script_test(tools_fasim_plot COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/tools/test_fasim_plot.py LABELS python)
