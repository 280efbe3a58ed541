#pragma once
// Local entry-by-entry operations on matrices of one layout (the same shape, grid and blocks): no
// communication, so no PBLAS call whose set-up costs as much as the operation at small sizes.
#include "fasim/parallel/dist_matrix.hpp"
#include "fasim/parallel/error.hpp"

#include <cstddef>

namespace fasim::model {

/// out = f(x, y) entry by entry on the local pieces (x, y, out share a layout; padding is left alone).
template <class F>
void entrywise(const parallel::DistMatrix& x, const parallel::DistMatrix& y, parallel::DistMatrix& out, F f) {
  FASIM_REQUIRE(x.same_layout(y) && x.same_layout(out), "entrywise: layouts differ");
  for (int lj = 0; lj < out.local_cols(); ++lj) {
    const std::size_t col = static_cast<std::size_t>(lj) * out.lld();
    for (int li = 0; li < out.local_rows(); ++li)
      out.data()[col + li] = f(x.data()[col + li], y.data()[col + li]);
  }
}

/// y += a·x on the local pieces (x and y share a layout).
inline void add_scaled(double a, const parallel::DistMatrix& x, parallel::DistMatrix& y) {
  FASIM_REQUIRE(x.same_layout(y), "add_scaled: layouts differ");
  const double* in = x.data();
  double* out = y.data();
  for (std::size_t i = 0; i < y.local_size(); ++i) out[i] += a * in[i];
}

/// Σ x_ij² over this rank's piece (padding excluded); allreduce over the grid for ‖x‖²_F.
inline double local_sum_of_squares(const parallel::DistMatrix& x) {
  double s = 0.0;
  for (int lj = 0; lj < x.local_cols(); ++lj) {
    const double* col = x.data() + static_cast<std::size_t>(lj) * x.lld();
    for (int li = 0; li < x.local_rows(); ++li) s += col[li] * col[li];
  }
  return s;
}

} // namespace fasim::model
