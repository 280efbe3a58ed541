#pragma once
// The Gram plan of a linear network with an input X (σ = identity; network_plan.hpp): X and O are read once,
// at construction, into S = XᵀX (n×n) and R = XᵀO (n×m), held whole on every rank with ‖O‖²_F; every
// evaluation after that works on n-sized products only, with the weights gathered whole (as the replicated
// plan gathers them):
//   P_l = W_1·…·W_l (n×w_l),  M = XᵀE = R − S·P_L (n×m),  loss = ‖O‖²_F − ⟨P_L, R + M⟩,
//   Xᵀδ_L = M,  Xᵀδ_l = Xᵀδ_{l+1}·B_{l+1}ᵀ (dfa: M·D_lᵀ),  H_{l−1}ᵀ·δ_l = P_{l−1}ᵀ·Xᵀδ_l (P_0 = I),
// since H_l = X·P_l and δ_l = E·G_l for a fixed G_l when σ is the identity. Every rank computes the same
// products (no sample is read, nothing is summed) and keeps the entries of each gradient it owns. The
// rounding differs from the sample-pass plans (the loss is a difference of sums of size ‖O‖²_F):
// docs/determinism.md states the tolerance.
#include "fasim/model/network.hpp"
#include "fasim/model/network_replicated.hpp"

#include <string>
#include <vector>

namespace fasim::model {

/// Why the Gram plan cannot run this network ("" when it can): it needs σ = identity and an input X.
std::string network_gram_unsupported(const Network& net);

class GramProducts {
public:
  /// Forms S = XᵀX and R = XᵀO (two PDGEMMs: X read twice, O once) and gathers them whole, with the fixed
  /// feedback the algorithm uses. Requires an X. Collective.
  GramProducts(const Network& net, AlgorithmKind kind);

  /// Gathers W_1 … W_L whole and forms P_1 … P_L and M; returns the loss at `weights`. Collective.
  double forward(const std::vector<parallel::DistMatrix>& weights);
  /// Xᵀδ_l for l = L − 1 … 1 from the last forward(): Xᵀδ_{l+1}·B_{l+1}ᵀ with B from `feedback` (gd: W,
  /// fa: C, kp: its learned B, the rules: formed from W and C), or M·D_lᵀ for dfa. `learned`: kp's B_2 …
  /// B_L (index l − 1; gathered). Collective for kp.
  void backward(AlgorithmKind kind, double alpha, const std::vector<parallel::DistMatrix>& learned);
  /// out = ρ·H_{l−1}ᵀ·δ_l = ρ·P_{l−1}ᵀ·Xᵀδ_l, the entries `out` owns. Local.
  void gradient(int l, double rho, parallel::DistMatrix& out) const;

private:
  const Network& net_;
  ReplicatedProducts whole_; ///< W_l, C_l, D_l, kp's B_l whole
  linalg::SmallMatrix s_, r_, m_;
  std::vector<linalg::SmallMatrix> p_; ///< P_l, l = 1 … L (index l)
  std::vector<linalg::SmallMatrix> q_; ///< Xᵀδ_l, l = 1 … L (index l)
};

} // namespace fasim::model
