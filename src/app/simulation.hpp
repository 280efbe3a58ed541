#pragma once
// The state of one running experiment: the problem, one trajectory per algorithm, the result file, and the
// loop that advances them. Private to the app layer.
#include "fasim/format/checkpoint.hpp"
#include "fasim/format/result_state.hpp"
#include "fasim/format/results.hpp"
#include "fasim/model/dynamics.hpp"
#include "fasim/model/metrics.hpp"
#include "fasim/model/schedule.hpp"
#include "fasim/parallel/traffic.hpp"

#include <memory>
#include <optional>
#include <vector>

namespace fasim::app {

struct Trajectory {
  model::AlgorithmSpec spec;
  model::VectorField field;
  model::Integrator integrator;
  model::State state;
  io::TrajectoryStatus status;
  std::vector<model::MetricRow> rows;
  std::size_t flushed = 0; ///< rows already in the result file
  parallel::Traffic sent;  ///< what this rank sent inside the steps this process ran (parallel/traffic.hpp)
  long long steps_sent = 0;
};

class Simulation {
public:
  Simulation(const io::RunConfig& config, model::Problem& problem, const parallel::Communicator& comm,
             bool quiet);
  /// Starts at step 0: records it and creates the result file (`mode`: New or Replace).
  void start_fresh(const io::RunProvenance& provenance, io::CreateMode mode, const std::string& run_id);
  /// Starts from a checkpoint: rebuilds the result file beside the interrupted one (whose snapshots and
  /// history it takes over) and renames it into place.
  void start_resumed(const io::RunProvenance& provenance, const io::Checkpoint& checkpoint,
                     const std::string& checkpoint_path);
  /// Continues a complete result in place from its final state (`final_state`, read from it): first a
  /// checkpoint of that state, so an interruption resumes from here, then the file is opened for appending.
  void start_continued(const io::RunProvenance& provenance, const io::Checkpoint& final_state);
  /// Runs to the configured number of steps; returns false when a stop signal checkpointed the run.
  bool run();
  /// Writes final matrices, statuses, the summary; prints the summary table.
  void finish();
  /// What the result file's trajectories should end in: each algorithm's rows, last step and last loss.
  std::vector<io::AlgorithmSummary> written() const;

private:
  /// The summary's communication attributes (collective over the grid).
  void write_traffic();
  void adopt(const io::Checkpoint& ck);
  void begin_clock();
  /// Prints the step plans and stores them in the result file (root attribute `plan`).
  void announce_plans();
  /// Agrees on signals, timers and the result file's presence; writes the checkpoints that are due. Returns
  /// false when a stop signal checkpointed the run. Collective.
  bool checkpoint_point(bool due);
  std::string grid_text() const;
  void record(Trajectory& t, long long step);
  void flush_rows();
  void checkpoint();
  void progress(bool force);
  bool all_stopped() const;
  /// Every trajectory's step plan, space-separated (stored in the result file and checkpoints).
  std::string plans() const;
  /// Rank 0: remembers which file (device and inode) output_path_ names now.
  void watch_output(const std::string& path);
  /// Rank 0: "" while output_path_ still names the file being written, else why not (one line).
  std::string output_lost() const;
  /// Collective: fails (on every rank, with rank 0's message) when the result file was deleted or replaced.
  void check_output();

  const io::RunConfig& config_;
  model::Problem& problem_;
  parallel::Communicator comm_;
  bool quiet_;
  model::MetricsCalculator metrics_;
  model::RecordSchedule schedule_;
  std::vector<std::unique_ptr<Trajectory>> trajectories_;
  std::optional<io::ResultsFile> results_;
  std::string run_id_;
  io::RunProvenance provenance_;
  long long step_ = 0;
  long long check_every_ = 1; ///< steps between agreements on signals and timers (see run())
  double start_time_ = 0, elapsed_before_ = 0, last_progress_ = 0, last_checkpoint_ = 0;
  long long progress_step_ = 0;
  double progress_time_ = 0;
  std::size_t records_since_flush_ = 0;
  // The result file as created: a deleted output directory or file leaves the open inode writable (Linux), so
  // without a look at the path a run would finish "complete" into a file nobody can reach.
  std::string output_path_;
  unsigned long long output_dev_ = 0, output_ino_ = 0;
  mutable long long output_size_ = 0; ///< the largest size rank 0 has seen the file at (see output_lost())
  mutable bool output_truncated_ = false; ///< rank 0: output_lost() found the file cut short
  double last_output_check_ = 0;
  int checkpoints_written_ = 0;
};

} // namespace fasim::app
