// The communication model (model/step_traffic.hpp) against the PMPI counters: the bytes and messages a step
// sends, per rank and step (mean over ranks), are exactly what the model says, on every grid shape, for the
// products and residual formulations; and never below the algebra's floor.
#include "test_support.hpp"

#include "fasim/model/dynamics.hpp"
#include "fasim/model/problem.hpp"
#include "fasim/model/step_traffic.hpp"
#include "fasim/parallel/traffic.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <string>

using namespace fasim;
using namespace fasim::model;

namespace {
// Bit for bit (not ==, which equates -0.0 and +0.0 and never a NaN); the empty pieces of a rank that owns
// none are equal (memcmp of their null data would be undefined: UBSan stopped test_model.np2/np4 here).
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

ProblemSpec spec(int n, int m) {
  ProblemSpec s;
  s.n = n;
  s.m = m;
  s.k = 12;
  s.seed = 3;
  return s;
}
} // namespace

TEST_CASE("bytes and messages per step equal the communication model on every grid") {
  const parallel::Communicator world = parallel::Communicator::world();
  for (auto [rows, cols] : testing::grid_shapes()) {
    auto g = parallel::ProcessGrid::create(world, rows, cols);
    if (!g->active()) continue;
    const auto& gc = g->grid_comm();
    for (int block : {4, 64}) { // r = 6: Z's columns in two blocks, or in one
      Problem p = build_problem(spec(70, 53), FeedbackSpec{}, InitSpec{}, 6, g, block);
      for (auto kind : {AlgorithmKind::FA, AlgorithmKind::FAStar, AlgorithmKind::GD, AlgorithmKind::USF,
                        AlgorithmKind::FRSF, AlgorithmKind::KP}) {
        for (auto formulation : {Formulation::Products, Formulation::Residual}) {
          for (auto integrator : {IntegratorKind::Euler, IntegratorKind::RK4}) {
            AlgorithmSpec a;
            a.kind = kind;
            a.lr = 0.01;
            a.decay = 0.25; // kp: a replica that missed the decay terms would be gathered again, and counted
            StepPlan plan;
            plan.algorithm = kind;
            plan.formulation = formulation;
            if (!plan_unsupported(p, plan).empty()) continue;
            VectorField field(p, a, plan);
            Integrator step(p, integrator, kind);
            State s = initial_state(p, kind);
            for (int i = 0; i < 3; ++i) step.step(field, s, a.lr); // pinned panels, Z's replica (Euler)
            gc.barrier();
            const parallel::Traffic before = parallel::traffic();
            const int steps = 3;
            for (int i = 0; i < steps; ++i) step.step(field, s, a.lr);
            const parallel::Traffic sent = parallel::traffic() - before;
            const double bytes = gc.allreduce_sum(sent.bytes) / gc.size() / steps,
                         messages = gc.allreduce_sum(static_cast<double>(sent.messages)) / gc.size() / steps;
            const StepTraffic model = step_traffic(p, plan, integrator),
                              floor = traffic_floor(p, kind, integrator);
            INFO("grid " << rows << "x" << cols << " block " << block << " plan " << plan.str()
                         << std::string(integrator == IntegratorKind::RK4 ? " rk4" : " euler"));
            REQUIRE(model.modelled);
            if (model.exact) {
              CHECK(bytes == doctest::Approx(model.bytes).epsilon(1e-12));
              CHECK(messages == doctest::Approx(model.messages).epsilon(1e-12));
            } else {
              CHECK(bytes >= model.bytes); // ScaLAPACK's Cholesky comes on top
            }
            CHECK(bytes >= floor.bytes * (1 - 1e-12));
          }
        }
      }
    }
  }
}

TEST_CASE("replicated panels change no bit: Euler steps equal steps that gather Z and W every time") {
  const parallel::Communicator world = parallel::Communicator::world();
  for (auto [rows, cols] : testing::grid_shapes()) {
    if (rows * cols < 2) continue; // Z's rows are replicated when cols > 1, W's columns when rows > 1
    auto g = parallel::ProcessGrid::create(world, rows, cols);
    if (!g->active()) continue;
    for (int block : {4, 64}) {
      Problem p = build_problem(spec(70, 53), FeedbackSpec{}, InitSpec{}, 6, g, block);
      for (auto kind : {AlgorithmKind::FA, AlgorithmKind::FAStar, AlgorithmKind::GD, AlgorithmKind::USF,
                        AlgorithmKind::FRSF, AlgorithmKind::Mixed, AlgorithmKind::KP}) {
        for (auto formulation : {Formulation::Products, Formulation::Residual}) {
          AlgorithmSpec a;
          a.kind = kind;
          a.lr = 0.05;
          a.alpha = 0.3;  // mixed
          a.decay = 0.25; // kp: the decay terms of dW and dB on the replicas too
          StepPlan plan;
          plan.algorithm = kind;
          plan.formulation = formulation;
          VectorField kept(p, a, plan), gathered(p, a, plan);
          Integrator ik(p, IntegratorKind::Euler, kind), ig(p, IntegratorKind::Euler, kind);
          State sk = initial_state(p, kind), sg = initial_state(p, kind);
          for (int i = 0; i < 12; ++i) {
            ik.step(kept, sk, a.lr);
            gathered.set_plan(plan); // drops the replicas: Z and W are gathered at every step
            ig.step(gathered, sg, a.lr);
          }
          INFO("grid " << rows << "x" << cols << " block " << block << " plan " << plan.str());
          const auto zk = sk.z.packed_local(), zg = sg.z.packed_local(), wk = sk.w.packed_local(),
                     wg = sg.w.packed_local();
          CHECK(same_bits(zk, zg));
          CHECK(same_bits(wk, wg));
          if (sk.has_feedback()) { // kp's learned B: replicated beside W
            const auto bk = sk.b.packed_local(), bg = sg.b.packed_local();
            CHECK(same_bits(bk, bg));
          }
        }
      }
    }
  }
}

