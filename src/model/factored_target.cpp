#include "fasim/linalg/low_rank_residual.hpp"
#include "fasim/linalg/panels.hpp"
#include "fasim/linalg/replicated_rows.hpp"
#include "fasim/linalg/thin_products.hpp"
#include "fasim/linalg/transpose_leading.hpp"
#include "fasim/model/target.hpp"
#include "fasim/parallel/error.hpp"
#include "fasim/parallel/pblas.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace fasim::model {

using linalg::SmallMatrix;
using parallel::DistMatrix;
using parallel::Op;

namespace {

void scale_columns(DistMatrix& a, const std::vector<double>& s) {
  for (int lj = 0; lj < a.local_cols(); ++lj) {
    const double f = s[a.global_col({lj}).value];
    for (int li = 0; li < a.local_rows(); ++li) a.local({li}, {lj}) *= f;
  }
}

void scale_rows(DistMatrix& a, const std::vector<double>& s) {
  for (int lj = 0; lj < a.local_cols(); ++lj)
    for (int li = 0; li < a.local_rows(); ++li) a.local({li}, {lj}) *= s[a.global_row({li}).value];
}

// Out's column j = a's column perm[j]. Every rank holds all columns of its own rows after the gather.
DistMatrix permute_columns(const DistMatrix& a, const std::vector<int>& perm) {
  const SmallMatrix rows = linalg::gathered<linalg::Coord::Row>(a);
  DistMatrix out = DistMatrix::like(a);
  for (int lj = 0; lj < out.local_cols(); ++lj) {
    const int from = perm[out.global_col({lj}).value];
    for (int li = 0; li < out.local_rows(); ++li) out.local({li}, {lj}) = rows(li, from);
  }
  return out;
}

// U·diag(σ)·Vᵀ → its thin SVD: U = Q_U·R_U, V = Q_V·R_V, then the SVD P·S·Qᵀ of the k×k core R_U·diag(σ)·R_Vᵀ
// gives U ← Q_U·P, V ← Q_V·Q, σ ← S. O((n+m)·k²) once; afterwards spectrum() is exact and cheap.
void to_thin_svd(DistMatrix& u, DistMatrix& v, std::vector<double>& sigma) {
  const int k = u.cols();
  SmallMatrix ru(k, k, parallel::qr_thin(u));
  const SmallMatrix rv(k, k, parallel::qr_thin(v));
  for (int j = 0; j < k; ++j)
    for (int i = 0; i < k; ++i) ru(i, j) *= sigma[j];
  DistMatrix core(u.grid(), k, k, u.col_block(), u.col_block());
  linalg::distribute(linalg::multiply(ru, rv, false, true), core);
  DistMatrix p, qt;
  sigma = parallel::gesvd(core, &p, &qt);
  DistMatrix nu = DistMatrix::like(u), nv = DistMatrix::like(v);
  parallel::gemm(Op::None, Op::None, 1.0, u, p, 0.0, nu);
  parallel::gemm(Op::None, Op::Trans, 1.0, v, qt, 0.0, nv);
  u = std::move(nu);
  v = std::move(nv);
}
} // namespace

FactoredTarget::FactoredTarget(DistMatrix u, DistMatrix v, std::vector<double> sigma, bool orthonormal,
                               bool normalise)
    : u_(std::move(u)), v_(std::move(v)), sigma_(std::move(sigma)) {
  const int k = u_.cols();
  FASIM_REQUIRE(v_.cols() == k && static_cast<int>(sigma_.size()) == k && u_.rows() >= k && v_.rows() >= k,
                "FactoredTarget: U (n×k), V (m×k) and σ (k) do not line up");
  FASIM_REQUIRE(u_.row_block() == u_.col_block() && v_.row_block() == v_.col_block() &&
                    v_.row_block() == u_.row_block(),
                "FactoredTarget: U and V need one square block size");
  if (!orthonormal) to_thin_svd(u_, v_, sigma_);
  // Descending σ, with U's and V's columns in the same order: the saved (U, σ, V) is then Y's thin SVD as-is.
  std::vector<int> perm(static_cast<std::size_t>(k));
  std::iota(perm.begin(), perm.end(), 0);
  std::stable_sort(perm.begin(), perm.end(), [&](int a, int b) { return sigma_[a] > sigma_[b]; });
  if (!std::is_sorted(perm.begin(), perm.end())) {
    u_ = permute_columns(u_, perm);
    v_ = permute_columns(v_, perm);
    std::vector<double> sorted(sigma_.size());
    for (int j = 0; j < k; ++j) sorted[j] = sigma_[perm[j]];
    sigma_ = std::move(sorted);
  }
  double total = 0.0;
  for (double s : sigma_) total += s * s;
  if (normalise && total > 0) {
    for (double& s : sigma_) s /= std::sqrt(total);
    total = 0.0;
    for (double s : sigma_) total += s * s;
  }
  norm2_ = total;
  vt_ = DistMatrix(v_.grid(), k, v_.rows(), v_.row_block(), v_.row_block()); // W's layout, square blocks
  linalg::transpose_leading(v_, vt_, v_.rows(), /*rows_limited=*/true);
  linalg::GatherBuffers gather;
  vt_view_ = linalg::panel<linalg::Coord::Col>(vt_, vt_cols_, gather);
  u_view_ = linalg::panel<linalg::Coord::Row>(u_, u_rows_, gather);
}

