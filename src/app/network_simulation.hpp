#pragma once
// A network run (problem.source = network beyond the paper's model): one trajectory per algorithm, the
// result file, and the loop that advances them. Private to the app layer. Network runs write no checkpoints
// yet: a stop signal ends the run as failed (saying so), and `fasim resume` refuses network results.
#include "fasim/format/network_results.hpp"
#include "fasim/model/network_metrics.hpp"
#include "fasim/model/schedule.hpp"

#include <memory>
#include <optional>
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
};

class NetworkSimulation {
public:
  NetworkSimulation(const io::RunConfig& config, const model::Network& net,
                    const parallel::Communicator& comm, bool quiet);
  /// Records step 0 and creates the result file (`mode`: New or Replace).
  void start_fresh(const io::RunProvenance& provenance, io::CreateMode mode, const std::string& run_id);
  /// Runs to the configured number of steps. Throws Error when a stop signal arrives (no checkpoints).
  void run();
  /// Writes the final weights, statuses and the summary; prints the summary table.
  void finish();

private:
  void record(NetworkTrajectory& t, long long step);
  void flush_rows();

  const io::RunConfig& config_;
  const model::Network& net_;
  parallel::Communicator comm_;
  bool quiet_;
  model::NetworkMetrics metrics_;
  model::RecordSchedule schedule_;
  std::vector<std::unique_ptr<NetworkTrajectory>> trajectories_;
  std::optional<io::NetworkResultsFile> results_;
  long long step_ = 0;
  double start_time_ = 0, last_progress_ = 0;
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

} // namespace fasim::app
