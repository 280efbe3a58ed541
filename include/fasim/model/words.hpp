#pragma once
// The one word-table mechanism (enum <-> word) and the tables of the enums the model itself prints and reads:
// algorithms, step plans (formulation, the two passes' layouts, the product path), activations and what is
// observed (problem.observe). Every other enum stored or configured as a word has its table in
// fasim/config/words.hpp, a layer up, in the same template and namespace: schema::to_string and
// schema::parse find every table. The tables sit here because a step plan is model data printed, stored with
// results and checkpoints, and parsed back by the model (model::StepPlan::str/parse), and the model is below
// the config layer (docs/architecture.md).
#include "fasim/linalg/panel_products.hpp"
#include "fasim/linalg/product_context.hpp"
#include "fasim/model/network.hpp"
#include "fasim/model/network_plan.hpp"
#include "fasim/model/specs.hpp"
#include "fasim/model/step_plan.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fasim::io::schema {

/// One enumerated value and the word that stands for it in files and configurations.
template <class E> struct Named {
  const char* text;
  E value;
};

/// The words of enum E (specialised below and in fasim/config/words.hpp for every enum stored as a word), in
/// documented order.
template <class E> struct Names;

/// The word of `value` in `list` (any table of Named values, e.g. the words `fasim status` prints).
template <class E, std::size_t N> const char* word_of(const Named<E> (&list)[N], E value) {
  for (const auto& n : list)
    if (n.value == value) return n.text;
  return "?"; // only for a value outside the enum
}

/// The documented word of `value`.
template <class E> const char* to_string(E value) {
  return word_of(Names<E>::list, value);
}

/// The value `text` stands for; nullopt for a word that is not in E's table.
template <class E> std::optional<E> parse(std::string_view text) {
  for (const auto& n : Names<E>::list)
    if (text == n.text) return n.value;
  return std::nullopt;
}

/// E's words joined by `separator` ("running, steps, ...").
template <class E> std::string word_list(std::string_view separator = ", ") {
  std::string out;
  for (const auto& n : Names<E>::list) out += (out.empty() ? "" : std::string(separator)) + n.text;
  return out;
}

/// The value `text` stands for in `list` (a table of its own, like a step plan's orientation words); nullopt
/// for a word that is not in it.
template <class E, std::size_t N>
std::optional<E> value_of(const Named<E> (&list)[N], std::string_view text) {
  for (const auto& n : list)
    if (text == n.text) return n.value;
  return std::nullopt;
}

template <> struct Names<model::AlgorithmKind> {
  static constexpr Named<model::AlgorithmKind> list[] = {
      {"gd", model::AlgorithmKind::GD},         {"fa", model::AlgorithmKind::FA},
      {"fastar", model::AlgorithmKind::FAStar}, {"usf", model::AlgorithmKind::USF},
      {"frsf", model::AlgorithmKind::FRSF},     {"kp", model::AlgorithmKind::KP},
      {"mixed", model::AlgorithmKind::Mixed},   {"dfa", model::AlgorithmKind::DFA}};
};
template <> struct Names<model::Formulation> {
  static constexpr Named<model::Formulation> list[] = {{"products", model::Formulation::Products},
                                                       {"residual", model::Formulation::Residual},
                                                       {"sensing", model::Formulation::Sensing}};
};
template <> struct Names<model::Activation> {
  static constexpr Named<model::Activation> list[] = {{"identity", model::Activation::Identity},
                                                      {"relu", model::Activation::ReLU},
                                                      {"tanh", model::Activation::Tanh}};
};
template <> struct Names<linalg::ProductPath> {
  static constexpr Named<linalg::ProductPath> list[] = {{"panel", linalg::ProductPath::Panel},
                                                        {"pdgemm", linalg::ProductPath::Pdgemm}};
};
/// problem.observe: the model names it in its own refusals (model/completion.cpp).
template <> struct Names<model::Observe> {
  static constexpr Named<model::Observe> list[] = {{"full", model::Observe::Full},
                                                   {"completion", model::Observe::Completion},
                                                   {"sensing", model::Observe::Sensing}};
};
/// system.plan's words besides fixed plans (model/step_plan.hpp).
template <> struct Names<model::PlanMode> {
  static constexpr Named<model::PlanMode> list[] = {{"auto", model::PlanMode::Auto},
                                                    {"measure", model::PlanMode::Measure}};
};
/// A network's step plan (model/network_plan.hpp): distributed products, replicated weights, or (σ = identity
/// with an X; schema 1.6) n-sized products of XᵀX and XᵀO.
template <> struct Names<model::NetworkPlan> {
  static constexpr Named<model::NetworkPlan> list[] = {{"pdgemm", model::NetworkPlan::Distributed},
                                                       {"replicated", model::NetworkPlan::Replicated},
                                                       {"gram", model::NetworkPlan::Gram}};
};
/// The stored word of a network trajectory's plan (root attribute `plan`, schema 1.4): "<alg>:network=<plan>"
/// with <plan> a word of Names<NetworkPlan>; before 1.4 "<alg>:network" (model::parse_network_plan_word).
inline constexpr const char* kNetworkPlanField = "network";
/// A step plan's ZᵀY pass (`zt_y=`): Zᵀ·Y (r×m) or Yᵀ·Z (m×r).
inline constexpr Named<linalg::Orientation> kZtYWords[] = {{"zt_y", linalg::Orientation::ThinFirst},
                                                           {"yt_z", linalg::Orientation::YFirst}};
/// A step plan's Y·Bᵀ pass (`y_bt=`): Y·Bᵀ (n×r) or B·Yᵀ (r×n).
inline constexpr Named<linalg::Orientation> kYBtWords[] = {{"y_bt", linalg::Orientation::YFirst},
                                                           {"b_yt", linalg::Orientation::ThinFirst}};

} // namespace fasim::io::schema
