#pragma once
// What the communication tests share (tests/model/test_step_traffic.cpp, test_target_traffic.cpp): the
// problem, the algorithms and a step's counted traffic.
#include "fasim/model/dynamics.hpp"
#include "fasim/model/problem.hpp"
#include "fasim/model/step_traffic.hpp"
#include "fasim/parallel/traffic.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <utility>
#include <vector>

namespace fasim::testing {

using model::AlgorithmKind;
using model::Integrator;
using model::ProblemSpec;
using model::Representation;
using model::State;
using model::VectorField;

inline ProblemSpec spec(int n, int m, Representation representation = Representation::Dense) {
  ProblemSpec s;
  s.n = n;
  s.m = m;
  s.k = 12;
  s.seed = 3;
  s.representation = representation;
  return s;
}

/// Every algorithm, and FA* also in its scale-free variant (dZ rescaled by ‖Z‖_F, Appendix A).
inline std::vector<std::pair<AlgorithmKind, bool>> kinds_and_scale_free() {
  using A = AlgorithmKind;
  return {{A::FA, false},  {A::FAStar, false}, {A::FAStar, true}, {A::GD, false},
          {A::USF, false}, {A::FRSF, false},   {A::Mixed, false}, {A::KP, false}};
}

/// Per rank per step over `steps` steps after three (the pinned panels, the replicas): the mean over the
/// grid's ranks of the PMPI counters. Collective over the grid.
struct Measured {
  double bytes, messages;
};
inline Measured measure_steps(const parallel::ProcessGrid& g, VectorField& field, Integrator& step, State& s,
                              double lr) {
  const auto& gc = g.grid_comm();
  for (int i = 0; i < 3; ++i) step.step(field, s, lr);
  gc.barrier();
  const parallel::Traffic before = parallel::traffic();
  const int steps = 3;
  for (int i = 0; i < steps; ++i) step.step(field, s, lr);
  const parallel::Traffic sent = parallel::traffic() - before;
  return {gc.allreduce_sum(sent.bytes) / gc.size() / steps,
          gc.allreduce_sum(static_cast<double>(sent.messages)) / gc.size() / steps};
}
/// One algorithm's steps on `p` with the products plan, counted (measure_steps) beside the model's bytes and
/// messages and the algebra's floor. Collective over the grid.
struct Counted {
  model::StepPlan plan;
  Measured sent;
  model::StepTraffic model, floor;
};
inline Counted count_products_steps(const model::Problem& p, const parallel::ProcessGrid& g,
                                    AlgorithmKind kind, bool scale_free, model::IntegratorKind integrator) {
  model::AlgorithmSpec a;
  a.kind = kind;
  a.lr = 0.01;
  a.alpha = 0.3;  // mixed
  a.decay = 0.25; // kp: the decay terms on the replicas too
  a.scale_free = scale_free;
  Counted c;
  c.plan.algorithm = kind;
  VectorField field(p, a, c.plan);
  Integrator step(p, integrator, kind);
  State s = model::initial_state(p, kind);
  c.sent = measure_steps(g, field, step, s, a.lr);
  c.model = model::step_traffic(p, c.plan, integrator, scale_free);
  c.floor = model::traffic_floor(p, kind, integrator);
  return c;
}
/// One case of a target's traffic test, as for_each_traffic_case hands it to the check.
struct TrafficCase {
  int rows, cols, block;
  bool scale_free;
  model::IntegratorKind integrator;
  const model::Problem& problem;
  Counted counted;
};

/// Every case of a target's traffic test (tests/model/test_target_traffic.cpp): the grids with a message to
/// count that the ranks allow (1×2, 2×1, 2×2), blocks 4 and 64, every algorithm (FA* also scale-free), Euler
/// and RK4, each counted (count_products_steps) and given to `check`. Collective; at the end, that some case
/// ran wherever there are two ranks.
template <class Check> void for_each_traffic_case(Representation representation, Check check) {
  const parallel::Communicator world = parallel::Communicator::world();
  int cases = 0;
  for (auto [rows, cols] : grid_shapes()) {
    if (rows * cols < 2) continue;
    auto g = parallel::ProcessGrid::create(world, rows, cols);
    if (!g->active()) continue;
    for (int block : {4, 64}) {
      const model::Problem p = model::build_problem(spec(70, 53, representation), model::FeedbackSpec{},
                                                    model::InitSpec{}, 6, g, block);
      for (auto [kind, scale_free] : kinds_and_scale_free())
        for (auto integrator : {model::IntegratorKind::Euler, model::IntegratorKind::RK4}) {
          check(TrafficCase{rows, cols, block, scale_free, integrator, p,
                            count_products_steps(p, *g, kind, scale_free, integrator)});
          ++cases;
        }
    }
  }
  if (world.size() < 2)
    MESSAGE("one rank: no grid with a message to count");
  else
    CHECK(cases > 0);
}
} // namespace fasim::testing
