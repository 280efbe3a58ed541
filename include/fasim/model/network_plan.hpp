#pragma once
// How a network's step is distributed (issue 26). X, O and every activation are always block-cyclic over the
// grid (N can be 10⁶ and more); the plan decides where the weights live during the products:
//   distributed  every product (H·W, δ·Bᵀ, Hᵀ·δ) is one PDGEMM on the grid, the weights block-cyclic too;
//   replicated   each evaluation gathers every W_l (and the feedback that is not fixed) whole onto every
//   rank,
//                H_{l−1}·W_l and δ_{l+1}·B_{l+1}ᵀ are local GEMMs over the rank's rows (its samples) and only
//                the weight gradient H_{l−1}ᵀ·δ_l (w_{l−1}×w_l) is summed, onto the owners of its entries
//                (one all-to-all per layer); fixed feedback (C_l, D_l) is gathered once. On a grid with more
//                than one process column a rank's rows are first gathered along its process row (the samples'
//                columns).
// The rule (network_plan_cost): replicated when the grid has one process column and more than one rank, and
// the whole weights Σ_l w_{l−1}·w_l are no more numbers than the activations a rank holds, (N/P)·Σ_l w_l, and
// at most kReplicatedWeightsLimit, and its estimated bytes are fewer. With more than one process column a
// rank's samples are split over its process row and would have to be gathered for every product, which PDGEMM
// avoids: pdgemm stays. Both plans give the serial reference's numbers to rounding
// (tests/model/test_network.cpp: 1e-12 relative to each other on every grid);
// tests/model/test_network_plan.cpp counts the bytes (PMPI).
#include "fasim/model/specs.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fasim::model {

enum class NetworkPlan { Distributed, Replicated, Gram };
const char* to_string(NetworkPlan plan);

/// Whole weights of every layer on every rank above this many numbers (128 MiB): never replicated.
inline constexpr double kReplicatedWeightsLimit = 16.0 * 1024 * 1024;

struct NetworkPlanCost {
  double distributed = 0; ///< estimated bytes a rank sends per field evaluation, PDGEMM plan
  double replicated = 0;  ///< the same for the replicated plan (an upper bound)
  double weights = 0; ///< Σ_l w_{l−1}·w_l: the numbers each rank holds whole under the replicated plan
  /// The Gram plan (σ = identity with an X only; else 0): bytes per evaluation, the numbers each rank holds
  /// whole (XᵀX, XᵀO, the weights, P_l and Xᵀδ_l), and the flops per evaluation of every rank under it
  /// beside those of the sample-pass plans (network_evaluation_flops over the P ranks).
  double gram = 0, gram_whole = 0, gram_flops = 0, sample_flops = 0;
  bool gram_possible = false;
  NetworkPlan chosen = NetworkPlan::Distributed;
};

/// The plan for layer sizes n, w_1 … w_{L−1}, m, N samples on a grid_rows × grid_cols grid, and estimates of
/// the bytes a rank sends per field evaluation (PMPI's conventions, parallel/traffic.hpp), with W_l =
/// w_{l−1}·w_l numbers and P ranks, per layer:
///   pdgemm      8·(P−1)/P·W_l for each weight-shaped operand a product moves: W_l (H_{l−1}·W_l), B_l
///               (δ_l·B_lᵀ, l ≥ 2; dfa: D_l of w_l·m numbers, l < L) and the sum of H_{l−1}ᵀ·δ_l; plus, with
///               Pc > 1, 8·(N/Pr)·(Pc−1)/Pc·w_l of activations (an estimate: PBLAS chooses its own
///               algorithm);
///   replicated  8·(P−1)/P·W_l for gathering W_l, for gathering kp's B_l (l ≥ 2; the rules form theirs from
///               the whole W_l and C_l) and for summing H_{l−1}ᵀ·δ_l onto its owners; with Pc > 1 the row
///               gathers of H_{l−1} and δ_l (twice);
/// plus the loss's allreduce (16·(P−1)/P) under both. With no X (identity input) layer 1's forward product
/// and gradient are copies: not counted.
/// Fixed feedback (fa's C_l, the rules' C_l, dfa's D_l) is gathered once, before the first evaluation: not
/// counted. The replicated plan is chosen when, besides the rule above, its bytes are fewer (kp: equal).
///   gram        (`linear`: σ = identity, and an X) 8·(P−1)/P·W_l for gathering every W_l (and kp's B_l);
///               nothing is summed, X and O are not read (XᵀX and XᵀO are formed once, at the start: not
///               counted). It sends fewer bytes than either plan above, and is chosen first when its whole
///               matrices fit kReplicatedWeightsLimit and its flops per evaluation on every rank,
///               2·n²·m + Σ_{l≥2} 4·n·w_{l−1}·w_l + Σ_{l<L} 2·n·w_l·w_{l+1} (dfa: w_l·m), are no more than
///               the sample-pass plans' per rank, network_evaluation_flops / P — i.e. only when N/P is large
///               against n.
NetworkPlanCost network_plan_cost(const std::vector<int>& sizes, long long samples, bool identity_input,
                                  int grid_rows, int grid_cols, AlgorithmKind algorithm, bool linear = false);

/// The plan as stored (root attribute `plan` of results and checkpoints, one word per algorithm, schema 1.4)
/// and printed by `fasim bench`: "<alg>:network=pdgemm", "<alg>:network=replicated" or (schema 1.6)
/// "<alg>:network=gram" (model/words.hpp).
std::string network_plan_word(AlgorithmKind algorithm, NetworkPlan plan);

/// The plan of a stored word for `algorithm`; nullopt for a word written before schema 1.4 ("<alg>:network",
/// no plan: the rule chooses, as before). Throws UsageError (naming `where`) for a word of another algorithm
/// or one that is not a network plan.
std::optional<NetworkPlan> parse_network_plan_word(std::string_view word, AlgorithmKind algorithm,
                                                   const std::string& where);

/// "network:gram (…)", "network:replicated (…)" or "network:pdgemm (…)", with the estimates: the text of
/// the start-up line and of the dry run.
std::string network_plan_text(const NetworkPlanCost& cost);

} // namespace fasim::model
