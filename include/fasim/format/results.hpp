#pragma once
// The result file of one run (schema: docs/output-format.md): root attributes, /problem, /init, and per
// algorithm its trajectory series, snapshots and final matrices. All calls are collective over the file's
// communicator (the grid's active ranks).
#include "fasim/config/config.hpp"
#include "fasim/format/hdf5.hpp"
#include "fasim/format/schema.hpp"
#include "fasim/format/series.hpp"
#include "fasim/model/dynamics.hpp"
#include "fasim/model/metrics.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fasim::io {

/// What a trajectory has done so far; stored in result files and checkpoints.
struct TrajectoryStatus {
  bool stopped = false;
  schema::StopReason stop_reason = schema::StopReason::Running;
  long long stop_step = -1;
  double wall_seconds = 0.0; ///< time spent in this algorithm's steps
};

/// Root attributes describing how the file was produced.
struct RunProvenance {
  int mpi_size = 1;
  int grid_rows = 1, grid_cols = 1, block = 64;
  std::string blas_library, blas_core, host;
  int blas_threads = 1;
};

/// How ResultsFile::create treats what is at its path.
enum class CreateMode {
  New,     ///< the path must be free: built beside it, linked there once the header is in (a file or link
           ///< at the path is refused)
  Replace, ///< written to a fresh exclusive temporary beside the path, renamed over it once the header is in
  Staged   ///< written to a fresh exclusive temporary beside the path; publish() renames it over the path
};

/// Bytes and messages one step sent per rank (measured: mean over ranks and steps), and the model's bytes and
/// floor for the plan and grid (model/step_traffic.hpp, model/network_traffic.hpp; NaN where the model does
/// not cover the target), and whether the model is exact (1) or an estimate (0).
struct StepTrafficSummary {
  std::vector<double> bytes, messages, model_bytes, floor_bytes;
  std::vector<long long> model_exact;
};
/// /summary's communication attributes (schema 1.2; model_step_exact since 1.5). Collective.
void write_step_traffic(const File& file, const StepTrafficSummary& traffic);

class ResultsFile {
public:
  /// Creates the result file and writes the root attributes (run_id and the first history line among them),
  /// /problem and /init, and an empty trajectory for each algorithm.
  static ResultsFile create(const std::string& path, const parallel::Communicator& comm, CreateMode mode,
                            const RunConfig& config, const RunProvenance& provenance,
                            const model::Problem& problem, int probes, const std::string& run_id,
                            const std::string& history_line);
  /// Opens a complete result to continue it in place: its trajectories, snapshots and final matrices are
  /// extended and rewritten by the calls below, and `config` replaces its stored configuration. Collective.
  static ResultsFile open_to_continue(const std::string& path, const parallel::Communicator& comm,
                                      const RunConfig& config, int probes);

  void append_rows(std::size_t algorithm, const std::vector<model::MetricRow>& rows, std::size_t from);
  void append_snapshot(std::size_t algorithm, long long step, const model::State& state);
  void write_final(std::size_t algorithm, const model::State& state, const TrajectoryStatus& status,
                   long long steps_done);
  void write_status(std::size_t algorithm, const TrajectoryStatus& status, long long steps_done);
  void write_summary(const std::vector<double>& overlap, double elapsed_seconds);
  /// /summary's communication attributes, one value per algorithm in run.algorithms order.
  void write_traffic(const StepTrafficSummary& traffic);
  void set_status(schema::FileStatus status);
  /// Renames a Staged file over its path (replacing, never following, what is there). Collective.
  void publish();
  /// Replaces the root attribute `history` (a resumed file takes over the interrupted one's). Collective.
  void set_history(const std::string& text);
  /// Appends one line to the root attribute `history` ("<UTC time> <what>"). Collective.
  void append_history(const std::string& what);
  /// The root attribute `plan`: each algorithm's step plan, space-separated in run.algorithms order.
  /// Collective.
  void set_plans(const std::string& plans);
  void flush();
  /// Copies the first `count` snapshots of each algorithm from another result file (resume).
  void copy_snapshots_from(const File& old, const std::vector<long long>& counts,
                           const model::Problem& problem);
  long long snapshot_count(std::size_t algorithm) const;
  const File& file() const { return file_; }

private:
  struct AlgorithmGroup {
    std::string name;
    Group group;
    std::vector<Series> scalars;
    std::optional<Series> probes;
    std::vector<Series> completion; ///< model::kCompletionMetrics, under problem.observe = completion
    std::optional<Dataset> snap_z, snap_w;
    std::optional<Series> snap_step;
  };
  explicit ResultsFile(File file) : file_(std::move(file)) {}
  File file_;
  std::string staged_path_, final_path_; ///< a Staged file's temporary name and destination
  bool publish_new_ = false;             ///< CreateMode::New: the destination must still be free
  std::vector<AlgorithmGroup> algorithms_;
  const RunConfig* config_ = nullptr;
};

/// A result file being built under a fresh temporary name beside `final_path` (create_staged_result).
struct StagedResult {
  File file;
  std::string staged_path, final_path;
  CreateMode mode = CreateMode::New;
};
/// Creates a result file under a fresh temporary name beside `path`. Collective.
StagedResult create_staged_result(const std::string& path, const parallel::Communicator& comm,
                                  CreateMode mode);
/// Makes a staged result appear at its path: linked there (`as_new`: fails if anything is there) or renamed
/// over it. Collective.
void publish_staged_result(const parallel::Communicator& comm, const std::string& staged_path,
                           const std::string& final_path, bool as_new);
/// The root attributes every result has (schema version, run id, provenance, config, history, status
/// running).
void write_run_header(const File& file, const RunConfig& config, const RunProvenance& provenance,
                      const std::string& run_id, const std::string& history_line);
/// A trajectory group's attributes lr, lr_w, decay (kp), alpha (mixed), integrator, scale_free.
void write_algorithm_attributes(const Group& group, const model::AlgorithmSpec& alg,
                                model::IntegratorKind integrator);
/// A trajectory group's stop_reason, stop_step, steps_done, wall_seconds, seconds_per_step.
void write_trajectory_status(const Group& group, const TrajectoryStatus& status, long long steps_done);

/// "2026-12-01T07:00:00Z": the time stamps of result files.
std::string utc_now();

/// Appends "<UTC time> <what>" as a line of the root attribute `history` of `file`. Collective over the
/// file's communicator (rank 0's time stamp is written).
void append_history(const File& file, const std::string& what);

/// Whether /problem/Y is saved for `config` (output.save_target: yes, no, or auto = when n·m <= 4e6).
bool saves_target(const RunConfig& config);

} // namespace fasim::io
