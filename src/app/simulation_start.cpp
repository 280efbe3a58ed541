// How a run starts: fresh, from a checkpoint, or continuing a complete result in place (docs/lifecycle.md).
#include "resumed_run.hpp"
#include "simulation.hpp"

#include "fasim/lifecycle/lifecycle.hpp"
#include "fasim/model/step_plan.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/error.hpp"

#include <mpi.h>

#include <filesystem>
#include <iostream>
#include <sstream>

namespace fasim::app {

std::string Simulation::grid_text() const {
  return std::to_string(provenance_.mpi_size) + " rank(s), grid " + std::to_string(provenance_.grid_rows) +
         "x" + std::to_string(provenance_.grid_cols) + ", block " + std::to_string(provenance_.block) +
         ", BLAS kernel " + (provenance_.blas_core.empty() ? "unknown" : provenance_.blas_core);
}

void Simulation::begin_clock() {
  start_time_ = MPI_Wtime();
  last_progress_ = last_checkpoint_ = start_time_;
  progress_step_ = step_;
}

void Simulation::start_fresh(const io::RunProvenance& provenance, io::CreateMode mode,
                             const std::string& run_id) {
  provenance_ = provenance;
  run_id_ = run_id;
  const std::string& path = config_.output.file;
  results_.emplace(
      io::ResultsFile::create(path, comm_, mode, config_, provenance, problem_, config_.run.probes, run_id,
                              "run: " + std::to_string(config_.run.steps) + " steps on " + grid_text()));
  announce_plans();
  watch_output(path);
  for (auto& t : trajectories_) record(*t, 0);
  flush_rows();
  if (config_.output.snapshot_every > 0)
    for (std::size_t a = 0; a < trajectories_.size(); ++a)
      results_->append_snapshot(a, 0, trajectories_[a]->state);
  results_->flush();
  begin_clock();
}

void Simulation::adopt(const io::Checkpoint& ck) {
  // The plans the run was computed with: a resumed or continued run stays bitwise identical.
  if (!ck.plans.empty()) {
    std::istringstream words(ck.plans);
    std::string word;
    for (auto& t : trajectories_)
      if (words >> word) t->field.set_plan(model::StepPlan::parse(word));
  }
  step_ = ck.step;
  elapsed_before_ = ck.elapsed_seconds;
  for (std::size_t a = 0; a < trajectories_.size(); ++a) {
    Trajectory& t = *trajectories_[a];
    t.state.z.copy_from(ck.algorithms.at(a).state.z);
    t.state.w.copy_from(ck.algorithms.at(a).state.w);
    if (t.state.has_feedback()) {
      if (!ck.algorithms[a].state.has_feedback())
        throw UsageError(
            std::string("the saved state of ") + model::to_string(t.spec.kind) +
            " has no feedback matrix B: it was written by a fasim without kp; rerun from the start");
      t.state.b.copy_from(ck.algorithms[a].state.b);
    }
    t.status = ck.algorithms[a].status;
    t.rows = ck.algorithms[a].rows;
    t.flushed = 0;
  }
}

void Simulation::start_resumed(const io::RunProvenance& provenance, const io::Checkpoint& ck,
                               const std::string& checkpoint_path) {
  provenance_ = provenance;
  run_id_ = ck.run_id.empty() ? io::new_run_id() : ck.run_id;
  comm_.broadcast(run_id_, 0);
  adopt(ck);
  // The resumed file is built under a fresh name beside the interrupted one and renamed over it only when it
  // holds everything the interrupted one did, so a failure while resuming never destroys what was written.
  const std::string& path = config_.output.file;
  results_.emplace(io::ResultsFile::create(path, comm_, io::CreateMode::Staged, config_, provenance, problem_,
                                           config_.run.probes, run_id_, ""));
  announce_plans();
  std::vector<long long> snapshot_counts;
  for (const auto& alg : ck.algorithms) snapshot_counts.push_back(alg.snapshots);
  results_->set_history(
      take_over_result(comm_, path, checkpoint_path, snapshot_counts, [&](const io::File& old) {
        results_->copy_snapshots_from(old, snapshot_counts, problem_);
      }));
  results_->append_history("resumed at step " + std::to_string(step_) + " from '" + checkpoint_path +
                           "' on " + grid_text() + "; run.steps = " + std::to_string(config_.run.steps));
  flush_rows();
  results_->flush();
  results_->publish();
  watch_output(path);
  begin_clock();
}

void Simulation::start_continued(const io::RunProvenance& provenance, const io::Checkpoint& final_state) {
  provenance_ = provenance;
  run_id_ = final_state.run_id.empty() ? io::new_run_id() : final_state.run_id;
  comm_.broadcast(run_id_, 0);
  adopt(final_state);
  const long long from = step_;
  // A checkpoint of the final state before the file changes: an interruption from now on resumes from here.
  io::Checkpoint ck = final_state;
  static_cast<io::CheckpointRoot&>(ck) =
      checkpoint_root(config_, run_id_, final_state.step, final_state.elapsed_seconds, plans(), provenance_);
  io::write_checkpoint(config_.output.checkpoint_file, comm_, ck, config_.run.probes,
                       config_.output.checkpoint_keep);
  results_.emplace(
      io::ResultsFile::open_to_continue(config_.output.file, comm_, config_, config_.run.probes));
  announce_plans();
  for (auto& t : trajectories_) t->flushed = t->rows.size(); // already in the file
  results_->append_history("continued: from step " + std::to_string(from) +
                           " to run.steps = " + std::to_string(config_.run.steps) + " on " + grid_text());
  results_->flush();
  watch_output(config_.output.file);
  begin_clock();
  last_checkpoint_ = MPI_Wtime();
}

void Simulation::announce_plans() {
  if (comm_.rank() == 0 && !quiet_) std::cout << "plan: " << plans() << std::endl;
  results_->set_plans(plans());
}

std::string Simulation::plans() const {
  std::string text;
  for (const auto& t : trajectories_) {
    if (!text.empty()) text += ' ';
    text += t->field.plan().str();
  }
  return text;
}

} // namespace fasim::app
