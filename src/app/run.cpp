#include "fasim/app/run.hpp"

#include "fasim/app/run_grid.hpp"
#include "fasim/app/signals.hpp"
#include "fasim/config/environment.hpp"
#include "fasim/files/output_lock.hpp"
#include "fasim/files/path_limits.hpp"
#include "fasim/files/publish.hpp"
#include "fasim/files/safe_files.hpp"
#include "fasim/format/checkpoint.hpp"
#include "fasim/format/result_state.hpp"
#include "fasim/format/schema.hpp"
#include "fasim/lifecycle/lifecycle.hpp"
#include "fasim/model/completion.hpp"
#include "fasim/model/sensing.hpp"
#include "fasim/parallel/blas_info.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/error.hpp"
#include "fasim/parallel/storage_faults.hpp"
#include "memory_limits.hpp"
#include "network_simulation.hpp"
#include "run_inputs.hpp"
#include "simulation.hpp"
#include "storage_fault.hpp"
#include "traffic_report.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace fasim::app {

namespace fs = std::filesystem;

double estimate_bytes_per_rank(const io::RunConfig& c, int p, int q) {
  const double n = c.problem.n, m = c.problem.m, r = c.run.r, k = c.problem.k, b = c.grid.block;
  // The most rows (columns) one process holds of a dimension dealt out in whole blocks of b over `procs`
  // processes: a block larger than dimension / procs pads the share up to a whole block.
  const auto local = [b](double size, double procs) {
    return std::min(size, std::ceil(std::ceil(size / b) / procs) * b);
  };
  // Y's share depends on its representation: dense n·m, factored U and V ((n+m)·k), diagonal k (replicated).
  const double y = c.problem.representation == model::Representation::Factored
                       ? local(n, p) * local(k, q) + local(m, p) * local(k, q)
                   : c.problem.representation == model::Representation::Diagonal ? k
                                                                                 : local(n, p) * local(m, q);
  // One Z (n×r) plus one W (r×m); then Y·Cᵀ, C, Z0, W0 and, per algorithm, its state and workspace (Euler:
  // state + increment + ZᵀY = 5 thin matrices; RK4: 4 more increments and a stage state).
  const double thin = local(n, p) * local(r, q) + local(r, p) * local(m, q);
  const double per_alg = c.run.integrator == model::IntegratorKind::RK4 ? 15.0 : 5.0;
  const double algs = static_cast<double>(c.run.algorithms.size());
  // Every rank keeps each algorithm's recorded rows (metrics and probes) for the whole run.
  const double records =
      2.0 + static_cast<double>(c.run.record_points) +
      (c.run.record_every > 0 ? static_cast<double>(c.run.steps / c.run.record_every) : 0.0);
  const bool completion = c.completion.observe != model::Observe::Full; // completion's columns (also sensing)
  const double record_rows = algs * records *
                             (static_cast<double>(model::kScalarMetrics.size()) + c.run.probes +
                              (completion ? static_cast<double>(model::kCompletionMetrics.size()) : 0.0));
  // Completion's mask: one byte per local entry of the dense Y.
  const double mask_bytes = completion ? local(n, p) * local(m, q) : 0.0;
  // Sensing: rank-one A and B (n×M, m×M) and r×M scratch per field (each algorithm's, two of the metrics');
  // gaussian every A_i's local piece and two n×m scratch matrices per field.
  double sensing = 0.0;
  if (c.completion.observe == model::Observe::Sensing) {
    const double count = c.sensing.measurements, fields = algs + 2.0;
    sensing =
        c.sensing.kind == model::SensingKind::Gaussian
            ? local(n, p) * local(m, q) * (count + 2.0 * fields)
            : (local(n, p) + local(m, p)) * local(count, q) + 4.0 * fields * local(r, p) * local(count, q);
  }
  // The feedback rules' r×m matrices: kp's B in its state and each increment (and stage), the formed B of
  // usf, frsf and mixed; the metrics' own terms (a thin pair, a dB and B − W).
  const double rm = local(r, p) * local(m, q);
  double feedback = thin + 2 * rm;
  for (const auto& a : c.run.algorithms)
    feedback += model::learned_feedback(a.kind)
                    ? (c.run.integrator == model::IntegratorKind::RK4 ? 6.0 : 2.0) * rm
                : model::constant_feedback(a.kind) || a.kind == model::AlgorithmKind::GD ? 0.0
                                                                                         : rm;
  // Q > 1: Z's rows kept on every rank of the process row (model/panel_replica.hpp), with dZ's rows and the
  // pass's r columns, per algorithm; Y·Cᵀ's rows once. P > 1: W's columns on every rank of the process column
  // with dW's columns (a rule's B's columns too; kp's B's and dB's; FA*'s solved columns), per algorithm; C's
  // once. RK4 keeps the panels of its stage state and three more increments as well (kp: of B too). Neither
  // under sensing, whose field takes Z and W whole.
  const bool replicas = c.completion.observe != model::Observe::Sensing;
  const double stages = c.run.integrator == model::IntegratorKind::RK4 ? 4.0 : 0.0;
  double z_panels = 1.0, w_panels = 1.0;
  for (const auto& a : c.run.algorithms) {
    z_panels += 3.0 + stages;
    w_panels += 4.0 + stages * (model::learned_feedback(a.kind) ? 2.0 : 1.0);
  }
  const double replica = (q > 1 && replicas ? local(n, p) * r * z_panels : 0.0) +
                         (p > 1 && replicas ? local(m, q) * r * w_panels : 0.0);
  return 8.0 * (y + thin * (3.0 + per_alg * algs) + feedback + record_rows + replica + sensing) + mask_bytes +
         64.0 * 1024 * 1024;
}

