#pragma once
// The recorded quantities of a network's state: the loss and one alignment per hidden layer.
//   loss      = ‖E‖²_F = ‖O − Ŷ‖²_F (explicit residual of a forward pass).
//   align_l   (hidden layer l = 1 … L − 1), with cos∠(A, B) = ⟨A, B⟩_F / (‖A‖_F‖B‖_F) for A, B of one shape:
//     gd, fa and the rules: cos∠(W_{l+1}, B_{l+1}), B_{l+1} the matrix that carries δ_{l+1} back to layer l
//                           (W_{l+1} for gd: 1; C_{l+1} for fa; the rule's B_{l+1}); both w_l×w_{l+1}
//                           (w_{L−1}×m for l = L − 1). With L = 2 this is cos∠(W, C), the paper's model's
//                           feedback_cos.
//     dfa:                  cos∠(W_{l+1}·W_{l+2}·…·W_L, D_l), both w_l×m: D_l stands in for the product of
//                           the forward weights from layer l to the output, which is what backprop uses.
#include "fasim/model/network_dynamics.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace fasim::model {

struct NetworkMetricRow {
  long long step = 0;
  double time = 0.0;
  double loss = 0.0;
  std::vector<double> alignment; ///< align_l at index l − 1, l = 1 … L − 1
};

/// The alignment columns' names: align_1 … align_{L−1}.
std::vector<std::string> network_alignment_names(int depth);

/// A network trajectory's columns in the order they are stored: step, time, loss (named as the paper's
/// model's kScalarMetrics), then align_1 … align_{L−1}. The file layer reads and writes them by these names.
std::vector<std::string> network_metric_names(int depth);
/// The value of column `name` (one of network_metric_names) in `row`.
double network_metric(const NetworkMetricRow& row, std::string_view name);
/// Sets column `name` of `row` (whose alignment holds depth − 1 values) to `value`.
void set_network_metric(NetworkMetricRow& row, std::string_view name, double value);

class NetworkMetrics {
public:
  explicit NetworkMetrics(const Network& net);
  /// The metrics of s on the trajectory whose field is `field` (its forward pass is re-run at s).
  /// Collective; valid on the grid's active ranks.
  NetworkMetricRow compute(const NetworkState& s, long long step, double time, NetworkField& field);

private:
  const Network& net_;
  std::vector<parallel::DistMatrix> chain_; ///< dfa: W_{l+1}·…·W_L (w_l×m) at index l − 1
};

} // namespace fasim::model
