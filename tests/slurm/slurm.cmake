# End-to-end test of slurm/run.sbatch and slurm/sweep.sbatch on a private single-node Slurm cluster (needs root;
# installs slurm-wlm and munge if missing). Run alone with `ctest -L slurm`; skip with `ctest -LE slurm`.
fasim_add_script_test(slurm_e2e COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/slurm/test_slurm.sh LABELS slurm TIMEOUT 1800)
