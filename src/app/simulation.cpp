#include "simulation.hpp"
#include "resumed_run.hpp"
#include "storage_fault.hpp"
#include "traffic_report.hpp"

#include "fasim/app/launcher.hpp"
#include "fasim/app/signals.hpp"
#include "fasim/format/hdf5.hpp"
#include "fasim/lifecycle/lifecycle.hpp"
#include "fasim/model/step_traffic.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/error.hpp"

#include <mpi.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

namespace fasim::app {

using io::schema::StopReason;
using model::AlgorithmKind;

Simulation::Simulation(const io::RunConfig& config, model::Problem& problem,
                       const parallel::Communicator& comm, bool quiet)
    : config_(config), problem_(problem), comm_(comm), quiet_(quiet),
      metrics_(problem, config.run.probes, config.run.probe_seed),
      schedule_(config.run.steps, config.run.record_every, config.run.record_points) {
  for (const auto& spec : config.run.algorithms) {
    const model::StepPlan plan = config.products == linalg::ProductPath::Pdgemm
                                     ? model::reference_plan(spec.kind)
                                     : model::choose_plan(problem, spec, config.plan, config.run.steps);
    auto t = std::unique_ptr<Trajectory>(
        new Trajectory{spec,
                       model::VectorField(problem, spec, plan),
                       model::Integrator(problem, config.run.integrator, spec.kind),
                       model::initial_state(problem, spec.kind),
                       {},
                       {},
                       0,
                       {},
                       0});
    trajectories_.push_back(std::move(t));
  }
}

namespace {
// FA*'s W(Z) needs ZᵀZ to be positive definite; a diverged Z may not be. pdpotrf's INFO is the same on every
// rank, so the failure is handled alike everywhere: the trajectory stops.
void refresh_or_stop(Trajectory& t, long long step) {
  if (t.status.stopped && t.status.stop_reason != StopReason::StopLoss &&
      t.status.stop_reason != StopReason::StopStationarity)
    return;
  try {
    t.field.refresh(t.state);
  } catch (const ScalapackError&) {
    t.status = {true, StopReason::NonFinite, step, t.status.wall_seconds};
  }
}
} // namespace

void Simulation::record(Trajectory& t, long long step) {
  refresh_or_stop(t, step);
  model::MetricRow row = metrics_.compute(t.state, step, static_cast<double>(step) * t.spec.lr, &t.field);
  // Values are computed on every rank of the grid; rank 0's are authoritative for decisions and files.
  comm_.broadcast(row.scalars.data(), static_cast<int>(sizeof(double) * row.scalars.size()), 0);
  if (!row.probes.empty())
    comm_.broadcast(row.probes.data(), static_cast<int>(sizeof(double) * row.probes.size()), 0);
  if (!row.completion.empty())
    comm_.broadcast(row.completion.data(), static_cast<int>(sizeof(double) * row.completion.size()), 0);
  const double loss = row.loss();
  if (!t.status.stopped) {
    const double bound = config_.run.divergence_factor *
                         std::max(problem_.target->norm2(), t.rows.empty() ? 0.0 : t.rows.front().loss());
    const std::optional<StopReason> reason =
        !std::isfinite(loss)                                         ? StopReason::NonFinite
        : loss > bound                                               ? StopReason::Diverged
        : config_.run.stop_loss > 0 && loss <= config_.run.stop_loss ? StopReason::StopLoss
        : config_.run.stop_stationarity > 0 && row.stationarity() <= config_.run.stop_stationarity
            ? std::optional(StopReason::StopStationarity)
            : std::nullopt;
    if (reason && step > 0) {
      t.status.stopped = true;
      t.status.stop_reason = *reason;
      t.status.stop_step = step;
    }
  }
  t.rows.push_back(std::move(row));
  ++records_since_flush_;
}

namespace {
// A run-loop flag beside the signal flags (app/signals.hpp): rank 0 found the result file gone.
constexpr int kOutputLost = 1 << 8;
constexpr double kOutputCheckSeconds = 1.0;
} // namespace

void Simulation::watch_output(const std::string& path) {
  output_path_ = path;
  last_output_check_ = MPI_Wtime();
  if (comm_.rank() != 0) return;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    output_dev_ = static_cast<unsigned long long>(st.st_dev);
    output_ino_ = static_cast<unsigned long long>(st.st_ino);
    output_size_ = static_cast<long long>(st.st_size);
  }
}

