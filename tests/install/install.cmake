# `cmake --install` into a temporary prefix, then a job, a sweep, a plot and the installed run.sbatch from an
# unrelated directory with nothing but the Lmod module loaded (Debian's lmod; scripts/test installs it).
fasim_add_script_test(install_e2e COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/install/install_e2e.sh ${CMAKE_BINARY_DIR}
                      LABELS install TIMEOUT 600)