namespace {
// Bytes per rank of an allreduce of `doubles` numbers over p ranks (traffic.hpp's rule), per rank of a grid
// of `ranks` in which `groups` such groups run side by side.
double allreduce_bytes(int p, double doubles, int groups, int ranks) {
  return 2.0 * (p - 1) * 8 * doubles * groups / ranks;
}
} // namespace

TEST_CASE("ZᵀZ summed over the process column and W·Bᵀ over the process row: bytes per step before → after") {
  // Measured per rank and step, products formulation, n = 70, m = 53, r = 6, block 4. "before": when both
  // r×r products were summed over the whole grid (measured at commit 31e6214); "after": now. The difference
  // is exactly the two allreduces' saving: ZᵀZ over P ranks instead of P·Q (on Q > 1; none with Z's replica
  // on one process row, which needed no message before either), W·Bᵀ over Q instead of P·Q (not for FA* on P
  // > 1, which keeps the grid's sum rather than gather W's columns).
  struct Row {
    int rows, cols;
    AlgorithmKind kind;
    IntegratorKind integrator;
    double before, after;
  };
  using A = AlgorithmKind;
  constexpr auto E = IntegratorKind::Euler, R = IntegratorKind::RK4;
  const Row table[] = {
      {1, 2, A::FA, E, 292, 292},       {1, 2, A::FA, R, 9024, 7872},
      {1, 2, A::FAStar, E, 292, 292},   {1, 2, A::FAStar, R, 9024, 7872},
      {1, 2, A::GD, E, 3652, 3652},     {1, 2, A::GD, R, 22464, 21312},
      {1, 2, A::KP, E, 3652, 3652},     {1, 2, A::KP, R, 22464, 21312},
      {2, 1, A::FA, E, 3124, 2836},     {2, 1, A::FA, R, 17568, 16416},
      {2, 1, A::FAStar, E, 5906, 5906}, {2, 1, A::FAStar, R, 23624, 23624},
      {2, 1, A::GD, E, 3124, 2836},     {2, 1, A::GD, R, 17568, 16416},
      {2, 1, A::KP, E, 3128, 2840},     {2, 1, A::KP, R, 22656, 21504},
      {2, 2, A::FA, E, 2144, 1856},     {2, 2, A::FA, R, 14448, 13296},
      {2, 2, A::FAStar, E, 3815, 3671}, {2, 2, A::FAStar, R, 18604, 18028},
      {2, 2, A::GD, E, 3824, 3536},     {2, 2, A::GD, R, 21168, 20016},
      {2, 2, A::KP, E, 3828, 3540},     {2, 2, A::KP, R, 23712, 22560},
  };
  const parallel::Communicator world = parallel::Communicator::world();
  const int r = 6;
  for (const Row& row : table) {
    if (row.rows * row.cols > world.size()) continue;
    auto g = parallel::ProcessGrid::create(world, row.rows, row.cols);
    if (!g->active()) continue;
    const auto& gc = g->grid_comm();
    Problem p = build_problem(spec(70, 53), FeedbackSpec{}, InitSpec{}, r, g, 4);
    AlgorithmSpec a;
    a.kind = row.kind;
    a.lr = 0.01;
    StepPlan plan;
    plan.algorithm = row.kind;
    VectorField field(p, a, plan);
    Integrator step(p, row.integrator, row.kind);
    State s = initial_state(p, row.kind);
    for (int i = 0; i < 3; ++i) step.step(field, s, a.lr);
    gc.barrier();
    const parallel::Traffic start = parallel::traffic();
    for (int i = 0; i < 3; ++i) step.step(field, s, a.lr);
    const double bytes = gc.allreduce_sum((parallel::traffic() - start).bytes) / gc.size() / 3;
    const int P = row.rows, Q = row.cols, ranks = P * Q;
    const bool euler = row.integrator == E, fastar = row.kind == A::FAStar;
    const double rr = r * r, whole = allreduce_bytes(ranks, rr, 1, ranks);
    double saving = 0;
    if (Q > 1 && !(euler && P == 1)) saving += whole - allreduce_bytes(P, rr, Q, ranks);
    if (!(P > 1 && fastar)) saving += whole - allreduce_bytes(Q, rr, P, ranks);
    saving *= euler ? 1 : 4;
    INFO("grid " << P << "x" << Q << " plan " << plan.str() << std::string(euler ? " euler" : " rk4"));
    if (world.rank() == 0) MESSAGE("bytes per rank per step " << row.before << " -> " << bytes);
    CHECK(bytes == doctest::Approx(row.after).epsilon(1e-12));
    CHECK(row.before - row.after == doctest::Approx(saving).epsilon(1e-12));
    const StepTraffic model = step_traffic(p, plan, row.integrator);
    if (model.exact)
      CHECK(bytes == doctest::Approx(model.bytes).epsilon(1e-12));
    else
      CHECK(bytes >= model.bytes); // FA* on P > 1: ScaLAPACK's Cholesky comes on top
  }
}
