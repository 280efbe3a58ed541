#pragma once
// The recorded quantities of a state (paper Sections 3-4, Appendix A). Losses come from explicit residuals.
#include "fasim/linalg/small_matrix.hpp"
#include "fasim/model/completion_metrics.hpp"
#include "fasim/model/dynamics.hpp"
#include "fasim/model/sensing_metrics.hpp"

#include <array>
#include <optional>
#include <string_view>
#include <vector>

namespace fasim::model {

/// Scalar metrics in the order they are stored; probe_xAx is separate (one column per probe). The feedback_*
/// columns are of the trajectory's own feedback matrix B (W for gd, C for fa and fastar, the rule's B).
inline constexpr std::array<std::string_view, 13> kScalarMetrics = {
    "step",          "time",          "loss",          "fa_loss",   "ell",
    "alignment_cos", "align_min_eig", "align_max_eig", "ztz_drift", "stationarity",
    "feedback_loss", "feedback_cos",  "feedback_gap"};

/// The column of the scalar metric `name` in kScalarMetrics; a name that is not there does not compile.
consteval std::size_t scalar_column(std::string_view name) {
  for (std::size_t i = 0; i < kScalarMetrics.size(); ++i)
    if (kScalarMetrics[i] == name) return i;
  throw "not a name in kScalarMetrics";
}

struct MetricRow {
  std::array<double, kScalarMetrics.size()> scalars{};
  std::vector<double> probes;     ///< xᵀAx for each probe direction
  std::vector<double> completion; ///< kCompletionMetrics under problem.observe = completion or sensing
  double step() const { return scalars[scalar_column("step")]; }
  double loss() const { return scalars[scalar_column("loss")]; }
  double stationarity() const { return scalars[scalar_column("stationarity")]; }
};

class MetricsCalculator {
public:
  /// `probes` fixed random unit vectors in R^r drawn from `probe_seed` (Fig 4a).
  MetricsCalculator(const Problem& problem, int probes, std::uint64_t probe_seed);
  /// Metrics of state s (whose W is current: call VectorField::refresh first for FA*) of the trajectory whose
  /// vector field is `field`: its feedback_* columns are ‖(Y − ZW)·Bᵀ‖²_F, cos∠(B, W) and ‖B − W‖_F (NaN
  /// without a field). Collective; valid on the grid's active ranks.
  MetricRow compute(const State& s, long long step, double time, VectorField* field = nullptr);
  int probes() const { return static_cast<int>(probe_vectors_.size()); }

private:
  const Problem& problem_;
  /// FA's field with ρ = 1 under the products formulation: its dZ is R = (Y − ZW)Cᵀ and its dW is the
  /// stationarity Zᵀ(Y − ZW), with ZᵀZ and W·Cᵀ as by-products — the dynamics' formulas, not a copy of them.
  VectorField fa_terms_;
  State terms_;
  State rule_terms_;                ///< a trajectory's own dZ = (Y − ZW)·Bᵀ (with room for kp's dB)
  parallel::DistMatrix difference_; ///< B − W
  linalg::SmallMatrix gram0_;
  double c_norm_ = 0.0;
  std::vector<std::vector<double>> probe_vectors_;
  std::optional<CompletionMetrics>
      completion_;                        ///< when the problem has a mask (loss is then the observed one)
  std::optional<SensingMetrics> sensing_; ///< when it has measurements (loss is then Σ r_i²)
};

/// Cosines of the principal angles between col(A) and col(B) (both n×r), descending. Collective.
std::vector<double> principal_cosines(const parallel::DistMatrix& a, const parallel::DistMatrix& b);

} // namespace fasim::model
