#include "fasim/model/network_plan.hpp"

#include "fasim/model/words.hpp"
#include "fasim/parallel/error.hpp"

#include <cstdio>

namespace fasim::model {

const char* to_string(NetworkPlan plan) {
  return io::schema::to_string(plan); // model/words.hpp
}

std::string network_plan_word(AlgorithmKind algorithm, NetworkPlan plan) {
  return std::string(io::schema::to_string(algorithm)) + ":" + io::schema::kNetworkPlanField + "=" +
         io::schema::to_string(plan);
}

std::optional<NetworkPlan> parse_network_plan_word(std::string_view word, AlgorithmKind algorithm,
                                                   const std::string& where) {
  const std::string head =
      std::string(io::schema::to_string(algorithm)) + ":" + io::schema::kNetworkPlanField;
  const auto bad = [&] {
    return UsageError(where + ": stored plan '" + std::string(word) + "' is not " + head + "=<" +
                      io::schema::word_list<NetworkPlan>("|") +
                      "> (the algorithms of run.algorithms must be the run's, in its order)");
  };
  if (word.substr(0, head.size()) != head) throw bad();
  const std::string_view rest = word.substr(head.size());
  if (rest.empty()) return std::nullopt; // schema 1.3 and before: the rule's plan
  if (rest.front() != '=') throw bad();
  const auto plan = io::schema::parse<NetworkPlan>(rest.substr(1));
  if (!plan) throw bad();
  return plan;
}

namespace {
/// The Gram plan's share of network_plan_cost (network_plan.hpp states the rule).
void gram_cost(const std::vector<int>& sizes, double N, double p, bool identity_input, bool linear,
               AlgorithmKind algorithm, NetworkPlanCost& c) {
  c.gram_possible = linear && !identity_input;
  if (!c.gram_possible) return;
  const int L = static_cast<int>(sizes.size()) - 1;
  const auto size = [&](int l) { return static_cast<double>(sizes[static_cast<std::size_t>(l)]); };
  const double n = size(0), m = size(L), spread = 8.0 * (p - 1) / p;
  const bool dfa = algorithm == AlgorithmKind::DFA;
  c.gram_whole = n * n + n * m + c.weights;
  c.gram_flops = 2 * n * n * m;
  c.sample_flops = 0;
  for (int l = 1; l <= L; ++l) {
    const double w = size(l - 1) * size(l);
    c.gram_whole += 2 * n * size(l); // P_l and Xᵀδ_l
    c.gram += spread * w * (l >= 2 && algorithm == AlgorithmKind::KP ? 2.0 : 1.0);
    if (l >= 2) c.gram_flops += 4 * n * w; // P_l = P_{l−1}·W_l, P_{l−1}ᵀ·Xᵀδ_l
    c.sample_flops += 4 * N * w;           // H_{l−1}·W_l, H_{l−1}ᵀ·δ_l
    if (l < L) {
      const double back = size(l) * (dfa ? m : size(l + 1));
      c.gram_flops += 2 * n * back;
      c.sample_flops += 2 * N * back;
    }
  }
  c.sample_flops /= p;
  if (c.gram_whole <= kReplicatedWeightsLimit && c.gram_flops <= c.sample_flops) c.chosen = NetworkPlan::Gram;
}
} // namespace

NetworkPlanCost network_plan_cost(const std::vector<int>& sizes, long long samples, bool identity_input,
                                  int grid_rows, int grid_cols, AlgorithmKind algorithm, bool linear) {
  const bool gathers_b = algorithm == AlgorithmKind::KP; // the rules form B_l from the whole W_l and C_l
  NetworkPlanCost c;
  const int L = static_cast<int>(sizes.size()) - 1;
  const int pr = grid_rows < 1 ? 1 : grid_rows, pc = grid_cols < 1 ? 1 : grid_cols;
  const double p = static_cast<double>(pr) * pc, spread = 8.0 * (p - 1) / p;
  const double N = static_cast<double>(samples);
  double activations = 0; // numbers of A_l a rank holds: (N/P)·Σ w_l
  for (int l = 1; l <= L; ++l) {
    const double w =
        static_cast<double>(sizes[static_cast<std::size_t>(l - 1)]) * sizes[static_cast<std::size_t>(l)];
    const bool product = !(l == 1 && identity_input); // A_1 = W_1 and dW_1 = δ_1 are copies
    c.weights += w;
    activations += N / p * sizes[static_cast<std::size_t>(l)];
    // pdgemm: W_l to the ranks of H·W_l, B_l to those of δ_l·B_lᵀ (dfa: D_l, w_l×m, to those of E·D_lᵀ for
    // l < L), the sum of H_{l−1}ᵀδ_l;
    const double feedback =
        algorithm == AlgorithmKind::DFA
            ? (l < L ? static_cast<double>(sizes[static_cast<std::size_t>(l)]) * sizes.back() : 0.0)
            : (l >= 2 ? w : 0.0);
    c.distributed += spread * (w * (product ? 2.0 : 0.0) + feedback);
    if (pc > 1 && product) c.distributed += 8.0 * N / pr * (pc - 1) / pc * sizes[static_cast<std::size_t>(l)];
    // replicated: W_l gathered, kp's B_l gathered, the gradient to its owners.
    c.replicated += spread * w * (1.0 + (l >= 2 && gathers_b ? 1.0 : 0.0) + (product ? 1.0 : 0.0));
    if (pc > 1 && product)
      c.replicated += 8.0 * N / pr * (pc - 1) / pc *
                      (sizes[static_cast<std::size_t>(l - 1)] + 2.0 * sizes[static_cast<std::size_t>(l)]);
  }
  const double loss = 2 * spread; // the loss's allreduce, both plans
  c.distributed += loss;
  c.replicated += loss;
  c.chosen = pc == 1 && p > 1 && c.weights <= kReplicatedWeightsLimit && c.weights <= activations &&
                     c.replicated < c.distributed
                 ? NetworkPlan::Replicated
                 : NetworkPlan::Distributed;
  gram_cost(sizes, N, p, identity_input, linear, algorithm, c);
  return c;
}

std::string network_plan_text(const NetworkPlanCost& cost) {
  char buf[320];
  if (cost.chosen == NetworkPlan::Gram)
    std::snprintf(buf, sizeof buf,
                  "network:gram (X^T*X and X^T*O formed once, then n-sized products on every rank, no pass "
                  "over X or O; est. %.3g bytes/rank/evaluation, %.3g flops/rank/evaluation against %.3g "
                  "for the sample-pass plans)",
                  cost.gram, cost.gram_flops, cost.sample_flops);
  else if (cost.chosen == NetworkPlan::Replicated)
    std::snprintf(
        buf, sizeof buf,
        "network:replicated (weights whole on every rank, local GEMMs over each rank's samples, one "
        "sum of H^T*delta onto its owners per layer; est. %.3g bytes/rank/evaluation against %.3g for "
        "pdgemm)",
        cost.replicated, cost.distributed);
  else
    std::snprintf(buf, sizeof buf,
                  "network:pdgemm (X, O, activations and weights block-cyclic over the grid; est. %.3g "
                  "bytes/rank/evaluation against %.3g for replicated weights%s)",
                  cost.distributed, cost.replicated,
                  cost.weights > kReplicatedWeightsLimit ? ", whose whole weights exceed the limit" : "");
  return buf;
}

} // namespace fasim::model
