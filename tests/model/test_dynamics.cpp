#include "serial_reference.hpp"

#include "fasim/model/dynamics.hpp"
#include "fasim/model/metrics.hpp"
#include "fasim/model/problem.hpp"
#include "fasim/model/schedule.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace fasim;
using namespace fasim::model;
using fasim::testing::Dense;
using fasim::testing::dense;
using fasim::testing::rel_diff;

namespace {
ProblemSpec small_problem() {
  ProblemSpec s;
  s.n = 37;
  s.m = 29;
  s.k = 12;
  s.spectrum = Spectrum::Power;
  s.exponent = 0.5;
  s.seed = 11;
  return s;
}
} // namespace

namespace {
/// Every plan the problem allows for `kind`, the PDGEMM reference path included.
std::vector<StepPlan> all_plans(const Problem& prob, AlgorithmKind kind) {
  std::vector<StepPlan> plans = candidate_plans(prob, kind);
  StepPlan reference = estimate_plan(prob, kind);
  reference.formulation = Formulation::Products;
  reference.path = linalg::ProductPath::Pdgemm;
  plans.push_back(reference);
  bool residual = false;
  for (const auto& plan : plans) residual = residual || plan.formulation == Formulation::Residual;
  CHECK(residual); // a dense Y: the residual formulation must be among the plans tested
  return plans;
}
} // namespace

TEST_CASE(
    "GD, FA and FA* (Euler and RK4) match a serial implementation for 25 steps on every grid and plan") {
  {
    const ProblemSpec spec = small_problem();
    const int r = 5;
    FeedbackSpec fb;
    fb.std = 0.3; // keeps 25 steps of size 0.1-0.2 well inside the stable range on this small problem
    InitSpec init;
    init.z_std = 0.3;
    init.w_std = 0.1;
    for (auto [p, q] : fasim::testing::grid_shapes())
      for (int block : {8, 3}) {
        auto grid = parallel::ProcessGrid::create(parallel::Communicator::world(), p, q);
        Problem prob = build_problem(spec, fb, init, r, grid, block);
        const Dense y = dense(*prob.target->dense()), c = dense(prob.c);
        for (auto kind : {AlgorithmKind::GD, AlgorithmKind::FA, AlgorithmKind::FAStar})
          for (const StepPlan& plan : all_plans(prob, kind))
            for (auto integ : {IntegratorKind::Euler, IntegratorKind::RK4}) {
              AlgorithmSpec alg{kind, kind == AlgorithmKind::GD ? 0.2 : 0.1,
                                kind == AlgorithmKind::FA ? 0.3 : 0.0, false};
              const double ratio = kind == AlgorithmKind::FA ? 3.0 : 1.0;
              VectorField field(prob, alg, plan);
              REQUIRE(field.plan() == plan);
              Integrator integrator(prob, integ);
              State s = make_state(prob);
              s.z.copy_from(prob.z0);
              s.w.copy_from(prob.w0);
              fasim::testing::SerialState ref{dense(prob.z0), dense(prob.w0)};
              for (int step = 0; step < 25; ++step) {
                integrator.step(field, s, alg.lr);
                fasim::testing::serial_step(kind, integ, alg.lr, ratio, y, c, ref);
              }
              field.refresh(s);
              if (kind == AlgorithmKind::FAStar)
                ref.w = fasim::testing::solve(fasim::testing::matmul(fasim::testing::transpose(ref.z), ref.z),
                                              fasim::testing::matmul(fasim::testing::transpose(ref.z), y));
              const Dense z = dense(s.z), w = dense(s.w);
              MetricsCalculator metrics(prob, 3, 5);
              const MetricRow row = metrics.compute(s, 25, 25 * alg.lr);
              if (!grid->active()) continue;
              INFO("plan " << plan.str() << " grid " << p << "x" << q << " block " << block << " alg "
                           << std::string(to_string(kind)) << " "
                           << (integ == IntegratorKind::Euler ? "euler" : "rk4") << " z[0] " << z.v[0]
                           << " ref " << ref.z.v[0]);
              CHECK(rel_diff(z.v, ref.z.v) < 1e-10);
              CHECK(rel_diff(w.v, ref.w.v) < 1e-10);
              const Dense e = fasim::testing::sub(y, fasim::testing::matmul(ref.z, ref.w));
              CHECK(rel_diff(row.loss(), fasim::testing::norm2(e)) < 1e-10);
              const Dense fa = fasim::testing::matmul(e, fasim::testing::transpose(c));
              CHECK(rel_diff(row.scalars[3], fasim::testing::norm2(fa)) < 1e-10);
              const Dense zte = fasim::testing::matmul(fasim::testing::transpose(ref.z), e);
              // FA*'s stationarity is zero up to rounding: compare it on the scale of ‖Y‖ (= O(1) here).
              CHECK(std::abs(row.stationarity() - std::sqrt(fasim::testing::norm2(zte))) <
                    1e-10 * std::max(1.0, std::sqrt(fasim::testing::norm2(zte))));
              // ell = tr((ZᵀZ)⁻¹ RᵀR)
              const Dense g = fasim::testing::matmul(fasim::testing::transpose(ref.z), ref.z);
              const Dense sol =
                  fasim::testing::solve(g, fasim::testing::matmul(fasim::testing::transpose(fa), fa));
              double tr = 0;
              for (int i = 0; i < r; ++i) tr += sol(i, i);
              CHECK(rel_diff(row.scalars[4], tr) < 1e-9);
              double cw = 0, cc = 0, ww = 0;
              for (size_t i = 0; i < c.v.size(); ++i)
                cw += c.v[i] * ref.w.v[i], cc += c.v[i] * c.v[i], ww += ref.w.v[i] * ref.w.v[i];
              CHECK(rel_diff(row.scalars[5], cw / std::sqrt(cc * ww)) < 1e-10);
              CHECK(row.scalars[6] <= row.scalars[7]);
              for (double x : row.probes) {
                CHECK(x >= row.scalars[6] - 1e-12);
                CHECK(x <= row.scalars[7] + 1e-12);
              }
            }
      }
  }
}

