#pragma once
// A network's learning dynamics (network.hpp) as a vector field over its weights, and the integrators that
// advance it. Time is in units of lr, as for the paper's model: one Euler step of size h = lr is the update
//   W_l += lr·H_{l−1}ᵀ·δ_l (l < L),   W_L += lr_w·H_{L−1}ᵀ·E,
// with δ_L = E = O − Ŷ and, for the hidden layers l = L−1 … 1,
//   gd (backprop):            δ_l = (δ_{l+1}·W_{l+1}ᵀ) ∘ σ'(A_l)
//   fa:                       δ_l = (δ_{l+1}·C_{l+1}ᵀ) ∘ σ'(A_l)
//   usf, frsf, kp, mixed:     δ_l = (δ_{l+1}·B_{l+1}ᵀ) ∘ σ'(A_l), B_{l+1} formed from W_{l+1} (and C_{l+1})
//                             as feedback_rules.hpp forms it; kp learns B_l: dB_l = ρ_l(H_{l−1}ᵀδ_l − λB_l)
//                             and its dW_l gets −ρ_lλW_l (l >= 2), ρ_l = 1 for l < L, lr_w/lr for l = L
//   dfa:                      δ_l = (E·D_lᵀ) ∘ σ'(A_l)
// FA* is refused (network.hpp). Distribution: X, O, A_l, H_l and δ_l are N×(width) block-cyclic over the
// whole grid, and so are the weights. The products follow the field's plan (network_plan.hpp): one PDGEMM
// each, or local GEMMs over each rank's samples with the weights gathered whole (network_replicated.hpp), or
// (σ = identity with an X) n-sized products of XᵀX and XᵀO formed once (network_gram.hpp).
#include "fasim/model/integrator.hpp"
#include "fasim/model/network.hpp"
#include "fasim/model/network_gram.hpp"
#include "fasim/model/network_plan.hpp"
#include "fasim/model/network_replicated.hpp"

#include <memory>

#include <string>
#include <vector>

namespace fasim::model {

/// The trajectory's state: the weights W_1 … W_L (index l − 1) and, for kp, its learned B_l (l >= 2, index
/// l − 1; index 0 empty).
struct NetworkState {
  std::vector<parallel::DistMatrix> w;
  std::vector<parallel::DistMatrix> b;
  bool has_feedback() const { return !b.empty(); }
};

/// Zero weights of the network's shapes (and B for kp).
NetworkState make_network_state(const Network& net, AlgorithmKind algorithm);
/// W_l(0), and B_l(0) = C_l for kp.
NetworkState initial_network_state(const Network& net, AlgorithmKind algorithm);

/// The plan network_plan_cost chooses for this network on its grid and this algorithm.
NetworkPlanCost network_plan_cost(const Network& net, AlgorithmKind algorithm);

class NetworkField {
public:
  /// Throws UsageError for FA* (network_algorithm_unsupported). Allocates the activations once. `plan`:
  /// the products' distribution (both give the same numbers to rounding).
  NetworkField(const Network& net, const AlgorithmSpec& spec, NetworkPlan plan = NetworkPlan::Distributed);
  NetworkField(const NetworkField&) = delete;
  NetworkField& operator=(const NetworkField&) = delete;
  NetworkField(NetworkField&&) = default;

  /// The forward pass at s: A_l, H_l and E = O − Ŷ. Returns the loss ‖E‖²_F. Collective.
  double forward(const NetworkState& s);
  /// Evaluates the field at s into d (forward, backward, the weights' increments). Returns the loss at s (a
  /// non-finite value: the caller stops the trajectory; d is then not computed). Collective.
  double evaluate(const NetworkState& s, NetworkState& d);
  /// The feedback matrix B_l (l >= 2) that carries δ_l to layer l − 1: W_l (gd), C_l (fa), kp's B_l, or
  /// formed from W_l into the field's buffer (usf, frsf, mixed). Not defined for dfa. Local.
  const parallel::DistMatrix& feedback(const NetworkState& s, int l);
  const AlgorithmSpec& spec() const { return spec_; }
  const Network& network() const { return net_; }
  NetworkPlan plan() const;

private:
  /// H_l (l < L): X for l = 0 (not for identity inputs), else a_[l] (σ(A_l) in place after the forward pass).
  const parallel::DistMatrix& hidden(int l) const;
  /// out = ρ·H_{l−1}ᵀ·δ for layer l (δ = δ_l).
  void weight_increment(int l, const parallel::DistMatrix& delta, double rho, parallel::DistMatrix& out);
  /// A_l = H_{l−1}·W_l (l ≥ 2, or l = 1 with an X).
  void forward_product(const NetworkState& s, int l);
  /// δ_l (before σ') = δ_{l+1}·B_{l+1}ᵀ, or E·D_lᵀ for dfa.
  void backward_product(const NetworkState& s, int l);

  const Network& net_;
  AlgorithmSpec spec_;
  double w_ratio_ = 1.0;
  std::vector<parallel::DistMatrix> a_;     ///< A_l, then H_l = σ(A_l) in place, l = 1 … L − 1 (index l)
  std::vector<parallel::DistMatrix> delta_; ///< δ_l, l = 1 … L (index l; δ_L = Ŷ, then E in place)
  std::vector<parallel::DistMatrix> formed_;       ///< usf, frsf, mixed: B_l (index l − 1)
  std::unique_ptr<ReplicatedProducts> replicated_; ///< the replicated plan's whole weights and scratch
  std::unique_ptr<GramProducts> gram_;             ///< the Gram plan's XᵀX, XᵀO and n-sized products
};

/// y += a·x for every W_l (and kp's B_l).
void add_scaled(double a, const NetworkState& x, NetworkState& y);
/// out = base, matrix by matrix (same layouts).
void assign(NetworkState& out, const NetworkState& base);

/// Advances a network's state by one step of size h (Euler or classical RK4; integrator.hpp): returns the
/// loss at the start of the step (non-finite: the state is left as it was). Workspace allocated once.
class NetworkIntegrator : public BasicIntegrator<NetworkState> {
public:
  NetworkIntegrator(const Network& net, IntegratorKind kind, AlgorithmKind algorithm);
};

} // namespace fasim::model
