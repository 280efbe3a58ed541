// The communication model (model/step_traffic.hpp) against the PMPI counters: the bytes and messages a step
// sends, per rank and step (mean over ranks), are exactly what the model says, on every grid shape, for the
// products and residual formulations; and never below the algebra's floor.
#include "step_traffic_support.hpp"
#include "test_support.hpp"

#include "fasim/model/dynamics.hpp"
#include "fasim/model/problem.hpp"
#include "fasim/model/step_traffic.hpp"
#include "fasim/parallel/traffic.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

using namespace fasim;
using namespace fasim::model;
using testing::kinds_and_scale_free;
using testing::spec;

namespace {
// Bit for bit (not ==, which equates -0.0 and +0.0 and never a NaN); the empty pieces of a rank that owns
// none are equal (memcmp of their null data would be undefined: UBSan stopped test_model.np2/np4 here).
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
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
      for (auto [kind, scale_free] : kinds_and_scale_free()) {
        if (kind == AlgorithmKind::Mixed) continue;
        for (auto formulation : {Formulation::Products, Formulation::Residual}) {
          for (auto integrator : {IntegratorKind::Euler, IntegratorKind::RK4}) {
            AlgorithmSpec a;
            a.kind = kind;
            a.lr = 0.01;
            a.scale_free = scale_free;
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
            const StepTraffic model = step_traffic(p, plan, integrator, scale_free),
                              floor = traffic_floor(p, kind, integrator);
            INFO("grid " << rows << "x" << cols << " block " << block << " plan " << plan.str()
                         << std::string(scale_free ? " scale-free" : "")
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

namespace {
// The field without the integrator's updates on the replicas (VectorField::added/assigned): every
// evaluation gathers Z's rows and W's columns.
struct Gathering {
  VectorField& field;
  double evaluate(State& s, State& d) { return field.evaluate(s, d); }
};
} // namespace

TEST_CASE("replicated panels change no bit: Euler and RK4 steps equal steps that gather Z and W every time") {
  const parallel::Communicator world = parallel::Communicator::world();
  for (auto [rows, cols] : testing::grid_shapes()) {
    if (rows * cols < 2) continue; // Z's rows are replicated when cols > 1, W's columns when rows > 1
    auto g = parallel::ProcessGrid::create(world, rows, cols);
    if (!g->active()) continue;
    for (auto [block, representation] : {std::pair{4, Representation::Dense},
                                         {64, Representation::Dense},
                                         {4, Representation::Factored},
                                         {64, Representation::Factored}}) {
      Problem p = build_problem(spec(70, 53, representation), FeedbackSpec{}, InitSpec{}, 6, g, block);
      for (auto [kind, scale_free] : kinds_and_scale_free()) {
        for (auto formulation : {Formulation::Products, Formulation::Residual}) {
          if (representation == Representation::Factored && formulation == Formulation::Residual) continue;
          AlgorithmSpec a;
          a.kind = kind;
          a.scale_free = scale_free; // FA*: dZ and its replicated rows rescaled alike
          a.lr = 0.05;
          a.alpha = 0.3;  // mixed
          a.decay = 0.25; // kp: the decay terms of dW and dB on the replicas too
          StepPlan plan;
          plan.algorithm = kind;
          plan.formulation = formulation;
          for (auto integrator : {IntegratorKind::Euler, IntegratorKind::RK4}) {
            VectorField kept(p, a, plan), plain(p, a, plan);
            Gathering gathered{plain};
            Integrator ik(p, integrator, kind), ig(p, integrator, kind);
            State sk = initial_state(p, kind), sg = initial_state(p, kind);
            // RK4: from the second step on every evaluation uses the replicas (four per step).
            for (int i = 0, steps = integrator == IntegratorKind::RK4 ? 4 : 12; i < steps; ++i) {
              ik.step(kept, sk, a.lr);
              ig.step(gathered, sg, a.lr);
            }
            INFO("grid " << rows << "x" << cols << " block " << block << " plan " << plan.str()
                         << std::string(integrator == IntegratorKind::RK4 ? " rk4" : " euler")
                         << std::string(scale_free ? " scale-free" : "")
                         << std::string(representation == Representation::Factored ? " factored" : " dense"));
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
}

TEST_CASE("a resumed trajectory is bitwise the uninterrupted one (Euler and RK4, replicas kept)") {
  // A resume starts a new field and integrator from the stored state: no replica, the first evaluations
  // gather; the steps must not notice.
  const parallel::Communicator world = parallel::Communicator::world();
  for (auto [rows, cols] : testing::grid_shapes()) {
    auto g = parallel::ProcessGrid::create(world, rows, cols);
    if (!g->active()) continue;
    Problem p = build_problem(spec(70, 53), FeedbackSpec{}, InitSpec{}, 6, g, 4);
    for (auto kind : {AlgorithmKind::FA, AlgorithmKind::FAStar, AlgorithmKind::GD, AlgorithmKind::KP}) {
      for (auto integrator : {IntegratorKind::Euler, IntegratorKind::RK4}) {
        AlgorithmSpec a;
        a.kind = kind;
        a.lr = 0.05;
        a.decay = 0.25;
        StepPlan plan;
        plan.algorithm = kind;
        VectorField whole(p, a, plan);
        Integrator iw(p, integrator, kind);
        State sw = initial_state(p, kind), first = initial_state(p, kind);
        for (int i = 0; i < 10; ++i) iw.step(whole, sw, a.lr);
        {
          VectorField f(p, a, plan);
          Integrator i1(p, integrator, kind);
          for (int i = 0; i < 4; ++i) i1.step(f, first, a.lr);
        }
        State resumed = initial_state(p, kind);
        assign(resumed, first);
        VectorField f2(p, a, plan);
        Integrator i2(p, integrator, kind);
        for (int i = 0; i < 6; ++i) i2.step(f2, resumed, a.lr);
        INFO("grid " << rows << "x" << cols << " plan " << plan.str()
                     << (integrator == IntegratorKind::RK4 ? " rk4" : " euler"));
        CHECK(same_bits(sw.z.packed_local(), resumed.z.packed_local()));
        CHECK(same_bits(sw.w.packed_local(), resumed.w.packed_local()));
        if (sw.has_feedback()) CHECK(same_bits(sw.b.packed_local(), resumed.b.packed_local()));
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

TEST_CASE("bytes per step before → after: ZᵀZ and W·Bᵀ summed where they must be, replicas under RK4, FA*'s "
          "W solved by columns") {
  // Measured per rank and step, products formulation, n = 70, m = 53, r = 6, block 4, three columns:
  // "before": when both r×r products were summed over the whole grid (measured at commit 31e6214);
  // "after": ZᵀZ summed over the process column, W·Bᵀ over the process row (411f554): the difference is
  // exactly the two allreduces' saving — ZᵀZ over P ranks instead of P·Q (on Q > 1; none with Z's replica on
  // one process row, which needed no message before either), W·Bᵀ over Q instead of P·Q (not for FA* on P >
  // 1, which then kept the grid's sum);
  // "now": RK4 keeps Z's rows and W's columns replicated as Euler does (four evaluations, each as an Euler
  // step's: no gather of Z along the process row, nor of W (and kp's B) along the process column, one int
  // per replica and evaluation to check it), and FA* on P > 1 solves for all r rows of each rank's columns of
  // W itself (no ScaLAPACK Cholesky, whose messages the library chooses; W·Cᵀ over the process row): FA*
  // then sends its floor plus Z's replica check, exactly.
  struct Row {
    int rows, cols;
    AlgorithmKind kind;
    IntegratorKind integrator;
    double before, after, now;
  };
  using A = AlgorithmKind;
  constexpr auto E = IntegratorKind::Euler, R = IntegratorKind::RK4;
  const Row table[] = {
      {1, 2, A::FA, E, 292, 292, 292},        {1, 2, A::FA, R, 9024, 7872, 1168},
      {1, 2, A::FAStar, E, 292, 292, 292},    {1, 2, A::FAStar, R, 9024, 7872, 1168},
      {1, 2, A::GD, E, 3652, 3652, 3652},     {1, 2, A::GD, R, 22464, 21312, 14608},
      {1, 2, A::KP, E, 3652, 3652, 3652},     {1, 2, A::KP, R, 22464, 21312, 14608},
      {2, 1, A::FA, E, 3124, 2836, 2836},     {2, 1, A::FA, R, 17568, 16416, 11344},
      {2, 1, A::FAStar, E, 5906, 5906, 2832}, {2, 1, A::FAStar, R, 23624, 23624, 11328},
      {2, 1, A::GD, E, 3124, 2836, 2836},     {2, 1, A::GD, R, 17568, 16416, 11344},
      {2, 1, A::KP, E, 3128, 2840, 2840},     {2, 1, A::KP, R, 22656, 21504, 11360},
      {2, 2, A::FA, E, 2144, 1856, 1856},     {2, 2, A::FA, R, 14448, 13296, 7424},
      {2, 2, A::FAStar, E, 3815, 3671, 1852}, {2, 2, A::FAStar, R, 18604, 18028, 7408},
      {2, 2, A::GD, E, 3824, 3536, 3536},     {2, 2, A::GD, R, 21168, 20016, 14144},
      {2, 2, A::KP, E, 3828, 3540, 3540},     {2, 2, A::KP, R, 23712, 22560, 14160},
  };
  const parallel::Communicator world = parallel::Communicator::world();
  const int r = 6, n = 70, m = 53;
  for (const Row& row : table) {
    if (row.rows * row.cols > world.size()) continue;
    auto g = parallel::ProcessGrid::create(world, row.rows, row.cols);
    if (!g->active()) continue;
    const auto& gc = g->grid_comm();
    Problem p = build_problem(spec(n, m), FeedbackSpec{}, InitSpec{}, r, g, 4);
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
    const double evaluations = euler ? 1 : 4;
    const double rr = r * r, whole = allreduce_bytes(ranks, rr, 1, ranks);
    double saving = 0;
    if (Q > 1 && !(euler && P == 1)) saving += whole - allreduce_bytes(P, rr, Q, ranks);
    if (!(P > 1 && fastar)) saving += whole - allreduce_bytes(Q, rr, P, ranks);
    saving *= evaluations;
    // One int over each process row (Z's replica, Q > 1) or process column (W's, and kp's B's, P > 1).
    const double z_check = Q > 1 ? 2.0 * (Q - 1) * 4 * P / ranks : 0.0,
                 w_check = P > 1 ? 2.0 * (P - 1) * 4 * Q / ranks : 0.0;
    INFO("grid " << P << "x" << Q << " plan " << plan.str() << std::string(euler ? " euler" : " rk4"));
    if (world.rank() == 0)
      MESSAGE("bytes per rank per step " << row.before << " -> " << row.after << " -> " << bytes);
    CHECK(bytes == doctest::Approx(row.now).epsilon(1e-12));
    CHECK(row.before - row.after == doctest::Approx(saving).epsilon(1e-12));
    if (fastar && P > 1) { // the floor (products: ZᵀZ, ZᵀY over the column, W·Cᵀ over the row) + Z's check
      const double floor =
          allreduce_bytes(Q, rr, P, ranks) + allreduce_bytes(P, rr + r * m / double(Q), Q, ranks);
      CHECK(row.now == doctest::Approx(evaluations * (floor + z_check)).epsilon(1e-12));
      CHECK(row.now ==
            doctest::Approx(traffic_floor(p, row.kind, row.integrator).bytes + evaluations * z_check)
                .epsilon(1e-12));
    } else { // RK4: each evaluation saves the gathers of Z (Q > 1) and W (and B: kp) (P > 1), less the checks
      const double gathers =
          (Q > 1 ? (Q - 1) * 8.0 * n * r / ranks - z_check : 0.0) +
          (P > 1 ? ((row.kind == A::KP ? 2 : 1) * ((P - 1) * 8.0 * r * m / ranks - w_check)) : 0.0);
      CHECK(row.after - row.now == doctest::Approx(euler ? 0.0 : 4 * gathers).epsilon(1e-12));
    }
    const StepTraffic model = step_traffic(p, plan, row.integrator);
    REQUIRE(model.exact);
    CHECK(bytes == doctest::Approx(model.bytes).epsilon(1e-12));
  }
}
