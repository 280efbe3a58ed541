// Factored and diagonal targets against the dense reference on the same Y: products, exact loss, and whole
// trajectories; the loss floor the QR route reaches; and the rotation-invariance argument behind "diagonal".
#include "serial_reference.hpp"

#include "fasim/model/dynamics.hpp"
#include "fasim/model/metrics.hpp"
#include "fasim/model/problem.hpp"
#include "fasim/parallel/pblas.hpp"
#include "fasim/parallel/random.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <memory>

using namespace fasim;
using namespace fasim::model;
using fasim::testing::random_matrix;
using fasim::testing::rel_diff;
using parallel::DistMatrix;

namespace {
ProblemSpec spec_of(Source source, Representation rep, int n = 37, int m = 29, int k = 12) {
  ProblemSpec s;
  s.source = source;
  s.representation = rep;
  s.n = n;
  s.m = m;
  s.k = k;
  s.spectrum = Spectrum::Power;
  s.exponent = 0.5;
  s.seed = 11;
  return s;
}

// The dense Y = diag(σ) a diagonal target stands for, formed explicitly.
std::unique_ptr<Target> dense_diagonal(const parallel::GridPtr& g, int n, int m, int block,
                                       const std::vector<double>& sigma) {
  DistMatrix y(g, n, m, block, block);
  y.fill([&](int i, int j) { return i == j && i < static_cast<int>(sigma.size()) ? sigma[i] : 0.0; });
  return std::make_unique<DenseTarget>(std::move(y), std::vector<double>{});
}

// The problem `p` with its target replaced by `t` (and Y·Cᵀ recomputed): same C, Z(0), W(0).
void replace_target(Problem& p, std::unique_ptr<Target> t) {
  p.target = std::move(t);
  p.target->y_bt(p.c, p.y_ct);
}

// |a − b| <= tol·max(1, |b|) elementwise: relative for O(1) and larger values, absolute for rounding-level
// ones.
bool close(const std::vector<double>& a, const std::vector<double>& b, double tol) {
  return rel_diff(a, b) < tol;
}

// A pair (test target, dense reference) on the same Y with the same C, Z(0), W(0).
struct Pair {
  Problem test, ref;
};

std::vector<std::pair<std::string, Pair>> pairs(const parallel::GridPtr& g, int block, int r) {
  FeedbackSpec fb;
  fb.std = 0.3; // as in test_dynamics: 50 steps of size 0.1-0.2 stay well inside the stable range
  InitSpec init;
  init.z_std = 0.3;
  init.w_std = 0.1;
  std::vector<std::pair<std::string, Pair>> out;
  for (Source src : {Source::Synthetic, Source::GaussianProduct, Source::UnitVector}) {
    const bool unit = src == Source::UnitVector;
    const ProblemSpec f = spec_of(src, Representation::Factored, 37, unit ? 1 : 29, unit ? 1 : 12);
    ProblemSpec d = f;
    d.representation = Representation::Dense;
    out.push_back({unit                       ? "factored unit-vector"
                   : src == Source::Synthetic ? "factored synthetic"
                                              : "factored gp",
                   Pair{build_problem(f, fb, init, unit ? 1 : r, g, block),
                        build_problem(d, fb, init, unit ? 1 : r, g, block)}});
  }
  const ProblemSpec diag = spec_of(Source::Synthetic, Representation::Diagonal);
  Pair p{build_problem(diag, fb, init, r, g, block), build_problem(diag, fb, init, r, g, block)};
  replace_target(p.ref, dense_diagonal(g, diag.n, diag.m, block, make_spectrum(diag, r)));
  out.push_back({"diagonal", std::move(p)});
  return out;
}
} // namespace

