#include "fasim/model/feedback_rules.hpp"

#include "fasim/model/entrywise.hpp"

#include <cmath>

namespace fasim::model {

namespace {
double sign(double x) {
  return x >= 0 ? 1.0 : -1.0; // sign(0) = +1: B's entries are ±1 exactly
}
} // namespace

bool formed_feedback(AlgorithmKind kind) {
  return kind == AlgorithmKind::USF || kind == AlgorithmKind::FRSF || kind == AlgorithmKind::Mixed;
}

void form_feedback(AlgorithmKind kind, double alpha, const parallel::DistMatrix& w,
                   const parallel::DistMatrix& c, parallel::DistMatrix& out) {
  switch (kind) {
  case AlgorithmKind::USF:
    entrywise(w, w, out, [](double x, double) { return sign(x); });
    return;
  case AlgorithmKind::FRSF:
    entrywise(w, c, out, [](double x, double f) { return std::abs(f) * sign(x); });
    return;
  case AlgorithmKind::Mixed:
    entrywise(w, c, out, [alpha](double x, double f) { return alpha * x + (1 - alpha) * f; });
    return;
  default:
    throw Error(std::string("form_feedback: ") + to_string(kind) + " forms no feedback from W");
  }
}

} // namespace fasim::model
