#include "fasim/linalg/product_context.hpp"

#include <algorithm>

namespace fasim::linalg {

using parallel::DistMatrix;

template <Coord C> PanelView ProductContext::lookup(const DistMatrix& a, bool pinned) {
  Entry* spare = nullptr;
  for (Entry& e : entries_) {
    if (e.valid && e.of == &a && e.coord == C) return e.view;
    if (!e.valid && !spare) spare = &e;
  }
  if (!spare) spare = &entries_.emplace_back();
  spare->of = &a;
  spare->coord = C;
  spare->pinned = pinned;
  spare->view = panel<C>(a, spare->storage, gather);
  spare->valid = true;
  return spare->view;
}

template <Coord C> PanelView ProductContext::panel_of(const DistMatrix& a) {
  return lookup<C>(a, false);
}

template <Coord C> PanelView ProductContext::pin(const DistMatrix& a) {
  return lookup<C>(a, true);
}

void ProductContext::forget() {
  for (Entry& e : entries_)
    if (!e.pinned) e.valid = false;
}

template <Coord C> ProductContext::Entry& ProductContext::held(const DistMatrix& a, PanelView view) {
  Entry* spare = nullptr;
  for (Entry& e : entries_) {
    if (e.valid && e.of == &a && e.coord == C) spare = &e;
    if (!spare && !e.valid) spare = &e;
  }
  if (!spare) spare = &entries_.emplace_back();
  spare->of = &a;
  spare->coord = C;
  spare->pinned = false;
  spare->view = view;
  spare->valid = true;
  return *spare;
}

template <Coord C> void ProductContext::provide(const DistMatrix& a, PanelView view) {
  held<C>(a, view);
}

template <Coord C> double* ProductContext::form(const DistMatrix& a) {
  Entry& e = held<C>(a, {});
  const int ld = std::max(1, C == Coord::Row ? a.local_rows() : a.rows());
  const int cols = C == Coord::Row ? a.cols() : a.local_cols();
  e.storage.resize(static_cast<std::size_t>(ld) * std::max(1, cols));
  e.view = {e.storage.data(), ld};
  return e.storage.data();
}

template <Coord C> bool ProductContext::holds(const DistMatrix& a) const {
  if (proc_count<kOther<C>>(*a.grid()) == 1) return true;
  for (const Entry& e : entries_)
    if (e.valid && e.of == &a && e.coord == C) return true;
  return false;
}

DistMatrix& ProductContext::scratch(int slot, const parallel::GridPtr& grid, int rows, int cols,
                                    int row_block, int col_block) {
  DistMatrix& s = scratch_[slot];
  if (s.grid() != grid || s.rows() != rows || s.cols() != cols || s.row_block() != row_block ||
      s.col_block() != col_block)
    s = DistMatrix(grid, rows, cols, row_block, col_block);
  return s;
}

template PanelView ProductContext::panel_of<Coord::Row>(const DistMatrix&);
template PanelView ProductContext::panel_of<Coord::Col>(const DistMatrix&);
template PanelView ProductContext::pin<Coord::Row>(const DistMatrix&);
template PanelView ProductContext::pin<Coord::Col>(const DistMatrix&);
template void ProductContext::provide<Coord::Row>(const DistMatrix&, PanelView);
template void ProductContext::provide<Coord::Col>(const DistMatrix&, PanelView);
template double* ProductContext::form<Coord::Row>(const DistMatrix&);
template double* ProductContext::form<Coord::Col>(const DistMatrix&);
template bool ProductContext::holds<Coord::Row>(const DistMatrix&) const;
template bool ProductContext::holds<Coord::Col>(const DistMatrix&) const;

} // namespace fasim::linalg
