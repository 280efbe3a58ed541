// Step plans: the text form round-trips, the cost model picks the formulation the flop count favours, and
// a measured or fixed plan is one the problem can run, the same on every rank.
#include "test_support.hpp"

#include "fasim/model/dynamics.hpp"
#include "fasim/model/problem.hpp"
#include "fasim/model/step_plan.hpp"
#include "fasim/parallel/error.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace fasim;
using namespace fasim::model;

namespace {
Problem square(int n, int r, Representation rep = Representation::Dense) {
  ProblemSpec spec;
  spec.n = spec.m = n;
  spec.k = std::min(n, 2 * r);
  spec.representation = rep;
  auto grid = parallel::ProcessGrid::create(parallel::Communicator::world());
  return build_problem(spec, FeedbackSpec{}, InitSpec{}, r, grid, 8);
}
} // namespace

TEST_CASE("a plan's text form parses back to the same plan, and a malformed one is a usage error") {
  const Problem p = square(40, 6);
  for (auto kind : {AlgorithmKind::GD, AlgorithmKind::FA, AlgorithmKind::FAStar}) {
    const auto plans = candidate_plans(p, kind);
    CHECK(plans.size() >= 3); // two layouts of the products formulation and the residual one at least
    for (const StepPlan& plan : plans) {
      CHECK(StepPlan::parse(plan.str()) == plan);
      CHECK(plan.algorithm == kind);
    }
    CHECK(StepPlan::parse(reference_plan(kind).str()).path == linalg::ProductPath::Pdgemm);
  }
  CHECK(StepPlan::parse("fa:residual,path=panel").formulation == Formulation::Residual);
  CHECK(StepPlan::parse("gd:y_bt=b_yt").y_bt == linalg::Orientation::ThinFirst);
  CHECK(StepPlan::parse("gd:products,zt_y=yt_z,y_bt=y_bt,path=pdgemm").str() ==
        "gd:products,zt_y=yt_z,y_bt=y_bt,path=pdgemm");
  CHECK_THROWS_AS(StepPlan::parse("fa:residul"), UsageError);
  CHECK_THROWS_AS(StepPlan::parse("sgd:products"), UsageError);
  CHECK(plan_request_error("auto").empty());
  CHECK(plan_request_error("measure").empty());
  CHECK(plan_request_error("fa:residual gd:products,zt_y=zt_y").empty());
  CHECK_FALSE(plan_request_error("fa:zt_y=yz").empty());
}

TEST_CASE("the cost model takes the residual formulation at r ≈ n and the products one at r ≪ n") {
  const Problem wide = square(100, 99), thin = square(120, 10);
  CHECK(estimate_plan(wide, AlgorithmKind::FA).formulation == Formulation::Residual);
  CHECK(estimate_plan(wide, AlgorithmKind::GD).formulation == Formulation::Residual);
  for (auto kind : {AlgorithmKind::GD, AlgorithmKind::FA, AlgorithmKind::FAStar})
    CHECK(estimate_plan(thin, kind).formulation == Formulation::Products);
}

TEST_CASE("a target without a dense Y gets no residual plan, and asking for one is a usage error") {
  const Problem diag = square(60, 6, Representation::Diagonal);
  for (const StepPlan& plan : candidate_plans(diag, AlgorithmKind::FA))
    CHECK(plan.formulation == Formulation::Products);
  const AlgorithmSpec fa{AlgorithmKind::FA, 0.1, 0.0, false};
  CHECK_THROWS_AS(choose_plan(diag, fa, "fa:residual", 100), UsageError);
  CHECK(choose_plan(diag, fa, "gd:residual", 100) == estimate_plan(diag, AlgorithmKind::FA)); // not FA's
  CHECK(choose_plan(diag, fa, "fa:products,zt_y=zt_y,path=pdgemm", 100).path == linalg::ProductPath::Pdgemm);
}

TEST_CASE("a measured plan is a candidate, the same on every rank, and runs") {
  const Problem p = square(64, 8);
  for (auto kind : {AlgorithmKind::GD, AlgorithmKind::FAStar}) {
    const AlgorithmSpec spec{kind, 0.1, 0.0, false};
    const StepPlan plan = choose_plan(p, spec, "measure", 100000);
    bool candidate = false;
    for (const auto& c : candidate_plans(p, kind)) candidate = candidate || c == plan;
    CHECK(candidate);
    std::string text = plan.str(), root = text;
    parallel::Communicator::world().broadcast(root, 0);
    CHECK(text == root);
    VectorField field(p, spec, plan);
    State s = make_state(p), d = make_state(p);
    s.z.copy_from(p.z0);
    s.w.copy_from(p.w0);
    CHECK(std::isfinite(field.evaluate(s, d)));
  }
}
