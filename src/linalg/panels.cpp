#include "fasim/linalg/panels.hpp"

#include "fasim/parallel/communicator.hpp"
#include "fasim/parallel/error.hpp"
#include "lapack_api.hpp"

#include <algorithm>
#include <cmath>

namespace fasim::linalg {

using parallel::DistMatrix;

namespace {
// Allgathers each rank's dense local piece over `comm` (whose members are ordered by their grid coordinate).
std::vector<double> allgather_pieces(const parallel::Communicator& comm, const std::vector<double>& mine,
                                     std::vector<int>& counts, std::vector<int>& displs) {
  const int procs = comm.size();
  counts.assign(procs, 0);
  displs.assign(procs, 0);
  int count = static_cast<int>(mine.size());
  parallel::check_mpi(MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, comm.get()), "MPI_Allgather");
  for (int p = 1; p < procs; ++p) displs[p] = displs[p - 1] + counts[p - 1];
  std::vector<double> all(static_cast<std::size_t>(displs.back() + counts.back()));
  parallel::check_mpi(MPI_Allgatherv(mine.data(), count, MPI_DOUBLE, all.data(), counts.data(), displs.data(),
                                     MPI_DOUBLE, comm.get()),
                      "MPI_Allgatherv");
  return all;
}

} // namespace

SmallMatrix gather_rows(const DistMatrix& z) {
  const auto& g = *z.grid();
  SmallMatrix out(z.local_rows(), z.cols());
  if (!g.active()) return out;
  std::vector<int> counts, displs;
  const auto all = allgather_pieces(g.row_comm(), z.packed_local(), counts, displs);
  for (int q = 0; q < g.cols(); ++q) {
    const int lc = z.col_layout().local_count(q);
    for (int lj = 0; lj < lc; ++lj) {
      const int gj = z.col_layout().to_global({lj}, q).value;
      std::copy_n(all.data() + displs[q] + static_cast<std::size_t>(lj) * z.local_rows(), z.local_rows(),
                  out.v.data() + static_cast<std::size_t>(gj) * z.local_rows());
    }
  }
  return out;
}

SmallMatrix gather_cols(const DistMatrix& w) {
  const auto& g = *w.grid();
  SmallMatrix out(w.rows(), w.local_cols());
  if (!g.active()) return out;
  std::vector<int> counts, displs;
  const auto all = allgather_pieces(g.col_comm(), w.packed_local(), counts, displs);
  for (int p = 0; p < g.rows(); ++p) {
    const int lr = w.row_layout().local_count(p);
    for (int j = 0; j < w.local_cols(); ++j)
      for (int li = 0; li < lr; ++li)
        out(w.row_layout().to_global({li}, p).value, j) = all[displs[p] + static_cast<std::size_t>(j) * lr + li];
  }
  return out;
}

SmallMatrix replicate(const DistMatrix& a) { return SmallMatrix(a.rows(), a.cols(), a.allgather()); }

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
  if (z.rows() != y.rows() || w.cols() != y.cols() || z.cols() != w.rows() || z.row_block() != y.row_block() ||
      w.col_block() != y.col_block())
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
    if (nloc > 0 && r > 0) {
      const char n = 'N';
      const double minus = -1.0, one = 1.0;
      const int ld = std::max(1, nloc), ldw = std::max(1, r);
      dgemm_(&n, &n, &nloc, &width, &r, &minus, zr.v.data(), &ld,
             wc.v.data() + static_cast<std::size_t>(j0) * r, &ldw, &one, panel.data(), &ld);
    }
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
