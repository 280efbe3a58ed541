#include "fasim/linalg/tall_qr.hpp"

#include "fasim/linalg/panel_products.hpp"
#include "fasim/parallel/communicator.hpp"
#include "fasim/parallel/error.hpp"
#include "lapack_api.hpp"

#include <algorithm>
#include <string>

namespace fasim::linalg {

using parallel::DistMatrix;

namespace {

// In-place Householder QR of the column-major rows×cols block `a` (ld = rows); returns its R, zero-padded to
// cols×cols when rows < cols.
std::vector<double> r_of(std::vector<double>& a, int rows, int cols) {
  std::vector<double> r(static_cast<std::size_t>(cols) * cols, 0.0);
  if (rows <= 0 || cols <= 0) return r;
  const int ld = rows, mn = std::min(rows, cols);
  std::vector<double> tau(static_cast<std::size_t>(mn));
  int lwork = -1, info = 0;
  double query = 0.0;
  dgeqrf_(&rows, &cols, a.data(), &ld, tau.data(), &query, &lwork, &info);
  lwork = std::max(1, static_cast<int>(query));
  std::vector<double> work(static_cast<std::size_t>(lwork));
  dgeqrf_(&rows, &cols, a.data(), &ld, tau.data(), work.data(), &lwork, &info);
  if (info != 0) throw Error("dgeqrf failed with INFO = " + std::to_string(info) + " in tall_r_factor");
  for (int j = 0; j < cols; ++j)
    for (int i = 0; i <= std::min(j, rows - 1); ++i)
      r[static_cast<std::size_t>(j) * cols + i] = a[static_cast<std::size_t>(j) * ld + i];
  return r;
}

} // namespace

SmallMatrix tall_r_factor(const DistMatrix& a) {
  const auto& g = *a.grid();
  if (!g.active()) return {};
  const int c = a.cols(), nloc = a.local_rows();
  FASIM_REQUIRE(a.rows() >= c, "tall_r_factor: A must have at least as many rows as columns");
  // My rows with all c columns; the Q ranks of my process row hold the same rows, so each takes a contiguous
  // share of them.
  std::vector<double> rows;
  GatherBuffers buffers;
  gather_into<Coord::Row>(a, rows, buffers);
  const int q = g.cols(), me = g.my_col();
  const int first = static_cast<int>(static_cast<long long>(nloc) * me / q);
  const int last = static_cast<int>(static_cast<long long>(nloc) * (me + 1) / q);
  const int mine = last - first;
  std::vector<double> slice(static_cast<std::size_t>(std::max(1, mine)) * c);
  for (int j = 0; j < c; ++j)
    std::copy_n(rows.data() + static_cast<std::size_t>(j) * nloc + first, mine,
                slice.data() + static_cast<std::size_t>(j) * mine);
  rows = std::vector<double>(); // the gathered panel can be large: release it before the next stage
  const std::vector<double> r_local = r_of(slice, mine, c);
  // Stack every rank's c×c R (rank-major) and factor the stack: identical input everywhere, so every rank
  // computes the same R.
  const int procs = g.rows() * g.cols(), cc = c * c;
  std::vector<double> all(static_cast<std::size_t>(procs) * cc);
  g.grid_comm().allgather(r_local.data(), cc, all.data());
  if (procs == 1) return SmallMatrix(c, c, std::move(all));
  const int stacked = procs * c;
  std::vector<double> stack(static_cast<std::size_t>(stacked) * c);
  for (int p = 0; p < procs; ++p)
    for (int j = 0; j < c; ++j)
      std::copy_n(all.data() + static_cast<std::size_t>(p) * cc + static_cast<std::size_t>(j) * c, c,
                  stack.data() + static_cast<std::size_t>(j) * stacked + static_cast<std::size_t>(p) * c);
  return SmallMatrix(c, c, r_of(stack, stacked, c));
}

} // namespace fasim::linalg