TEST_CASE(
    "factored and diagonal targets: ZᵀY, Y·Bᵀ, the exact loss and the spectrum match the dense target") {
  for (auto [p, q] : fasim::testing::grid_shapes())
    for (int block : {4, 3}) {
      auto grid = parallel::ProcessGrid::create(parallel::Communicator::world(), p, q);
      for (auto& [name, pr] : pairs(grid, block, 5)) {
        const int n = pr.ref.n, m = pr.ref.m, r = pr.ref.r;
        const DistMatrix z = random_matrix(grid, n, r, block, 21), w = random_matrix(grid, r, m, block, 22);
        DistMatrix a(grid, r, m, block, block), b = DistMatrix::like(a);
        pr.test.target->zt_y(z, a);
        pr.ref.target->zt_y(z, b);
        DistMatrix c(grid, n, r, block, block), d = DistMatrix::like(c);
        pr.test.target->y_bt(w, c);
        pr.ref.target->y_bt(w, d);
        const auto za = a.allgather(), zb = b.allgather(), yc = c.allgather(), yd = d.allgather();
        const double lt = pr.test.target->residual_norm2(z, w), lr = pr.ref.target->residual_norm2(z, w);
        compute_reference_errors(pr.test);
        compute_reference_errors(pr.ref, 1e9); // the dense reference computes its singular values
        if (!grid->active()) continue;
        INFO(name << " grid " << p << "x" << q << " block " << block);
        CHECK(close(za, zb, 1e-12));
        CHECK(close(yc, yd, 1e-12));
        CHECK(rel_diff(lt, lr) < 1e-12);
        CHECK(rel_diff(pr.test.target->norm2(), pr.ref.target->norm2()) < 1e-12);
        CHECK(close(pr.test.target->singular_values(), pr.ref.target->singular_values(), 1e-12));
        // Lemma 1's error can be zero (unit-vector: r = rank Y), so compare on the scale of ‖Y‖² = 1.
        CHECK(close({pr.test.lemma1_error}, {pr.ref.lemma1_error}, 1e-10));
        CHECK(std::abs(pr.test.optimal_error - pr.ref.optimal_error) < 1e-12);
      }
    }
}

TEST_CASE("every algorithm and feedback rule follows the same trajectory with factored, diagonal and dense "
          "targets (50 steps)") {
  for (auto [p, q] : fasim::testing::grid_shapes()) {
    if (!(p == q)) continue; // 1×1 and 2×2
    auto grid = parallel::ProcessGrid::create(parallel::Communicator::world(), p, q);
    for (auto& [name, pr] : pairs(grid, 4, 5))
      for (auto kind : kAlgorithmKinds) {
        AlgorithmSpec alg{kind, kind == AlgorithmKind::GD ? 0.2 : 0.1, kind == AlgorithmKind::FA ? 0.3 : 0.0,
                          false};
        alg.decay = 0.5;
        alg.alpha = 0.3;
        MetricRow rows[2];
        std::vector<double> zs[2], ws[2], bs[2];
        for (int t = 0; t < 2; ++t) {
          const Problem& prob = t == 0 ? pr.test : pr.ref;
          VectorField field(prob, alg);
          Integrator integrator(prob, IntegratorKind::Euler, kind);
          State s = initial_state(prob, kind);
          for (int step = 0; step < 50; ++step) integrator.step(field, s, alg.lr);
          field.refresh(s);
          rows[t] = MetricsCalculator(prob, 3, 5).compute(s, 50, 50 * alg.lr, &field);
          zs[t] = s.z.allgather();
          ws[t] = s.w.allgather();
          if (s.has_feedback()) bs[t] = s.b.allgather();
        }
        if (!grid->active()) continue;
        INFO(name << " grid " << p << "x" << q << " " << to_string(kind));
        CHECK(close(zs[0], zs[1], 1e-10));
        CHECK(close(ws[0], ws[1], 1e-10));
        CHECK(close(bs[0], bs[1], 1e-10));
        for (std::size_t i = 0; i < rows[0].scalars.size(); ++i) {
          INFO("metric " << kScalarMetrics[i] << ": " << rows[0].scalars[i] << " vs " << rows[1].scalars[i]);
          CHECK(rel_diff(std::vector{rows[0].scalars[i]}, std::vector{rows[1].scalars[i]}) < 1e-10);
        }
        CHECK(close(rows[0].probes, rows[1].probes, 1e-10));
      }
  }
}

