#include "network_simulation.hpp"
#include "resumed_run.hpp"
#include "traffic_report.hpp"

#include "fasim/app/signals.hpp"
#include "fasim/format/matrix_io.hpp"
#include "fasim/lifecycle/lifecycle.hpp"
#include "fasim/model/network_traffic.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/error.hpp"

#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace fasim::app {

using io::schema::StopReason;

NetworkSimulation::NetworkSimulation(const io::RunConfig& config, const model::Network& net,
                                     const parallel::Communicator& comm, bool quiet)
    : config_(config), net_(net), comm_(comm), metrics_(net),
      schedule_(config.run.steps, config.run.record_every, config.run.record_points), quiet_(quiet) {
  for (const auto& spec : config.run.algorithms)
    trajectories_.push_back(trajectory(spec, rule_plan(spec.kind)));
}

model::NetworkPlan NetworkSimulation::rule_plan(model::AlgorithmKind kind) const {
  // system.products = pdgemm (the reference products) runs the PDGEMM plan, as in `fasim bench`.
  return config_.products == linalg::ProductPath::Pdgemm ? model::NetworkPlan::Distributed
                                                         : model::network_plan_cost(net_, kind).chosen;
}

std::unique_ptr<NetworkTrajectory> NetworkSimulation::trajectory(const model::AlgorithmSpec& spec,
                                                                 model::NetworkPlan plan) const {
  return std::unique_ptr<NetworkTrajectory>(
      new NetworkTrajectory{spec,
                            model::NetworkField(net_, spec, plan),
                            model::NetworkIntegrator(net_, config_.run.integrator, spec.kind),
                            model::initial_network_state(net_, spec.kind),
                            {},
                            {},
                            0,
                            {},
                            0});
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

std::string NetworkSimulation::plans() const {
  std::string text;
  for (const auto& t : trajectories_)
    text.append(text.empty() ? "" : " ").append(model::network_plan_word(t->spec.kind, t->field.plan()));
  return text;
}

void NetworkSimulation::start_fresh(const io::RunProvenance& prov, io::CreateMode mode,
                                    const std::string& run_id) {
  provenance_ = prov;
  run_id_ = run_id;
  for (auto& t : trajectories_) record(*t, 0);
  results_.emplace(io::NetworkResultsFile::create(config_.output.file, comm_, mode, config_, prov, net_,
                                                  run_id,
                                                  "run: " + std::to_string(config_.run.steps) + " steps"));
  results_->set_plans(plans());
  if (!quiet_ && comm_.rank() == 0)
    for (const auto& t : trajectories_)
      std::cout << "plan: " << model::to_string(t->spec.kind) << ": "
                << (t->field.plan() == model::network_plan_cost(net_, t->spec.kind).chosen
                        ? model::network_plan_text(model::network_plan_cost(net_, t->spec.kind))
                        : std::string("network:pdgemm (system.products = pdgemm)"))
                << "\n";
  if (!quiet_ && comm_.rank() == 0)
    std::cout << "network: (depth " << net_.depth << ", " << model::to_string(net_.activation)
              << ", N = " << net_.samples << ")" << std::endl;
  for (std::size_t a = 0; a < trajectories_.size(); ++a)
    if (config_.output.snapshot_every > 0) results_->append_snapshot(a, 0, trajectories_[a]->state);
  flush_rows();
  start_time_ = last_progress_ = last_checkpoint_ = MPI_Wtime();
}

void NetworkSimulation::start_resumed(const io::RunProvenance& prov, const io::NetworkCheckpoint& ck,
                                      const std::string& checkpoint_path) {
  provenance_ = prov;
  run_id_ = ck.run_id.empty() ? io::new_run_id() : ck.run_id;
  comm_.broadcast(run_id_, 0);
  adopt(ck);
  // Built under a fresh name beside the interrupted file and renamed over it only when it holds everything
  // that one did: a failure while resuming never destroys what was written.
  const std::string& path = config_.output.file;
  results_.emplace(
      io::NetworkResultsFile::create(path, comm_, io::CreateMode::Staged, config_, prov, net_, run_id_, ""));
  results_->set_plans(plans());
  std::vector<long long> snapshot_counts;
  for (const auto& alg : ck.algorithms) snapshot_counts.push_back(alg.snapshots);
  results_->set_history(
      take_over_result(comm_, path, checkpoint_path, snapshot_counts, [&](const io::File& old) {
        results_->copy_snapshots_from(old, snapshot_counts, net_);
      }));
  results_->append_history("resumed at step " + std::to_string(step_) + " from '" + checkpoint_path +
                           "'; run.steps = " + std::to_string(config_.run.steps));
  flush_rows();
  results_->publish();
  start_time_ = last_progress_ = last_checkpoint_ = MPI_Wtime();
}
void NetworkSimulation::start_continued(const io::RunProvenance& prov,
                                        const io::NetworkCheckpoint& final_state) {
  provenance_ = prov;
  run_id_ = final_state.run_id.empty() ? io::new_run_id() : final_state.run_id;
  comm_.broadcast(run_id_, 0);
  adopt(final_state);
  const long long from = step_;
  // A checkpoint of the final state before the file changes: an interruption from now on resumes from here.
  io::NetworkCheckpoint ck = final_state;
  static_cast<io::CheckpointRoot&>(ck) =
      checkpoint_root(config_, run_id_, final_state.step, final_state.elapsed_seconds, plans(), provenance_);
  io::write_network_checkpoint(config_.output.checkpoint_file, comm_, ck, net_.depth,
                               config_.output.checkpoint_keep);
  results_.emplace(io::NetworkResultsFile::open_to_continue(config_.output.file, comm_, config_, net_));
  results_->set_plans(plans());
  for (auto& t : trajectories_) t->flushed = t->rows.size(); // already in the file
  results_->append_history("continued: from step " + std::to_string(from) +
                           " to run.steps = " + std::to_string(config_.run.steps));
  results_->flush();
  start_time_ = last_progress_ = last_checkpoint_ = MPI_Wtime();
}

void NetworkSimulation::adopt(const io::NetworkCheckpoint& ck) {
  // The plans the run was computed with (schema 1.4; every plan runs on every grid): a resume or
  // continuation on the same grid stays bitwise. Words written before 1.4 name no plan: the rule of then
  // chooses, which had no gram plan (docs/determinism.md).
  std::istringstream words(ck.plans);
  std::string word;
  for (auto& t : trajectories_) {
    if (!(words >> word)) break;
    auto stored = model::parse_network_plan_word(word, t->spec.kind, "attribute plan");
    if (!stored)
      stored = config_.products == linalg::ProductPath::Pdgemm
                   ? model::NetworkPlan::Distributed
                   : model::network_plan_cost(net_.sizes, net_.samples, net_.identity_input,
                                              net_.grid->rows(), net_.grid->cols(), t->spec.kind, false)
                         .chosen;
    if (*stored != t->field.plan()) {
      const model::AlgorithmSpec spec = t->spec;
      t.reset(); // its activations go before the new field's come
      t = trajectory(spec, *stored);
    }
  }
  step_ = ck.step;
  elapsed_before_ = ck.elapsed_seconds;
  for (std::size_t a = 0; a < trajectories_.size(); ++a) {
    NetworkTrajectory& t = *trajectories_[a];
    model::assign(t.state, ck.algorithms.at(a).state);
    t.status = ck.algorithms[a].status;
    t.rows = ck.algorithms[a].rows;
    t.flushed = 0;
  }
}

void NetworkSimulation::flush_rows() {
  for (std::size_t a = 0; a < trajectories_.size(); ++a) {
    NetworkTrajectory& t = *trajectories_[a];
    results_->append_rows(a, t.rows, t.flushed);
    t.flushed = t.rows.size();
  }
  results_->flush();
}

void NetworkSimulation::checkpoint() {
  flush_rows();
  io::NetworkCheckpoint ck;
  static_cast<io::CheckpointRoot&>(ck) = checkpoint_root(
      config_, run_id_, step_, elapsed_before_ + MPI_Wtime() - start_time_, plans(), provenance_);
  for (std::size_t a = 0; a < trajectories_.size(); ++a) {
    const NetworkTrajectory& t = *trajectories_[a];
    ck.algorithms.push_back(
        {model::make_network_state(net_, t.spec.kind), t.status, t.rows, results_->snapshot_count(a)});
    model::assign(ck.algorithms.back().state, t.state);
  }
  io::write_network_checkpoint(config_.output.checkpoint_file, comm_, ck, net_.depth,
                               config_.output.checkpoint_keep);
  last_checkpoint_ = MPI_Wtime();
}

bool NetworkSimulation::checkpoint_point(bool due) {
  const auto& out = config_.output;
  int flags = take_signal_flags();
  if (comm_.rank() == 0 && out.checkpoint_seconds > 0 &&
      MPI_Wtime() - last_checkpoint_ >= out.checkpoint_seconds)
    flags |= kCheckpointRequested;
  flags = comm_.allreduce_max(flags);
  if (flags & kStopRequested) {
    checkpoint();
    const std::string said = record_stop(*results_, step_, out.checkpoint_file);
    if (comm_.rank() == 0) std::cout << said << std::endl;
    return false;
  }
  if (due || (flags & kCheckpointRequested)) checkpoint();
  return true;
}

bool NetworkSimulation::all_stopped() const {
  for (const auto& t : trajectories_)
    if (!t->status.stopped) return false;
  return true;
}

void NetworkSimulation::write_traffic() {
  // Per algorithm, as for the paper's model: the plan's model and the floor (model/network_traffic.hpp).
  io::StepTrafficSummary s;
  for (const auto& t : trajectories_)
    add_summary_traffic(
        s, comm_, t->sent, t->steps_sent,
        model::network_step_traffic(net_, t->field.plan(), t->spec.kind, config_.run.integrator),
        model::network_traffic_floor(net_, config_.run.integrator));
  results_->write_traffic(s);
}

bool NetworkSimulation::run() {
  const auto& out = config_.output;
  const long long flush_every = out.flush_every > 0 ? out.flush_every : 64;
  long long since_flush = 0;
  // A stop signal that arrived while the run was starting is acted on now.
  if (!checkpoint_point(false)) return false;
  while (step_ < config_.run.steps && !all_stopped()) {
    const long long next = step_ + 1;
    for (std::size_t a = 0; a < trajectories_.size(); ++a) {
      NetworkTrajectory& t = *trajectories_[a];
      if (t.status.stopped) continue;
      const double t0 = MPI_Wtime();
      const parallel::Traffic before = parallel::traffic();
      t.integrator.step(t.field, t.state, t.spec.lr);
      const parallel::Traffic sent = parallel::traffic() - before;
      t.status.wall_seconds += MPI_Wtime() - t0;
      t.sent.bytes += sent.bytes;
      t.sent.messages += sent.messages;
      ++t.steps_sent;
      if (schedule_.records(next) || next == config_.run.steps) {
        record(t, next);
        ++since_flush;
      }
      if (out.snapshot_every > 0 && next % out.snapshot_every == 0)
        results_->append_snapshot(a, next, t.state);
    }
    step_ = next;
    if (since_flush >= flush_every) {
      flush_rows();
      since_flush = 0;
    }
    if (!checkpoint_point(out.checkpoint_every > 0 && step_ % out.checkpoint_every == 0)) return false;
    if (!quiet_ && comm_.rank() == 0 && out.progress_seconds > 0 &&
        MPI_Wtime() - last_progress_ >= out.progress_seconds) {
      last_progress_ = MPI_Wtime();
      std::cout << "step " << step_ << " / " << config_.run.steps << std::endl;
    }
  }
  return true;
}

void NetworkSimulation::finish() {
  flush_rows();
  for (std::size_t a = 0; a < trajectories_.size(); ++a) {
    NetworkTrajectory& t = *trajectories_[a];
    if (!t.status.stopped) t.status = {true, StopReason::Steps, step_, t.status.wall_seconds};
    results_->write_final(a, t.state, t.status,
                          t.status.stop_reason == StopReason::Steps ? step_ : t.status.stop_step);
  }
  const double elapsed = elapsed_before_ + MPI_Wtime() - start_time_;
  results_->write_summary(elapsed);
  write_traffic();
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