namespace {
std::string human_bytes(double b) {
  char buf[32];
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) b /= 1024, ++u;
  std::snprintf(buf, sizeof buf, "%.1f %s", b, units[u]);
  return buf;
}

enum class StartMode { Fresh, Resume, Continue };

// What rank 0 decided before any heavy work: how the result file is created and which run it belongs to.
struct StartPlan {
  io::CreateMode create = io::CreateMode::New;
  std::string run_id;
};

// Before anything is written: the result's and the checkpoint's names leave room for the suffixes fasim
// appends (lock, temporaries, ring generations).
void check_output_names(const io::RunConfig& c) {
  io::check_name_fits(c.output.file, io::result_suffix_bytes(), "output.file");
  io::check_name_fits(c.output.checkpoint_file, io::checkpoint_suffix_bytes(c.output.checkpoint_keep),
                      "output.checkpoint_file");
}

// Rank 0, before any heavy work: refuses what would lose or mix files, makes the directories, takes the
// result's lock (held in `lock` until the run ends) and decides how the result file is created.
StartPlan prepare(const io::RunConfig& c, StartMode mode, const RunRequest& req, io::OutputLock& lock,
                  bool quiet) {
  StartPlan plan;
  check_output_names(c);
  io::check_run_paths(c);
  io::create_parent_directories(c.output.file, "output.file");
  io::create_parent_directories(c.output.checkpoint_file, "output.checkpoint_file");
  const fs::path out(c.output.file);
  const fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
  if (access(dir.c_str(), W_OK) != 0)
    throw UsageError("output directory '" + dir.string() + "' (output.file) is not writable");
  lock = io::OutputLock::acquire(c.output.file);
  // What a run that failed or was killed while writing left behind (its lock went with its process).
  std::vector<std::string> left = io::remove_stale_temporaries(c.output.file);
  for (const auto& name : io::remove_stale_temporaries(c.output.checkpoint_file)) left.push_back(name);
  if (!left.empty() && !quiet) {
    std::string list;
    for (const auto& name : left) list += (list.empty() ? "'" : ", '") + name + "'";
    std::cout << "fasim: removed " << left.size() << " temporary file(s) an earlier run left behind: " << list
              << std::endl;
  }
  switch (mode) {
  case StartMode::Fresh: {
    const io::Assessment a = io::assess(c, true, {}, io::Asking::FreshStart);
    // The lifecycle's decision for a run from step 0 (docs/lifecycle.md): run (replacing an existing
    // result), restart, or refuse with its reason.
    if (a.action == io::Action::Refuse) throw UsageError(a.reason);
    FASIM_REQUIRE(a.action == io::Action::Run || a.action == io::Action::Restart,
                  "a fresh start decided neither run, restart nor refuse");
    if (a.action == io::Action::Restart && !quiet) std::cout << "fasim: " << a.reason << std::endl;
    plan.create = a.state == io::ResultState::Absent ? io::CreateMode::New : io::CreateMode::Replace;
    if (plan.create == io::CreateMode::Replace)
      io::purge_checkpoint_ring(c); // it belongs to the result being replaced
    plan.run_id = io::new_run_id();
    break;
  }
  case StartMode::Resume: {
    io::require_own_regular_file(req.resume_from, "checkpoint");
    // The named checkpoint's own decision (docs/lifecycle.md): never a shorter run over a complete result,
    // never beyond run.steps, never into another run's result. Continue (the result completed meanwhile)
    // resumes too: the longer run replaces it.
    const io::Assessment named = io::assess(c, true, req.resume_from);
    if (named.action == io::Action::Refuse) throw UsageError(named.reason);
    break;
  }
  case StartMode::Continue: {
    io::require_own_regular_file(c.output.file, "result file");
    // The named result's decision, again under the lock: only `continue` is carried out in place.
    const io::Assessment named = io::assess(c, true, {}, io::Asking::NamedResult);
    if (named.action != io::Action::Continue) throw UsageError(named.reason);
    break;
  }
  }
  return plan;
}
} // namespace

