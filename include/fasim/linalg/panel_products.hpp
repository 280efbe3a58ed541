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

class PanelProducts {
public:
  /// out (r×m) = Zᵀ·Y. Y, Z, out on one grid with one block size. Collective over the grid.
  void zt_y(const parallel::DistMatrix& y, const parallel::DistMatrix& z, parallel::DistMatrix& out);
  /// out (n×r) = Y·Bᵀ for B (r×m). Collective over the grid.
  void y_bt(const parallel::DistMatrix& y, const parallel::DistMatrix& b, parallel::DistMatrix& out);

private:
  std::vector<double> packed_, gathered_, panel_, partial_;
  std::vector<int> counts_, displs_;
};

} // namespace fasim::linalg
