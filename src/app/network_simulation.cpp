#include "network_simulation.hpp"

#include "fasim/app/signals.hpp"
#include "fasim/format/matrix_io.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/error.hpp"

#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>

namespace fasim::app {

using io::schema::StopReason;

NetworkSimulation::NetworkSimulation(const io::RunConfig& config, const model::Network& net,
                                     const parallel::Communicator& comm, bool quiet)
    : config_(config), net_(net), comm_(comm), quiet_(quiet), metrics_(net),
      schedule_(config.run.steps, config.run.record_every, config.run.record_points) {
  for (const auto& spec : config.run.algorithms)
    trajectories_.push_back(std::unique_ptr<NetworkTrajectory>(
        new NetworkTrajectory{spec,
                              model::NetworkField(net, spec),
                              model::NetworkIntegrator(net, config.run.integrator, spec.kind),
                              model::initial_network_state(net, spec.kind),
                              {},
                              {},
                              0}));
}

void NetworkSimulation::record(NetworkTrajectory& t, long long step) {
  model::NetworkMetricRow row =
      metrics_.compute(t.state, step, static_cast<double>(step) * t.spec.lr, t.field);
  // Rank 0's values are authoritative for decisions and files.
  comm_.broadcast(&row.loss, static_cast<int>(sizeof row.loss), 0);
  if (!row.alignment.empty())
    comm_.broadcast(row.alignment.data(), static_cast<int>(sizeof(double) * row.alignment.size()), 0);
  if (!t.status.stopped && step > 0) {
    const double bound =
        config_.run.divergence_factor * std::max(net_.o_norm2, t.rows.empty() ? 0.0 : t.rows.front().loss);
    const std::optional<StopReason> reason = !std::isfinite(row.loss) ? StopReason::NonFinite
                                             : row.loss > bound       ? StopReason::Diverged
                                             : config_.run.stop_loss > 0 && row.loss <= config_.run.stop_loss
                                                 ? std::optional(StopReason::StopLoss)
                                                 : std::nullopt;
    if (reason) t.status = {true, *reason, step, t.status.wall_seconds};
  }
  t.rows.push_back(std::move(row));
}

void NetworkSimulation::start_fresh(const io::RunProvenance& prov, io::CreateMode mode,
                                    const std::string& run_id) {
  for (auto& t : trajectories_) record(*t, 0);
  std::string plans;
  for (const auto& t : trajectories_)
    plans.append(plans.empty() ? "" : " ").append(model::to_string(t->spec.kind)).append(":network");
  results_.emplace(io::NetworkResultsFile::create(config_.output.file, comm_, mode, config_, prov, net_,
                                                  run_id,
                                                  "run: " + std::to_string(config_.run.steps) + " steps"));
  results_->set_plans(plans);
  if (!quiet_ && comm_.rank() == 0)
    std::cout << "plan: " << model::network_plan() << " (depth " << net_.depth << ", "
              << model::to_string(net_.activation) << ", N = " << net_.samples << ")" << std::endl;
  for (std::size_t a = 0; a < trajectories_.size(); ++a)
    if (config_.output.snapshot_every > 0) results_->append_snapshot(a, 0, trajectories_[a]->state);
  flush_rows();
  start_time_ = last_progress_ = MPI_Wtime();
}

void NetworkSimulation::flush_rows() {
  for (std::size_t a = 0; a < trajectories_.size(); ++a) {
    NetworkTrajectory& t = *trajectories_[a];
    results_->append_rows(a, t.rows, t.flushed);
    t.flushed = t.rows.size();
  }
  results_->flush();
}

void NetworkSimulation::run() {
  const long long flush_every = config_.output.flush_every > 0 ? config_.output.flush_every : 64;
  long long since_flush = 0;
  for (step_ = 1; step_ <= config_.run.steps; ++step_) {
    int flags = take_signal_flags();
    flags = comm_.allreduce_max(flags);
    if (flags & kStopRequested) {
      flush_rows();
      throw Error(
          "stopped by a signal at step " + std::to_string(step_ - 1) +
          ": network runs write no checkpoints yet (issue 26), so this run cannot be resumed; its rows "
          "so far are in '" +
          config_.output.file + "', rerun it to finish");
    }
    bool any = false;
    for (auto& tp : trajectories_) {
      NetworkTrajectory& t = *tp;
      if (t.status.stopped) continue;
      any = true;
      const double t0 = MPI_Wtime();
      t.integrator.step(t.field, t.state, t.spec.lr);
      t.status.wall_seconds += MPI_Wtime() - t0;
      if (schedule_.records(step_) || step_ == config_.run.steps) {
        record(t, step_);
        ++since_flush;
      }
      if (config_.output.snapshot_every > 0 && step_ % config_.output.snapshot_every == 0)
        results_->append_snapshot(static_cast<std::size_t>(&tp - &trajectories_[0]), step_, t.state);
    }
    if (since_flush >= flush_every) {
      flush_rows();
      since_flush = 0;
    }
    if (!quiet_ && comm_.rank() == 0 && config_.output.progress_seconds > 0 &&
        MPI_Wtime() - last_progress_ >= config_.output.progress_seconds) {
      last_progress_ = MPI_Wtime();
      std::cout << "step " << step_ << " / " << config_.run.steps << std::endl;
    }
    if (!any) break;
  }
  step_ = std::min(step_, config_.run.steps);
}

void NetworkSimulation::finish() {
  flush_rows();
  for (std::size_t a = 0; a < trajectories_.size(); ++a) {
    NetworkTrajectory& t = *trajectories_[a];
    if (!t.status.stopped) t.status = {true, StopReason::Steps, step_, t.status.wall_seconds};
    results_->write_final(a, t.state, t.status,
                          t.status.stop_reason == StopReason::Steps ? step_ : t.status.stop_step);
  }
  const double elapsed = MPI_Wtime() - start_time_;
  results_->write_summary(elapsed);
  results_->append_history("complete at step " + std::to_string(step_));
  results_->set_status(io::schema::FileStatus::Complete);
  results_->flush();
  if (quiet_ || comm_.rank() != 0) return;
  std::cout << std::left << std::setw(8) << "alg" << std::setw(14) << "loss";
  for (const auto& name : model::network_alignment_names(net_.depth)) std::cout << std::setw(12) << name;
  std::cout << "stop\n";
  for (const auto& t : trajectories_) {
    const model::NetworkMetricRow& last = t->rows.back();
    std::cout << std::setw(8) << model::to_string(t->spec.kind) << std::setw(14) << std::setprecision(6)
              << last.loss;
    for (double a : last.alignment) std::cout << std::setw(12) << std::setprecision(4) << a;
    std::cout << io::schema::to_string(t->status.stop_reason) << " at " << t->status.stop_step << "\n";
  }
  std::cout << "results: " << config_.output.file << " (" << std::fixed << std::setprecision(1) << elapsed
            << " s)" << std::defaultfloat << std::endl;
}

} // namespace fasim::app