TEST_CASE("the diagonal target's large-k loss (diagonal part exact, off-diagonal from Grams) matches dense") {
  const int n = 600, m = 560, k = 560, r = 3; // k + r > kExactColumns
  static_assert(560 + 3 > DiagonalTarget::kExactColumns);
  auto grid = parallel::ProcessGrid::create(parallel::Communicator::world());
  const ProblemSpec spec = spec_of(Source::Synthetic, Representation::Diagonal, n, m, k);
  const auto sigma = make_spectrum(spec, r);
  const DiagonalTarget diag(grid, n, m, sigma);
  const auto dense = dense_diagonal(grid, n, m, 16, sigma);
  const DistMatrix z = random_matrix(grid, n, r, 16, 31), w = random_matrix(grid, r, m, 16, 32);
  const double a = diag.residual_norm2(z, w), b = dense->residual_norm2(z, w);
  if (grid->active()) CHECK(rel_diff(a, b) < 1e-12);
}

TEST_CASE("the QR route reaches the loss floor: ZW = Y up to a 1e-15 perturbation gives ~1e-30, not ~1e-16") {
  auto grid = parallel::ProcessGrid::create(parallel::Communicator::world());
  const int block = 4, k = 5;
  ProblemSpec spec = spec_of(Source::Synthetic, Representation::Factored, 37, 29, k);
  Problem prob = build_problem(spec, FeedbackSpec{}, InitSpec{}, k, grid, block);
  const auto& ft = dynamic_cast<const FactoredTarget&>(*prob.target);
  const auto& sigma = ft.spectrum();
  spec.representation = Representation::Dense;
  const Problem dense = build_problem(spec, FeedbackSpec{}, InitSpec{}, k, grid, block);
  // Z = UΣ, W = Vᵀ + δ: the exact loss is ‖UΣδ‖² = Σ_i σ_i²‖δ_i,:‖² (U orthonormal to rounding).
  for (double size : {1e-15, 1e-12}) {
    DistMatrix z = DistMatrix::like(*ft.left_factor());
    z.copy_from(*ft.left_factor());
    for (int lj = 0; lj < z.local_cols(); ++lj)
      for (int li = 0; li < z.local_rows(); ++li) z.local({li}, {lj}) *= sigma[z.global_col({lj}).value];
    DistMatrix w(grid, k, spec.m, block, block);
    parallel::geadd(parallel::Op::Trans, 1.0, *ft.right_factor(), 0.0, w);
    const parallel::CounterRng rng(7, parallel::Stream::Probes);
    double exact = 0.0;
    for (int j = 0; j < spec.m; ++j)
      for (int i = 0; i < k; ++i) {
        const double delta = size * rng.normal(i, j);
        exact += sigma[i] * sigma[i] * delta * delta;
        if (w.owns({i}, {j})) w.local(w.row_layout().to_local({i}), w.col_layout().to_local({j})) += delta;
      }
    const double factored = prob.target->residual_norm2(z, w);
    const double explicit_dense = dense.target->residual_norm2(z, w);
    // The expansion ‖Y‖² − 2⟨Y, ZW⟩ + ‖ZW‖² through Gram matrices: what the QR route avoids.
    DistMatrix zw(grid, spec.n, spec.m, block, block);
    parallel::gemm(parallel::Op::None, parallel::Op::None, 1.0, z, w, 0.0, zw);
    DistMatrix zty(grid, k, spec.m, block, block);
    prob.target->zt_y(z, zty);
    const double zw_norm = parallel::frobenius_norm(zw);
    const double expanded = prob.target->norm2() - 2 * parallel::dot(zty, w) + zw_norm * zw_norm;
    if (!grid->active()) continue;
    MESSAGE("perturbation " << size << ": exact " << exact << ", factored (QR) " << factored
                            << ", dense explicit " << explicit_dense << ", Gram expansion " << expanded);
    // At 1e-15 the rounding of Y's own factors (~ε per entry) is of the size of the signal: agree in
    // magnitude.
    const double tol = size < 1e-14 ? 0.5 : 1e-4;
    CHECK(std::abs(factored - exact) < tol * exact);
    CHECK(std::abs(factored - explicit_dense) < tol * exact);
    CHECK(factored < 1e3 * exact);
  }
}

