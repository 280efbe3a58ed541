// Matrix completion (issue 15): the masked dynamics E = P_Ω(Y − ZW) and the completion metrics against a
// serial implementation that draws Ω itself from global indices, on every grid and block size.
#include "serial_reference.hpp"

#include "fasim/linalg/entry_mask.hpp"
#include "fasim/model/completion.hpp"
#include "fasim/model/completion_metrics.hpp"
#include "fasim/model/dynamics.hpp"
#include "fasim/model/metrics.hpp"
#include "fasim/parallel/error.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

using namespace fasim;
using namespace fasim::model;
using fasim::testing::Dense;
using fasim::testing::dense;
using fasim::testing::matmul;
using fasim::testing::rel_diff;
using fasim::testing::serial_singular_values;
using fasim::testing::transpose;

namespace {
constexpr double kFraction = 0.35;
constexpr std::uint64_t kMaskSeed = 17;

ProblemSpec small_problem() {
  ProblemSpec s;
  s.n = 37;
  s.m = 29;
  s.k = 3;
  s.spectrum = Spectrum::List;
  s.values = {1.0, 0.7, 0.4};
  s.seed = 11;
  return s;
}

CompletionSpec completion() {
  CompletionSpec c;
  c.observe = Observe::Completion;
  c.fraction = kFraction;
  c.seed = kMaskSeed;
  return c;
}

/// Ω drawn serially from global indices: what every grid must reproduce.
Dense serial_mask(int n, int m) {
  const parallel::CounterRng rng(kMaskSeed, parallel::Stream::CompletionMask);
  Dense mask(n, m);
  for (int j = 0; j < m; ++j)
    for (int i = 0; i < n; ++i) mask(i, j) = rng.uniform(i, j) < kFraction ? 1.0 : 0.0;
  return mask;
}

Dense masked(const Dense& a, const Dense& mask) {
  Dense out = a;
  for (std::size_t i = 0; i < out.v.size(); ++i) out.v[i] *= mask.v[i];
  return out;
}

using fasim::testing::SerialState;

SerialState serial_masked_field(AlgorithmKind kind, double ratio, const Dense& y, const Dense& c,
                                const Dense& mask, const SerialState& s) {
  const Dense e = masked(fasim::testing::sub(y, matmul(s.z, s.w)), mask);
  SerialState d{matmul(e, transpose(kind == AlgorithmKind::GD ? s.w : c)), matmul(transpose(s.z), e)};
  for (double& x : d.w.v) x *= ratio;
  return d;
}

void serial_masked_step(AlgorithmKind kind, IntegratorKind integ, double h, double ratio, const Dense& y,
                        const Dense& c, const Dense& mask, SerialState& s) {
  using fasim::testing::axpy;
  const SerialState k1 = serial_masked_field(kind, ratio, y, c, mask, s);
  if (integ == IntegratorKind::Euler) {
    s = {axpy(s.z, h, k1.z), axpy(s.w, h, k1.w)};
    return;
  }
  const SerialState k2 =
      serial_masked_field(kind, ratio, y, c, mask, {axpy(s.z, h / 2, k1.z), axpy(s.w, h / 2, k1.w)});
  const SerialState k3 =
      serial_masked_field(kind, ratio, y, c, mask, {axpy(s.z, h / 2, k2.z), axpy(s.w, h / 2, k2.w)});
  const SerialState k4 =
      serial_masked_field(kind, ratio, y, c, mask, {axpy(s.z, h, k3.z), axpy(s.w, h, k3.w)});
  for (auto [k, f] : {std::pair{&k1, h / 6}, {&k2, h / 3}, {&k3, h / 3}, {&k4, h / 6}}) {
    s.z = axpy(s.z, f, k->z);
    s.w = axpy(s.w, f, k->w);
  }
}

} // namespace

