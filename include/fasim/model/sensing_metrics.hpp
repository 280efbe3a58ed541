#pragma once
// What matrix sensing records (problem.observe = sensing): the loss on the measurements, Σ_i (y_i − ⟨A_i,
// ZW⟩)², and completion's columns (kCompletionMetrics) with nothing held out: test_error = ‖Y − ZW‖²/‖Y‖²
// (the relative error to the ground truth Y*), full_error = ‖Y − ZW‖², nuclear_norm and effective_rank of
// Z·W.
#include "fasim/model/completion_metrics.hpp"
#include "fasim/model/sensing.hpp"

namespace fasim::model {

class SensingMetrics {
public:
  /// Needs problem.sensing. Local.
  explicit SensingMetrics(const Problem& problem);
  /// Collective; valid on active ranks.
  CompletionRow compute(const State& s);

private:
  const Problem& problem_;
  SensingWork work_;
};

} // namespace fasim::model