TEST_CASE("diagonal and dense random-basis targets give the same FA plateau in distribution (20 seeds)") {
  // Rotation invariance: with Gaussian C, Z(0), W(0), the map C → CV, Z → UᵀZ, W → WV carries the run on
  // Y = UΣVᵀ to the run on Σ and preserves every distribution. Both seeds vary so that all randomness is
  // drawn. Each rank runs its share of the seeds on its own 1×1 grid; the results are summed over the world.
  const auto self = parallel::Communicator::borrow(MPI_COMM_SELF);
  const auto world = parallel::Communicator::world();
  auto grid = parallel::ProcessGrid::create(self, 1, 1);
  constexpr int kSeeds = 20, kSteps = 400;
  double sum[2] = {0, 0}, sum2[2] = {0, 0}, gap = 0.0;
  for (int seed = world.rank(); seed < kSeeds; seed += world.size())
    for (int t = 0; t < 2; ++t) {
      ProblemSpec spec =
          spec_of(Source::Synthetic, t == 0 ? Representation::Dense : Representation::Diagonal, 30, 30, 30);
      spec.spectrum = Spectrum::TwoLevel; // Theorem 3's shape: head r values hold half of ‖Y‖²
      FeedbackSpec fb;
      fb.seed = static_cast<std::uint64_t>(seed);
      InitSpec init;
      init.seed = 1000 + static_cast<std::uint64_t>(seed);
      Problem prob = build_problem(spec, fb, init, 3, grid, 8);
      compute_reference_errors(prob);
      const AlgorithmSpec alg{AlgorithmKind::FA, 0.1, 0.0, false};
      VectorField field(prob, alg);
      Integrator integrator(prob, IntegratorKind::Euler);
      State s = make_state(prob);
      s.z.copy_from(prob.z0);
      s.w.copy_from(prob.w0);
      for (int step = 0; step < kSteps; ++step) integrator.step(field, s, alg.lr);
      const double loss = prob.target->residual_norm2(s.z, s.w);
      gap = std::max(gap, std::abs(loss - prob.lemma1_error) / prob.lemma1_error); // on the plateau?
      sum[t] += loss;
      sum2[t] += loss * loss;
    }
  world.allreduce_sum(sum, 2);
  world.allreduce_sum(sum2, 2);
  gap = world.allreduce_max(gap);
  double mean[2], se2[2];
  for (int t = 0; t < 2; ++t) {
    mean[t] = sum[t] / kSeeds;
    se2[t] = (sum2[t] / kSeeds - mean[t] * mean[t]) / (kSeeds - 1); // sample variance / N
  }
  const double se = std::sqrt(se2[0] + se2[1]);
  MESSAGE("FA error after " << kSteps << " steps over " << kSeeds << " seeds: dense " << mean[0] << " ± "
                            << std::sqrt(se2[0]) << ", diagonal " << mean[1] << " ± " << std::sqrt(se2[1])
                            << "; largest relative distance from Lemma 1's plateau " << gap);
  CHECK(gap < 0.02);
  CHECK(std::abs(mean[0] - mean[1]) < 3 * se);
  CHECK(se > 0);
}
