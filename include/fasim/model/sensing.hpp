#pragma once
// Matrix sensing (issue 27): the loss sees M linear measurements y_i = ⟨A_i, Y⟩ of Y, loss = Σ_i r_i² with
// r = y − 𝒜(Z·W) (no 1/M, as completion's loss has no 1/|Ω|), and the dynamics are completion's with E
// replaced by 𝒜*(r) = Σ_i r_i·A_i:  dZ = 𝒜*(r)·Fᵀ (F the trajectory's feedback), dW = ρ·Zᵀ·𝒜*(r).
//   rank-one A_i = a_i·b_iᵀ: A (n×M) and B (m×M) hold a_i, b_i as columns, block-cyclic over the measurements
//     like every other matrix; 𝒜(ZW)_i = Σ_k (ZᵀA)_ki·(W·B)_ki, dZ = A·diag(r)·(F·B)ᵀ, dW =
//     ρ·(ZᵀA)·diag(r)·Bᵀ — PBLAS products of O(r·(n+m)·M) flops; the n×m 𝒜*(r) is never formed.
//   gaussian A_i (n×m dense): each rank holds its piece of every A_i on Y's layout (M·n·m numbers in all, so
//     small problems only: kGaussianEntriesLimit); 𝒜*(r) is formed locally and multiplied as completion's E.
#include "fasim/model/problem.hpp"

#include <optional>
#include <vector>

namespace fasim::model {

/// Scratch of one sensing evaluation, made once per vector field (Measurements::workspace).
struct SensingWork {
  parallel::DistMatrix za, wb, fb, scaled; ///< rank-one: ZᵀA, W·B, F·B and a column-scaled copy (r×M)
  parallel::DistMatrix x, e;               ///< gaussian: Z·W and 𝒜*(r) (n×m, Y's layout)
  std::vector<double> residual;            ///< r_i: rank-one for this rank's columns of A, gaussian for all M
};

class Measurements {
public:
  /// n·m·M above which gaussian measurements are refused (8·10⁷ numbers = 640 MB over all ranks).
  static constexpr double kGaussianEntriesLimit = 8e7;

  /// Rank-one measurements: a_i, b_i the columns of `a` (n×M) and `b` (m×M), both on Y's grid and block;
  /// y_i = a_iᵀ·Y·b_i. Collective over the grid.
  static Measurements rank_one(parallel::DistMatrix a, parallel::DistMatrix b, const parallel::DistMatrix& y);
  /// `count` dense Gaussian A_i (n×m, entries N(0, 1/count), entry (i, j) of A_l from (seed, SensingA, l,
  /// i·m + j): the same on every grid), laid out like `y`; y_l = ⟨A_l, Y⟩. Collective over the grid.
  static Measurements gaussian(const parallel::DistMatrix& y, int count, std::uint64_t seed);

  SensingKind kind() const { return kind_; }
  int count() const { return count_; }
  /// Rank-one: A (n×M) and B (m×M); nullptr for gaussian.
  const parallel::DistMatrix* a() const { return kind_ == SensingKind::RankOne ? &a_ : nullptr; }
  const parallel::DistMatrix* b() const { return kind_ == SensingKind::RankOne ? &b_ : nullptr; }
  /// Σ_i y_i² = Σ_i ⟨A_i, Y⟩². Valid on active ranks.
  double measured_norm2() const { return y_norm2_; }

  /// Scratch for fields of r columns (Z n×r, W r×m). Local.
  SensingWork workspace(int r) const;
  /// r = y − 𝒜(Z·W) into work.residual; returns Σ_i r_i² (the same on every active rank). Collective over
  /// the grid; 0 on inactive ranks.
  double residual(const parallel::DistMatrix& z, const parallel::DistMatrix& w, SensingWork& work) const;
  /// d_z = 𝒜*(r)·fᵀ and, when d_w is given, d_w = rho·zᵀ·𝒜*(r), at (z, w) with feedback f (r×m, W's layout;
  /// f may be w itself). Returns Σ_i r_i². Collective over the grid.
  double field(const parallel::DistMatrix& z, const parallel::DistMatrix& w, const parallel::DistMatrix& f,
               parallel::DistMatrix& d_z, parallel::DistMatrix* d_w, double rho, SensingWork& work) const;

private:
  Measurements() = default;
  /// Sets y_ and y_norm2_ from the measurements of `y`. Collective.
  void measure(const parallel::DistMatrix& y);
  /// Σ_i ⟨A_i, x⟩ into out (gaussian: all M, reduced over the grid). Collective.
  void apply_dense(const parallel::DistMatrix& x, std::vector<double>& out) const;

  SensingKind kind_ = SensingKind::RankOne;
  int count_ = 0;
  parallel::DistMatrix a_, b_; ///< rank-one (gaussian: a_ is a zero matrix of Y's layout)
  std::vector<double> stack_;  ///< gaussian: this rank's piece of A_l at [l·size, (l+1)·size), packed
  std::size_t piece_ = 0;      ///< gaussian: local_rows·local_cols of Y's layout
  std::vector<double> y_;      ///< rank-one: y_i of this rank's columns of A; gaussian: all M
  double y_norm2_ = 0.0;
};

/// Sets problem.sensing from `spec`: rank-one measurements from the input file's A (n×M) and B (m×M) when
/// given, else drawn from spec.seed (entries N(0, M^(-1/2)), so that E[𝒜*𝒜] = I), or spec.measurements dense
/// Gaussian ones. Refuses a target other than a dense, isotropic Y, a count or shape that does not agree, and
/// gaussian beyond kGaussianEntriesLimit, each with a one-line UsageError. Collective over the grid.
void observe_measurements(Problem& problem, const SensingSpec& spec,
                          std::optional<parallel::DistMatrix> given_a = std::nullopt,
                          std::optional<parallel::DistMatrix> given_b = std::nullopt);

} // namespace fasim::model
