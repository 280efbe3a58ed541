#pragma once
// Checkpoints: everything needed to continue a run. Written atomically: to a temporary file beside the
// target, closed and fsync()ed by every rank, agreed, then renamed over the previous checkpoint (which is
// first kept as <file>.1, a ring of `keep` generations) and the directory fsync()ed — a kill of the process,
// or a crash of the node, at any instant leaves a complete checkpoint on disk.
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
  std::string plans; ///< the step plans run so far (RunProvenance::plans); a resume runs the same ones
  std::vector<CheckpointAlgorithm> algorithms;
};

/// Writes `checkpoint` to `path` atomically. Collective over `comm` (the grid's active ranks).
void write_checkpoint(const std::string& path, const parallel::Communicator& comm,
                      const Checkpoint& checkpoint, int probes, int keep);

/// Flushes the file `path` (data and metadata) to stable storage: open, fsync, close. A failure is an Error
/// "cannot fsync <what> '<path>': <reason>". Local: each rank calls it for itself.
void sync_file(const std::string& path, const std::string& what);
/// Flushes the entries of `directory` (creations, renames) to stable storage. File systems that cannot sync a
/// directory (EINVAL) are accepted; any other failure is an Error naming `what` and the directory. Local.
void sync_directory(const std::string& directory, const std::string& what);

/// Reads only the configuration text of a checkpoint (to build the grid it is resumed on). Collective.
std::string read_checkpoint_config(const std::string& path, const parallel::Communicator& comm);

/// Reads a checkpoint onto `grid` (any shape: matrices are redistributed on read). A missing, truncated or
/// corrupted file is a UsageError naming it. Collective.
Checkpoint read_checkpoint(const std::string& path, const parallel::Communicator& comm,
                           parallel::GridPtr grid, int block, int n, int m, int r, int probes);

} // namespace fasim::io