TEST_CASE("the feedback rules usf, frsf, kp and mixed (Euler and RK4) match a serial implementation for 25 "
          "steps on every grid and plan, B and the feedback metrics included") {
  using fasim::testing::matmul;
  using fasim::testing::transpose;
  const ProblemSpec spec = small_problem();
  const int r = 5;
  FeedbackSpec fb;
  fb.std = 0.3;
  InitSpec init;
  init.z_std = 0.3;
  init.w_std = 0.1;
  const fasim::testing::SerialRule rule{0.7, 0.3}; // kp's λ, mixed's α
  for (auto [p, q] : fasim::testing::grid_shapes())
    for (int block : {8, 3}) {
      auto grid = parallel::ProcessGrid::create(parallel::Communicator::world(), p, q);
      Problem prob = build_problem(spec, fb, init, r, grid, block);
      const Dense y = dense(*prob.target->dense()), c = dense(prob.c);
      MetricsCalculator metrics(prob, 0, 5);
      for (auto kind : {AlgorithmKind::USF, AlgorithmKind::FRSF, AlgorithmKind::KP, AlgorithmKind::Mixed})
        for (const StepPlan& plan : all_plans(prob, kind))
          for (auto integ : {IntegratorKind::Euler, IntegratorKind::RK4}) {
            AlgorithmSpec alg{kind, 0.1, 0.2, false}; // lr_w = 2·lr: ρ = 2 scales dW and kp's dB
            alg.decay = rule.decay;
            alg.alpha = rule.alpha;
            VectorField field(prob, alg, plan);
            Integrator integrator(prob, integ, kind);
            State s = initial_state(prob, kind);
            fasim::testing::SerialState ref{dense(prob.z0), dense(prob.w0)};
            if (kind == AlgorithmKind::KP) ref.b = c; // B(0) = C
            for (int step = 0; step < 25; ++step) {
              integrator.step(field, s, alg.lr);
              fasim::testing::serial_step(kind, integ, alg.lr, 2.0, y, c, ref, rule);
            }
            const MetricRow row = metrics.compute(s, 25, 25 * alg.lr, &field);
            const Dense z = dense(s.z), w = dense(s.w);
            const Dense b = s.has_feedback() ? dense(s.b) : Dense();
            if (!grid->active()) continue;
            INFO("plan " << plan.str() << " grid " << p << "x" << q << " block " << block << " "
                         << (integ == IntegratorKind::Euler ? "euler" : "rk4"));
            CHECK(rel_diff(z.v, ref.z.v) < 1e-10);
            CHECK(rel_diff(w.v, ref.w.v) < 1e-10);
            CHECK(s.has_feedback() == (kind == AlgorithmKind::KP));
            if (kind == AlgorithmKind::KP) CHECK(rel_diff(b.v, ref.b.v) < 1e-10);
            const Dense e = fasim::testing::sub(y, matmul(ref.z, ref.w));
            const Dense bref = fasim::testing::serial_feedback(kind, rule, c, ref);
            CHECK(rel_diff(row.loss(), fasim::testing::norm2(e)) < 1e-10);
            CHECK(rel_diff(row.scalars[10], fasim::testing::norm2(matmul(e, transpose(bref)))) < 1e-10);
            double bw = 0, bb = 0, ww = 0;
            for (size_t i = 0; i < bref.v.size(); ++i)
              bw += bref.v[i] * ref.w.v[i], bb += bref.v[i] * bref.v[i], ww += ref.w.v[i] * ref.w.v[i];
            CHECK(rel_diff(row.scalars[11], bw / std::sqrt(bb * ww)) < 1e-10);
            CHECK(rel_diff(row.scalars[12],
                           std::sqrt(fasim::testing::norm2(fasim::testing::sub(bref, ref.w)))) < 1e-10);
          }
    }
}

