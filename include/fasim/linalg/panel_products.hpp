#pragma once
// Products with a block-cyclic Y written on its layout: the rows of Z (or columns of B) that meet this rank's
// piece of Y are gathered along the process row (column), one local GEMM runs over the local piece of Y, and
// one reduction over the process column (row) completes the sum. Compared with PDGEMM on these skinny shapes
// this moves only O((n+m)·r) data, keeps the GEMM in the best local layout, and allocates nothing after the
// first call (the workspace is kept).
#include "fasim/linalg/small_matrix.hpp"
#include "fasim/parallel/dist_matrix.hpp"

#include <vector>

namespace fasim::linalg {

/// Reusable buffers of the row/column gathers.
struct GatherBuffers {
  std::vector<double> packed, gathered;
  std::vector<int> counts, displs;
};

/// Z (n×r) → `out` = the local_rows × r block of Z's rows that meet this rank's rows of any matrix with Z's
/// row layout (column-major, ld local_rows): Z's column pieces allgathered along the process row. Collective.
void gather_rows_into(const parallel::DistMatrix& z, std::vector<double>& out, GatherBuffers& buffers);
/// W (r×m) → `out` = the r × local_cols block of W's columns (column-major, ld r): allgathered along the
/// process column. Collective.
void gather_cols_into(const parallel::DistMatrix& w, std::vector<double>& out, GatherBuffers& buffers);

class PanelProducts {
public:
  /// out (r×m) = Zᵀ·Y. Y, Z, out on one grid with one block size. Collective over the grid.
  void zt_y(const parallel::DistMatrix& y, const parallel::DistMatrix& z, parallel::DistMatrix& out);
  /// out (n×r) = Y·Bᵀ for B (r×m). Collective over the grid.
  void y_bt(const parallel::DistMatrix& y, const parallel::DistMatrix& b, parallel::DistMatrix& out);

private:
  GatherBuffers buffers_;
  std::vector<double> panel_, partial_;
};

} // namespace fasim::linalg
