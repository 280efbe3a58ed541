#pragma once
// A network run (problem.source = network beyond the paper's model): one trajectory per algorithm, the
// result file, its checkpoints (format/network_checkpoint.hpp), and the loop that advances them. Private to
// the app layer. Checkpoints, signals, resume and continuation act as for the paper's model
// (docs/lifecycle.md).
#include "fasim/format/network_checkpoint.hpp"
#include "fasim/format/network_results.hpp"
#include "fasim/model/network_metrics.hpp"
#include "fasim/model/schedule.hpp"
#include "fasim/parallel/traffic.hpp"

#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace fasim::app {

struct NetworkTrajectory {
  model::AlgorithmSpec spec;
  model::NetworkField field;
  model::NetworkIntegrator integrator;
  model::NetworkState state;
  io::TrajectoryStatus status;
  std::vector<model::NetworkMetricRow> rows;
  std::size_t flushed = 0;
  parallel::Traffic sent; ///< what this rank sent inside the steps this process ran (parallel/traffic.hpp)
  long long steps_sent = 0;
};

class NetworkSimulation {
public:
  NetworkSimulation(const io::RunConfig& config, const model::Network& net,
                    const parallel::Communicator& comm, bool quiet);
  /// Records step 0 and creates the result file (`mode`: New or Replace).
  void start_fresh(const io::RunProvenance& provenance, io::CreateMode mode, const std::string& run_id);
  /// Starts from a checkpoint: rebuilds the result file beside the interrupted one (whose snapshots and
  /// history it takes over) and renames it into place.
  void start_resumed(const io::RunProvenance& provenance, const io::NetworkCheckpoint& checkpoint,
                     const std::string& checkpoint_path);
  /// Continues a complete result in place from its final state (`final_state`, read from it): first a
  /// checkpoint of that state, so an interruption resumes from here, then the file is opened for appending.
  void start_continued(const io::RunProvenance& provenance, const io::NetworkCheckpoint& final_state);
  /// Runs to the configured number of steps; returns false when a stop signal checkpointed the run.
  bool run();
  /// Writes the final weights, statuses and the summary; prints the summary table.
  void finish();

private:
  void adopt(const io::NetworkCheckpoint& ck);
  void record(NetworkTrajectory& t, long long step);
  void flush_rows();
  void checkpoint();
  /// Agrees on signals and the checkpoint timer; writes the checkpoints that are due. Returns false when a
  /// stop signal checkpointed the run. Collective.
  bool checkpoint_point(bool due);
  bool all_stopped() const;
  /// /summary's bytes and messages per step per rank (measured, the plan's model, the floor). Collective.
  void write_traffic();
  std::string plans() const;
  /// The plan a fresh trajectory of `kind` runs: the rule's (network_plan_cost), or pdgemm under
  /// system.products = pdgemm.
  model::NetworkPlan rule_plan(model::AlgorithmKind kind) const;
  /// A trajectory of `spec` at W(0) whose field runs `plan`. Collective (the replicated plan gathers).
  std::unique_ptr<NetworkTrajectory> trajectory(const model::AlgorithmSpec& spec,
                                                model::NetworkPlan plan) const;

  const io::RunConfig& config_;
  const model::Network& net_;
  parallel::Communicator comm_;
  model::NetworkMetrics metrics_;
  model::RecordSchedule schedule_;
  std::vector<std::unique_ptr<NetworkTrajectory>> trajectories_;
  std::optional<io::NetworkResultsFile> results_;
  io::RunProvenance provenance_;
  std::string run_id_;
  bool quiet_;
  long long step_ = 0;
  double start_time_ = 0, elapsed_before_ = 0, last_progress_ = 0, last_checkpoint_ = 0;
};

/// Whether the configuration is a network beyond the paper's model (problem.source = network and depth > 2,
/// an activation other than the identity, problem.samples > 0 or an X in input.file). Rank 0 only: it may
/// open input.file.
bool runs_as_network(const io::RunConfig& config);

/// The network's datasets of input.file (X, O or Y, W1 … WL or Z0/W0 for L = 2, C2 … CL or C for CL,
/// D1 … D{L−1}); shapes checked against the configuration. Collective over the grid.
model::NetworkInputs read_network_inputs(const io::RunConfig& config, const parallel::GridPtr& grid,
                                         bool quiet);

/// Bytes per rank a network run needs (X, O, the activations and every algorithm's weights and workspace).
double estimate_network_bytes_per_rank(const io::RunConfig& config, int p, int q);
/// The dry run's lines after the memory estimate for a network run: each algorithm's step plan on the p×q
/// grid with its estimated bytes per evaluation (model/network_plan.hpp), and its checkpoint's size.
std::string network_dry_run_projection(const io::RunConfig& config, int p, int q);

} // namespace fasim::app
