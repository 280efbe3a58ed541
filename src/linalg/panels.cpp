#include "fasim/linalg/panels.hpp"

#include "fasim/linalg/panel_products.hpp"

#include "fasim/parallel/communicator.hpp"
#include "fasim/parallel/error.hpp"
#include "local_gemm.hpp"

#include <algorithm>
#include <cmath>

namespace fasim::linalg {

using parallel::DistMatrix;

template <Coord C> SmallMatrix gathered(const DistMatrix& a) {
  std::vector<double> out;
  GatherBuffers buffers;
  gather_into<C>(a, out, buffers);
  const int rows = C == Coord::Row ? a.local_rows() : a.rows(),
            cols = C == Coord::Row ? a.cols() : a.local_cols();
  out.resize(static_cast<std::size_t>(rows) * cols);
  return SmallMatrix(rows, cols, std::move(out));
}
template SmallMatrix gathered<Coord::Row>(const DistMatrix&);
template SmallMatrix gathered<Coord::Col>(const DistMatrix&);

SmallMatrix replicate(const DistMatrix& a) {
  return SmallMatrix(a.rows(), a.cols(), a.allgather());
}

void distribute(const SmallMatrix& a, DistMatrix& out) {
  FASIM_REQUIRE(a.rows == out.rows() && a.cols == out.cols(), "distribute: shapes differ");
  for (int lj = 0; lj < out.local_cols(); ++lj) {
    const int gj = out.global_col({lj}).value;
    for (int li = 0; li < out.local_rows(); ++li) out.local({li}, {lj}) = a(out.global_row({li}).value, gj);
  }
}

double residual_norm2(const DistMatrix& y, const DistMatrix& z, const DistMatrix& w) {
  const auto& g = *y.grid();
  if (!g.active()) return 0.0;
  FASIM_REQUIRE(z.rows() == y.rows() && w.cols() == y.cols() && z.cols() == w.rows() &&
                    z.row_block() == y.row_block() && w.col_block() == y.col_block(),
                "residual_norm2: Y, Z, W do not line up");
  const SmallMatrix zr = gathered<Coord::Row>(z), wc = gathered<Coord::Col>(w);
  const int nloc = y.local_rows(), mloc = y.local_cols(), r = z.cols();
  constexpr int kPanel = 256;
  std::vector<double> panel(static_cast<std::size_t>(std::max(1, nloc)) * kPanel);
  // Scaled sum of squares (as LAPACK's dlassq): exact residuals far below 1e-154 do not underflow.
  double scale = 0.0, ssq = 1.0;
  for (int j0 = 0; j0 < mloc; j0 += kPanel) {
    const int width = std::min(kPanel, mloc - j0);
    residual_panel(y, {zr.v.data(), std::max(1, nloc)}, {wc.v.data(), std::max(1, r)}, r, j0, width,
                   panel.data());
    for (std::size_t i = 0; i < static_cast<std::size_t>(nloc) * width; ++i) {
      const double ax = std::abs(panel[i]);
      if (ax == 0) continue;
      if (scale < ax) {
        ssq = 1 + ssq * (scale / ax) * (scale / ax);
        scale = ax;
      } else {
        ssq += (ax / scale) * (ax / scale);
      }
    }
  }
  // Combine (scale, ssq) pairs: reduce with the largest scale to avoid overflow.
  const double big = g.grid_comm().allreduce_max(scale);
  if (big == 0.0) return 0.0;
  const double part = (scale / big) * (scale / big) * ssq;
  return big * big * g.grid_comm().allreduce_sum(part);
}

} // namespace fasim::linalg