std::vector<double> FactoredTarget::singular_values() const {
  std::vector<double> s = sigma_; // padded with zeros to min(n, m), as DenseTarget does
  s.resize(static_cast<std::size_t>(std::min(rows(), cols())), 0.0);
  return s;
}

void FactoredTarget::zt_y(const DistMatrix& z, DistMatrix& out, linalg::ProductContext& ctx) const {
  // ZᵀY = ((ZᵀU)Σ)Vᵀ: two thin products, r×k in between.
  if (ctx.path == linalg::ProductPath::Panel) {
    linalg::SmallMatrix& cross = ctx.small[0];
    // ZᵀU, replicated: from all r columns of my rows of Z when the step holds them (always: its Gram matrix
    // took them), summed over the process column; else from my own piece, summed over the grid.
    if (ctx.holds<linalg::Coord::Row>(z))
      linalg::panel_cross(z, ctx.panel_of<linalg::Coord::Row>(z), u_view_, u_.cols(), cross);
    else
      linalg::tall_cross(z, u_view_, u_.cols(), cross, ctx.thin);
    for (int j = 0; j < cross.cols; ++j)
      for (int i = 0; i < cross.rows; ++i) cross(i, j) *= sigma_[j];
    linalg::small_times_wide(cross, vt_view_, 1.0, 0.0, out, ctx.thin);
    return;
  }
  DistMatrix t(z.grid(), z.cols(), u_.cols(), z.col_block(), u_.col_block());
  parallel::gemm(Op::Trans, Op::None, 1.0, z, u_, 0.0, t);
  scale_columns(t, sigma_);
  parallel::gemm(Op::None, Op::Trans, 1.0, t, v_, 0.0, out);
}

void FactoredTarget::y_bt(const DistMatrix& b, DistMatrix& out, linalg::ProductContext& ctx) const {
  // Y·Bᵀ = U(Σ(VᵀBᵀ)): k×r in between.
  if (ctx.path == linalg::ProductPath::Panel) {
    linalg::SmallMatrix &cross = ctx.small[0], &core = ctx.small[1];
    // B·V (r×k), replicated: from all r rows of my columns of B when the step holds them (one process row,
    // W's replicated columns, C's pinned ones), summed over the process row; else over the grid.
    if (ctx.holds<linalg::Coord::Col>(b))
      linalg::panel_outer(b, ctx.panel_of<linalg::Coord::Col>(b), vt_view_, u_.cols(), cross);
    else
      linalg::wide_outer(b, vt_view_, u_.cols(), cross, ctx.thin);
    const int k = u_.cols(), r = b.rows();
    if (core.rows != k || core.cols != r) core = SmallMatrix(k, r);
    for (int j = 0; j < r; ++j)
      for (int i = 0; i < k; ++i) core(i, j) = sigma_[i] * cross(j, i); // Σ·(B·V)ᵀ
    linalg::tall_times_small(u_view_, core, 1.0, 0.0, out, ctx.thin);
    return;
  }
  DistMatrix t(b.grid(), v_.cols(), b.rows(), v_.col_block(), b.row_block());
  parallel::gemm(Op::Trans, Op::Trans, 1.0, v_, b, 0.0, t);
  scale_rows(t, sigma_);
  parallel::gemm(Op::None, Op::None, 1.0, u_, t, 0.0, out);
}

void FactoredTarget::y_bt_rows(const DistMatrix& out, linalg::ProductContext& ctx, double* rows) const {
  // y_bt left Σ·(B·V)ᵀ (k×r) in small[1]; every rank of the process row holds all k columns of its rows of U.
  linalg::owners_times_small(out, u_view_, ctx.small[1], 1.0, rows, std::max(1, out.local_rows()), ctx.thin,
                             0.0);
}

void FactoredTarget::zt_y_cols(const DistMatrix& out, linalg::ProductContext& ctx, double* cols) const {
  // zt_y left (ZᵀU)·Σ (r×k) in small[0]; every rank of the process column holds all k rows of its columns of
  // Vᵀ.
  linalg::owners_small_times(out, ctx.small[0], vt_view_, 1.0, 0.0, cols, std::max(1, out.rows()), ctx.thin);
}

double FactoredTarget::residual_norm2(const DistMatrix& z, const DistMatrix& w) const {
  const int k = u_.cols(), width = k + z.cols();
  DistMatrix a(u_.grid(), u_.rows(), width, u_.row_block(), u_.col_block());
  DistMatrix b(v_.grid(), v_.rows(), width, v_.row_block(), v_.col_block());
  // Columns j < k of A and U (of B and V) have the same owner and local index: block-cyclic placement depends
  // only on j and the block size, not on the width. So A₀ = UΣ and B₀ = V are local copies.
  for (int lj = 0; lj < u_.local_cols(); ++lj) {
    const double s = sigma_[u_.global_col({lj}).value];
    for (int li = 0; li < u_.local_rows(); ++li) a.local({li}, {lj}) = s * u_.local({li}, {lj});
  }
  for (int lj = 0; lj < v_.local_cols(); ++lj)
    for (int li = 0; li < v_.local_rows(); ++li) b.local({li}, {lj}) = v_.local({li}, {lj});
  return linalg::low_rank_residual_norm2(std::move(a), std::move(b), z, w);
}

} // namespace fasim::model
