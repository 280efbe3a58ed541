#include "fasim/model/panel_replica.hpp"

#include <algorithm>
#include <cstring>

namespace fasim::model {

using linalg::Coord;
using parallel::DistMatrix;

namespace {
/// Where a's local element (li, lj) sits in the panel: all r columns of my rows (Row, ld = local_rows) or all
/// r rows of my columns (Col, ld = r).
template <Coord C> std::size_t at(const DistMatrix& a, int li, int lj, int ld) {
  if constexpr (C == Coord::Row)
    return static_cast<std::size_t>(a.global_col({lj}).value) * ld + li;
  else
    return static_cast<std::size_t>(lj) * ld + a.global_row({li}).value;
}
} // namespace

template <Coord C> bool PanelReplica<C>::holds(const DistMatrix& a) const {
  if (!current_) return false; // the same on every rank: every rank advanced, or none did
  const int other = C == Coord::Row ? a.cols() : a.rows();
  bool same = of_ == &a && linalg::local_extent<C>(a) == mine_ && other == r_;
  for (int lj = 0; same && lj < a.local_cols(); ++lj)
    for (int li = 0; same && li < a.local_rows(); ++li) {
      const double mine = a.local({li}, {lj});
      same = std::memcmp(&mine, panel_.data() + at<C>(a, li, lj, ld_), sizeof(double)) == 0;
    }
  return linalg::sharing<C>(*a.grid()).allreduce_min(same ? 1 : 0) == 1;
}

template <Coord C> void PanelReplica<C>::adopt(const DistMatrix& a, linalg::PanelView gathered) {
  of_ = &a;
  mine_ = linalg::local_extent<C>(a);
  r_ = C == Coord::Row ? a.cols() : a.rows();
  // panel<C>'s own layout: Row mine × r, Col r × mine.
  const int rows = C == Coord::Row ? mine_ : r_, cols = C == Coord::Row ? r_ : mine_;
  ld_ = std::max(1, rows);
  const auto size = static_cast<std::size_t>(ld_) * std::max(1, cols);
  panel_.resize(size);
  increment_.assign(size, 0.0);
  for (int j = 0; j < cols; ++j)
    std::copy_n(gathered.data + static_cast<std::size_t>(j) * gathered.ld, rows,
                panel_.data() + static_cast<std::size_t>(j) * ld_);
  formed_ = current_ = false;
}

template <Coord C> void PanelReplica<C>::advance(const DistMatrix& a, double h) {
  if (of_ != &a || !formed_) {
    current_ = false;
    return;
  }
  // add_scaled's expression (model/dynamics.cpp): out[i] += a * in[i].
  double* out = panel_.data();
  const double* in = increment_.data();
  for (std::size_t i = 0, n = panel_.size(); i < n; ++i) out[i] += h * in[i];
  formed_ = false;
  current_ = true;
}

template <Coord C> void PanelReplica<C>::drop() {
  of_ = nullptr;
  formed_ = current_ = false;
}

template class PanelReplica<Coord::Row>;
template class PanelReplica<Coord::Col>;

} // namespace fasim::model
