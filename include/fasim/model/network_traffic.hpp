#pragma once
// What one step of a network (issue 26) sends and which passes over its data X (N×n) and O (N×m) it makes:
// the plan's model beside the algebra's floor, per rank per step, by the conventions of parallel/traffic.hpp
// (`fasim bench` reports both beside what the PMPI counters measured). BENCHMARKS.md ("Networks: passes and
// communication") derives them:
//   passes      every evaluation reads X twice (A_1 = X·W_1 and the gradient Xᵀ·δ_1; none without X) and O
//               once (E = O − Ŷ). Floor: the same for a nonlinear σ (δ_1 depends on X·W_1 through σ, so
//               neither product is constant); 0 and 0 for σ = identity with an X (XᵀX and XᵀO formed once
//               carry every product: the gram plan, network_gram.hpp); without X, O once (H_{L−1}ᵀ·O
//               changes with H_{L−1}).
//   bytes       the plan's (network_plan_cost, per evaluation) times the evaluations of a step (RK4: 4).
//   Exact
//               on one rank (nothing), for the gram plan (an allgatherv per W_l) and for the replicated plan
//               on one process column; PDGEMM's own algorithm (and the row gathers of the replicated plan on
//               more process columns) make the others estimates (`exact` false, no message count).
//   floor       samples stay where they are (X and O never move), the weights whole on every rank: each
//               gradient H_{l−1}ᵀ·δ_l of a layer with a product summed over the P·Q ranks once (one
//               allreduce, 2·8·(p−1)/p·w_{l−1}·w_l), with the loss in the same message. For σ = identity
//               with an X, 0: every rank can make the n-sized products of XᵀX and XᵀO from weights it holds
//               whole (the gram plan gathers the weights each evaluation: the state stays distributed).
#include "fasim/model/network.hpp"
#include "fasim/model/network_plan.hpp"
#include "fasim/model/step_traffic.hpp"

namespace fasim::model {

/// Passes over X and O (whole reads of either, by a product or an entrywise pass).
struct NetworkPasses {
  double x = 0;
  double o = 0;
};

/// Evaluations of the vector field per step: 1 (Euler) or 4 (RK4).
int network_evaluations(IntegratorKind integrator);

/// Per field evaluation, as NetworkField makes them under `plan` (gram: none; XᵀX and XᵀO are formed once).
NetworkPasses network_passes(const Network& net, NetworkPlan plan);
/// Per field evaluation, the algebra's floor.
NetworkPasses network_passes_floor(const Network& net);

/// Flops of one field evaluation's products: H_{l−1}·W_l and H_{l−1}ᵀ·δ_l for every layer with a product
/// (not layer 1 without X), δ_{l+1}·B_{l+1}ᵀ (dfa: E·D_lᵀ) for l < L; 2 per multiply-add.
double network_evaluation_flops(const Network& net, AlgorithmKind algorithm);

/// Bytes and messages one step of `integrator` sends per rank under `plan` (mean over the grid's ranks).
/// `messages` is negative where it is not modelled (exact false).
StepTraffic network_step_traffic(const Network& net, NetworkPlan plan, AlgorithmKind algorithm,
                                 IntegratorKind integrator);
/// The algebra's floor for the same step on the same number of ranks.
StepTraffic network_traffic_floor(const Network& net, IntegratorKind integrator);

} // namespace fasim::model