TEST_CASE("kp: B − W follows d(B − W)/dt = −ρλ(B − W): each integrator's own factor per step, ≈ exp(−ρλt)") {
  const ProblemSpec spec = small_problem();
  auto grid = parallel::ProcessGrid::create(parallel::Communicator::world());
  Problem prob = build_problem(spec, FeedbackSpec{}, InitSpec{}, 5, grid, 8);
  AlgorithmSpec alg{AlgorithmKind::KP, 0.05, 0.1, false}; // ρ = 2
  alg.decay = 0.4;
  const double x = alg.lr * 2.0 * alg.decay; // h·ρ·λ
  for (auto integ : {IntegratorKind::Euler, IntegratorKind::RK4}) {
    VectorField field(prob, alg);
    Integrator integrator(prob, integ, AlgorithmKind::KP);
    State s = initial_state(prob, AlgorithmKind::KP);
    MetricsCalculator metrics(prob, 0, 5);
    const double gap0 = metrics.compute(s, 0, 0.0, &field).scalars[12];
    for (int step = 0; step < 40; ++step) integrator.step(field, s, alg.lr);
    const double gap = metrics.compute(s, 40, 40 * alg.lr, &field).scalars[12];
    // The linear equation's one-step factor: 1 − x (Euler), the degree-4 Taylor polynomial of e^(−x) (RK4).
    const double factor =
        integ == IntegratorKind::Euler ? 1 - x : 1 - x + x * x / 2 - x * x * x / 6 + x * x * x * x / 24;
    if (!grid->active()) continue;
    INFO((integ == IntegratorKind::Euler ? "euler" : "rk4") << " gap(0) " << gap0 << " gap(40) " << gap);
    CHECK(gap0 > 0.1);
    CHECK(rel_diff(gap, gap0 * std::pow(factor, 40)) < 1e-10);
    CHECK(std::abs(gap / (gap0 * std::exp(-40 * x)) - 1) < (integ == IntegratorKind::Euler ? 0.05 : 1e-6));
  }
}

TEST_CASE("mixed with α = 1 is GD and with α = 0 is FA, step for step") {
  const ProblemSpec spec = small_problem();
  auto grid = parallel::ProcessGrid::create(parallel::Communicator::world());
  FeedbackSpec fb;
  fb.std = 0.3;
  Problem prob = build_problem(spec, fb, InitSpec{}, 5, grid, 8);
  for (auto [alpha, other] : {std::pair{1.0, AlgorithmKind::GD}, {0.0, AlgorithmKind::FA}}) {
    AlgorithmSpec mixed{AlgorithmKind::Mixed, 0.1, 0.1, false}, same{other, 0.1, 0.1, false};
    mixed.alpha = alpha;
    VectorField fm(prob, mixed), fo(prob, same);
    Integrator im(prob, IntegratorKind::Euler), io(prob, IntegratorKind::Euler);
    State sm = initial_state(prob, AlgorithmKind::Mixed), so = initial_state(prob, other);
    for (int step = 0; step < 30; ++step) {
      im.step(fm, sm, 0.1);
      io.step(fo, so, 0.1);
      const auto zm = sm.z.allgather(), zo = so.z.allgather(), wm = sm.w.allgather(), wo = so.w.allgather();
      if (!grid->active()) continue;
      INFO("alpha " << alpha << " step " << step);
      CHECK(rel_diff(zm, zo) < 1e-13);
      CHECK(rel_diff(wm, wo) < 1e-13);
    }
  }
}

