#pragma once
// A transpose of the leading rows (columns) of a block-cyclic matrix in one all-to-all: the diagonal target's
// products, Wᵀ for the exact low-rank loss and the factored target's Vᵀ.
#include "fasim/parallel/dist_matrix.hpp"

#include <vector>

namespace fasim::linalg {

/// Exchange plan and buffers of transpose_leading, kept between calls with the same shapes: a step makes the
/// same calls every time, and without it each call allocated and zeroed two buffers of its operand's size.
struct TransposeWorkspace {
  std::vector<long> key;
  std::vector<int> scount, rcount, sdispl, rdispl, cursor, si, sj, dc, dd, to_prow, to_pcol, from_prow,
      from_pcol;
  std::vector<double> sbuf, rbuf;
};

/// dst(c, d) = w·src(d, c) for the elements of src whose row (rows_limited) or column index t is < k, where
/// w = scale[t] (1 when scale is null); every other element of dst is 0. One all-to-all of the O(k·r/P)
/// elements each rank holds: PBLAS's pdtran walks a 1×10⁶ operand block by block and was measured seconds per
/// call. src and dst on one grid; their limited dimensions may differ (both >= k). Collective; no-op when
/// inactive.
void transpose_leading(const parallel::DistMatrix& src, parallel::DistMatrix& dst, int k, bool rows_limited,
                       const double* scale = nullptr, TransposeWorkspace* ws = nullptr);

} // namespace fasim::linalg
