#pragma once
// Rows or columns of a block-cyclic matrix as a template parameter. Products with Y come in twins — ZᵀY
// contracts Y's rows with a thin matrix sharing them, Y·Bᵀ its columns — and each twin pair (the gather of
// the thin matrix, the pass over Y) is written once over a Coord, as DLA-Future does with its Coord.
#include "fasim/parallel/dist_matrix.hpp"

namespace fasim::linalg {

enum class Coord { Row, Col };

template <Coord C> inline constexpr Coord kOther = C == Coord::Row ? Coord::Col : Coord::Row;

/// The layout of a's rows (C = Row) or columns (C = Col).
template <Coord C> const parallel::BlockCyclic1D& layout(const parallel::DistMatrix& a) {
  if constexpr (C == Coord::Row)
    return a.row_layout();
  else
    return a.col_layout();
}
/// How many of a's rows (columns) this rank holds.
template <Coord C> int local_extent(const parallel::DistMatrix& a) {
  if constexpr (C == Coord::Row)
    return a.local_rows();
  else
    return a.local_cols();
}
/// This rank's process row (column) and the number of them.
template <Coord C> int my_proc(const parallel::ProcessGrid& g) {
  if constexpr (C == Coord::Row)
    return g.my_row();
  else
    return g.my_col();
}
template <Coord C> int proc_count(const parallel::ProcessGrid& g) {
  if constexpr (C == Coord::Row)
    return g.rows();
  else
    return g.cols();
}
/// The ranks that hold the same rows (C = Row: my process row) or the same columns (my process column).
template <Coord C> const parallel::Communicator& sharing(const parallel::ProcessGrid& g) {
  if constexpr (C == Coord::Row)
    return g.row_comm();
  else
    return g.col_comm();
}

} // namespace fasim::linalg
