// The automatic grid (model/grid_choice.hpp): the factorisation of the rank count whose modelled step costs
// least, among those that fit in memory; ties and runs the model does not price keep the near-square shape.
#include "fasim/model/grid_choice.hpp"
#include "fasim/parallel/process_grid.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <string>

using namespace fasim::model;

namespace {
GridCostInputs run(AlgorithmKind kind, double n, double m, double r, Formulation f = Formulation::Products,
                   IntegratorKind integrator = IntegratorKind::Euler) {
  GridCostInputs in;
  in.shape.n = n;
  in.shape.m = m;
  in.shape.r = r;
  in.integrator = integrator;
  GridAlgorithm a;
  a.plan.algorithm = kind;
  a.plan.formulation = f;
  in.algorithms.push_back(a);
  return in;
}

const auto all_fit = [](int, int) { return true; };

/// The least cost among the candidates that fit, by brute force over grid_cost.
double least_cost(int ranks, const GridCostInputs& in, const std::function<bool(int, int)>& fits) {
  double best = std::numeric_limits<double>::infinity();
  for (int p = 1; p <= ranks; ++p)
    if (ranks % p == 0 && fits(p, ranks / p)) best = std::min(best, grid_cost(p, ranks / p, in).seconds);
  return best;
}
} // namespace

TEST_CASE("grid choice: FA needs only r×r sums on one process row, so 1×Q wins over the square grid") {
  const GridCostInputs in = run(AlgorithmKind::FA, 2000, 2000, 16);
  for (int ranks : {4, 16, 64}) {
    const GridChoice c = choose_grid(ranks, in, all_fit);
    INFO(ranks << " ranks: " << c.rows << "x" << c.cols << " " << c.reason);
    CHECK(c.modelled);
    CHECK(c.rows == 1);
    CHECK(c.cols == ranks);
    CHECK(c.chosen.bytes < c.square.bytes / 10); // r×r sums against ZᵀY's r×m/Q over the process column
    CHECK(c.chosen.seconds == doctest::Approx(least_cost(ranks, in, all_fit)));
    const auto [sp, sq] = fasim::parallel::ProcessGrid::choose_shape(ranks);
    CHECK(c.reason.find("on " + std::to_string(sp) + "x" + std::to_string(sq)) != std::string::npos);
    CHECK(c.reason.rfind("automatic: ", 0) == 0);
  }
  // Every algorithm's cost is summed: FA beside GD no longer prefers one process row.
  GridCostInputs both = in;
  GridAlgorithm gd;
  gd.plan.algorithm = AlgorithmKind::GD;
  both.algorithms.push_back(gd);
  const GridChoice c = choose_grid(16, both, all_fit);
  INFO(c.rows << "x" << c.cols << " " << c.reason);
  CHECK(c.rows > 1);
  CHECK(c.chosen.bytes ==
        doctest::Approx(grid_cost(c.rows, c.cols, in).bytes +
                        grid_cost(c.rows, c.cols, run(AlgorithmKind::GD, 2000, 2000, 16)).bytes));
}

TEST_CASE("grid choice: GD sums Y·Bᵀ's n×r over the process row, so the square grid wins") {
  const GridCostInputs in = run(AlgorithmKind::GD, 2000, 2000, 16);
  for (int ranks : {4, 16, 64}) {
    const GridChoice c = choose_grid(ranks, in, all_fit);
    const auto [sp, sq] = fasim::parallel::ProcessGrid::choose_shape(ranks);
    INFO(ranks << " ranks: " << c.rows << "x" << c.cols << " " << c.reason);
    CHECK(c.rows == sp);
    CHECK(c.cols == sq);
    CHECK(grid_cost(1, ranks, in).bytes > 1.4 * c.chosen.bytes); // 387 KB against 260 KB on 4 ranks
    CHECK(grid_cost(1, ranks, in).seconds > c.chosen.seconds);
    CHECK(c.reason.find("near-square") != std::string::npos);
  }
}

TEST_CASE("grid choice: a shape that does not fit in memory is not taken") {
  const GridCostInputs in = run(AlgorithmKind::FA, 2000, 2000, 16);
  const auto no_single_row = [](int rows, int) { return rows > 1; };
  const GridChoice c = choose_grid(16, in, no_single_row);
  CHECK(c.rows > 1);
  CHECK(c.chosen.fits);
  CHECK(c.chosen.seconds == doctest::Approx(least_cost(16, in, no_single_row)));
  CHECK_FALSE(c.candidates.front().fits); // 1×16, the cheapest, is listed as refused
  CHECK(c.candidates.front().seconds < c.chosen.seconds);
  // Nothing fits: the near-square shape, which the run's own memory check then refuses.
  const GridChoice none = choose_grid(16, in, [](int, int) { return false; });
  CHECK(none.rows == 4);
  CHECK(none.cols == 4);
  CHECK(none.reason.find("memory") != std::string::npos);
}

TEST_CASE("grid choice: ties keep the near-square shape, then the shape nearest to square") {
  // Free bytes and messages: every shape costs 0.
  const GridCostWeights free{std::numeric_limits<double>::infinity(), 0.0};
  const GridCostInputs in = run(AlgorithmKind::FA, 2000, 2000, 16);
  const GridChoice c = choose_grid(8, in, all_fit, free);
  CHECK(c.rows == 2);
  CHECK(c.cols == 4);
  // Without 2×4, 4×2 (as near to square) rather than 1×8 or 8×1.
  const GridChoice d = choose_grid(
      8, in, [](int rows, int) { return rows != 2; }, free);
  CHECK(d.rows == 4);
  CHECK(d.cols == 2);
  // One rank, one shape.
  const GridChoice one = choose_grid(1, in, all_fit);
  CHECK(one.rows == 1);
  CHECK(one.cols == 1);
  CHECK(one.chosen.bytes == 0);
}

