#pragma once
// C = α·op(A)·op(B) + β·C on raw column-major blocks, for the local pieces of distributed products. Private
// to src/linalg. Empty shapes are handled here once: a rank may own no rows or columns of an operand.
#include "lapack_api.hpp"

#include <algorithm>
#include <cstddef>

namespace fasim::linalg::detail {

inline void local_gemm(char ta, char tb, int m, int n, int k, double alpha, const double* a, int lda,
                       const double* b, int ldb, double beta, double* c, int ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) { // no terms: C = β·C, with β = 0 meaning "overwrite" (C may hold garbage, even NaN)
    for (int j = 0; j < n; ++j) {
      double* col = c + static_cast<std::size_t>(j) * ldc;
      if (beta == 0.0)
        std::fill_n(col, m, 0.0);
      else
        for (int i = 0; i < m; ++i) col[i] *= beta;
    }
    return;
  }
  lda = std::max(lda, 1);
  ldb = std::max(ldb, 1);
  ldc = std::max(ldc, 1);
  dgemm_(&ta, &tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc);
}

} // namespace fasim::linalg::detail
