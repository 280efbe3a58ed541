#include "fasim/linalg/replicated_weights.hpp"

#include "fasim/parallel/communicator.hpp"
#include "fasim/parallel/error.hpp"
#include "local_gemm.hpp"

#include <algorithm>

namespace fasim::linalg {

using parallel::DistMatrix;
using parallel::GlobalIndex;
using parallel::LocalIndex;

namespace {
/// Grid rank r's process row and column (the grid communicator is row-major: r = row·cols + col).
int piece_rows(const DistMatrix& a, int r) {
  return a.row_layout().local_count(r / a.grid()->cols());
}
int piece_cols(const DistMatrix& a, int r) {
  return a.col_layout().local_count(r % a.grid()->cols());
}

/// Calls f(global_row, global_col, k) for rank r's piece in its packed (column-major, no padding) order.
template <class F> void for_piece(const DistMatrix& a, int r, F&& f) {
  const int pr = r / a.grid()->cols(), pc = r % a.grid()->cols();
  const int rows = piece_rows(a, r), cols = piece_cols(a, r);
  int k = 0;
  for (int lj = 0; lj < cols; ++lj) {
    const int j = a.col_layout().to_global(LocalIndex{lj}, pc).value;
    for (int li = 0; li < rows; ++li) f(a.row_layout().to_global(LocalIndex{li}, pr).value, j, k++);
  }
}

void counts_of(const DistMatrix& a, std::vector<int>& counts, std::vector<int>& displs) {
  const int p = a.grid()->grid_comm().size();
  counts.assign(static_cast<std::size_t>(p), 0);
  displs.assign(static_cast<std::size_t>(p), 0);
  for (int r = 0; r < p; ++r) {
    counts[static_cast<std::size_t>(r)] = piece_rows(a, r) * piece_cols(a, r);
    if (r > 0)
      displs[static_cast<std::size_t>(r)] =
          displs[static_cast<std::size_t>(r - 1)] + counts[static_cast<std::size_t>(r - 1)];
  }
}
} // namespace

void gather_whole(const DistMatrix& a, SmallMatrix& out, OwnerBuffers& b) {
  if (out.rows != a.rows() || out.cols != a.cols()) out = SmallMatrix(a.rows(), a.cols());
  if (!a.grid()->active()) return;
  const auto& comm = a.grid()->grid_comm();
  counts_of(a, b.recv_counts, b.recv_displs);
  b.send = a.packed_local();
  b.recv.resize(static_cast<std::size_t>(a.rows()) * a.cols());
  comm.allgatherv(b.send.data(), static_cast<int>(b.send.size()), b.recv.data(), b.recv_counts.data(),
                  b.recv_displs.data());
  for (int r = 0; r < comm.size(); ++r) {
    const double* piece = b.recv.data() + b.recv_displs[static_cast<std::size_t>(r)];
    for_piece(a, r, [&](int i, int j, int k) { out(i, j) = piece[k]; });
  }
}

void sum_to_owners(const SmallMatrix& part, double rho, DistMatrix& out, OwnerBuffers& b) {
  FASIM_REQUIRE(part.rows == out.rows() && part.cols == out.cols(), "sum_to_owners: shapes do not conform");
  if (!out.grid()->active()) return;
  const auto& comm = out.grid()->grid_comm();
  const int p = comm.size(), me = comm.rank();
  counts_of(out, b.send_counts, b.send_displs); // rank r receives the entries it owns
  b.send.resize(static_cast<std::size_t>(part.rows) * part.cols);
  for (int r = 0; r < p; ++r) {
    double* dst = b.send.data() + b.send_displs[static_cast<std::size_t>(r)];
    for_piece(out, r, [&](int i, int j, int k) { dst[k] = part(i, j); });
  }
  const int mine = b.send_counts[static_cast<std::size_t>(me)];
  b.recv_counts.assign(static_cast<std::size_t>(p), mine);
  b.recv_displs.assign(static_cast<std::size_t>(p), 0);
  for (int r = 1; r < p; ++r) b.recv_displs[static_cast<std::size_t>(r)] = r * mine;
  b.recv.resize(static_cast<std::size_t>(p) * std::max(1, mine));
  comm.alltoallv(b.send.data(), b.send_counts.data(), b.send_displs.data(), b.recv.data(),
                 b.recv_counts.data(), b.recv_displs.data());
  // Sum in rank order into the local piece (column-major, ld = lld).
  const int rows = out.local_rows(), cols = out.local_cols();
  for (int lj = 0; lj < cols; ++lj)
    for (int li = 0; li < rows; ++li) {
      const std::size_t k = static_cast<std::size_t>(lj) * rows + li;
      double s = 0;
      for (int r = 0; r < p; ++r) s += b.recv[static_cast<std::size_t>(r) * mine + k];
      out.local(LocalIndex{li}, LocalIndex{lj}) = rho * s;
    }
}

void local_cross(const DistMatrix& z, const DistMatrix& u, SmallMatrix& out) {
  FASIM_REQUIRE(z.grid()->cols() == 1 && z.rows() == u.rows() && z.row_block() == u.row_block(),
                "local_cross: Z and U need one row layout on a grid of one process column");
  if (out.rows != z.cols() || out.cols != u.cols()) out = SmallMatrix(z.cols(), u.cols());
  if (!z.grid()->active()) return;
  detail::local_gemm('T', 'N', z.cols(), u.cols(), z.local_rows(), 1.0, z.data(), z.lld(), u.data(), u.lld(),
                     0.0, out.v.data(), std::max(1, z.cols()));
}

} // namespace fasim::linalg
