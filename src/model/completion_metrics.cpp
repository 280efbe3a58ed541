#include "fasim/model/completion_metrics.hpp"

#include "fasim/linalg/entry_mask.hpp"
#include "fasim/linalg/tall_qr.hpp"
#include "fasim/linalg/transpose_leading.hpp"
#include "fasim/parallel/error.hpp"

#include <cmath>
#include <limits>
#include <numeric>

namespace fasim::model {

using parallel::DistMatrix;

std::vector<double> product_singular_values(const DistMatrix& z, const DistMatrix& w) {
  FASIM_REQUIRE(z.cols() == w.rows() && z.rows() >= z.cols() && w.cols() >= w.rows(),
                "product_singular_values: Z (n×r) and W (r×m) need r <= n, m");
  DistMatrix wt(w.grid(), w.cols(), w.rows(), w.col_block(), w.row_block());
  linalg::transpose_leading(w, wt, w.cols(), /*rows_limited=*/false);
  const linalg::SmallMatrix rz = linalg::tall_r_factor(z), rw = linalg::tall_r_factor(wt);
  if (!z.grid()->active()) return {};
  return linalg::singular_values(linalg::multiply(rz, rw, false, true));
}

double effective_rank(const std::vector<double>& sigma) {
  const double total = std::accumulate(sigma.begin(), sigma.end(), 0.0);
  if (!(total > 0)) return total == 0 ? 0.0 : std::numeric_limits<double>::quiet_NaN();
  double entropy = 0.0;
  for (double s : sigma)
    if (s > 0) entropy -= (s / total) * std::log(s / total);
  return std::exp(entropy);
}

CompletionMetrics::CompletionMetrics(const Problem& problem) : problem_(problem) {
  FASIM_REQUIRE(problem.mask && problem.target->dense(),
                "CompletionMetrics: the problem observes every entry");
  const linalg::SplitNorms y = linalg::split_norm2(*problem.target->dense(), *problem.mask);
  unobserved_y_norm2_ = y.unobserved;
  y_norm2_ = y.observed + y.unobserved;
  const auto& dense = *problem.target->dense();
  // observed_count is collective over the grid: ranks outside it (a test grid may leave some out) skip it.
  holds_out_ = !dense.grid()->active() ||
               problem.mask->observed_count(dense) < static_cast<long long>(dense.rows()) * dense.cols();
}

std::array<double, kCompletionMetrics.size()> recovery_values(double test, double full, const State& s) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // A diverged state has no SVD worth taking (LAPACK may refuse it): every rank sees the same reduced sums.
  if (!std::isfinite(full)) return {nan, full, nan, nan};
  const std::vector<double> sigma = product_singular_values(s.z, s.w);
  return {test, full, std::accumulate(sigma.begin(), sigma.end(), 0.0), effective_rank(sigma)};
}

CompletionRow CompletionMetrics::compute(const State& s) const {
  const linalg::SplitNorms e =
      linalg::split_residual_norm2(*problem_.target->dense(), s.z, s.w, *problem_.mask);
  CompletionRow row;
  row.loss = e.observed;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // Nothing held out (fraction 1, or a mask of ones): the test set is every entry, all of them observed, and
  // test_error is the relative error on them, ‖Y − ZW‖²/‖Y‖² (docs/config.md).
  const double test = holds_out_ ? (unobserved_y_norm2_ > 0 ? e.unobserved / unobserved_y_norm2_ : nan)
                                 : (y_norm2_ > 0 ? (e.observed + e.unobserved) / y_norm2_ : nan);
  row.values = recovery_values(test, e.observed + e.unobserved, s);
  return row;
}

} // namespace fasim::model