std::string Simulation::output_lost() const {
  if (comm_.rank() != 0 || output_path_.empty()) return {};
  struct stat st {};
  const bool same = ::stat(output_path_.c_str(), &st) == 0 &&
                    static_cast<unsigned long long>(st.st_dev) == output_dev_ &&
                    static_cast<unsigned long long>(st.st_ino) == output_ino_;
  // A result file only grows while it is written (HDF5 may give back a block at its end, never half of it):
  // one cut to less than half its size was truncated by someone else, and must not be written on.
  const auto size = static_cast<long long>(st.st_size);
  if (same && size >= output_size_ / 2) {
    output_size_ = std::max(output_size_, size);
    return {};
  }
  output_truncated_ = same;
  if (same)
    return "result file '" + output_path_ + "' (output.file) was truncated from " +
           std::to_string(output_size_) + " to " + std::to_string(size) +
           " bytes by something else while the run was writing it, at or before step " +
           std::to_string(step_) + "; it is not written on" + [this] {
             const UsableCheckpoint ck = usable_checkpoint(config_, run_id_);
             return ck.path.empty() ? std::string("; rerun it") : "; resume with " + ck.command();
           }();
  const std::filesystem::path file(output_path_);
  const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  // Only the path is known: the file (or its directory) may live on elsewhere. Say so, and what resumes it.
  const std::string what = !std::filesystem::is_directory(dir, ec)
                               ? "its directory '" + dir.string() + "' was moved or deleted"
                           : std::filesystem::exists(file, ec) ? "it was replaced by another file"
                                                               : "it was moved or deleted";
  const UsableCheckpoint ck = usable_checkpoint(config_, run_id_);
  const std::string next =
      !ck.path.empty() ? "; this run can go on from its checkpoint: " + ck.command()
      : checkpoints_written_ > 0
          ? "; if it was moved, its checkpoint '" + config_.output.checkpoint_file +
                "' went with it: resume that with 'fasim resume' from its new place; else rerun"
          : "; no checkpoint of this run exists: if the file was moved, it holds the rows up to its last "
            "flush; rerun to complete it";
  return "result file '" + output_path_ + "' (output.file) vanished while the run was writing it: " + what +
         " at or before step " + std::to_string(step_) + next;
}

void Simulation::check_output() {
  last_output_check_ = MPI_Wtime();
  std::string lost = output_lost();
  // A file cut short is not closed: closing flushes HDF5's metadata collectively into it, and what each
  // rank's HDF5 reads back from a truncated file may differ (one rank failing, another waiting). It is
  // abandoned on every rank, like a file a write failed on; a moved or replaced file is closed where it now
  // is.
  if (comm_.allreduce_max(output_truncated_ ? 1 : 0) != 0) io::abandon_open_files();
  parallel::agreed(comm_, [&] {
    if (!lost.empty()) throw Error(lost);
  });
}

void Simulation::flush_rows() {
  for (std::size_t a = 0; a < trajectories_.size(); ++a) {
    Trajectory& t = *trajectories_[a];
    results_->append_rows(a, t.rows, t.flushed);
    t.flushed = t.rows.size();
  }
  records_since_flush_ = 0;
}

void Simulation::checkpoint() {
  check_output(); // before writing a checkpoint beside a result file that no longer exists
  flush_rows();
  results_->flush();
  io::Checkpoint ck;
  static_cast<io::CheckpointRoot&>(ck) = checkpoint_root(
      config_, run_id_, step_, elapsed_before_ + MPI_Wtime() - start_time_, plans(), provenance_);
  for (std::size_t a = 0; a < trajectories_.size(); ++a) {
    const Trajectory& t = *trajectories_[a];
    ck.algorithms.push_back(
        {{parallel::DistMatrix::like(t.state.z), parallel::DistMatrix::like(t.state.w), {}},
         t.status,
         t.rows,
         results_->snapshot_count(a)});
    ck.algorithms.back().state.z.copy_from(t.state.z);
    ck.algorithms.back().state.w.copy_from(t.state.w);
    if (t.state.has_feedback()) {
      ck.algorithms.back().state.b = parallel::DistMatrix::like(t.state.b);
      ck.algorithms.back().state.b.copy_from(t.state.b);
    }
  }
  try {
    io::write_checkpoint(config_.output.checkpoint_file, comm_, ck, config_.run.probes,
                         config_.output.checkpoint_keep);
    ++checkpoints_written_;
  } catch (...) {
    // The failure is agreed, so every rank is here. An output directory deleted while the checkpoint was
    // being written shows up as a failed rename or sync: name the cause rather than the symptom.
    check_output();
    throw;
  }
  last_checkpoint_ = MPI_Wtime();
}

