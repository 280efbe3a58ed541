#pragma once
// `fasim run` and `fasim resume`: one experiment from configuration to result file.
#include "fasim/config/config.hpp"
#include "fasim/parallel/communicator.hpp"

#include <string>

namespace fasim::app {

struct RunRequest {
  io::RunConfig config;
  std::string resume_from;   ///< checkpoint path when resuming, else empty
  std::string continue_from; ///< complete result continued in place to config.run.steps, else empty
  bool dry_run = false;
  bool quiet = false; ///< no progress lines (sweeps)
};

/// Runs the experiment on `comm`. Returns the process exit code (0, or kExitCheckpointed after a stop
/// signal). Throws on failure (the caller agrees and reports). Collective over comm.
int run_experiment(const RunRequest& request, const parallel::Communicator& comm);

/// Bytes per rank the run will need (Y share + the per-algorithm workspaces), for --dry-run and the memory
/// check.
double estimate_bytes_per_rank(const io::RunConfig& config, int grid_rows, int grid_cols);

} // namespace fasim::app
