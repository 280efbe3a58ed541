#pragma once
// Checkpoints: everything needed to continue a run. Written atomically: to a fresh, exclusively created
// temporary file beside the target (io/safe_files.hpp), closed and fsync()ed by every rank, agreed, then
// renamed over the previous checkpoint (which is first kept as <file>.1, a ring of `keep` generations) and
// the directory fsync()ed — a kill of the process, or a crash of the node, at any instant leaves a complete
// checkpoint on disk. Every matrix, trajectory and the configuration carry a digest (parallel/digest.hpp)
// that is verified on every read: a damaged checkpoint is refused, naming the dataset and the previous good
// generation of the ring.
#include "fasim/config/config.hpp"
#include "fasim/format/results.hpp"
#include "fasim/model/dynamics.hpp"

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace fasim::io {

struct CheckpointAlgorithm {
  model::State state;
  TrajectoryStatus status;
  std::vector<model::MetricRow> rows; ///< the trajectory recorded so far
  long long snapshots = 0;            ///< snapshots in the result file at checkpoint time
};

/// The root attributes of every checkpoint (the paper's model's and a network's).
struct CheckpointRoot {
  std::string config_ini; ///< the run's resolved configuration
  std::string run_id;     ///< the result file's run_id (which run this checkpoint belongs to)
  long long step = 0;     ///< steps completed
  double elapsed_seconds = 0.0;
  std::string plans; ///< the step plans run so far (RunProvenance::plans); a resume runs the same ones
  std::string blas_library, blas_core; ///< the BLAS of the run that wrote it (rank 0's); not written when ""
  int grid_rows = 0, grid_cols = 0;    ///< the process grid that wrote it (format 6); not written when 0
};

struct Checkpoint : CheckpointRoot {
  std::vector<CheckpointAlgorithm> algorithms;
};

/// What a checkpoint says about one algorithm, without its matrices.
struct CheckpointAlgorithmHeader {
  std::string name; ///< from run.algorithms of the stored configuration (its index when that is missing)
  TrajectoryStatus status;
  long long snapshots = 0; ///< snapshots in the result file at checkpoint time
  long long rows = 0;      ///< trajectory rows
  double last_loss = NAN;  ///< loss of the last row (read only when asked for)
};

/// What a checkpoint says about itself, without its matrices: the root attributes and each algorithm's.
struct CheckpointHeader {
  long long format_version = 0;
  bool complete = false; ///< false: cut short while writing (never resumed)
  std::string config_ini;
  std::string config_digest; ///< the stored digest of config_ini ("" in format 1)
  std::string run_id;        ///< "" in format 1 checkpoints
  long long step = 0;
  double elapsed_seconds = 0.0;
  std::string plans;                                 ///< "" before plans were stored
  int grid_rows = 0, grid_cols = 0;                  ///< the grid that wrote it; 0 before format 6
  std::vector<CheckpointAlgorithmHeader> algorithms; ///< in run.algorithms order
};

/// Reads the header of the checkpoint `file` on this rank, as far as it is there (an incomplete checkpoint
/// gives complete = false and what was written before the cut). Throws UsageError naming `path` for a file
/// that is not a checkpoint, has a format this fasim cannot read, or holds an unknown stop reason.
/// `last_losses`: also read each algorithm's last trajectory row.
CheckpointHeader read_checkpoint_header(const File& file, const std::string& path, bool last_losses = false);

/// Runs one piece of a checkpoint's writing agreed among the ranks, the file still open
/// (write_checkpoint_file).
using CheckpointPart = std::function<void(const std::function<void()>&)>;
/// The frame every checkpoint is written in: a fresh temporary beside `path` with `root`'s attributes, then
/// `body(file, part)` (the algorithms' groups, each piece through `part`; collective work such as digests
/// belongs before the call), then complete = 1, sync, and the rename into the ring of `keep` generations.
/// Collective over `comm`.
void write_checkpoint_file(const std::string& path, const parallel::Communicator& comm,
                           const CheckpointRoot& root, int keep,
                           const std::function<void(const File&, const CheckpointPart&)>& body);
/// An algorithm group's stopped, stop_reason, stop_step, wall_seconds, snapshot_count and rows.
void write_checkpoint_status(const Group& group, const TrajectoryStatus& status, long long snapshots,
                             long long rows);
/// A digest as checkpoints store it (the attribute `digest`: 16 hex digits).
std::string digest_text(std::uint64_t digest);
/// What to do about a checkpoint `path` that cannot be used: resume the newest generation of its ring for
/// which `good(generation)` returns a step >= 0 (and throws on no rank), or rerun ("; ..."). Collective.
std::string ring_advice(const std::string& path, const parallel::Communicator& comm,
                        const std::function<long long(const std::string&)>& good);

/// Writes `checkpoint` to `path` atomically. Collective over `comm` (the grid's active ranks).
void write_checkpoint(const std::string& path, const parallel::Communicator& comm,
                      const Checkpoint& checkpoint, int probes, int keep);

/// Reads the header of a complete checkpoint; a missing, unreadable or incomplete one is a UsageError naming
/// it (and the ring's previous generation). Collective.
CheckpointHeader read_checkpoint_header(const std::string& path, const parallel::Communicator& comm);

/// Reads a checkpoint onto `grid` (any shape: matrices are redistributed on read) and verifies its digests.
/// A missing, truncated or damaged file is a UsageError naming it, the damaged dataset and the newest good
/// generation of the ring (<path>.1, <path>.2, ...). Collective.
Checkpoint read_checkpoint(const std::string& path, const parallel::Communicator& comm,
                           parallel::GridPtr grid, int block, int n, int m, int r, int probes);

/// Rank-local: is `path` an HDF5 file that fasim wrote as a checkpoint (root attribute format_version)?
/// False for a missing or unreadable file.
bool looks_like_checkpoint(const std::string& path);
/// Rank-local: a regular file (not a link) of the user running fasim that looks_like_checkpoint.
bool is_own_checkpoint(const std::string& path);

} // namespace fasim::io