std::vector<io::AlgorithmSummary> Simulation::written() const {
  std::vector<io::AlgorithmSummary> out;
  for (const auto& t : trajectories_) {
    io::AlgorithmSummary a;
    a.name = model::to_string(t->spec.kind);
    a.records = static_cast<long long>(t->rows.size());
    if (!t->rows.empty()) {
      a.last_step = static_cast<long long>(t->rows.back().step());
      a.final_loss = t->rows.back().loss();
    }
    out.push_back(std::move(a));
  }
  return out;
}

bool Simulation::all_stopped() const {
  for (const auto& t : trajectories_)
    if (!t->status.stopped) return false;
  return true;
}

void Simulation::progress(bool force) {
  if (quiet_ || comm_.rank() != 0 || config_.output.progress_seconds <= 0) return;
  const double now = MPI_Wtime();
  if (!force && now - last_progress_ < config_.output.progress_seconds) return;
  const double rate = (step_ - progress_step_) / std::max(1e-9, now - last_progress_);
  const double eta = rate > 0 ? (config_.run.steps - step_) / rate : 0.0;
  std::ostringstream line;
  line << "step " << step_ << "/" << config_.run.steps;
  for (const auto& t : trajectories_)
    if (!t->rows.empty()) line << "  " << model::to_string(t->spec.kind) << " loss " << t->rows.back().loss();
  char tail[96];
  std::snprintf(tail, sizeof tail, "  %.1f steps/s  ETA %.0f s", rate, eta);
  line << tail;
  if (progress_rewrites_line())
    std::cout << "\r" << line.str() << "\033[K" << std::flush;
  else
    std::cout << line.str() << std::endl;
  last_progress_ = now;
  progress_step_ = step_;
}

bool Simulation::checkpoint_point(bool due) {
  const auto& out = config_.output;
  int flags = take_signal_flags();
  if (comm_.rank() == 0 && out.checkpoint_seconds > 0 &&
      MPI_Wtime() - last_checkpoint_ >= out.checkpoint_seconds)
    flags |= kCheckpointRequested;
  if (comm_.rank() == 0 &&
      (step_ == config_.run.steps || MPI_Wtime() - last_output_check_ >= kOutputCheckSeconds)) {
    last_output_check_ = MPI_Wtime();
    if (!output_lost().empty()) flags |= kOutputLost;
  }
  flags = comm_.allreduce_max(flags);
  if (flags & kOutputLost) check_output(); // throws on every rank with rank 0's message
  if (flags & kStopRequested) {
    checkpoint();
    const std::string said = record_stop(*results_, step_, out.checkpoint_file);
    if (comm_.rank() == 0)
      std::cout << (quiet_ || !progress_rewrites_line() ? "" : "\n") << said << std::endl;
    return false;
  }
  if (due || (flags & kCheckpointRequested)) checkpoint();
  return true;
}

bool Simulation::run() {
  const long long steps = config_.run.steps;
  const auto& out = config_.output;
  // How often the ranks agree on signals and timers: every step, unless a step is so short that one agreement
  // would cost as much as the step (tiny problems on several ranks); then every few steps, so that a timer or
  // a signal is acted on within about a millisecond. The interval is measured over the first steps on rank 0
  // and shared, so every rank agrees at the same steps. A step-count checkpoint (checkpoint_every) is a pure
  // function of the step and is taken exactly at its step whatever the interval.
  constexpr long long kCalibrationSteps = 8;
  constexpr double kAgreementSeconds = 1e-3;
  check_every_ = 1;
  const long long first = step_;
  double calibration_start = MPI_Wtime();
  const std::size_t flush_every = out.flush_every > 0 ? static_cast<std::size_t>(out.flush_every) : 256;
  // A stop signal that arrived while the run was starting (building Y, creating files) is acted on now.
  if (!checkpoint_point(false)) return false;
  while (step_ < steps && !all_stopped()) {
    for (auto& t : trajectories_) {
      if (t->status.stopped) continue;
      const double t0 = MPI_Wtime();
      const parallel::Traffic before = parallel::traffic();
      const double health = t->integrator.step(t->field, t->state, t->spec.lr);
      const parallel::Traffic sent = parallel::traffic() - before;
      t->status.wall_seconds += MPI_Wtime() - t0;
      t->sent.bytes += sent.bytes;
      t->sent.messages += sent.messages;
      ++t->steps_sent;
      if (!std::isfinite(health) || health > 1e150) {
        // ‖Z‖² is non-finite or astronomically large: stop this algorithm now, the others go on.
        t->status.stopped = true;
        t->status.stop_reason = std::isfinite(health) ? StopReason::Diverged : StopReason::NonFinite;
        t->status.stop_step = step_ + 1;
        record(*t, step_ + 1);
      }
    }
    ++step_;
    if (schedule_.records(step_))
      for (auto& t : trajectories_)
        if (!t->status.stopped) record(*t, step_);
    if (out.snapshot_every > 0 && step_ % out.snapshot_every == 0)
      for (std::size_t a = 0; a < trajectories_.size(); ++a)
        if (!trajectories_[a]->status.stopped) results_->append_snapshot(a, step_, trajectories_[a]->state);
    if (records_since_flush_ >= flush_every) {
      // Flushed means on disk and visible: the extents reach the file with the rows (docs/output-format.md).
      flush_rows();
      results_->flush();
    }

    if (step_ - first == kCalibrationSteps && comm_.size() > 1) {
      double per_step = (MPI_Wtime() - calibration_start) / kCalibrationSteps;
      comm_.broadcast(&per_step, sizeof per_step, 0);
      check_every_ =
          std::clamp<long long>(static_cast<long long>(kAgreementSeconds / std::max(per_step, 1e-9)), 1, 32);
    }
    const bool due = out.checkpoint_every > 0 && step_ % out.checkpoint_every == 0;
    if (due || step_ % check_every_ == 0 || step_ == steps)
      if (!checkpoint_point(due)) return false;
    progress(false);
  }
  return true;
}

