#include "fasim/linalg/panels.hpp"

#include "fasim/linalg/panel_products.hpp"

#include "fasim/parallel/communicator.hpp"
#include "fasim/parallel/error.hpp"
#include "local_gemm.hpp"

#include <algorithm>
#include <cmath>

namespace fasim::linalg {

using parallel::DistMatrix;

SmallMatrix gather_rows(const DistMatrix& z) {
  std::vector<double> out;
  GatherBuffers buffers;
  gather_rows_into(z, out, buffers);
  out.resize(static_cast<std::size_t>(z.local_rows()) * z.cols());
  return SmallMatrix(z.local_rows(), z.cols(), std::move(out));
}

SmallMatrix gather_cols(const DistMatrix& w) {
  std::vector<double> out;
  GatherBuffers buffers;
  gather_cols_into(w, out, buffers);
  out.resize(static_cast<std::size_t>(w.rows()) * w.local_cols());
  return SmallMatrix(w.rows(), w.local_cols(), std::move(out));
}

SmallMatrix replicate(const DistMatrix& a) {
  return SmallMatrix(a.rows(), a.cols(), a.allgather());
}

void distribute(const SmallMatrix& a, DistMatrix& out) {
  if (a.rows != out.rows() || a.cols != out.cols()) throw Error("distribute: shapes differ");
  for (int lj = 0; lj < out.local_cols(); ++lj) {
    const int gj = out.global_col({lj}).value;
    for (int li = 0; li < out.local_rows(); ++li) out.local({li}, {lj}) = a(out.global_row({li}).value, gj);
  }
}

double residual_norm2(const DistMatrix& y, const DistMatrix& z, const DistMatrix& w) {
  const auto& g = *y.grid();
  if (!g.active()) return 0.0;
  if (z.rows() != y.rows() || w.cols() != y.cols() || z.cols() != w.rows() ||
      z.row_block() != y.row_block() || w.col_block() != y.col_block())
    throw Error("residual_norm2: Y, Z, W do not line up");
  const SmallMatrix zr = gather_rows(z), wc = gather_cols(w);
  const int nloc = y.local_rows(), mloc = y.local_cols(), r = z.cols();
  constexpr int kPanel = 256;
  std::vector<double> panel(static_cast<std::size_t>(std::max(1, nloc)) * kPanel);
  // Scaled sum of squares (as LAPACK's dlassq): exact residuals far below 1e-154 do not underflow.
  double scale = 0.0, ssq = 1.0;
  for (int j0 = 0; j0 < mloc; j0 += kPanel) {
    const int width = std::min(kPanel, mloc - j0);
    for (int j = 0; j < width; ++j)
      std::copy_n(y.data() + static_cast<std::size_t>(j0 + j) * y.lld(), nloc,
                  panel.data() + static_cast<std::size_t>(j) * nloc);
    detail::local_gemm('N', 'N', nloc, width, r, -1.0, zr.v.data(), nloc,
                       wc.v.data() + static_cast<std::size_t>(j0) * r, r, 1.0, panel.data(), nloc);
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