TEST_CASE("completion: the mask is the same on every grid and block size, and a given M reproduces it") {
  const Dense ref = serial_mask(small_problem().n, small_problem().m);
  double observed = 0;
  for (double x : ref.v) observed += x;
  for (auto [p, q] : fasim::testing::grid_shapes())
    for (int block : {8, 3, 5}) {
      auto grid = parallel::ProcessGrid::create(parallel::Communicator::world(), p, q);
      Problem prob = build_problem(small_problem(), FeedbackSpec{}, InitSpec{}, 4, grid, block);
      observe_entries(prob, completion());
      REQUIRE(prob.mask);
      // The bytes as a 0/1 matrix on Y's layout, gathered.
      parallel::DistMatrix as_matrix = parallel::DistMatrix::like(*prob.target->dense());
      for (int lj = 0; lj < as_matrix.local_cols(); ++lj)
        for (int li = 0; li < as_matrix.local_rows(); ++li)
          as_matrix.local({li}, {lj}) = prob.mask->column(lj)[li];
      const Dense got = dense(as_matrix);
      const long long count = grid->active() ? prob.mask->observed_count(as_matrix) : 0;
      if (!grid->active()) continue;
      INFO("grid " << p << "x" << q << " block " << block);
      CHECK(got.v == ref.v);
      CHECK(count == static_cast<long long>(observed));
      // An input file's M (n×m, 0/1) gives the same mask; any other value is refused.
      Problem given = build_problem(small_problem(), FeedbackSpec{}, InitSpec{}, 4, grid, block);
      parallel::DistMatrix m = parallel::DistMatrix::like(as_matrix);
      m.copy_from(as_matrix);
      observe_entries(given, completion(), m);
      for (int lj = 0; lj < m.local_cols(); ++lj)
        for (int li = 0; li < m.local_rows(); ++li)
          CHECK(given.mask->column(lj)[li] == prob.mask->column(lj)[li]);
      if (m.local_size() > 0) m.data()[0] = 0.5;
      if (m.local_rows() > 0 && m.local_cols() > 0)
        CHECK_THROWS_AS(observe_entries(given, completion(), m), UsageError);
    }
  // Bernoulli(p): the observed fraction is near p (37·29 = 1073 entries, σ ≈ 0.015).
  CHECK(std::abs(observed / ref.v.size() - kFraction) < 0.06);
}

