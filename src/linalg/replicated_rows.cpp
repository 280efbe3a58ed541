#include "fasim/linalg/replicated_rows.hpp"

#include "fasim/parallel/error.hpp"
#include "local_gemm.hpp"

#include <algorithm>

namespace fasim::linalg {

using detail::local_gemm;
using parallel::DistMatrix;

void owners_times_small(const DistMatrix& like, PanelView z_rows, const SmallMatrix& m, double alpha,
                        double* rows, int ld, ThinWorkspace& ws, double beta) {
  const auto& g = *like.grid();
  const parallel::BlockCyclic1D& cols = like.col_layout();
  const int nloc = like.local_rows(), k = m.rows, ldc = std::max(1, nloc);
  FASIM_REQUIRE(like.cols() == m.cols, "owners_times_small: shapes do not conform");
  for (int q = 0; q < g.cols(); ++q) {
    const int cq = cols.local_count(q);
    if (cq == 0) continue;
    // The owner's tall_times_small: M's columns for its columns, packed in its local order.
    ws.packed.resize(static_cast<std::size_t>(k) * cq);
    ws.part.resize(static_cast<std::size_t>(ldc) * cq);
    for (int lj = 0; lj < cq; ++lj) {
      const auto gj = static_cast<std::size_t>(cols.to_global({lj}, q).value);
      std::copy_n(m.v.data() + gj * k, k, ws.packed.data() + static_cast<std::size_t>(lj) * k);
      std::copy_n(rows + gj * ld, nloc, ws.part.data() + static_cast<std::size_t>(lj) * ldc);
    }
    local_gemm('N', 'N', nloc, cq, k, alpha, z_rows.data, z_rows.ld, ws.packed.data(), std::max(1, k), beta,
               ws.part.data(), ldc);
    for (int lj = 0; lj < cq; ++lj)
      std::copy_n(ws.part.data() + static_cast<std::size_t>(lj) * ldc, nloc,
                  rows + static_cast<std::size_t>(cols.to_global({lj}, q).value) * ld);
  }
}

void pass_rows(const DistMatrix& y, int r, Orientation orientation, const PassBuffers& buf, double* rows) {
  const int ylen = y.local_rows();
  for (int gi = 0; gi < r; ++gi)
    for (int yl = 0; yl < ylen; ++yl)
      rows[static_cast<std::size_t>(gi) * ylen + yl] =
          orientation == Orientation::ThinFirst ? buf.partial[static_cast<std::size_t>(yl) * r + gi]
                                                : buf.partial[static_cast<std::size_t>(gi) * ylen + yl];
}

void owners_small_times(const DistMatrix& like, const SmallMatrix& m, PanelView w_cols, double alpha,
                        double beta, double* cols, int ld, ThinWorkspace& ws) {
  const auto& g = *like.grid();
  const parallel::BlockCyclic1D& rows = like.row_layout();
  const int mloc = like.local_cols(), k = m.cols;
  FASIM_REQUIRE(like.rows() == m.rows, "owners_small_times: shapes do not conform");
  for (int p = 0; p < g.rows(); ++p) {
    const int rp = rows.local_count(p), ldp = std::max(1, rp);
    if (rp == 0) continue;
    // The owner's small_times_wide: M's rows for its rows, packed in its local order.
    ws.packed.resize(static_cast<std::size_t>(ldp) * k);
    for (int j = 0; j < k; ++j)
      for (int li = 0; li < rp; ++li)
        ws.packed[static_cast<std::size_t>(j) * rp + li] = m(rows.to_global({li}, p).value, j);
    ws.part.resize(static_cast<std::size_t>(ldp) * std::max(1, mloc));
    for (int lj = 0; lj < mloc; ++lj)
      for (int li = 0; li < rp; ++li)
        ws.part[static_cast<std::size_t>(lj) * ldp + li] =
            cols[static_cast<std::size_t>(lj) * ld + rows.to_global({li}, p).value];
    local_gemm('N', 'N', rp, mloc, k, alpha, ws.packed.data(), ldp, w_cols.data, w_cols.ld, beta,
               ws.part.data(), ldp);
    for (int lj = 0; lj < mloc; ++lj)
      for (int li = 0; li < rp; ++li)
        cols[static_cast<std::size_t>(lj) * ld + rows.to_global({li}, p).value] =
            ws.part[static_cast<std::size_t>(lj) * ldp + li];
  }
}

void pass_cols(const DistMatrix& y, int r, Orientation orientation, const PassBuffers& buf, double* cols) {
  const int ylen = y.local_cols();
  for (int yl = 0; yl < ylen; ++yl)
    for (int gi = 0; gi < r; ++gi)
      cols[static_cast<std::size_t>(yl) * r + gi] =
          orientation == Orientation::ThinFirst ? buf.partial[static_cast<std::size_t>(yl) * r + gi]
                                                : buf.partial[static_cast<std::size_t>(gi) * ylen + yl];
}

} // namespace fasim::linalg
