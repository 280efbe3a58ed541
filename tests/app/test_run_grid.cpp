// The grid of a run (app/run_grid.hpp) from its configuration: grid.rows/grid.cols given win, a network takes
// ranks×1, the paper's model the communication model's choice among the shapes that fit in memory, and a
// resume keeps the grid its file records.
#include "fasim/app/run.hpp"
#include "fasim/app/run_grid.hpp"
#include "fasim/config/config.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace fasim;

namespace {
io::RunConfig config(const std::string& algorithms, const std::vector<std::string>& overrides = {}) {
  const std::string ini =
      "[problem]\nn = 2000\nm = 2000\nk = 20\n[model]\nr = 16\n[run]\nalgorithms = " + algorithms +
      "\nsteps = 10\n";
  return io::parse_config_text(ini, overrides, "test");
}
} // namespace

TEST_CASE("run grid: the configuration's algorithms and plans are what the model prices") {
  const model::GridCostInputs fa = app::grid_cost_inputs(config("fa,gd"));
  REQUIRE(fa.algorithms.size() == 2);
  CHECK(fa.shape.dense);
  CHECK(fa.shape.n == 2000);
  CHECK(fa.shape.r == 16);
  CHECK(fa.algorithms[0].plan.algorithm == model::AlgorithmKind::FA);
  CHECK(fa.algorithms[0].plan.formulation == model::Formulation::Products); // r << n: fewer flops
  CHECK(fa.algorithms[1].plan.algorithm == model::AlgorithmKind::GD);
  // A fixed plan of system.plan, system.products = pdgemm, a factored Y, sensing.
  const auto fixed = app::grid_cost_inputs(config("fa,gd", {"--system.plan=fa:residual"}));
  CHECK(fixed.algorithms[0].plan.formulation == model::Formulation::Residual);
  CHECK(fixed.algorithms[1].plan.formulation == model::Formulation::Products);
  const auto pdgemm = app::grid_cost_inputs(config("fa", {"--system.products=pdgemm"}));
  CHECK(pdgemm.algorithms[0].plan.path == linalg::ProductPath::Pdgemm);
  const auto factored = app::grid_cost_inputs(config("fa", {"--problem.representation=factored"}));
  CHECK_FALSE(factored.shape.dense);
  CHECK(factored.shape.factored);
  CHECK(factored.shape.k == 20);
  CHECK(app::grid_cost_inputs(config("fa", {"--problem.representation=diagonal"})).shape.diagonal);
  // r close to n: the residual formulation does fewer flops (model::estimate_plan's rule).
  const auto near_n =
      app::grid_cost_inputs(config("fa", {"--problem.n=100", "--problem.m=100", "--model.r=99"}));
  CHECK(near_n.algorithms[0].plan.formulation == model::Formulation::Residual);
}

TEST_CASE("run grid: given, automatic, a network, and the memory limit") {
  // FA alone on 4 ranks: one process row.
  const app::RunGrid fa = app::choose_run_grid(config("fa"), 4, false, 0);
  CHECK(fa.rows == 1);
  CHECK(fa.cols == 4);
  CHECK(fa.reason.find("on 2x2") != std::string::npos);
  // grid.rows or grid.cols given win.
  const app::RunGrid given = app::choose_run_grid(config("fa", {"--grid.rows=2"}), 4, false, 0);
  CHECK(given.rows == 2);
  CHECK(given.cols == 2);
  CHECK(given.reason.find("grid.rows = 2") != std::string::npos);
  // A network: ranks×1.
  const app::RunGrid net = app::choose_run_grid(config("fa"), 4, true, 0);
  CHECK(net.rows == 4);
  CHECK(net.cols == 1);
  // A memory limit between 2×2's estimate and 1×4's (1×4 keeps Z's rows whole on every rank): 1×4 is not
  // taken.
  const io::RunConfig c = config("fa");
  const double row = app::estimate_bytes_per_rank(c, 1, 4), square = app::estimate_bytes_per_rank(c, 2, 2);
  REQUIRE(row > square);
  const app::RunGrid tight = app::choose_run_grid(c, 4, false, (row + square) / 2);
  CHECK_FALSE((tight.rows == 1 && tight.cols == 4));
  CHECK(app::estimate_bytes_per_rank(c, tight.rows, tight.cols) <= (row + square) / 2);
}

TEST_CASE("run grid: a resume keeps the grid its file records while the ranks hold it") {
  const io::RunConfig c = config("fa");
  const app::RunGrid kept = app::resumed_run_grid(c, 4, false, 0, 2, 2, "ck.h5");
  CHECK(kept.rows == 2);
  CHECK(kept.cols == 2);
  CHECK_FALSE(kept.moved);
  CHECK(kept.reason.find("recorded in 'ck.h5'") != std::string::npos);
  // More ranks than the record: the record (the others idle), not the choice for 8 ranks.
  const app::RunGrid more = app::resumed_run_grid(c, 8, false, 0, 2, 2, "ck.h5");
  CHECK(more.rows == 2);
  CHECK(more.cols == 2);
  // Fewer: chosen anew, and said.
  const app::RunGrid fewer = app::resumed_run_grid(c, 2, false, 0, 2, 2, "ck.h5");
  CHECK(fewer.rows * fewer.cols == 2);
  CHECK(fewer.moved);
  CHECK(fewer.reason.find("the grid 2x2 recorded in 'ck.h5' needs 4 ranks") != std::string::npos);
  // No record (a checkpoint before format 6): the near-square rule of the fasim that wrote it, not 1×4.
  const app::RunGrid old = app::resumed_run_grid(c, 4, false, 0, 0, 0, "old.h5");
  CHECK(old.rows == 2);
  CHECK(old.cols == 2);
  // Given grid.rows/grid.cols win over the record.
  const app::RunGrid given =
      app::resumed_run_grid(config("fa", {"--grid.cols=4"}), 4, false, 0, 2, 2, "ck.h5");
  CHECK(given.rows == 1);
  CHECK(given.cols == 4);
}
