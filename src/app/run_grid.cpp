#include "fasim/app/run_grid.hpp"

#include "fasim/app/run.hpp"
#include "fasim/format/checkpoint.hpp"
#include "fasim/format/hdf5.hpp"
#include "fasim/format/result_state.hpp"
#include "fasim/model/step_plan.hpp"
#include "fasim/model/words.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/process_grid.hpp"
#include "network_simulation.hpp"

#include <limits>
#include <optional>
#include <sstream>
#include <tuple>

namespace fasim::app {

model::GridCostInputs grid_cost_inputs(const io::RunConfig& c) {
  model::GridCostInputs in;
  in.shape.n = c.problem.n;
  in.shape.m = c.problem.m;
  in.shape.r = c.run.r;
  const bool network = c.problem.source == model::Source::LinearNetwork;
  in.shape.dense = c.problem.representation == model::Representation::Dense && !network;
  // A Y read from input.file is dense whatever problem.representation says (docs/config.md).
  in.shape.factored =
      c.problem.representation == model::Representation::Factored && !network && c.input.file.empty();
  in.shape.diagonal =
      c.problem.representation == model::Representation::Diagonal && !network && c.input.file.empty();
  in.shape.k = c.problem.k;
  in.shape.block = c.grid.block;
  in.integrator = c.run.integrator;
  const std::optional<model::PlanMode> mode = io::schema::parse<model::PlanMode>(c.plan);
  std::istringstream fixed(mode ? std::string() : c.plan);
  std::vector<model::StepPlan> given;
  for (std::string word; fixed >> word;) given.push_back(model::StepPlan::parse(word));
  for (const auto& spec : c.run.algorithms) {
    model::GridAlgorithm a;
    a.scale_free = spec.scale_free;
    a.plan.algorithm = spec.kind;
    if (c.products == linalg::ProductPath::Pdgemm) {
      a.plan = model::reference_plan(spec.kind);
    } else if (c.completion.observe == model::Observe::Sensing) {
      a.plan.formulation = model::Formulation::Sensing;
    } else {
      // model::estimate_plan's formulation: the residual one for completion, or when it does fewer flops
      // (on a dense target: the only one the model prices).
      const bool masked = c.completion.observe != model::Observe::Full;
      if (in.shape.dense && (masked || model::evaluation_flops(in.shape.n, in.shape.m, in.shape.r, spec.kind,
                                                               model::Formulation::Residual) <
                                           model::evaluation_flops(in.shape.n, in.shape.m, in.shape.r,
                                                                   spec.kind, model::Formulation::Products)))
        a.plan.formulation = model::Formulation::Residual;
      for (const model::StepPlan& p : given)
        if (p.algorithm == spec.kind) a.plan = p;
    }
    in.algorithms.push_back(a);
  }
  return in;
}

namespace {
std::string shape_text(int rows, int cols) {
  return std::to_string(rows) + "x" + std::to_string(cols);
}

/// The rule of fasim before the model chose (and of files that record no grid): near-square, a network
/// beyond the paper's model ranks×1.
RunGrid rule_of_then(int ranks, bool network) {
  RunGrid g;
  std::tie(g.rows, g.cols) =
      network ? std::pair<int, int>{ranks, 1} : parallel::ProcessGrid::choose_shape(ranks);
  return g;
}
} // namespace

RunGrid choose_run_grid(const io::RunConfig& c, int ranks, bool network, double memory_per_rank) {
  RunGrid g;
  if (c.grid.rows > 0 || c.grid.cols > 0) {
    std::tie(g.rows, g.cols) = parallel::ProcessGrid::choose_shape(ranks, c.grid.rows, c.grid.cols);
    g.reason = "grid.rows = " + std::to_string(c.grid.rows) + ", grid.cols = " + std::to_string(c.grid.cols);
    return g;
  }
  if (network) {
    // Its samples are its rows: on one process column the replicated plan sends only the weights' gradients
    // (the gram plan only the weights) while on 1×Q PDGEMM moves sample-sized panels (BENCHMARKS.md,
    // "Networks in `fasim bench`"). network_traffic's model is not asked: it is exact on one process column
    // only — on other shapes its bytes are estimates of PDGEMM's own algorithm without a message count, which
    // a comparison would weigh against an exact count.
    g = rule_of_then(ranks, true);
    g.reason = "automatic: ranks x 1 for a network (its samples over one process column)";
    return g;
  }
  const model::GridChoice choice = model::choose_grid(ranks, grid_cost_inputs(c), [&](int rows, int cols) {
    return memory_per_rank <= 0 || estimate_bytes_per_rank(c, rows, cols) <= memory_per_rank;
  });
  g.rows = choice.rows;
  g.cols = choice.cols;
  g.reason = choice.reason;
  return g;
}

RunGrid resumed_run_grid(const io::RunConfig& c, int ranks, bool network, double memory_per_rank,
                         int recorded_rows, int recorded_cols, const std::string& file) {
  if (c.grid.rows > 0 || c.grid.cols > 0) return choose_run_grid(c, ranks, network, memory_per_rank);
  if (recorded_rows <= 0 || recorded_cols <= 0) {
    RunGrid g = rule_of_then(ranks, network);
    g.reason = "automatic: " + std::string(network ? "ranks x 1" : "near-square") +
               ", the rule of the fasim that wrote '" + file + "', which records no grid";
    return g;
  }
  const long long need = static_cast<long long>(recorded_rows) * recorded_cols;
  if (need <= ranks) {
    RunGrid g{recorded_rows, recorded_cols, "recorded in '" + file + "'"};
    return g;
  }
  RunGrid g = choose_run_grid(c, ranks, network, memory_per_rank);
  g.moved = true;
  g.reason += "; the grid " + shape_text(recorded_rows, recorded_cols) + " recorded in '" + file +
              "' needs " + std::to_string(need) +
              " ranks (results agree to rounding, not bitwise: docs/determinism.md)";
  return g;
}

RunGrid run_grid(const io::RunConfig& c, const std::string& resume_from, const std::string& continue_from,
                 const parallel::Communicator& comm, int ranks, bool network, double memory_per_rank) {
  RunGrid g;
  parallel::agreed(comm, [&] {
    if (comm.rank() != 0) return;
    int rows = 0, cols = 0;
    try {
      if (!resume_from.empty()) {
        const io::File f = io::File::open(resume_from, parallel::Communicator::borrow(MPI_COMM_SELF), true);
        const io::CheckpointHeader h = io::read_checkpoint_header(f, resume_from);
        rows = h.grid_rows, cols = h.grid_cols;
      } else if (!continue_from.empty()) {
        const io::RunSummary s = io::read_run_summary(continue_from);
        rows = s.grid_rows, cols = s.grid_cols;
      }
    } catch (const std::exception&) {
      // Only the grid is wanted here; the resume's own read of the file comes next and refuses an unreadable
      // or damaged one with its one line, so this choice is never acted on for such a file.
      rows = cols = 0;
    }
    const std::string& file = !resume_from.empty() ? resume_from : continue_from;
    g = file.empty() ? choose_run_grid(c, ranks, network, memory_per_rank)
                     : resumed_run_grid(c, ranks, network, memory_per_rank, rows, cols, file);
  });
  comm.broadcast(&g.rows, sizeof g.rows, 0);
  comm.broadcast(&g.cols, sizeof g.cols, 0);
  comm.broadcast(&g.moved, sizeof g.moved, 0);
  comm.broadcast(g.reason, 0);
  return g;
}

double agreed_memory_per_rank(const parallel::Communicator& comm, double per_rank) {
  const double most = std::numeric_limits<double>::max();
  const double least = comm.allreduce_min(per_rank > 0 ? per_rank : most);
  return least < most ? least : 0.0;
}

} // namespace fasim::app
