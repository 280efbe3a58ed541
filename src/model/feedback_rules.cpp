#include "fasim/model/feedback_rules.hpp"

#include "fasim/model/entrywise.hpp"
#include "fasim/parallel/error.hpp"

#include <cmath>

namespace fasim::model {

namespace {
double sign(double x) {
  return x >= 0 ? 1.0 : -1.0; // sign(0) = +1: B's entries are ±1 exactly
}

// Each rule's entry, shared by the distributed form and the panel form so that both give the same bits.
struct Usf {
  double operator()(double x, double) const { return sign(x); }
};
struct Frsf {
  double operator()(double x, double f) const { return std::abs(f) * sign(x); }
};
struct Mixed {
  double alpha;
  double operator()(double x, double f) const { return alpha * x + (1 - alpha) * f; }
};

template <class F>
void on_panel(int rows, int cols, linalg::PanelView w, linalg::PanelView c, double* out, int ld, F f) {
  for (int j = 0; j < cols; ++j)
    for (int i = 0; i < rows; ++i)
      out[static_cast<std::size_t>(j) * ld + i] =
          f(w.data[static_cast<std::size_t>(j) * w.ld + i], c.data[static_cast<std::size_t>(j) * c.ld + i]);
}
} // namespace

bool formed_feedback(AlgorithmKind kind) {
  return kind == AlgorithmKind::USF || kind == AlgorithmKind::FRSF || kind == AlgorithmKind::Mixed;
}

void form_feedback(AlgorithmKind kind, double alpha, const parallel::DistMatrix& w,
                   const parallel::DistMatrix& c, parallel::DistMatrix& out) {
  switch (kind) {
  case AlgorithmKind::USF:
    entrywise(w, w, out, Usf{});
    return;
  case AlgorithmKind::FRSF:
    entrywise(w, c, out, Frsf{});
    return;
  case AlgorithmKind::Mixed:
    entrywise(w, c, out, Mixed{alpha});
    return;
  default:
    FASIM_UNREACHABLE(std::string("form_feedback: ") + to_string(kind) + " forms no feedback from W");
  }
}

void form_feedback_panel(AlgorithmKind kind, double alpha, int rows, int cols, linalg::PanelView w,
                         linalg::PanelView c, double* out, int ld) {
  switch (kind) {
  case AlgorithmKind::USF:
    on_panel(rows, cols, w, w, out, ld, Usf{});
    return;
  case AlgorithmKind::FRSF:
    on_panel(rows, cols, w, c, out, ld, Frsf{});
    return;
  case AlgorithmKind::Mixed:
    on_panel(rows, cols, w, c, out, ld, Mixed{alpha});
    return;
  default:
    FASIM_UNREACHABLE(std::string("form_feedback_panel: ") + to_string(kind) + " forms no feedback from W");
  }
}

} // namespace fasim::model
