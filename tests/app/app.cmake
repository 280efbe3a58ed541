# End-to-end tests of the fasim executable, driven from Debian's python3 with h5py.
fasim_add_script_test(run_e2e COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_run_e2e.py LABELS e2e TIMEOUT 900)
fasim_add_script_test(bad_input_e2e COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_bad_input_e2e.py LABELS e2e TIMEOUT 600)
fasim_add_script_test(completion_e2e COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_completion_e2e.py LABELS e2e TIMEOUT 600)
fasim_add_script_test(sensing_e2e COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_sensing_e2e.py LABELS e2e TIMEOUT 600)
fasim_add_script_test(bench_smoke COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/app/bench_smoke.sh LABELS e2e TIMEOUT 300
                      PROCESSORS 4)
fasim_add_script_test(bench_network COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/app/bench_network.sh LABELS e2e TIMEOUT 300
                      PROCESSORS 2)
fasim_add_script_test(faults_e2e COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_faults_e2e.py LABELS e2e TIMEOUT 600)
fasim_add_script_test(rules_e2e COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_rules_e2e.py LABELS e2e TIMEOUT 600)
fasim_add_script_test(continue_e2e COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_continue_e2e.py LABELS e2e TIMEOUT 600)
fasim_add_script_test(surface_e2e COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_surface_e2e.py LABELS e2e TIMEOUT 600
                      PROCESSORS 4)
fasim_add_script_test(collect_e2e COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_collect_e2e.py LABELS e2e TIMEOUT 600)
# The lifecycle contract (docs/lifecycle.md): 20 random sequences in the default suite (a fixed seed, so that a
# failure in CI can be replayed; the timing of signals still varies), FASIM_LIFECYCLE_SEQUENCES
# (200 by default here) with label lifecycle.
fasim_add_script_test(lifecycle_e2e COMMAND env FASIM_LIFECYCLE_SEED=20261201 /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_lifecycle_e2e.py LABELS e2e TIMEOUT 900)
fasim_add_script_test(lifecycle_long COMMAND env FASIM_LIFECYCLE_SEQUENCES=200 FASIM_LIFECYCLE_ITEMS=0 /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_lifecycle_e2e.py LABELS lifecycle TIMEOUT 7200)
fasim_add_script_test(planted_links_e2e COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_planted_links_e2e.py -test_other_uid LABELS e2e TIMEOUT 600)
# Links planted by another uid need root and useradd: without them this one is reported skipped.
fasim_add_script_test(planted_links_other_uid COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_planted_links_e2e.py test_other_uid LABELS e2e TIMEOUT 300)
fasim_add_script_test(upgrade_e2e COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_upgrade_e2e.py LABELS e2e TIMEOUT 600)
fasim_add_script_test(launcher_e2e COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_launcher_e2e.py LABELS e2e TIMEOUT 600)
# The tests that compare result files (with each other, or with the fixtures in tests/data): .ci/run runs them a
# second time under another OpenBLAS kernel (scripts/second-kernel), so that none can depend on the kernel.
set_property(TEST run_e2e continue_e2e completion_e2e sensing_e2e rules_e2e upgrade_e2e APPEND PROPERTY LABELS compares-files)
fasim_add_script_test(network_e2e COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_network_e2e.py LABELS e2e TIMEOUT 600)
# fasim across simulated nodes (scripts/cluster-sim, docs/cluster.md): needs root and network namespaces,
# reported skipped (exit 77) where they cannot be made.
fasim_add_script_test(cluster_e2e COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/app/test_cluster_e2e.py LABELS cluster TIMEOUT 1200)
set_tests_properties(cluster_e2e PROPERTIES SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
