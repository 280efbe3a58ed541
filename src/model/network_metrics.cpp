#include "fasim/model/network_metrics.hpp"

#include "fasim/model/metrics.hpp"
#include "fasim/parallel/error.hpp"
#include "fasim/parallel/pblas.hpp"

#include <cmath>

namespace fasim::model {

using parallel::DistMatrix;
using parallel::Op;

namespace {
// The alignment columns' names: kAlignment + l (align_1 … align_{L−1}).
constexpr std::string_view kAlignment = "align_";
} // namespace

std::vector<std::string> network_alignment_names(int depth) {
  std::vector<std::string> names;
  for (int l = 1; l < depth; ++l) names.push_back(std::string(kAlignment) + std::to_string(l));
  return names;
}

std::vector<std::string> network_metric_names(int depth) {
  std::vector<std::string> names{std::string(kScalarMetrics[scalar_column("step")]),
                                 std::string(kScalarMetrics[scalar_column("time")]),
                                 std::string(kScalarMetrics[scalar_column("loss")])};
  for (auto& a : network_alignment_names(depth)) names.push_back(std::move(a));
  return names;
}

namespace {
// The alignment that column `name` holds in `row`, or nullptr when `name` is not align_1 … align_{L−1}.
template <class Row> auto alignment_of(Row& row, std::string_view name) -> decltype(&row.alignment[0]) {
  for (std::size_t l = 1; l <= row.alignment.size(); ++l)
    if (name == std::string(kAlignment) + std::to_string(l)) return &row.alignment[l - 1];
  return nullptr;
}
} // namespace

double network_metric(const NetworkMetricRow& row, std::string_view name) {
  if (name == kScalarMetrics[scalar_column("step")]) return static_cast<double>(row.step);
  if (name == kScalarMetrics[scalar_column("time")]) return row.time;
  if (name == kScalarMetrics[scalar_column("loss")]) return row.loss;
  const double* a = alignment_of(row, name);
  FASIM_REQUIRE(a != nullptr, "network metric '" + std::string(name) + "' is not a column of the row");
  return *a;
}

void set_network_metric(NetworkMetricRow& row, std::string_view name, double value) {
  if (name == kScalarMetrics[scalar_column("step")]) {
    row.step = static_cast<long long>(value);
    return;
  }
  if (name == kScalarMetrics[scalar_column("time")]) {
    row.time = value;
    return;
  }
  if (name == kScalarMetrics[scalar_column("loss")]) {
    row.loss = value;
    return;
  }
  double* a = alignment_of(row, name);
  FASIM_REQUIRE(a != nullptr, "network metric '" + std::string(name) + "' is not a column of the row");
  *a = value;
}

namespace {
double cosine(const DistMatrix& a, const DistMatrix& b) {
  return parallel::dot(a, b) / (parallel::frobenius_norm(a) * parallel::frobenius_norm(b));
}
} // namespace

NetworkMetrics::NetworkMetrics(const Network& net) : net_(net) {
  for (int l = 1; l < net.depth; ++l)
    chain_.emplace_back(net.grid, net.sizes[l], net.m(), net.block, net.block);
}

NetworkMetricRow NetworkMetrics::compute(const NetworkState& s, long long step, double time,
                                         NetworkField& field) {
  NetworkMetricRow row;
  row.step = step;
  row.time = time;
  if (!net_.grid->active()) return row;
  row.loss = field.forward(s);
  const int L = net_.depth;
  row.alignment.assign(static_cast<std::size_t>(L - 1), std::nan(""));
  if (field.spec().kind == AlgorithmKind::DFA) {
    // W_{l+1}·…·W_L from the output down: chain_[L − 2] = W_L, chain_[l − 1] = W_{l+1}·chain_[l].
    chain_[static_cast<std::size_t>(L - 2)].copy_from(s.w[static_cast<std::size_t>(L - 1)]);
    for (int l = L - 2; l >= 1; --l)
      parallel::gemm(Op::None, Op::None, 1.0, s.w[static_cast<std::size_t>(l)],
                     chain_[static_cast<std::size_t>(l)], 0.0, chain_[static_cast<std::size_t>(l - 1)]);
    for (int l = 1; l < L; ++l)
      row.alignment[static_cast<std::size_t>(l - 1)] =
          cosine(chain_[static_cast<std::size_t>(l - 1)], net_.feedback_d(l));
  } else {
    for (int l = 1; l < L; ++l)
      row.alignment[static_cast<std::size_t>(l - 1)] =
          cosine(s.w[static_cast<std::size_t>(l)], field.feedback(s, l + 1));
  }
  return row;
}

} // namespace fasim::model
