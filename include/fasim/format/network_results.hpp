#pragma once
// The result file of a network run (problem.source = network beyond the paper's model; schema:
// docs/output-format.md, "Network results"): the root attributes of every result, /problem (the network's
// shapes, and X, O when small), /init (W1 … WL, C2 … CL, D1 … D{L−1}) and per algorithm its trajectory (step,
// time, loss, align_1 … align_{L−1}), snapshots and final weights. Collective over the file's communicator.
#include "fasim/format/results.hpp"
#include "fasim/model/network_metrics.hpp"

#include <optional>
#include <string>
#include <vector>

namespace fasim::io {

class NetworkResultsFile {
public:
  /// Creates the file beside `path` and makes it appear there once its header is in (`mode` New or Replace,
  /// as ResultsFile::create; Staged: only by publish()).
  static NetworkResultsFile create(const std::string& path, const parallel::Communicator& comm,
                                   CreateMode mode, const RunConfig& config, const RunProvenance& provenance,
                                   const model::Network& net, const std::string& run_id,
                                   const std::string& history_line);
  /// Opens a complete result to append to (a continuation): its trajectories and snapshots go on where they
  /// end; the configuration becomes `config`'s and the status running.
  static NetworkResultsFile open_to_continue(const std::string& path, const parallel::Communicator& comm,
                                             const RunConfig& config, const model::Network& net);
  void append_rows(std::size_t algorithm, const std::vector<model::NetworkMetricRow>& rows, std::size_t from);
  void append_snapshot(std::size_t algorithm, long long step, const model::NetworkState& state);
  /// Snapshots written for `algorithm` so far.
  long long snapshot_count(std::size_t algorithm) const;
  /// Appends the first counts[a] snapshots of algorithm a of `old` (a resume takes them over).
  void copy_snapshots_from(const File& old, const std::vector<long long>& counts, const model::Network& net);
  /// Renames a Staged file over its path (replacing, never following, what is there). Collective.
  void publish();
  void set_history(const std::string& text);
  /// Final weights W1 … WL (and Z = W1, W = W2 for L = 2; kp's B2 … BL) and the trajectory's status.
  void write_final(std::size_t algorithm, const model::NetworkState& state, const TrajectoryStatus& status,
                   long long steps_done);
  void write_status(std::size_t algorithm, const TrajectoryStatus& status, long long steps_done);
  void write_summary(double elapsed_seconds);
  /// /summary's communication per algorithm, as for the paper's model (write_step_traffic).
  void write_traffic(const StepTrafficSummary& traffic) { write_step_traffic(file_, traffic); }
  void set_status(schema::FileStatus status);
  void set_plans(const std::string& plans);
  void append_history(const std::string& what);
  void flush();

private:
  struct AlgorithmGroup {
    std::string name;
    Group group;
    std::vector<std::string>
        columns;                 ///< model::network_metric_names: step, time, loss, align_1 … align_{L−1}
    std::vector<Series> scalars; ///< one per column, in that order
    std::vector<Dataset> snapshots;
    std::optional<Series> snap_step;
  };
  explicit NetworkResultsFile(File file) : file_(std::move(file)) {}
  File file_;
  std::string staged_path_, final_path_; ///< a Staged file's temporary name and destination
  std::vector<AlgorithmGroup> algorithms_;
};

} // namespace fasim::io
