#include "fasim/model/network_replicated.hpp"

#include "fasim/model/feedback_rules.hpp"
#include "fasim/parallel/error.hpp"

namespace fasim::model {

using linalg::SmallMatrix;
using parallel::DistMatrix;

ReplicatedProducts::ReplicatedProducts(const Network& net, AlgorithmKind kind) {
  w_.resize(net.w0.size());
  c_.resize(net.w0.size());
  d_.resize(net.w0.size());
  if (!net.grid->active()) return;
  if (kind == AlgorithmKind::FA || formed_feedback(kind))
    for (std::size_t l = 1; l < net.c.size(); ++l) linalg::gather_whole(net.c[l], c_[l], owners_);
  if (kind == AlgorithmKind::DFA)
    for (std::size_t l = 0; l < net.d.size(); ++l) linalg::gather_whole(net.d[l], d_[l], owners_);
}

void ReplicatedProducts::gather_weights(const std::vector<DistMatrix>& weights) {
  FASIM_REQUIRE(weights.size() == w_.size(), "ReplicatedProducts: a state of another depth");
  for (std::size_t l = 0; l < weights.size(); ++l) linalg::gather_whole(weights[l], w_[l], owners_);
}

const SmallMatrix& ReplicatedProducts::gather(const DistMatrix& a) {
  linalg::gather_whole(a, gathered_, owners_);
  return gathered_;
}

const SmallMatrix& ReplicatedProducts::formed(AlgorithmKind kind, double alpha, int l) {
  const SmallMatrix& w = weight(l);
  const SmallMatrix& c = fixed_c(l);
  if (gathered_.rows != w.rows || gathered_.cols != w.cols) gathered_ = SmallMatrix(w.rows, w.cols);
  const int ld = w.rows > 0 ? w.rows : 1;
  form_feedback_panel(kind, alpha, w.rows, w.cols, {w.v.data(), ld},
                      {c.v.empty() ? w.v.data() : c.v.data(), ld}, gathered_.v.data(), ld);
  return gathered_;
}

void ReplicatedProducts::times(const DistMatrix& h, const SmallMatrix& m, DistMatrix& out) {
  FASIM_REQUIRE(h.cols() == m.rows && out.cols() == m.cols && out.rows() == h.rows() &&
                    out.row_block() == h.row_block(),
                "ReplicatedProducts::times: shapes do not conform");
  const linalg::PanelView rows = linalg::panel<linalg::Coord::Row>(h, rows_, buffers_);
  linalg::tall_times_small(rows, m, 1.0, 0.0, out, ws_);
}

void ReplicatedProducts::times_transpose(const DistMatrix& delta, const SmallMatrix& b, DistMatrix& out) {
  transposed_ = linalg::transpose(b);
  times(delta, transposed_, out);
}

void ReplicatedProducts::gradient(const DistMatrix& h, const DistMatrix& delta, double rho, DistMatrix& out) {
  FASIM_REQUIRE(out.rows() == h.cols() && out.cols() == delta.cols(),
                "ReplicatedProducts::gradient: shapes do not conform");
  if (h.grid()->cols() == 1) { // whole rows here: my share, summed onto the owners
    linalg::local_cross(h, delta, sum_);
    linalg::sum_to_owners(sum_, rho, out, owners_);
    return;
  }
  const linalg::PanelView rows = linalg::panel<linalg::Coord::Row>(delta, rows_, buffers_);
  linalg::tall_cross(h, rows, delta.cols(), sum_, ws_);
  for (int lj = 0; lj < out.local_cols(); ++lj) {
    const int j = out.global_col({lj}).value;
    for (int li = 0; li < out.local_rows(); ++li)
      out.local({li}, {lj}) = rho * sum_(out.global_row({li}).value, j);
  }
}

} // namespace fasim::model
