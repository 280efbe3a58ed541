#include "fasim/linalg/transpose_leading.hpp"

#include "fasim/parallel/communicator.hpp"
#include "fasim/parallel/error.hpp"

#include <algorithm>

namespace fasim::linalg {

using parallel::DistMatrix;

namespace {

// One process: dst(c, d) = w·src(d, c) directly, in square tiles so that both the strided and the contiguous
// side stay in cache.
void transpose_local(const DistMatrix& src, DistMatrix& dst, int k, bool rows_limited, const double* scale) {
  constexpr int kTile = 64;
  const int rows = dst.rows(), cols = dst.cols(), lds = src.lld(), ldd = dst.lld();
  const double* s = src.data();
  double* d = dst.data();
  for (int d0 = 0; d0 < cols; d0 += kTile)
    for (int c0 = 0; c0 < rows; c0 += kTile) {
      const int d1 = std::min(cols, d0 + kTile), c1 = std::min(rows, c0 + kTile);
      for (int dj = d0; dj < d1; ++dj)
        for (int ci = c0; ci < c1; ++ci) {
          const int t = rows_limited ? dj : ci; // src(dj, ci)'s limited index
          d[static_cast<std::size_t>(dj) * ldd + ci] =
              t < k ? (scale ? scale[t] : 1.0) * s[static_cast<std::size_t>(ci) * lds + dj] : 0.0;
        }
    }
}

template <class F> void fill_indices(std::vector<int>& v, int count, F&& f) {
  v.resize(static_cast<std::size_t>(count));
  for (int l = 0; l < count; ++l) v[l] = f(l);
}

} // namespace

void transpose_leading(const DistMatrix& src, DistMatrix& dst, int k, bool rows_limited, const double* scale,
                       TransposeWorkspace* workspace) {
  // Only the limited dimension may differ between src and dstᵀ (ZᵀY: Z is n×r, out r×m), and k fits both.
  FASIM_REQUIRE(rows_limited ? src.cols() == dst.rows() && k <= std::min(src.rows(), dst.cols())
                             : src.rows() == dst.cols() && k <= std::min(src.cols(), dst.rows()),
                "transpose_leading: shapes do not conform");
  const auto& g = *src.grid();
  if (!g.active()) return;
  const int procs = g.rows() * g.cols();
  if (procs == 1) {
    transpose_local(src, dst, k, rows_limited, scale);
    return;
  }
  TransposeWorkspace scratch;
  TransposeWorkspace& w = workspace ? *workspace : scratch;
  const auto in_scope = [&](int i, int j) { return (rows_limited ? i : j) < k; }; // (i, j) indexes src
  const int q = g.cols();
  // The plan (global indices, owners, counts) depends only on the shapes, layouts and k: made once per key.
  const std::vector<long> key{src.rows(), src.cols(),          src.row_block(), src.col_block(),
                              dst.rows(), dst.cols(),          dst.row_block(), dst.col_block(),
                              k,          rows_limited ? 1 : 0};
  if (w.key != key) {
    // Sender and receiver agree on the order without exchanging indices: the sender walks its piece by column
    // then row (dst row, then dst column, both ascending), the receiver walks dst by row then column.
    fill_indices(w.si, src.local_rows(), [&](int l) { return src.global_row({l}).value; });
    fill_indices(w.sj, src.local_cols(), [&](int l) { return src.global_col({l}).value; });
    fill_indices(w.dc, dst.local_rows(), [&](int l) { return dst.global_row({l}).value; });
    fill_indices(w.dd, dst.local_cols(), [&](int l) { return dst.global_col({l}).value; });
    // src (i, j) goes to dst (j, i): owner process row of dst row j, process column of dst column i.
    fill_indices(w.to_prow, src.local_cols(), [&](int l) { return dst.row_layout().owner({w.sj[l]}); });
    fill_indices(w.to_pcol, src.local_rows(), [&](int l) { return dst.col_layout().owner({w.si[l]}); });
    // dst (c, d) comes from src (d, c): owner process row of src row d, process column of src column c.
    fill_indices(w.from_prow, dst.local_cols(), [&](int l) { return src.row_layout().owner({w.dd[l]}); });
    fill_indices(w.from_pcol, dst.local_rows(), [&](int l) { return src.col_layout().owner({w.dc[l]}); });
    w.scount.assign(procs, 0);
    w.rcount.assign(procs, 0);
    w.sdispl.assign(procs, 0);
    w.rdispl.assign(procs, 0);
    for (int lj = 0; lj < src.local_cols(); ++lj)
      for (int li = 0; li < src.local_rows(); ++li)
        if (in_scope(w.si[li], w.sj[lj])) ++w.scount[w.to_prow[lj] * q + w.to_pcol[li]];
    for (int li = 0; li < dst.local_rows(); ++li)
      for (int lj = 0; lj < dst.local_cols(); ++lj)
        if (in_scope(w.dd[lj], w.dc[li])) ++w.rcount[w.from_prow[lj] * q + w.from_pcol[li]];
    for (int p = 1; p < procs; ++p) {
      w.sdispl[p] = w.sdispl[p - 1] + w.scount[p - 1];
      w.rdispl[p] = w.rdispl[p - 1] + w.rcount[p - 1];
    }
    w.sbuf.resize(static_cast<std::size_t>(w.sdispl.back() + w.scount.back()));
    w.rbuf.resize(static_cast<std::size_t>(w.rdispl.back() + w.rcount.back()));
    w.key = key;
  }
  w.cursor = w.sdispl;
  for (int lj = 0; lj < src.local_cols(); ++lj) {
    int* to_row = w.cursor.data() + static_cast<std::size_t>(w.to_prow[lj]) * q;
    for (int li = 0; li < src.local_rows(); ++li)
      if (in_scope(w.si[li], w.sj[lj])) w.sbuf[to_row[w.to_pcol[li]]++] = src.local({li}, {lj});
  }
  g.grid_comm().alltoallv(w.sbuf.data(), w.scount.data(), w.sdispl.data(), w.rbuf.data(), w.rcount.data(),
                          w.rdispl.data());
  w.cursor = w.rdispl;
  for (int li = 0; li < dst.local_rows(); ++li)
    for (int lj = 0; lj < dst.local_cols(); ++lj) {
      const int c = w.dc[li], d = w.dd[lj];
      if (!in_scope(d, c)) {
        dst.local({li}, {lj}) = 0.0;
        continue;
      }
      const double f = scale ? scale[rows_limited ? d : c] : 1.0;
      dst.local({li}, {lj}) = f * w.rbuf[w.cursor[w.from_prow[lj] * q + w.from_pcol[li]]++];
    }
}

} // namespace fasim::linalg
