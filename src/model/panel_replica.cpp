#include "fasim/model/panel_replica.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

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

template <Coord C> int other_extent(const DistMatrix& a) {
  return C == Coord::Row ? a.cols() : a.rows();
}
} // namespace

template <Coord C> auto PanelReplica<C>::find(const DistMatrix& a) const -> const Slot* {
  for (const Slot& s : slots_)
    if (s.of == &a) return &s;
  return nullptr;
}

template <Coord C> auto PanelReplica<C>::slot(const DistMatrix& a) -> Slot& {
  const int mine = linalg::local_extent<C>(a), r = other_extent<C>(a);
  if (mine != mine_ || r != r_) { // another shape: what was kept is of other matrices
    slots_.clear();
    mine_ = mine;
    r_ = r;
    // panel<C>'s own layout: Row mine × r, Col r × mine.
    ld_ = std::max(1, C == Coord::Row ? mine : r);
  }
  Slot* s = find(a);
  if (!s) {
    s = &slots_.emplace_back();
    s->of = &a;
  }
  const int cols = C == Coord::Row ? r_ : mine_;
  s->panel.resize(static_cast<std::size_t>(ld_) * std::max(1, cols));
  return *s;
}

template <Coord C> bool PanelReplica<C>::holds(const DistMatrix& a) const {
  const Slot* s = find(a);
  if (!s || !s->current) return false; // the same on every rank: every rank repeats the updates alike
  bool same = linalg::local_extent<C>(a) == mine_ && other_extent<C>(a) == r_;
  for (int lj = 0; same && lj < a.local_cols(); ++lj)
    for (int li = 0; same && li < a.local_rows(); ++li) {
      const double mine = a.local({li}, {lj});
      same = std::memcmp(&mine, s->panel.data() + at<C>(a, li, lj, ld_), sizeof(double)) == 0;
    }
  return linalg::sharing<C>(*a.grid()).allreduce_min(same ? 1 : 0) == 1;
}

template <Coord C> linalg::PanelView PanelReplica<C>::view(const DistMatrix& a) const {
  const Slot* s = find(a);
  return {s ? s->panel.data() : nullptr, ld_};
}

template <Coord C> void PanelReplica<C>::adopt(const DistMatrix& a, linalg::PanelView gathered) {
  Slot& s = slot(a);
  const int rows = C == Coord::Row ? mine_ : r_, cols = C == Coord::Row ? r_ : mine_;
  for (int j = 0; j < cols; ++j)
    std::copy_n(gathered.data + static_cast<std::size_t>(j) * gathered.ld, rows,
                s.panel.data() + static_cast<std::size_t>(j) * ld_);
  s.current = true;
}

template <Coord C> double* PanelReplica<C>::increment(const DistMatrix& da) {
  Slot& s = slot(da);
  s.current = true;
  return s.panel.data();
}

template <Coord C> void PanelReplica<C>::forget(const DistMatrix& a) {
  if (Slot* s = find(a)) s->current = false;
}

template <Coord C> void PanelReplica<C>::add_scaled(double h, const DistMatrix& x, const DistMatrix& y) {
  Slot* out = find(y);
  if (!out) return;
  const Slot* in = find(x);
  if (!in || !in->current || !out->current) {
    out->current = false;
    return;
  }
  // model::add_scaled's expression (model/entrywise.hpp): out[i] += a * in[i].
  double* o = out->panel.data();
  const double* v = in->panel.data();
  for (std::size_t i = 0, n = out->panel.size(); i < n; ++i) o[i] += h * v[i];
}

template <Coord C> void PanelReplica<C>::assign(const DistMatrix& out, const DistMatrix& base) {
  const Slot* in = find(base);
  if (!in || !in->current || linalg::local_extent<C>(out) != mine_ || other_extent<C>(out) != r_) {
    forget(out);
    return;
  }
  const std::vector<double>& from = in->panel; // out's shape is the panels': slot() only adds (a deque)
  Slot& s = slot(out);
  std::copy(from.begin(), from.end(), s.panel.begin());
  s.current = true;
}

template <Coord C> void PanelReplica<C>::drop() {
  slots_.clear();
  mine_ = -1;
  r_ = 0;
}

template class PanelReplica<Coord::Row>;
template class PanelReplica<Coord::Col>;

} // namespace fasim::model
