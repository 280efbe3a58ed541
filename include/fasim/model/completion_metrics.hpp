#pragma once
// What matrix completion records beyond the loss on the observed entries: the error on the unobserved ones
// (generalisation), the full error, and the nuclear norm and effective rank of Ŷ = Z·W — Gunasekar et al.
// (2017) conjecture that gradient descent from small initialisation approaches the minimum-nuclear-norm
// completion.
#include "fasim/model/dynamics.hpp"

#include <array>
#include <string_view>
#include <vector>

namespace fasim::model {

/// The trajectory columns written only when problem.observe = completion, in this order.
inline constexpr std::array<std::string_view, 4> kCompletionMetrics = {"test_error", "full_error",
                                                                       "nuclear_norm", "effective_rank"};

struct CompletionRow {
  double loss = 0.0; ///< ‖P_Ω(Y − ZW)‖²_F
  std::array<double, kCompletionMetrics.size()> values{};
};

class CompletionMetrics {
public:
  /// Needs problem.mask. Computes ‖P_Ωᶜ Y‖²_F once. Collective.
  explicit CompletionMetrics(const Problem& problem);
  /// test_error = ‖P_Ωᶜ(Y − ZW)‖²/‖P_Ωᶜ Y‖² (‖Y − ZW‖²/‖Y‖² when no entry is held out), full_error =
  /// ‖Y − ZW‖², nuclear_norm = Σσ_i(ZW) and
  /// effective_rank = exp(−Σ p_i log p_i), p_i = σ_i/Σσ (0 when ZW = 0). Collective; valid on active ranks.
  CompletionRow compute(const State& s) const;

private:
  const Problem& problem_;
  double unobserved_y_norm2_ = 0.0;
  double y_norm2_ = 0.0;  ///< ‖Y‖²
  bool holds_out_ = true; ///< some entry is unobserved
};

/// The kCompletionMetrics values of state s given its test error and full error ‖Y − ZW‖²: with the nuclear
/// norm and effective rank of Z·W (NaN for a non-finite full error, test error included). Shared by
/// completion and sensing (model/sensing_metrics.hpp). Collective; valid on active ranks.
std::array<double, kCompletionMetrics.size()> recovery_values(double test, double full, const State& s);

/// Singular values of Z·W (n×r times r×m, r <= n, m), descending, without forming it: Z = Q_Z·R_Z and
/// Wᵀ = Q_W·R_W (thin QRs), so σ(ZW) = σ(R_Z·R_Wᵀ), an r×r SVD. Collective; empty on inactive ranks.
std::vector<double> product_singular_values(const parallel::DistMatrix& z, const parallel::DistMatrix& w);

/// exp of the entropy of σ/Σσ (Roy and Vetterli's effective rank); 0 for an all-zero σ.
double effective_rank(const std::vector<double>& sigma);

} // namespace fasim::model