int run_experiment(const RunRequest& req, const parallel::Communicator& comm) {
  const io::RunConfig& c = req.config;
  const StartMode mode = !req.resume_from.empty()     ? StartMode::Resume
                         : !req.continue_from.empty() ? StartMode::Continue
                                                      : StartMode::Fresh;
  // A network beyond the paper's model runs on its own path (network_simulation.hpp); the paper's model
  // given as a network (depth 2, identity, no X) runs as `synthetic` does, bitwise.
  int network = 0;
  parallel::agreed(comm, [&] {
    if (comm.rank() == 0) network = runs_as_network(c);
  });
  comm.broadcast(&network, sizeof network, 0);
  // The grid is made on the ranks it uses: ranks beyond P×Q (if any) wait at the final agreement, and every
  // file of the run is opened on the grid's own communicator.
  const MemoryBudget budget = memory_budget(comm);
  const double have = budget.per_rank;
  // A dry run may choose the automatic grid for another rank count (FASIM_PROJECT_RANKS, docs/cluster.md).
  io::ProjectionSettings projection;
  if (req.dry_run) parallel::agreed(comm, [&] { projection = io::projection_settings_from_environment(); });
  const int ranks = projection.ranks > 0 ? projection.ranks : comm.size();
  // The grid (run_grid.hpp): given, recorded in the file a resume continues, or chosen by the communication
  // model among the shapes that fit in every rank's memory.
  const RunGrid grid_choice = run_grid(c, req.resume_from, req.continue_from, comm, ranks, network != 0,
                                       agreed_memory_per_rank(comm, have));
  const int p = grid_choice.rows, q = grid_choice.cols;
  if (!req.dry_run && !req.quiet && comm.rank() == 0 && grid_choice.moved)
    std::cout << "fasim: grid " << p << "x" << q << " (" << grid_choice.reason << ")" << std::endl;
  parallel::agreed(comm, [&] {
    if (static_cast<long long>(p) * q > comm.size() && !req.dry_run) // a dry run may project a larger grid
      throw UsageError("process grid " + std::to_string(p) + "x" + std::to_string(q) +
                       " (grid.rows x grid.cols) " + "needs " + std::to_string(p * q) + " ranks but " +
                       std::to_string(comm.size()) +
                       " were started: lower grid.rows/grid.cols or start more ranks");
  });
  const double need = network ? estimate_network_bytes_per_rank(c, p, q) : estimate_bytes_per_rank(c, p, q);
  // Where `have` comes from, for the dry run and the refusal.
  const std::string source =
      budget.cgroup > 0 && (budget.node == 0 || budget.cgroup < budget.node)
          ? "the memory limit " + human_bytes(budget.cgroup) + " of cgroup " + budget.cgroup_path +
                " (the node has " + human_bytes(budget.node) + " available)"
          : "the node's available memory " + human_bytes(budget.node) +
                (budget.cgroup > 0
                     ? ", below the limit " + human_bytes(budget.cgroup) + " of cgroup " + budget.cgroup_path
                     : std::string());
  const std::string shared = budget.ranks_on_node > 1
                                 ? " shared by the " + std::to_string(budget.ranks_on_node) + " ranks on it"
                                 : std::string();
  if (req.dry_run) {
    const std::string traffic =
        network ? network_dry_run_projection(c, p, q) : traffic_projection(c, p, q, comm);
    std::string state;
    parallel::agreed(comm, [&] {
      if (comm.rank() != 0) return;
      check_output_names(c);
      const io::Assessment a = io::assess(c);
      state = std::string(io::to_string(a.state)) + "; slurm/run.sbatch would: " + io::to_string(a.action) +
              " (" + a.reason + ")";
    });
    if (comm.rank() == 0)
      std::cout << c.resolved_ini << "\n# process grid " << p << "x" << q << " on " << ranks << " ranks"
                << (ranks != comm.size()
                        ? " (FASIM_PROJECT_RANKS; " + std::to_string(comm.size()) + " started)"
                        : std::string())
                << ", block " << c.grid.block << " (" << grid_choice.reason << ")"
                << (static_cast<long long>(p) * q > comm.size()
                        ? " (a projection: running it needs " +
                              std::to_string(static_cast<long long>(p) * q) + " ranks)"
                        : std::string())
                << "\n# memory per rank: " << human_bytes(need)
                << " (available per rank: " << human_bytes(have) << ", " << source << shared << ")\n"
                << traffic << "# result file: " << state << "\n";
    return parallel::kExitSuccess;
  }
  parallel::agreed(comm, [&] {
    if (have > 0 && need > have)
      throw UsageError("the run needs about " + human_bytes(need) + " per rank but only " +
                       human_bytes(have) + " is available per rank (" + source + shared +
                       "): use more ranks or nodes, more memory (Slurm's --mem), or a smaller problem");
  });
  io::OutputLock lock; // rank 0 holds the result's lock until this function returns
  StartPlan plan;
  parallel::agreed(comm, [&] {
    if (comm.rank() == 0) plan = prepare(c, mode, req, lock, req.quiet);
  });
  int create = static_cast<int>(plan.create);
  comm.broadcast(&create, sizeof create, 0);
  plan.create = static_cast<io::CreateMode>(create);
  comm.broadcast(plan.run_id, 0);
  // A continuation changes the complete result in place: a copy beside it is put back if it fails.
  std::string kept;
  parallel::agreed(comm, [&] {
    if (comm.rank() == 0 && mode == StartMode::Continue) kept = io::copy_aside(c.output.file);
  });
  const parallel::Communicator active = comm.split(comm.rank() < p * q ? 0 : MPI_UNDEFINED, comm.rank());
  install_signal_handlers();
  int code = parallel::kExitSuccess;
  bool result_is_ours = false; // rank 0: the file at output.file is this run's (mark it failed on failure)
  std::exception_ptr failure;
  if (!active.is_null()) {
    try {
      const auto grid = parallel::ProcessGrid::create(active, p, q);
      const parallel::Communicator& gc = active;
      auto blas = parallel::query_blas();
      char host[256] = {0};
      gethostname(host, sizeof host - 1);
      std::string host_name = host;
      gc.broadcast(host_name, 0); // attribute values must be the same on every rank: rank 0's
      gc.broadcast(blas.library, 0);
      gc.broadcast(blas.core, 0);
      io::RunProvenance prov{comm.size(),  grid->rows(), grid->cols(), c.grid.block,
                             blas.library, blas.core,    host_name,    blas.threads};
      if (network) {
        model::NetworkInputs inputs;
        parallel::agreed(gc, [&] { inputs = read_network_inputs(c, grid, req.quiet); });
        const model::Network net = model::build_network(c.network, c.problem, c.feedback, c.init, c.run.r,
                                                        grid, c.grid.block, std::move(inputs));
        {
          NetworkSimulation sim(c, net, gc, req.quiet);
          if (mode == StartMode::Resume)
            sim.start_resumed(prov, io::read_network_checkpoint(req.resume_from, gc, net, c.run.algorithms),
                              req.resume_from);
          else if (mode == StartMode::Continue)
            sim.start_continued(
                prov, io::read_network_result_as_checkpoint(c.output.file, gc, net, c.run.algorithms));
          else
            sim.start_fresh(prov, plan.create, plan.run_id);
          result_is_ours = true;
          if (sim.run())
            sim.finish();
          else
            code = parallel::kExitCheckpointed;
        } // the result file is closed; what its close could not write is agreed on
        io::agree_on_write(0, 0, "H5Fclose", {c.output.file, "/"}, gc);
      } else {
        model::ProblemInputs inputs;
        parallel::agreed(gc, [&] { inputs = read_inputs(c, grid, req.quiet); });
        std::optional<parallel::DistMatrix> given_mask = std::move(inputs.mask);
        std::optional<parallel::DistMatrix> given_a = std::move(inputs.sensing_a),
                                            given_b = std::move(inputs.sensing_b);
        model::ProblemSpec spec = c.problem;
        if (spec.source == model::Source::Network)
          spec.source = model::Source::Synthetic; // the paper's model
        model::Problem problem =
            model::build_problem(spec, c.feedback, c.init, c.run.r, grid, c.grid.block, std::move(inputs));
        model::observe_entries(problem, c.completion, std::move(given_mask));
        if (c.completion.observe == model::Observe::Sensing)
          model::observe_measurements(problem, c.sensing, std::move(given_a), std::move(given_b));
        model::compute_reference_errors(problem);
        std::vector<io::AlgorithmSummary> written;
        {
          Simulation sim(c, problem, gc, req.quiet);
          switch (mode) {
          case StartMode::Fresh:
            sim.start_fresh(prov, plan.create, plan.run_id);
            break;
          case StartMode::Resume:
            sim.start_resumed(prov,
                              io::read_checkpoint(req.resume_from, gc, grid, c.grid.block, c.problem.n,
                                                  c.problem.m, c.run.r, c.run.probes),
                              req.resume_from);
            break;
          case StartMode::Continue:
            sim.start_continued(prov, io::read_result_as_checkpoint(c.output.file, c, gc, grid));
            break;
          }
          result_is_ours = true;
          if (sim.run()) {
            sim.finish();
            written = sim.written();
          } else {
            code = parallel::kExitCheckpointed;
          }
        } // the result file is closed; what its close could not write is agreed on
        io::agree_on_write(0, 0, "H5Fclose", {c.output.file, "/"}, gc);
        // "complete" is said only of a file that reads back as written.
        if (!written.empty())
          parallel::agreed(gc, [&] {
            if (gc.rank() == 0) verify_result_reads_back(c, written, plan.run_id);
          });
      }
    } catch (...) {
      failure = std::current_exception();
    }
  }
  // Inactive ranks wait here; a failure inside the grid reaches them through this agreement.
  try {
    parallel::agree(comm, failure);
  } catch (const CollectiveError& e) {
    // Every rank has closed the result file, or (after a storage fault) abandoned it: then nothing more is
    // written to it, and the message says what to do next. Say in it that this run failed, and tidy the
    // temporaries.
    const bool storage = comm.allreduce_max(io::storage_failed() ? 1 : 0) != 0;
    std::string message = e.what();
    if (comm.rank() == 0) {
      if (!kept.empty() && io::restore_copy(kept, c.output.file)) {
        message += "; result file '" + c.output.file +
                   "' is as it was before this continuation (complete): continue it again once that is fixed";
      } else {
        if (result_is_ours && !io::open_files_abandoned()) io::mark_failed(c.output.file, e.what());
        if (storage) message += next_step_after_storage_fault(c, plan.run_id);
      }
      io::remove_stale_temporaries(c.output.file);
      io::remove_stale_temporaries(c.output.checkpoint_file);
    }
    (void)parallel::take_storage_fault(); // what marking it failed could not write is no news
    throw CollectiveError(e.failed_rank(), message, e.exit_code());
  }
  if (comm.rank() == 0 && !kept.empty()) ::unlink(kept.c_str());
  return comm.allreduce_max(code);
}

} // namespace fasim::app
