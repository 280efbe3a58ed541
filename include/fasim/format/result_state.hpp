#pragma once
// Reading a result file back: what it says about its run (for the lifecycle's decisions, `fasim info` and
// `fasim collect`; rank-local) and the final state of a complete result as the starting point of a
// continuation (collective).
#include "fasim/format/checkpoint.hpp"
#include "fasim/format/schema.hpp"

#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fasim::io {

/// One algorithm of a result file (/runs/<name>), as far as it got.
struct AlgorithmSummary {
  std::string name; ///< the group name: model::to_string of the algorithm
  schema::StopReason stop_reason = schema::StopReason::Running;
  long long stop_step = -1;
  long long steps_done = 0; ///< the last written status's (0 before the first)
  long long records = 0;    ///< trajectory rows
  long long last_step = -1; ///< step of the last recorded row (-1: none yet)
  double final_loss = NAN;  ///< loss of the last recorded row
  double wall_seconds = NAN;
};

/// What a result file says about its run: root attributes, /problem's scalars, each algorithm and /summary.
struct RunSummary {
  std::string path; ///< the file read
  schema::FileStatus status = schema::FileStatus::Running;
  std::string config_ini;
  std::string run_id;      ///< "" for files written before run ids
  std::string sweep_point; ///< "" unless written by `fasim sweep`
  std::string fasim_version, git_commit, created;
  int grid_rows = 0, grid_cols = 0; ///< the grid of the run that created it (0 when the file has none)
  long long n = 0, m = 0, k = 0, r = 0;
  std::string source; ///< /problem attribute source (a schema::Names<model::Source> word)
  double optimal_error = NAN, lemma1_error = NAN;
  std::vector<double> representation_overlap; ///< empty unless the run holds gd and fa or fastar
  std::vector<AlgorithmSummary> algorithms;   ///< in gd, fa, fastar order, those the file holds
  long long last_step = 0; ///< the furthest step any trajectory reached (from /runs/*/steps_done or rows)
  bool all_stopped_early = false; ///< complete, and no algorithm ran to its last step
  std::string stop_summary;       ///< "fa stop_loss at step 1300, gd steps at step 3000"

  /// The algorithm named `name` (gd, fa, fastar), or nullptr when the file does not hold it.
  const AlgorithmSummary* algorithm(std::string_view name) const;
};

/// Reads a fasim result file on this rank alone. Throws UsageError when `path` is not a readable fasim result
/// file (naming what is wrong), or holds a status or stop reason this fasim does not write.
RunSummary read_run_summary(const std::string& path);

/// The status of a complete result's algorithm group `group` (of file `path`, for messages) as a continuation
/// starts from it: one that ran out of steps runs again; one stopped early (stop_loss, divergence, ...) stays
/// stopped.
TrajectoryStatus read_final_status(const Group& g, const std::string& path, const std::string& group);

/// The final Z, W, status and trajectory of each algorithm of a complete result, as a checkpoint at its last
/// step (snapshots: the number the file holds). Collective over the grid's communicator.
Checkpoint read_result_as_checkpoint(const std::string& path, const RunConfig& config,
                                     const parallel::Communicator& comm, parallel::GridPtr grid);

} // namespace fasim::io
