#include "fasim/model/sensing_metrics.hpp"

#include "fasim/parallel/error.hpp"

#include <limits>

namespace fasim::model {

SensingMetrics::SensingMetrics(const Problem& problem) : problem_(problem) {
  FASIM_REQUIRE(problem.sensing != nullptr, "SensingMetrics: the problem has no measurements");
  work_ = problem.sensing->workspace(problem.r);
}

CompletionRow SensingMetrics::compute(const State& s) {
  CompletionRow row;
  row.loss = problem_.sensing->residual(s.z, s.w, work_);
  const double full = problem_.target->residual_norm2(s.z, s.w);
  const double y_norm2 = problem_.target->norm2();
  const double test = y_norm2 > 0 ? full / y_norm2 : std::numeric_limits<double>::quiet_NaN();
  row.values = recovery_values(test, full, s);
  return row;
}

} // namespace fasim::model
