#include "fasim/model/metrics.hpp"

#include "fasim/linalg/panels.hpp"
#include "fasim/parallel/error.hpp"
#include "fasim/parallel/pblas.hpp"
#include "fasim/parallel/random.hpp"

#include <algorithm>
#include <cmath>

namespace fasim::model {

using linalg::SmallMatrix;
using parallel::DistMatrix;
using parallel::Op;

namespace {
SmallMatrix gram_of(const DistMatrix& a, const DistMatrix& b) {
  DistMatrix g(a.grid(), a.cols(), b.cols(), a.col_block(), b.col_block());
  parallel::gemm(Op::Trans, Op::None, 1.0, a, b, 0.0, g);
  return linalg::replicate(g);
}
} // namespace

namespace {
StepPlan terms_plan(const Problem& problem) {
  StepPlan plan = estimate_plan(problem, AlgorithmKind::FA);
  // The metrics need W·Cᵀ, a by-product of the products formulation; completion has only the residual one
  // (then ZᵀZ and W·Cᵀ are formed in compute()), sensing its own.
  if (!problem.mask && !problem.sensing) plan.formulation = Formulation::Products;
  return plan;
}
} // namespace

MetricsCalculator::MetricsCalculator(const Problem& problem, int probes, std::uint64_t probe_seed)
    : problem_(problem),
      fa_terms_(problem, AlgorithmSpec{AlgorithmKind::FA, 1.0, 0.0, false}, terms_plan(problem)),
      terms_(make_state(problem)), rule_terms_(make_state(problem, AlgorithmKind::KP)),
      difference_(parallel::DistMatrix::like(problem.w0)) {
  {
    linalg::ProductContext ctx;
    DistMatrix sz0 = problem.target->isotropic() ? DistMatrix() : DistMatrix::like(problem.z0);
    input_gram_of(*problem.target, problem.z0, sz0, gram0_, ctx);
  }
  c_norm_ = parallel::frobenius_norm(problem.c);
  const parallel::CounterRng rng(probe_seed, parallel::Stream::Probes);
  for (int p = 0; p < probes; ++p) {
    // Uniform on the unit sphere: a normalised Gaussian vector.
    std::vector<double> x(static_cast<std::size_t>(problem.r));
    double norm = 0.0;
    for (int i = 0; i < problem.r; ++i) norm += (x[i] = rng.normal(static_cast<std::uint64_t>(p), i)) * x[i];
    for (double& v : x) v /= std::sqrt(norm);
    probe_vectors_.push_back(std::move(x));
  }
  if (problem.mask) completion_.emplace(problem);
  if (problem.sensing) sensing_.emplace(problem);
}

MetricRow MetricsCalculator::compute(const State& s, long long step, double time, VectorField* field) {
  const Problem& p = problem_;
  MetricRow row;
  row.probes.assign(probe_vectors_.size(), 0.0);
  double loss = 0.0;
  if (completion_ || sensing_) {
    const CompletionRow c = completion_ ? completion_->compute(s) : sensing_->compute(s);
    loss = c.loss;
    row.completion.assign(c.values.begin(), c.values.end());
  } else {
    loss = p.target->residual_norm2(s.z, s.w);
  }

  // R = (Y − ZW)Cᵀ = YCᵀ − Z(WCᵀ) and the stationarity term Zᵀ(Y − ZW) = ZᵀY − (ZᵀZ)W (Fact 2): FA's field
  // (under completion, with P_Ω(Y − ZW) in place of Y − ZW; under sensing with 𝒜*(y − 𝒜(ZW))).
  fa_terms_.evaluate_fixed(s, terms_);
  const DistMatrix& resid = terms_.z;
  // Neither formulation of completion or sensing forms ZᵀZ and W·Cᵀ: made here.
  const bool partial = completion_ || sensing_;
  SmallMatrix masked_gram, masked_wct;
  if (partial) {
    masked_gram = gram_of(s.z, s.z);
    DistMatrix wct_dist(p.grid, p.r, p.r, p.block, p.block);
    parallel::gemm(Op::None, Op::Trans, 1.0, s.w, p.c, 0.0, wct_dist);
    masked_wct = linalg::replicate(wct_dist);
  }
  const SmallMatrix& gram = partial ? masked_gram : fa_terms_.gram();
  const SmallMatrix& wct = partial ? masked_wct : fa_terms_.feedback_product();
  // fa_loss = ‖R‖², ell = ‖R(ZᵀZ)^{-1/2}‖² = tr((ZᵀZ)⁻¹RᵀR).
  const double fa_norm = parallel::frobenius_norm(resid);
  const SmallMatrix rtr = gram_of(resid, resid);
  const double stationarity = parallel::frobenius_norm(terms_.w);

  const double w_norm = parallel::frobenius_norm(s.w);
  const double cw = parallel::dot(p.c, s.w);

  // The trajectory's feedback B: ‖(Y − ZW)·Bᵀ‖² is its own field's dZ (FA's R when B = C), cos∠(B, W), and
  // ‖B − W‖ formed directly (from norms and ⟨B, W⟩ it would cancel as kp's B approaches W).
  const double nan = std::numeric_limits<double>::quiet_NaN();
  double feedback_loss = nan, feedback_cos = nan, feedback_gap = nan;
  if (field) {
    const DistMatrix& b = field->feedback(s);
    if (constant_feedback(field->spec().kind)) {
      feedback_loss = fa_norm * fa_norm;
    } else {
      field->evaluate_fixed(s, rule_terms_);
      const double norm = parallel::frobenius_norm(rule_terms_.z);
      feedback_loss = norm * norm;
    }
    feedback_cos = parallel::dot(b, s.w) / (parallel::frobenius_norm(b) * w_norm);
    parallel::geadd(Op::None, 1.0, b, 0.0, difference_);
    parallel::geadd(Op::None, -1.0, s.w, 1.0, difference_);
    feedback_gap = parallel::frobenius_norm(difference_);
  }
  if (!p.grid->active()) return row;

  double ell = std::numeric_limits<double>::quiet_NaN();
  double min_eig = ell, max_eig = ell;
  try {
    const SmallMatrix factor = linalg::cholesky(gram, "ZᵀZ");
    ell = linalg::trace(linalg::cholesky_solve(factor, rtr));
    // A = (ZᵀZ)⁻¹CWᵀ + WCᵀ(ZᵀZ)⁻¹ (Appendix A's alignment matrix); CWᵀ = (WCᵀ)ᵀ.
    const SmallMatrix m = linalg::cholesky_solve(factor, linalg::transpose(wct));
    SmallMatrix a = m;
    for (int i = 0; i < p.r; ++i)
      for (int j = 0; j < p.r; ++j) a(i, j) = m(i, j) + m(j, i);
    const std::vector<double> eig = linalg::symmetric_eigenvalues(a);
    min_eig = eig.front();
    max_eig = eig.back();
    for (std::size_t k = 0; k < probe_vectors_.size(); ++k) {
      const auto& x = probe_vectors_[k];
      double xax = 0.0;
      for (int j = 0; j < p.r; ++j)
        for (int i = 0; i < p.r; ++i) xax += x[i] * a(i, j) * x[j];
      row.probes[k] = xax;
    }
  } catch (const fasim::Error&) {
    // ZᵀZ singular or non-finite: the A-based metrics are undefined; they are recorded as NaN.
    std::fill(row.probes.begin(), row.probes.end(), std::numeric_limits<double>::quiet_NaN());
  }
  row.scalars = {static_cast<double>(step),
                 time,
                 loss,
                 fa_norm * fa_norm,
                 ell,
                 cw / (c_norm_ * w_norm),
                 min_eig,
                 max_eig,
                 linalg::frobenius(linalg::subtract(gram, gram0_)),
                 stationarity,
                 feedback_loss,
                 feedback_cos,
                 feedback_gap};
  return row;
}

std::vector<double> principal_cosines(const DistMatrix& a, const DistMatrix& b) {
  DistMatrix qa = DistMatrix::like(a), qb = DistMatrix::like(b);
  qa.copy_from(a);
  qb.copy_from(b);
  parallel::qr_thin(qa);
  parallel::qr_thin(qb);
  const SmallMatrix cross = gram_of(qa, qb);
  if (!a.grid()->active()) return {};
  std::vector<double> s = linalg::singular_values(cross);
  for (double& v : s) v = std::min(1.0, v);
  return s;
}

} // namespace fasim::model
