#include "fasim/linalg/low_rank_residual.hpp"
#include "fasim/linalg/panels.hpp"
#include "fasim/linalg/transpose_leading.hpp"
#include "fasim/model/target.hpp"
#include "fasim/parallel/error.hpp"
#include "fasim/parallel/pblas.hpp"

#include <algorithm>
#include <functional>

namespace fasim::model {

using linalg::SmallMatrix;
using parallel::DistMatrix;
using parallel::Op;

// Y = diag(σ) couples only the indices i < k: (ZᵀY)[:, j] = σ_j·Z[j, :]ᵀ and (Y·Bᵀ)[i, :] = σ_i·B[:, i]ᵀ. So
// each product is a transpose of the leading k rows (columns) with a scaling, one all-to-all of O(k·r)
// numbers in all (transpose_leading.cpp). The exact-loss route also uses that, in a block-cyclic layout, the
// owner and local index of global row i depend only on i, the block size and the process count: for
// i < min(n, m), row i of an n×r and of an m×r matrix sit on the same process at the same local row.

DiagonalTarget::DiagonalTarget(parallel::GridPtr grid, int n, int m, std::vector<double> sigma)
    : grid_(std::move(grid)), n_(n), m_(m), sigma_(std::move(sigma)) {
  FASIM_REQUIRE(static_cast<int>(sigma_.size()) <= std::min(n, m),
                "DiagonalTarget: more values than min(n, m)");
  spectrum_ = sigma_;
  std::sort(spectrum_.begin(), spectrum_.end(), std::greater<>());
  for (double s : sigma_) norm2_ += s * s;
}

std::vector<double> DiagonalTarget::singular_values() const {
  std::vector<double> s = spectrum_;
  for (double& x : s) x = std::abs(x); // a negative σ_i on the diagonal is the singular value |σ_i|
  std::sort(s.begin(), s.end(), std::greater<>());
  s.resize(static_cast<std::size_t>(std::min(n_, m_)), 0.0);
  return s;
}

void DiagonalTarget::zt_y(const DistMatrix& z, DistMatrix& out, linalg::ProductContext& ctx) const {
  FASIM_REQUIRE(z.rows() == n_ && out.rows() == z.cols() && out.cols() == m_, "DiagonalTarget::zt_y: shapes");
  linalg::transpose_leading(z, out, static_cast<int>(sigma_.size()), /*rows_limited=*/true, sigma_.data(),
                            &ctx.transpose[0]);
}

void DiagonalTarget::y_bt(const DistMatrix& b, DistMatrix& out, linalg::ProductContext& ctx) const {
  FASIM_REQUIRE(b.cols() == m_ && out.rows() == n_ && out.cols() == b.rows(), "DiagonalTarget::y_bt: shapes");
  linalg::transpose_leading(b, out, static_cast<int>(sigma_.size()), /*rows_limited=*/false, sigma_.data(),
                            &ctx.transpose[1]);
}

double DiagonalTarget::residual_norm2(const DistMatrix& z, const DistMatrix& w) const {
  FASIM_REQUIRE(z.rows() == n_ && w.cols() == m_ && z.cols() == w.rows(),
                "DiagonalTarget::residual_norm2: shapes");
  const int k = static_cast<int>(sigma_.size()), r = z.cols();
  const auto& g = *z.grid();
  if (k + r <= kExactColumns) {
    // Exact: Y − ZW = [E_kΣ, −Z]·[E_k, Wᵀ]ᵀ (E_k: the first k unit vectors), the factored target's QR route.
    DistMatrix a(z.grid(), n_, k + r, z.row_block(), z.row_block());
    DistMatrix b(z.grid(), m_, k + r, w.col_block(), w.col_block());
    for (DistMatrix* f : {&a, &b})
      for (int lj = 0; lj < f->local_cols(); ++lj) {
        const int gj = f->global_col({lj}).value;
        if (gj >= k) continue;
        for (int li = 0; li < f->local_rows(); ++li)
          if (f->global_row({li}).value == gj) f->local({li}, {lj}) = f == &a ? sigma_[gj] : 1.0;
      }
    return linalg::low_rank_residual_norm2(std::move(a), std::move(b), z, w);
  }
  // Large k: the QR route would cost O((n+m)k²). Split ‖Y − ZW‖² = Σ_{i<k}(σ_i − d_i)² + (‖ZW‖² − Σ_{i<k}
  // d_i²) with d_i = (ZW)_ii. The first sum is exact term by term. The second, the off-diagonal mass, comes
  // from ‖ZW‖² = tr((ZᵀZ)(WWᵀ)) and carries an absolute error ~ε‖ZW‖²; but with k > r the loss is at least
  // Σ_{i>r} σ_i² (Eckart–Young), so the relative error stays ~ε‖Y‖²/Σ_{i>r}σ_i² — the floor that matters for
  // k <= r (ZW → Y exactly) is handled exactly above.
  DistMatrix wt(w.grid(), m_, r, w.col_block(), w.row_block()); // rows i < k of Wᵀ are all that is needed
  linalg::transpose_leading(w, wt, k, /*rows_limited=*/false);
  DistMatrix gz(z.grid(), r, r, z.col_block(), z.col_block()), gw = DistMatrix::like(gz);
  parallel::gemm(Op::Trans, Op::None, 1.0, z, z, 0.0, gz);
  parallel::gemm(Op::None, Op::Trans, 1.0, w, w, 0.0, gw);
  const SmallMatrix sz = linalg::replicate(gz), sw = linalg::replicate(gw);
  if (!g.active()) return 0.0;
  FASIM_REQUIRE(wt.row_block() == z.row_block() && wt.col_block() == z.col_block(),
                "DiagonalTarget::residual_norm2: Z and W need one block size");
  std::vector<double> d(static_cast<std::size_t>(z.local_rows()), 0.0);
  for (int lj = 0; lj < z.local_cols(); ++lj)
    for (int li = 0; li < z.local_rows(); ++li)
      if (z.global_row({li}).value < k) d[li] += z.local({li}, {lj}) * wt.local({li}, {lj});
  g.row_comm().allreduce_sum(d.data(), static_cast<int>(d.size())); // sum over my process row's columns of r
  double part[2] = {0.0, 0.0};                                      // Σ(σ_i − d_i)², Σ d_i²
  if (g.my_col() == 0)                                              // one copy of each row's d_i
    for (int li = 0; li < z.local_rows(); ++li) {
      const int gi = z.global_row({li}).value;
      if (gi >= k) continue;
      part[0] += (sigma_[gi] - d[li]) * (sigma_[gi] - d[li]);
      part[1] += d[li] * d[li];
    }
  g.grid_comm().allreduce_sum(part, 2);
  double zw2 = 0.0;
  for (int j = 0; j < r; ++j)
    for (int i = 0; i < r; ++i) zw2 += sz(i, j) * sw(j, i);
  return part[0] + std::max(0.0, zw2 - part[1]);
}

} // namespace fasim::model
