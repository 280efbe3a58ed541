#include "fasim/linalg/thin_products.hpp"

#include "fasim/parallel/communicator.hpp"
#include "fasim/parallel/error.hpp"
#include "local_gemm.hpp"

#include <algorithm>

namespace fasim::linalg {

using detail::local_gemm;
using parallel::DistMatrix;

namespace {
void sum_over_grid(const DistMatrix& like, SmallMatrix& out) {
  const auto& g = *like.grid();
  if (g.rows() * g.cols() > 1) g.grid_comm().allreduce_sum(out.v.data(), static_cast<int>(out.v.size()));
}

} // namespace

void tall_cross(const DistMatrix& z, PanelView u_rows, int k, SmallMatrix& out, ThinWorkspace& ws) {
  const int r = z.cols(), nloc = z.local_rows(), cloc = z.local_cols();
  if (out.rows != r || out.cols != k) out = SmallMatrix(r, k);
  const auto& g = *z.grid();
  if (!g.active()) return;
  // (cloc × k) = (my piece of Z)ᵀ · (all k columns of my rows of U): the rows of ZᵀU for my columns of Z,
  // summed over the process rows by the allreduce. On one process column my columns are all r of them.
  if (g.cols() == 1) {
    local_gemm('T', 'N', r, k, nloc, 1.0, z.data(), z.lld(), u_rows.data, u_rows.ld, 0.0, out.v.data(),
               std::max(1, r));
  } else {
    std::fill(out.v.begin(), out.v.end(), 0.0);
    ws.part.resize(static_cast<std::size_t>(std::max(1, cloc)) * k);
    local_gemm('T', 'N', cloc, k, nloc, 1.0, z.data(), z.lld(), u_rows.data, u_rows.ld, 0.0, ws.part.data(),
               std::max(1, cloc));
    for (int j = 0; j < k; ++j)
      for (int lj = 0; lj < cloc; ++lj)
        out(z.global_col({lj}).value, j) = ws.part[static_cast<std::size_t>(j) * cloc + lj];
  }
  sum_over_grid(z, out);
}

void panel_cross(const DistMatrix& z, PanelView z_rows, PanelView u_rows, int k, SmallMatrix& out) {
  const int r = z.cols(), nloc = z.local_rows();
  if (out.rows != r || out.cols != k) out = SmallMatrix(r, k);
  const auto& g = *z.grid();
  if (!g.active()) return;
  // (r × k) = (all r columns of my rows of Z)ᵀ · (all k columns of my rows of U): my process row's share,
  // summed over the process column only (every rank of my process row computes the same share).
  local_gemm('T', 'N', r, k, nloc, 1.0, z_rows.data, z_rows.ld, u_rows.data, u_rows.ld, 0.0, out.v.data(),
             std::max(1, r));
  if (g.rows() > 1) g.col_comm().allreduce_sum(out.v.data(), static_cast<int>(out.v.size()));
}

void tall_gram(const DistMatrix& z, PanelView z_rows, SmallMatrix& out, ThinWorkspace&) {
  const int r = z.cols(), nloc = z.local_rows();
  const auto& g = *z.grid();
  if (out.rows != r || out.cols != r) out = SmallMatrix(r, r);
  std::fill(out.v.begin(), out.v.end(), 0.0);
  if (!g.active()) return;
  // All r columns of my rows of Z (my own piece on one process column, the gathered or replicated panel
  // otherwise): their Gram matrix is my process row's share of ZᵀZ, summed over the process column only — the
  // other ranks of my process row hold the same rows. SYRK does half a GEMM's work.
  if (nloc > 0 && r > 0) {
    const char up = 'U', t = 'T';
    const double one = 1.0, zero = 0.0;
    const int ld = z_rows.ld;
    dsyrk_(&up, &t, &r, &nloc, &one, z_rows.data, &ld, &zero, out.v.data(), &r);
  }
  for (int j = 0; j < r; ++j)
    for (int i = j + 1; i < r; ++i) out(i, j) = out(j, i);
  if (g.rows() > 1) g.col_comm().allreduce_sum(out.v.data(), static_cast<int>(out.v.size()));
}

void tall_times_small(PanelView z_rows, const SmallMatrix& m, double alpha, double beta, DistMatrix& out,
                      ThinWorkspace& ws) {
  if (!out.grid()->active()) return;
  const int nloc = out.local_rows(), cloc = out.local_cols(), k = m.rows;
  FASIM_REQUIRE(out.cols() == m.cols, "tall_times_small: shapes do not conform");
  const double* mcols = m.v.data();
  if (out.grid()->cols() > 1) { // my columns of out use only those columns of M
    ws.packed.resize(static_cast<std::size_t>(k) * std::max(1, cloc));
    for (int lj = 0; lj < cloc; ++lj)
      std::copy_n(m.v.data() + static_cast<std::size_t>(out.global_col({lj}).value) * k, k,
                  ws.packed.data() + static_cast<std::size_t>(lj) * k);
    mcols = ws.packed.data();
  }
  local_gemm('N', 'N', nloc, cloc, k, alpha, z_rows.data, z_rows.ld, mcols, std::max(1, k), beta, out.data(),
             out.lld());
}

void wide_outer(const DistMatrix& a, PanelView b_cols, int b_rows, SmallMatrix& out, ThinWorkspace& ws) {
  const int r1 = a.rows(), rloc = a.local_rows(), mloc = a.local_cols();
  if (out.rows != r1 || out.cols != b_rows) out = SmallMatrix(r1, b_rows);
  std::fill(out.v.begin(), out.v.end(), 0.0);
  const auto& g = *a.grid();
  if (!g.active()) return;
  // part (rloc × r₂) = (my piece of A) · (B's rows over my columns)ᵀ: my rows of A·Bᵀ, summed over the
  // process columns by the allreduce.
  double* dst = out.v.data();
  int ld = r1;
  if (g.rows() > 1) {
    ws.part.resize(static_cast<std::size_t>(std::max(1, rloc)) * b_rows);
    dst = ws.part.data();
    ld = std::max(1, rloc);
  }
  local_gemm('N', 'T', rloc, b_rows, mloc, 1.0, a.data(), a.lld(), b_cols.data, b_cols.ld, 0.0, dst, ld);
  if (g.rows() > 1)
    for (int j = 0; j < b_rows; ++j)
      for (int li = 0; li < rloc; ++li)
        out(a.global_row({li}).value, j) = ws.part[static_cast<std::size_t>(j) * rloc + li];
  sum_over_grid(a, out);
}

void panel_outer(const DistMatrix& a, PanelView a_cols, PanelView b_cols, int b_rows, SmallMatrix& out) {
  const int r1 = a.rows(), mloc = a.local_cols();
  if (out.rows != r1 || out.cols != b_rows) out = SmallMatrix(r1, b_rows);
  std::fill(out.v.begin(), out.v.end(), 0.0);
  const auto& g = *a.grid();
  if (!g.active()) return;
  // (r₁ × r₂) = (all r₁ rows of my columns of A) · (B's rows over my columns)ᵀ: my process column's share,
  // summed over the process row only (every rank of my process column computes the same share).
  local_gemm('N', 'T', r1, b_rows, mloc, 1.0, a_cols.data, a_cols.ld, b_cols.data, b_cols.ld, 0.0,
             out.v.data(), std::max(1, r1));
  if (g.cols() > 1) g.row_comm().allreduce_sum(out.v.data(), static_cast<int>(out.v.size()));
}

void small_times_wide(const SmallMatrix& m, PanelView w_cols, double alpha, double beta, DistMatrix& out,
                      ThinWorkspace& ws) {
  if (!out.grid()->active()) return;
  const int rloc = out.local_rows(), mloc = out.local_cols(), k = m.cols;
  FASIM_REQUIRE(out.rows() == m.rows, "small_times_wide: shapes do not conform");
  const double* mrows = m.v.data();
  int ldm = std::max(1, m.rows);
  if (out.grid()->rows() > 1) { // my rows of out use only those rows of M
    ws.packed.resize(static_cast<std::size_t>(std::max(1, rloc)) * k);
    for (int j = 0; j < k; ++j)
      for (int li = 0; li < rloc; ++li)
        ws.packed[static_cast<std::size_t>(j) * rloc + li] = m(out.global_row({li}).value, j);
    mrows = ws.packed.data();
    ldm = std::max(1, rloc);
  }
  local_gemm('N', 'N', rloc, mloc, k, alpha, mrows, ldm, w_cols.data, w_cols.ld, beta, out.data(), out.lld());
}

} // namespace fasim::linalg
