#include "fasim/linalg/products.hpp"

#include "fasim/linalg/panels.hpp"
#include "fasim/parallel/error.hpp"
#include "fasim/parallel/pblas.hpp"

namespace fasim::linalg {

using parallel::DistMatrix;
using parallel::Op;

void cross(const DistMatrix& z, const DistMatrix& x, SmallMatrix& out, ProductContext& ctx) {
  if (ctx.path == ProductPath::Pdgemm) {
    DistMatrix& g = ctx.scratch(0, z.grid(), z.cols(), x.cols(), z.col_block(), x.col_block());
    parallel::gemm(Op::Trans, Op::None, 1.0, z, x, 0.0, g);
    out = replicate(g);
    return;
  }
  if (&z == &x)
    tall_gram(z, ctx.panel_of<Coord::Row>(z), out, ctx.thin);
  else
    tall_cross(z, ctx.panel_of<Coord::Row>(x), x.cols(), out, ctx.thin);
}

void outer(const DistMatrix& a, const DistMatrix& b, SmallMatrix& out, ProductContext& ctx) {
  if (ctx.path == ProductPath::Pdgemm) {
    DistMatrix& g = ctx.scratch(0, a.grid(), a.rows(), b.rows(), a.row_block(), b.row_block());
    parallel::gemm(Op::None, Op::Trans, 1.0, a, b, 0.0, g);
    out = replicate(g);
    return;
  }
  // With all rows of a's columns at hand (one process row, or the step gathered or replicated them) the sum
  // runs over the process row only; otherwise each rank's own rows of a, summed over the grid.
  if (ctx.holds<Coord::Col>(a))
    panel_outer(a, ctx.panel_of<Coord::Col>(a), ctx.panel_of<Coord::Col>(b), b.rows(), out);
  else
    wide_outer(a, ctx.panel_of<Coord::Col>(b), b.rows(), out, ctx.thin);
}

void times_small(const DistMatrix& z, const SmallMatrix& m, double alpha, double beta, DistMatrix& out,
                 ProductContext& ctx) {
  if (ctx.path == ProductPath::Pdgemm) {
    DistMatrix& md = ctx.scratch(1, z.grid(), m.rows, m.cols, z.col_block(), out.col_block());
    distribute(m, md);
    parallel::gemm(Op::None, Op::None, alpha, z, md, beta, out);
    return;
  }
  tall_times_small(ctx.panel_of<Coord::Row>(z), m, alpha, beta, out, ctx.thin);
}

void small_times(const SmallMatrix& m, const DistMatrix& w, double alpha, double beta, DistMatrix& out,
                 ProductContext& ctx) {
  if (ctx.path == ProductPath::Pdgemm) {
    DistMatrix& md = ctx.scratch(1, w.grid(), m.rows, m.cols, out.row_block(), w.row_block());
    distribute(m, md);
    parallel::gemm(Op::None, Op::None, alpha, md, w, beta, out);
    return;
  }
  small_times_wide(m, ctx.panel_of<Coord::Col>(w), alpha, beta, out, ctx.thin);
}

namespace {
void require_aligned(const DistMatrix& y, const DistMatrix& thin, bool rows) {
  const bool ok =
      thin.grid() == y.grid() && (rows ? thin.rows() == y.rows() && thin.row_block() == y.row_block()
                                       : thin.cols() == y.cols() && thin.col_block() == y.col_block());
  FASIM_REQUIRE(ok, "panel product: the thin matrix does not line up with Y (same grid and block needed)");
}
} // namespace

void zt_y(const DistMatrix& y, const DistMatrix& z, DistMatrix& out, ProductContext& ctx) {
  if (ctx.path == ProductPath::Pdgemm) {
    parallel::gemm(Op::Trans, Op::None, 1.0, z, y, 0.0, out);
    return;
  }
  require_aligned(y, z, true);
  pass_over_y<Coord::Row>(y, ctx.panel_of<Coord::Row>(z), z.cols(), out, ctx.zt_y, ctx.pass);
}

void y_bt(const DistMatrix& y, const DistMatrix& b, DistMatrix& out, ProductContext& ctx) {
  if (ctx.path == ProductPath::Pdgemm) {
    parallel::gemm(Op::None, Op::Trans, 1.0, y, b, 0.0, out);
    return;
  }
  require_aligned(y, b, false);
  pass_over_y<Coord::Col>(y, ctx.panel_of<Coord::Col>(b), b.rows(), out, ctx.y_bt, ctx.pass);
}

} // namespace fasim::linalg
