#pragma once
// Checkpoints of network runs (docs/output-format.md, "Checkpoints"): the frame, root attributes, digests and
// ring of every checkpoint (checkpoint.hpp), with per algorithm the weights W1 … WL, kp's learned B2 … BL and
// the trajectory so far as rows of step, time, loss, align_1 … align_{L−1}; the root attribute `depth` says
// that it is a network's. A resume from it continues bitwise (same build, BLAS kernel and grid).
#include "fasim/format/checkpoint.hpp"
#include "fasim/model/network_dynamics.hpp"
#include "fasim/model/network_metrics.hpp"

#include <string>
#include <vector>

namespace fasim::io {

struct NetworkCheckpointAlgorithm {
  model::NetworkState state;
  TrajectoryStatus status;
  std::vector<model::NetworkMetricRow> rows; ///< the trajectory recorded so far
  long long snapshots = 0;                   ///< snapshots in the result file at checkpoint time
};

struct NetworkCheckpoint : CheckpointRoot {
  std::vector<NetworkCheckpointAlgorithm> algorithms;
};

/// Writes `checkpoint` of a network of depth `depth` to `path` atomically. Collective over `comm`.
void write_network_checkpoint(const std::string& path, const parallel::Communicator& comm,
                              const NetworkCheckpoint& checkpoint, int depth, int keep);

/// Reads a network checkpoint onto `net`'s grid (matrices redistributed on read), its weights of `net`'s
/// shapes (kp's B too for algorithms that learn it), and verifies its digests. A missing, incomplete, damaged
/// checkpoint, or one of another depth or of the paper's model, is a UsageError naming it (and the newest
/// good generation of the ring). Collective.
NetworkCheckpoint read_network_checkpoint(const std::string& path, const parallel::Communicator& comm,
                                          const model::Network& net,
                                          const std::vector<model::AlgorithmSpec>& algorithms);

/// A complete network result's final state as a checkpoint to continue from (`fasim resume RESULT
/// --run.steps=N`): the final weights (and kp's B), every trajectory row, the statuses (an algorithm that ran
/// out of steps runs again; one stopped early stays stopped), step = the most steps done. Collective.
NetworkCheckpoint read_network_result_as_checkpoint(const std::string& path,
                                                    const parallel::Communicator& comm,
                                                    const model::Network& net,
                                                    const std::vector<model::AlgorithmSpec>& algorithms);

} // namespace fasim::io