void Simulation::write_traffic() {
  // Per algorithm: bytes and messages one step sent per rank, and the model's prediction and floor for its
  // plan and grid (BENCHMARKS.md "Communication").
  io::StepTrafficSummary s;
  for (const auto& t : trajectories_)
    add_summary_traffic(
        s, comm_, t->sent, t->steps_sent,
        model::step_traffic(problem_, t->field.plan(), config_.run.integrator, t->spec.scale_free),
        model::traffic_floor(problem_, t->spec.kind, config_.run.integrator));
  results_->write_traffic(s);
}

void Simulation::finish() {
  for (auto& t : trajectories_) {
    const long long last = t->status.stopped ? t->status.stop_step : step_;
    if (t->rows.empty() || static_cast<long long>(t->rows.back().step()) != last) record(*t, last);
    if (!t->status.stopped) {
      t->status.stop_reason = StopReason::Steps;
      t->status.stop_step = step_;
    }
  }
  flush_rows();
  for (std::size_t a = 0; a < trajectories_.size(); ++a) {
    Trajectory& t = *trajectories_[a];
    refresh_or_stop(t, t.status.stop_step);
    results_->write_final(a, t.state, t.status, t.status.stop_step);
  }
  // Theorem 4: principal angles between the GD and FA (or FA*) representations.
  const Trajectory *gd = nullptr, *fa = nullptr;
  for (const auto& t : trajectories_) {
    if (t->spec.kind == AlgorithmKind::GD) gd = t.get();
    if (model::constant_feedback(t->spec.kind) && !fa) fa = t.get();
  }
  std::vector<double> overlap;
  if (gd && fa) {
    overlap = model::principal_cosines(gd->state.z, fa->state.z);
    comm_.broadcast(overlap, 0);
  }
  results_->write_summary(overlap, elapsed_before_ + MPI_Wtime() - start_time_);
  write_traffic();
  results_->set_status(io::schema::FileStatus::Complete);
  results_->append_history("complete at step " + std::to_string(step_));
  results_->flush();
  check_output(); // "complete" in a file nobody can reach is no success
  if (comm_.rank() != 0 || quiet_) return;
  progress(true);
  std::cout << (progress_rewrites_line() ? "\n" : "") << "\n";
  std::printf("%-8s %14s %14s %14s %10s %10s %-12s\n", "alg", "final loss", "optimal", "lemma1", "steps",
              "wall s", "stop");
  for (const auto& t : trajectories_)
    std::printf("%-8s %14.6e %14.6e %14.6e %10lld %10.2f %-12s\n", model::to_string(t->spec.kind),
                t->rows.back().loss(), problem_.optimal_error, problem_.lemma1_error, t->status.stop_step,
                t->status.wall_seconds, io::schema::to_string(t->status.stop_reason));
  if (!overlap.empty())
    std::printf("representation overlap (largest principal cosine): %.6f\n", overlap.front());
  std::printf("results: %s\n", config_.output.file.c_str());
}

} // namespace fasim::app
