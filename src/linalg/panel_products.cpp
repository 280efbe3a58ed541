#include "fasim/linalg/panel_products.hpp"

#include "fasim/linalg/product_path.hpp"
#include "fasim/linalg/thin_products.hpp"
#include "fasim/parallel/communicator.hpp"
#include "fasim/parallel/error.hpp"
#include "local_gemm.hpp"

#include <algorithm>

namespace fasim::linalg {

using parallel::DistMatrix;

namespace {
ProductPath g_path = ProductPath::Panel;

// Allgathers each member's dense local piece over `comm` into buf.gathered.
void allgather_pieces(const parallel::Communicator& comm, const DistMatrix& a, GatherBuffers& buf,
                      const parallel::BlockCyclic1D& layout, int other_extent) {
  const int procs = comm.size();
  buf.counts.resize(static_cast<std::size_t>(procs));
  buf.displs.resize(static_cast<std::size_t>(procs));
  // Every member's count follows from the layout: no message needed to learn it.
  for (int p = 0; p < procs; ++p) {
    buf.counts[p] = layout.local_count(p) * other_extent;
    buf.displs[p] = p == 0 ? 0 : buf.displs[p - 1] + buf.counts[p - 1];
  }
  buf.packed.resize(static_cast<std::size_t>(a.local_rows()) * a.local_cols());
  for (int j = 0; j < a.local_cols(); ++j)
    std::copy_n(a.data() + static_cast<std::size_t>(j) * a.lld(), a.local_rows(),
                buf.packed.data() + static_cast<std::size_t>(j) * a.local_rows());
  buf.gathered.resize(static_cast<std::size_t>(buf.displs.back() + buf.counts.back()));
  parallel::check_mpi(MPI_Allgatherv(buf.packed.data(), static_cast<int>(buf.packed.size()), MPI_DOUBLE,
                                     buf.gathered.data(), buf.counts.data(), buf.displs.data(), MPI_DOUBLE,
                                     comm.get()),
                      "MPI_Allgatherv");
}

void require_aligned(const DistMatrix& y, const DistMatrix& thin, bool rows) {
  const bool ok =
      thin.grid() == y.grid() && (rows ? thin.rows() == y.rows() && thin.row_block() == y.row_block()
                                       : thin.cols() == y.cols() && thin.col_block() == y.col_block());
  if (!ok) throw Error("panel product: the thin matrix does not line up with Y (same grid and block needed)");
}
} // namespace

void gather_rows_into(const DistMatrix& z, std::vector<double>& out, GatherBuffers& buf) {
  const auto& g = *z.grid();
  const int nloc = z.local_rows();
  // Every element is overwritten below (all r columns of my nloc rows): no zero-fill on the per-step path.
  out.resize(static_cast<std::size_t>(std::max(1, nloc)) * z.cols());
  if (!g.active() || nloc == 0) std::fill(out.begin(), out.end(), 0.0); // nothing of mine to overwrite
  if (!g.active()) return;
  allgather_pieces(g.row_comm(), z, buf, z.col_layout(), nloc);
  for (int q = 0; q < g.cols(); ++q)
    for (int lj = 0; lj < z.col_layout().local_count(q); ++lj)
      std::copy_n(buf.gathered.data() + buf.displs[q] + static_cast<std::size_t>(lj) * nloc, nloc,
                  out.data() + static_cast<std::size_t>(z.col_layout().to_global({lj}, q).value) * nloc);
}

void gather_cols_into(const DistMatrix& w, std::vector<double>& out, GatherBuffers& buf) {
  const auto& g = *w.grid();
  const int mloc = w.local_cols(), r = w.rows();
  out.resize(static_cast<std::size_t>(r) * std::max(1, mloc));          // every element is overwritten below
  if (!g.active() || mloc == 0) std::fill(out.begin(), out.end(), 0.0); // nothing of mine to overwrite
  if (!g.active()) return;
  allgather_pieces(g.col_comm(), w, buf, w.row_layout(), mloc);
  for (int p = 0; p < g.rows(); ++p) {
    const int lr = w.row_layout().local_count(p);
    for (int j = 0; j < mloc; ++j)
      for (int li = 0; li < lr; ++li)
        out[static_cast<std::size_t>(j) * r + w.row_layout().to_global({li}, p).value] =
            buf.gathered[buf.displs[p] + static_cast<std::size_t>(j) * lr + li];
  }
}

void set_product_path(ProductPath path) {
  g_path = path;
}
ProductPath product_path() {
  return g_path;
}

void PanelProducts::zt_y(const DistMatrix& y, const DistMatrix& z, DistMatrix& out) {
  require_aligned(y, z, true);
  const auto& g = *y.grid();
  if (!g.active()) return;
  const int nloc = y.local_rows(), mloc = y.local_cols(), r = z.cols();
  const PanelView rows = row_panel(z, panel_, buffers_); // Z's rows for my local rows of Y, all r columns
  // (r × mloc) = panelᵀ · Y_loc, then summed over the process rows. On one process row no sum is needed and
  // the product goes straight into out, whose local block is then all r rows of my columns.
  const bool direct = g.rows() == 1;
  double* dst = out.data();
  int ldc = out.lld();
  if (!direct) {
    partial_.resize(static_cast<std::size_t>(r) * std::max(1, mloc));
    dst = partial_.data();
    ldc = r;
  }
  detail::local_gemm('T', 'N', r, mloc, nloc, 1.0, rows.data, rows.ld, y.data(), y.lld(), 0.0, dst, ldc);
  if (direct) return;
  parallel::check_mpi(
      MPI_Allreduce(MPI_IN_PLACE, partial_.data(), r * mloc, MPI_DOUBLE, MPI_SUM, g.col_comm().get()),
      "MPI_Allreduce");
  // out's local columns are Y's; keep the rows of r this process row owns.
  for (int lj = 0; lj < out.local_cols(); ++lj)
    for (int li = 0; li < out.local_rows(); ++li)
      out.local({li}, {lj}) = partial_[static_cast<std::size_t>(lj) * r + out.global_row({li}).value];
}

void PanelProducts::y_bt(const DistMatrix& y, const DistMatrix& b, DistMatrix& out) {
  require_aligned(y, b, false);
  const auto& g = *y.grid();
  if (!g.active()) return;
  const int nloc = y.local_rows(), mloc = y.local_cols(), r = b.rows();
  const PanelView cols = col_panel(b, panel_, buffers_); // B's columns for my local columns of Y, all r rows
  // (nloc × r) = Y_loc · panelᵀ, then summed over the process columns; on one process column straight into
  // out.
  const bool direct = g.cols() == 1;
  double* dst = out.data();
  int ldc = out.lld();
  if (!direct) {
    partial_.resize(static_cast<std::size_t>(std::max(1, nloc)) * r);
    dst = partial_.data();
    ldc = std::max(1, nloc);
  }
  detail::local_gemm('N', 'T', nloc, r, mloc, 1.0, y.data(), y.lld(), cols.data, cols.ld, 0.0, dst, ldc);
  if (direct) return;
  parallel::check_mpi(
      MPI_Allreduce(MPI_IN_PLACE, partial_.data(), nloc * r, MPI_DOUBLE, MPI_SUM, g.row_comm().get()),
      "MPI_Allreduce");
  for (int lj = 0; lj < out.local_cols(); ++lj)
    std::copy_n(partial_.data() + static_cast<std::size_t>(out.global_col({lj}).value) * nloc, nloc,
                out.data() + static_cast<std::size_t>(lj) * out.lld());
}

} // namespace fasim::linalg
