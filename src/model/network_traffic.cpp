#include "fasim/model/network_traffic.hpp"

#include "fasim/model/network_dynamics.hpp"

namespace fasim::model {

int network_evaluations(IntegratorKind integrator) {
  return integrator == IntegratorKind::RK4 ? 4 : 1;
}

NetworkPasses network_passes(const Network& net, NetworkPlan plan) {
  if (plan == NetworkPlan::Gram) return {0.0, 0.0}; // XᵀX and XᵀO were formed once
  return {net.identity_input ? 0.0 : 2.0, 1.0};
}

NetworkPasses network_passes_floor(const Network& net) {
  if (net.activation == Activation::Identity && !net.identity_input) return {0.0, 0.0};
  return network_passes(net, NetworkPlan::Distributed);
}

double network_evaluation_flops(const Network& net, AlgorithmKind algorithm) {
  const double N = net.samples;
  const auto size = [&](int l) { return static_cast<double>(net.sizes[static_cast<std::size_t>(l)]); };
  double flops = 0;
  for (int l = 1; l <= net.depth; ++l) {
    if (!(l == 1 && net.identity_input)) flops += 2 * 2 * N * size(l - 1) * size(l); // forward, gradient
    if (l < net.depth)
      flops += 2 * N * size(l) * (algorithm == AlgorithmKind::DFA ? size(net.depth) : size(l + 1));
  }
  return flops;
}

StepTraffic network_step_traffic(const Network& net, NetworkPlan plan, AlgorithmKind algorithm,
                                 IntegratorKind integrator) {
  const int p = net.grid->rows() * net.grid->cols(), L = net.depth;
  const double k = network_evaluations(integrator);
  StepTraffic out;
  if (p < 2) return out; // one rank sends nothing
  const NetworkPlanCost cost = network_plan_cost(net, algorithm);
  if (plan == NetworkPlan::Gram) { // one allgatherv per W_l (and kp's B_l, l >= 2), on any grid
    out.bytes = k * cost.gram;
    out.messages = k * (L + (learned_feedback(algorithm) ? L - 1 : 0));
    return out;
  }
  if (plan == NetworkPlan::Replicated) {
    out.bytes = k * cost.replicated;
    // One allgatherv per W_l (and per kp's B_l, l >= 2), one alltoallv per gradient with a product, one
    // allreduce of the loss; with more than one process column the row gathers come on top.
    const double gathers = L + (learned_feedback(algorithm) ? L - 1 : 0);
    const double sums = L - (net.identity_input ? 1 : 0);
    out.messages = k * (gathers + sums + 1);
    out.exact = net.grid->cols() == 1;
  } else {
    out.bytes = k * cost.distributed;
    out.exact = false;
  }
  if (!out.exact) out.messages = -1;
  return out;
}

StepTraffic network_traffic_floor(const Network& net, IntegratorKind integrator) {
  const int p = net.grid->rows() * net.grid->cols();
  StepTraffic out;
  if (p < 2) return out;
  // σ = identity with an X: the n-sized products of XᵀX and XᵀO, formed once, on every rank from weights
  // every rank holds whole: nothing needs to move.
  if (net.activation == Activation::Identity && !net.identity_input) return out;
  const double spread = 8.0 * (p - 1) / p;
  double summed = 1; // the loss
  for (int l = 1; l <= net.depth; ++l)
    if (!(l == 1 && net.identity_input))
      summed += static_cast<double>(net.sizes[static_cast<std::size_t>(l - 1)]) *
                net.sizes[static_cast<std::size_t>(l)];
  const double k = network_evaluations(integrator);
  out.bytes = k * 2 * spread * summed;
  out.messages = k;
  return out;
}

} // namespace fasim::model