TEST_CASE("FA* keeps ZᵀZ constant up to discretisation, and RK4 drifts far less than Euler (Fact 3)") {
  ProblemSpec spec = small_problem();
  auto grid = parallel::ProcessGrid::create(parallel::Communicator::world());
  InitSpec init;
  init.z = InitZ::Orthonormal;
  Problem prob = build_problem(spec, FeedbackSpec{}, init, 5, grid, 8);
  double drift[2];
  int i = 0;
  for (auto integ : {IntegratorKind::Euler, IntegratorKind::RK4}) {
    AlgorithmSpec alg{AlgorithmKind::FAStar, 0.05, 0.0, false};
    VectorField field(prob, alg);
    Integrator integrator(prob, integ);
    State s = make_state(prob);
    s.z.copy_from(prob.z0);
    for (int step = 0; step < 40; ++step) integrator.step(field, s, alg.lr);
    field.refresh(s);
    drift[i++] = MetricsCalculator(prob, 0, 1).compute(s, 40, 2.0).scalars[8];
  }
  if (grid->active()) {
    CHECK(drift[0] > 0);
    CHECK(drift[1] < drift[0] / 100);
  }
}

TEST_CASE(
    "reference errors: the optimal error is the spectrum's tail and Lemma 1's error is a projection's") {
  ProblemSpec spec = small_problem();
  auto grid = parallel::ProcessGrid::create(parallel::Communicator::world());
  Problem prob = build_problem(spec, FeedbackSpec{}, InitSpec{}, 5, grid, 8);
  compute_reference_errors(prob);
  const auto sigma = make_spectrum(spec, 5);
  double tail = 0;
  for (int i = 5; i < spec.k; ++i) tail += sigma[i] * sigma[i];
  if (grid->active()) {
    CHECK(rel_diff(prob.optimal_error, tail) < 1e-12);
    CHECK(prob.lemma1_error >= prob.optimal_error * (1 - 1e-12)); // no rank-5 subspace beats the SVD's
    CHECK(prob.lemma1_error < prob.target->norm2());
  }
  // r >= rank(Y): Lemma 1's error vanishes (Theorem 2).
  Problem full = build_problem(spec, FeedbackSpec{}, InitSpec{}, 12, grid, 8);
  compute_reference_errors(full);
  if (grid->active()) {
    CHECK(full.lemma1_error < 1e-24);
    CHECK(full.optimal_error == 0.0);
  }
}

TEST_CASE("the generated problem is the same on every grid shape and block size") {
  std::vector<double> ref_y, ref_c, ref_z;
  for (auto [p, q] : fasim::testing::grid_shapes())
    for (int block : {4, 64}) {
      auto grid = parallel::ProcessGrid::create(parallel::Communicator::world(), p, q);
      Problem prob = build_problem(small_problem(), FeedbackSpec{}, InitSpec{}, 5, grid, block);
      auto y = prob.target->dense()->allgather(), c = prob.c.allgather(), z = prob.z0.allgather();
      if (!grid->active()) continue;
      if (ref_y.empty()) ref_y = y, ref_c = c, ref_z = z;
      CHECK(rel_diff(y, ref_y) < 1e-14);
      CHECK(c == ref_c);
      CHECK(z == ref_z);
    }
}

TEST_CASE("the spectra follow the paper's definitions") {
  ProblemSpec s;
  s.k = 500;
  s.spectrum = Spectrum::TwoLevel;
  auto sigma = make_spectrum(s, 50); // Fig 2b / Theorem 3
  CHECK(sigma[0] == doctest::Approx(1 / std::sqrt(100.0)));
  CHECK(sigma[499] == doctest::Approx(1 / std::sqrt(900.0)));
  double total = 0;
  for (double x : sigma) total += x * x;
  CHECK(total == doctest::Approx(1.0));
  s.spectrum = Spectrum::Flat;
  s.k = 50;
  CHECK(make_spectrum(s, 50)[7] == doctest::Approx(1 / std::sqrt(50.0)));
  s.spectrum = Spectrum::Spiked;
  s.epsilon = 0.5;
  auto sp = make_spectrum(s, 1);
  CHECK(sp[0] == 1.0);
  CHECK(sp[1] == 0.5);
}

TEST_CASE("the record schedule holds step 0, the interval, log-spaced points and the last step") {
  RecordSchedule s(1000, 300, 4);
  CHECK(s.steps() == std::vector<long long>{0, 1, 10, 100, 300, 600, 900, 1000});
  CHECK(s.records(600));
  CHECK_FALSE(s.records(601));
  CHECK(s.count_through(300) == 5u);
}