TEST_CASE("grid choice: a saving below the margin (5 %) keeps the near-square shape") {
  // GD and FA at n = m = 10⁶, r = 50 on 65,536 ranks: 128×512 sends 9.497 MB per rank and step, 256×256
  // 9.498 MB.
  GridCostInputs in = run(AlgorithmKind::GD, 1e6, 1e6, 50);
  GridAlgorithm fa;
  fa.plan.algorithm = AlgorithmKind::FA;
  in.algorithms.push_back(fa);
  const GridChoice c = choose_grid(65536, in, all_fit);
  CHECK(c.rows == 256);
  CHECK(c.cols == 256);
  CHECK(c.reason.find("no other shape 5% less") != std::string::npos);
  GridCostWeights strict;
  strict.margin = 0;
  const GridChoice s = choose_grid(65536, in, all_fit, strict);
  CHECK(s.rows != 256);
  CHECK(s.chosen.seconds < c.chosen.seconds);
  CHECK(s.chosen.seconds > 0.99 * c.chosen.seconds);
}

TEST_CASE("grid choice: a run the model does not price keeps the near-square shape") {
  GridCostInputs network = run(AlgorithmKind::FA, 2000, 2000, 16);
  network.shape.dense = false; // neither dense, factored nor diagonal: a linear network's target
  GridCostInputs pdgemm = run(AlgorithmKind::FA, 2000, 2000, 16);
  pdgemm.algorithms[0].plan.path = fasim::linalg::ProductPath::Pdgemm;
  GridCostInputs sensing = run(AlgorithmKind::FA, 2000, 2000, 16, Formulation::Sensing);
  for (const GridCostInputs& in : {network, pdgemm, sensing}) {
    const GridChoice c = choose_grid(16, in, all_fit);
    CHECK_FALSE(c.modelled);
    CHECK(c.rows == 4);
    CHECK(c.cols == 4);
    CHECK(c.reason.find("does not cover") != std::string::npos);
  }
}

TEST_CASE("grid choice: a factored Y's replicas put its products on every rank of a row: flops decide") {
  // n = m = 10⁷, k = r = 50, block 64 on 4,096 ranks: communication alone would take a flat shape (100 KB on
  // 4×1024 against 118 KB on 64×64), whose every rank forms the r×k products of all of Z's rows it holds.
  GridCostInputs in = run(AlgorithmKind::FA, 1e7, 1e7, 50);
  in.shape.dense = false;
  in.shape.factored = true;
  in.shape.k = 50;
  in.shape.block = 64;
  GridCostWeights wire_only;
  wire_only.flops_per_second = std::numeric_limits<double>::infinity();
  const GridChoice flat = choose_grid(4096, in, all_fit, wire_only);
  const GridChoice c = choose_grid(4096, in, all_fit);
  INFO(flat.rows << "x" << flat.cols << " " << flat.reason << " | " << c.rows << "x" << c.cols << " "
                 << c.reason);
  CHECK(flat.rows < 64);
  CHECK(flat.chosen.bytes < flat.square.bytes);
  CHECK(c.chosen.flops < flat.chosen.flops / 4);
  CHECK(c.chosen.seconds == doctest::Approx(least_cost(4096, in, all_fit)).epsilon(1e-6));
}

TEST_CASE("grid choice: a factored Y is priced by its r×k products") {
  GridCostInputs in = run(AlgorithmKind::GD, 1e6, 1e6, 50);
  in.shape.dense = false;
  in.shape.factored = true;
  in.shape.k = 50;
  const GridChoice c = choose_grid(64, in, all_fit);
  INFO(c.rows << "x" << c.cols << " " << c.reason);
  CHECK(c.modelled);
  CHECK(c.chosen.bytes > 0);
  CHECK(c.chosen.bytes == grid_cost(c.rows, c.cols, in).bytes);
  // No pass over Y: far below the dense Y's bytes on the same shape.
  GridCostInputs dense = run(AlgorithmKind::GD, 1e6, 1e6, 50);
  CHECK(c.chosen.bytes < grid_cost(c.rows, c.cols, dense).bytes / 10);
}

TEST_CASE(
    "grid choice: the weighting is flops at 30 GFLOP/s plus bytes at 10 Gbit/s plus 20 us per message") {
  const GridCostInputs in = run(AlgorithmKind::GD, 300, 200, 8, Formulation::Residual, IntegratorKind::RK4);
  const GridCandidate c = grid_cost(2, 3, in);
  TrafficShape shape = in.shape;
  shape.rows = 2;
  shape.cols = 3;
  const StepTraffic t = step_traffic(shape, in.algorithms[0].plan, IntegratorKind::RK4);
  CHECK(c.bytes == t.bytes);
  CHECK(c.messages == t.messages);
  CHECK(c.wire == doctest::Approx(t.bytes / 1.25e9 + t.messages * 20e-6));
  CHECK(c.flops == step_flops_per_rank(shape, in.algorithms[0].plan, IntegratorKind::RK4));
  CHECK(c.seconds == doctest::Approx(c.flops / 30e9 + c.wire));
  // A dense Y's flops are spread evenly: the same on every shape, so communication alone decides.
  CHECK(grid_cost(1, 6, in).flops == doctest::Approx(c.flops));
}

TEST_CASE("grid choice: short_bytes") {
  CHECK(short_bytes(0) == "0 B");
  CHECK(short_bytes(999) == "999 B");
  CHECK(short_bytes(20480) == "20 KB");
  CHECK(short_bytes(1.7e6) == "1.7 MB");
  CHECK(short_bytes(8e8) == "800 MB");
}