TEST_CASE(
    "completion: GD and FA (Euler and RK4) on P_Ω(Y − ZW) match a serial implementation on every grid") {
  const ProblemSpec spec = small_problem();
  const int r = 6;
  FeedbackSpec fb;
  fb.std = 0.3;
  InitSpec init;
  init.z_std = 0.3;
  init.w_std = 0.2;
  const Dense mask = serial_mask(spec.n, spec.m);
  for (auto [p, q] : fasim::testing::grid_shapes())
    for (int block : {8, 3}) {
      auto grid = parallel::ProcessGrid::create(parallel::Communicator::world(), p, q);
      Problem prob = build_problem(spec, fb, init, r, grid, block);
      observe_entries(prob, completion());
      const Dense y = dense(*prob.target->dense()), c = dense(prob.c);
      for (auto kind : {AlgorithmKind::GD, AlgorithmKind::FA}) {
        const std::vector<StepPlan> plans = candidate_plans(prob, kind);
        REQUIRE(!plans.empty());
        for (const auto& plan : plans) CHECK(plan.formulation == Formulation::Residual);
        StepPlan products = plans.front();
        products.formulation = Formulation::Products;
        CHECK(!plan_unsupported(prob, products).empty());
        for (auto integ : {IntegratorKind::Euler, IntegratorKind::RK4}) {
          const AlgorithmSpec alg{kind, kind == AlgorithmKind::GD ? 0.3 : 0.2,
                                  kind == AlgorithmKind::FA ? 0.4 : 0.0, false};
          const double ratio = kind == AlgorithmKind::FA ? 2.0 : 1.0;
          VectorField field(prob, alg, plans.front());
          Integrator integrator(prob, integ);
          State s = make_state(prob);
          s.z.copy_from(prob.z0);
          s.w.copy_from(prob.w0);
          SerialState ref{dense(prob.z0), dense(prob.w0)};
          for (int step = 0; step < 20; ++step) {
            integrator.step(field, s, alg.lr);
            serial_masked_step(kind, integ, alg.lr, ratio, y, c, mask, ref);
          }
          const Dense z = dense(s.z), w = dense(s.w);
          MetricsCalculator metrics(prob, 2, 5);
          const MetricRow row = metrics.compute(s, 20, 20 * alg.lr);
          if (!grid->active()) continue;
          INFO("grid " << p << "x" << q << " block " << block << " " << to_string(kind) << " "
                       << (integ == IntegratorKind::RK4 ? "rk4" : "euler"));
          CHECK(rel_diff(z.v, ref.z.v) < 1e-10);
          CHECK(rel_diff(w.v, ref.w.v) < 1e-10);
          // The metrics against the serial state.
          const Dense e = fasim::testing::sub(y, matmul(ref.z, ref.w));
          Dense unseen_mask = mask;
          for (double& x : unseen_mask.v) x = 1.0 - x;
          const double observed = fasim::testing::norm2(masked(e, mask));
          const double unseen = fasim::testing::norm2(masked(e, unseen_mask));
          const double unseen_y = fasim::testing::norm2(masked(y, unseen_mask));
          CHECK(rel_diff(row.loss(), observed) < 1e-10);
          REQUIRE(row.completion.size() == kCompletionMetrics.size());
          CHECK(rel_diff(row.completion[0], unseen / unseen_y) < 1e-10);
          CHECK(rel_diff(row.completion[1], fasim::testing::norm2(e)) < 1e-10);
          const std::vector<double> sigma = serial_singular_values(matmul(ref.z, ref.w));
          double nuclear = 0;
          for (double x : sigma) nuclear += x;
          CHECK(rel_diff(row.completion[2], nuclear) < 1e-10);
          CHECK(rel_diff(row.completion[3], effective_rank(sigma)) < 1e-10);
          // FA's terms under the mask: ‖P_Ω(E)·Cᵀ‖² and ‖Zᵀ·P_Ω(E)‖.
          CHECK(rel_diff(row.scalars[3], fasim::testing::norm2(matmul(masked(e, mask), transpose(c)))) <
                1e-10);
          CHECK(rel_diff(row.stationarity(), std::sqrt(fasim::testing::norm2(
                                                 matmul(transpose(ref.z), masked(e, mask))))) < 1e-10);
        }
      }
    }
}

TEST_CASE("completion: the nuclear norm from thin QRs matches a serial SVD of Z·W on every grid") {
  for (auto [p, q] : fasim::testing::grid_shapes())
    for (int block : {8, 3}) {
      auto grid = parallel::ProcessGrid::create(parallel::Communicator::world(), p, q);
      const parallel::DistMatrix z = fasim::testing::random_matrix(grid, 23, 5, block, 3);
      const parallel::DistMatrix w = fasim::testing::random_matrix(grid, 5, 19, block, 4);
      const std::vector<double> got = product_singular_values(z, w);
      const Dense zd = dense(z), wd = dense(w);
      if (!grid->active()) continue;
      const std::vector<double> ref = serial_singular_values(matmul(zd, wd));
      REQUIRE(got.size() == 5);
      for (int i = 0; i < 5; ++i) CHECK(rel_diff(got[i], ref[i]) < 1e-10);
      for (std::size_t i = 5; i < ref.size(); ++i) CHECK(ref[i] < 1e-12 * ref[0]); // Z·W has rank 5
      CHECK(effective_rank({1.0, 1.0, 0.0}) == doctest::Approx(2.0));
      CHECK(effective_rank({0.0, 0.0}) == 0.0);
    }
}

TEST_CASE("completion refuses a target it cannot mask entry by entry") {
  auto grid = parallel::ProcessGrid::create(parallel::Communicator::world(), 1, 1);
  ProblemSpec spec = small_problem();
  spec.representation = Representation::Factored;
  Problem prob = build_problem(spec, FeedbackSpec{}, InitSpec{}, 4, grid, 8);
  if (grid->active()) CHECK_THROWS_AS(observe_entries(prob, completion()), UsageError);
}
