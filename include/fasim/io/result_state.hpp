#pragma once
// Reading a result file back: what it says about its run (for the lifecycle's decisions, rank-local) and the
// final state of a complete result as the starting point of a continuation (collective).
#include "fasim/io/checkpoint.hpp"
#include "fasim/io/schema.hpp"

#include <optional>
#include <string>

namespace fasim::io {

struct ResultSummary {
  std::optional<schema::FileStatus> status; ///< nullopt: the attribute holds a value fasim never writes
  std::string config_ini;
  std::string run_id;      ///< "" for files written before run ids
  long long last_step = 0; ///< the furthest step any trajectory reached (from /runs/*/steps_done or rows)
  bool all_stopped_early = false; ///< complete, and no algorithm ran to its last step
  std::string stop_summary;       ///< "fa stop_loss at step 1300, gd steps at step 3000"
};

/// Reads the root attributes and /runs of a fasim result file on this rank alone. Throws UsageError when
/// `path` is not a readable fasim result file (naming what is wrong).
ResultSummary read_result_summary(const std::string& path);

/// The final Z, W, status and trajectory of each algorithm of a complete result, as a checkpoint at its last
/// step (snapshots: the number the file holds). Collective over the grid's communicator.
Checkpoint read_result_as_checkpoint(const std::string& path, const RunConfig& config,
                                     const parallel::Communicator& comm, parallel::GridPtr grid);

} // namespace fasim::io
