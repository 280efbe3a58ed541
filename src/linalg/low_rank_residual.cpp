#include "fasim/linalg/low_rank_residual.hpp"

#include "fasim/linalg/panels.hpp"
#include "fasim/linalg/tall_qr.hpp"
#include "fasim/linalg/transpose_leading.hpp"
#include "fasim/parallel/error.hpp"

namespace fasim::linalg {

using parallel::DistMatrix;

namespace {

// A = Q·S with orthonormal Q, so ‖A·Bᵀ‖ = ‖S_A·S_Bᵀ‖: S is R of a thin QR when A is tall (TSQR, Householder,
// backward stable), or A itself, replicated, when it is short (Q = I): then it is no larger than the R would
// be.
SmallMatrix reduce_side(const DistMatrix& a) {
  if (a.rows() >= a.cols()) return tall_r_factor(a);
  return replicate(a);
}

// Columns [offset, offset + src.cols()) of dst = alpha·src, for src with dst's row layout. src's columns live
// on other process columns than dst's shifted ones, so each rank first gathers src's rows it needs
// (O(rows·r/P)).
void place_columns(DistMatrix& dst, const DistMatrix& src, int offset, double alpha) {
  const SmallMatrix rows = gathered<Coord::Row>(src);
  for (int lj = 0; lj < dst.local_cols(); ++lj) {
    const int gj = dst.global_col({lj}).value - offset;
    if (gj < 0 || gj >= src.cols()) continue;
    for (int li = 0; li < dst.local_rows(); ++li) dst.local({li}, {lj}) = alpha * rows(li, gj);
  }
}

} // namespace

double low_rank_residual_norm2(DistMatrix a, DistMatrix b, const DistMatrix& z, const DistMatrix& w) {
  const int k = a.cols() - z.cols();
  FASIM_REQUIRE(a.rows() == z.rows() && b.rows() == w.cols() && b.cols() == a.cols() &&
                    w.rows() == z.cols() && k >= 0,
                "low_rank_residual_norm2: shapes do not line up");
  FASIM_REQUIRE(a.row_block() == z.row_block() && b.row_block() == w.col_block(),
                "low_rank_residual_norm2: Y's factors, Z and W need one block size");
  DistMatrix wt(w.grid(), w.cols(), w.rows(), w.col_block(), w.row_block());
  transpose_leading(w, wt, w.cols(), /*rows_limited=*/false); // not pdtran: see transpose_leading
  place_columns(a, z, k, -1.0);
  place_columns(b, wt, k, 1.0);
  const SmallMatrix sa = reduce_side(a), sb = reduce_side(b);
  if (!a.grid()->active()) return 0.0;
  const double f = frobenius(multiply(sa, sb, false, true));
  return f * f;
}

} // namespace fasim::linalg
