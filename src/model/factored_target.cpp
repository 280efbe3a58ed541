#include "fasim/linalg/panels.hpp"
#include "fasim/linalg/product_path.hpp"
#include "fasim/linalg/tall_qr.hpp"
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

// A = Q·S with orthonormal Q, so ‖A·Bᵀ‖ = ‖S_A·S_Bᵀ‖: S is R of a thin QR when A is tall (TSQR, Householder,
// backward stable), or A itself, replicated, when it is short (Q = I): then it is no larger than the R would
// be.
SmallMatrix reduce_side(const DistMatrix& a) {
  if (a.rows() >= a.cols()) return linalg::tall_r_factor(a);
  return linalg::replicate(a);
}

// Columns [offset, offset + src.cols()) of dst = alpha·src, for src with dst's row layout. src's columns live
// on other process columns than dst's shifted ones, so each rank first gathers src's rows it needs
// (O(rows·r/P)).
void place_columns(DistMatrix& dst, const DistMatrix& src, int offset, double alpha) {
  const SmallMatrix rows = linalg::gather_rows(src);
  for (int lj = 0; lj < dst.local_cols(); ++lj) {
    const int gj = dst.global_col({lj}).value - offset;
    if (gj < 0 || gj >= src.cols()) continue;
    for (int li = 0; li < dst.local_rows(); ++li) dst.local({li}, {lj}) = alpha * rows(li, gj);
  }
}

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

// Out's column j = a's column perm[j]. Every rank holds all columns of its own rows after gather_rows.
DistMatrix permute_columns(const DistMatrix& a, const std::vector<int>& perm) {
  const SmallMatrix rows = linalg::gather_rows(a);
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

double low_rank_residual_norm2(DistMatrix a, DistMatrix b, const DistMatrix& z, const DistMatrix& w) {
  const int k = a.cols() - z.cols();
  require(a.rows() == z.rows() && b.rows() == w.cols() && b.cols() == a.cols() && w.rows() == z.cols() &&
              k >= 0,
          "low_rank_residual_norm2: shapes do not line up");
  require(a.row_block() == z.row_block() && b.row_block() == w.col_block(),
          "low_rank_residual_norm2: Y's factors, Z and W need one block size");
  DistMatrix wt(w.grid(), w.cols(), w.rows(), w.col_block(), w.row_block());
  transpose_leading(w, wt, w.cols(), /*rows_limited=*/false); // not pdtran: see transpose_leading
  place_columns(a, z, k, -1.0);
  place_columns(b, wt, k, 1.0);
  const SmallMatrix sa = reduce_side(a), sb = reduce_side(b);
  if (!a.grid()->active()) return 0.0;
  const double f = linalg::frobenius(linalg::multiply(sa, sb, false, true));
  return f * f;
}

FactoredTarget::FactoredTarget(DistMatrix u, DistMatrix v, std::vector<double> sigma, bool orthonormal,
                               bool normalise)
    : u_(std::move(u)), v_(std::move(v)), sigma_(std::move(sigma)) {
  const int k = u_.cols();
  require(v_.cols() == k && static_cast<int>(sigma_.size()) == k && u_.rows() >= k && v_.rows() >= k,
          "FactoredTarget: U (n×k), V (m×k) and σ (k) do not line up");
  require(u_.row_block() == u_.col_block() && v_.row_block() == v_.col_block() &&
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
}

std::vector<double> FactoredTarget::singular_values() const {
  std::vector<double> s = sigma_; // padded with zeros to min(n, m), as DenseTarget does
  s.resize(static_cast<std::size_t>(std::min(rows(), cols())), 0.0);
  return s;
}

void FactoredTarget::prepare_panels() const {
  if (panels_ready_) return;
  const int k = u_.cols(), m = v_.rows();
  vt_ =
      DistMatrix(v_.grid(), k, m, v_.row_block(), v_.row_block()); // W's layout: block-cyclic, square blocks
  transpose_leading(v_, vt_, m, /*rows_limited=*/true);
  vt_view_ = linalg::col_panel(vt_, vt_cols_, gather_);
  u_view_ = linalg::row_panel(u_, u_rows_, gather_);
  panels_ready_ = true;
}

void FactoredTarget::zt_y(const DistMatrix& z, DistMatrix& out) const {
  // ZᵀY = ((ZᵀU)Σ)Vᵀ: two thin products, r×k in between.
  if (linalg::product_path() == linalg::ProductPath::Panel) {
    prepare_panels();
    linalg::tall_cross(z, u_view_, u_.cols(), cross_, ws_); // ZᵀU, replicated
    for (int j = 0; j < cross_.cols; ++j)
      for (int i = 0; i < cross_.rows; ++i) cross_(i, j) *= sigma_[j];
    linalg::small_times_wide(cross_, vt_view_, 1.0, 0.0, out, ws_);
    return;
  }
  DistMatrix t(z.grid(), z.cols(), u_.cols(), z.col_block(), u_.col_block());
  parallel::gemm(Op::Trans, Op::None, 1.0, z, u_, 0.0, t);
  scale_columns(t, sigma_);
  parallel::gemm(Op::None, Op::Trans, 1.0, t, v_, 0.0, out);
}

void FactoredTarget::y_bt(const DistMatrix& b, DistMatrix& out) const {
  // Y·Bᵀ = U(Σ(VᵀBᵀ)): k×r in between.
  if (linalg::product_path() == linalg::ProductPath::Panel) {
    prepare_panels();
    linalg::wide_outer(b, vt_view_, u_.cols(), cross_, ws_); // B·V (r×k), replicated
    const int k = u_.cols(), r = b.rows();
    if (core_.rows != k || core_.cols != r) core_ = SmallMatrix(k, r);
    for (int j = 0; j < r; ++j)
      for (int i = 0; i < k; ++i) core_(i, j) = sigma_[i] * cross_(j, i); // Σ·(B·V)ᵀ
    linalg::tall_times_small(u_view_, core_, 1.0, 0.0, out, ws_);
    return;
  }
  DistMatrix t(b.grid(), v_.cols(), b.rows(), v_.col_block(), b.row_block());
  parallel::gemm(Op::Trans, Op::Trans, 1.0, v_, b, 0.0, t);
  scale_rows(t, sigma_);
  parallel::gemm(Op::None, Op::None, 1.0, u_, t, 0.0, out);
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
  return low_rank_residual_norm2(std::move(a), std::move(b), z, w);
}

} // namespace fasim::model
