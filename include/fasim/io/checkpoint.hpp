#pragma once
// Checkpoints: everything needed to continue a run. Written atomically: to a temporary file beside the target,
// closed, agreed by every rank, then renamed over the previous checkpoint (which is first kept as <file>.1, a
// ring of `keep` generations) — a kill at any instant leaves a complete checkpoint on disk.
#include "fasim/io/config.hpp"
#include "fasim/io/results.hpp"
#include "fasim/model/dynamics.hpp"

#include <string>
#include <vector>

namespace fasim::io {

struct CheckpointAlgorithm {
  model::State state;
  TrajectoryStatus status;
  std::vector<model::MetricRow> rows; ///< the trajectory recorded so far
  long long snapshots = 0;            ///< snapshots in the result file at checkpoint time
};

struct Checkpoint {
  std::string config_ini; ///< the run's resolved configuration
  long long step = 0;     ///< steps completed
  double elapsed_seconds = 0.0;
  std::vector<CheckpointAlgorithm> algorithms;
};

/// Writes `checkpoint` to `path` atomically. Collective over `comm` (the grid's active ranks).
void write_checkpoint(const std::string& path, const parallel::Communicator& comm, const Checkpoint& checkpoint,
                      int probes, int keep);

/// Reads only the configuration text of a checkpoint (to build the grid it is resumed on). Collective.
std::string read_checkpoint_config(const std::string& path, const parallel::Communicator& comm);

/// Reads a checkpoint onto `grid` (any shape: matrices are redistributed on read). A missing, truncated or
/// corrupted file is a UsageError naming it. Collective.
Checkpoint read_checkpoint(const std::string& path, const parallel::Communicator& comm, parallel::GridPtr grid,
                           int block, int n, int m, int r, int probes);

} // namespace fasim::io
