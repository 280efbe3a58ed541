#include "fasim/linalg/small_matrix.hpp"

#include "fasim/parallel/error.hpp"
#include "lapack_api.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace fasim::linalg {

SmallMatrix transpose(const SmallMatrix& a) {
  SmallMatrix t(a.cols, a.rows);
  for (int j = 0; j < a.cols; ++j)
    for (int i = 0; i < a.rows; ++i) t(j, i) = a(i, j);
  return t;
}

SmallMatrix multiply(const SmallMatrix& a, const SmallMatrix& b, bool trans_a, bool trans_b) {
  const int m = trans_a ? a.cols : a.rows, k = trans_a ? a.rows : a.cols;
  const int n = trans_b ? b.rows : b.cols, kb = trans_b ? b.cols : b.rows;
  FASIM_REQUIRE(k == kb, "SmallMatrix multiply: shapes do not conform");
  SmallMatrix c(m, n);
  if (m == 0 || n == 0) return c;
  if (k == 0) return c;
  const char ta = trans_a ? 'T' : 'N', tb = trans_b ? 'T' : 'N';
  const double one = 1.0, zero = 0.0;
  const int lda = std::max(1, a.rows), ldb = std::max(1, b.rows), ldc = std::max(1, m);
  dgemm_(&ta, &tb, &m, &n, &k, &one, a.v.data(), &lda, b.v.data(), &ldb, &zero, c.v.data(), &ldc);
  return c;
}

SmallMatrix subtract(const SmallMatrix& a, const SmallMatrix& b) {
  SmallMatrix c = a;
  for (std::size_t i = 0; i < c.v.size(); ++i) c.v[i] -= b.v[i];
  return c;
}

double frobenius(const SmallMatrix& a) {
  double scale = 0, ssq = 1;
  for (double x : a.v) {
    if (x == 0) continue;
    const double ax = std::abs(x);
    if (scale < ax) {
      ssq = 1 + ssq * (scale / ax) * (scale / ax);
      scale = ax;
    } else {
      ssq += (ax / scale) * (ax / scale);
    }
  }
  return scale * std::sqrt(ssq);
}

double trace(const SmallMatrix& a) {
  double t = 0;
  for (int i = 0; i < std::min(a.rows, a.cols); ++i) t += a(i, i);
  return t;
}

SmallMatrix cholesky(const SmallMatrix& spd, const char* what) {
  SmallMatrix l = spd;
  const char uplo = 'L';
  const int n = l.rows, lda = std::max(1, n);
  int info = 0;
  dpotrf_(&uplo, &n, l.v.data(), &lda, &info);
  if (info != 0)
    throw Error(std::string(what) + " is not positive definite (dpotrf INFO = " + std::to_string(info) +
                "): Z has lost full column rank");
  for (int j = 1; j < n; ++j)
    for (int i = 0; i < j; ++i) l(i, j) = 0.0;
  return l;
}

SmallMatrix cholesky_solve(const SmallMatrix& factor, const SmallMatrix& b) {
  SmallMatrix x = b;
  const char uplo = 'L';
  const int n = factor.rows, nrhs = b.cols, lda = std::max(1, n);
  int info = 0;
  dpotrs_(&uplo, &n, &nrhs, factor.v.data(), &lda, x.v.data(), &lda, &info);
  if (info != 0) throw ScalapackError("dpotrs", info);
  return x;
}

void cholesky_into(const SmallMatrix& spd, SmallMatrix& factor) {
  factor = spd;
  const char uplo = 'L';
  const int n = factor.rows, lda = std::max(1, n);
  int info = 0;
  dpotrf_(&uplo, &n, factor.v.data(), &lda, &info);
  if (info != 0) throw ScalapackError("dpotrf", info);
}

void cholesky_solve_in_place(const SmallMatrix& factor, double* b, int ld, int cols) {
  const char uplo = 'L';
  const int n = factor.rows, lda = std::max(1, n);
  ld = std::max(1, ld);
  if (n == 0 || cols == 0) return;
  int info = 0;
  dpotrs_(&uplo, &n, &cols, factor.v.data(), &lda, b, &ld, &info);
  if (info != 0) throw ScalapackError("dpotrs", info);
}

std::vector<double> symmetric_eigenvalues(const SmallMatrix& sym, SmallMatrix* vectors) {
  SmallMatrix a = sym;
  const char jobz = vectors ? 'V' : 'N', uplo = 'L';
  const int n = a.rows, lda = std::max(1, n);
  std::vector<double> w(static_cast<std::size_t>(n));
  if (n == 0) return w;
  int info = 0, lwork = -1;
  double query = 0;
  dsyev_(&jobz, &uplo, &n, a.v.data(), &lda, w.data(), &query, &lwork, &info);
  lwork = static_cast<int>(query);
  std::vector<double> work(static_cast<std::size_t>(std::max(1, lwork)));
  dsyev_(&jobz, &uplo, &n, a.v.data(), &lda, w.data(), work.data(), &lwork, &info);
  if (info != 0) throw ScalapackError("dsyev", info);
  if (vectors) *vectors = a;
  return w;
}

std::vector<double> singular_values(const SmallMatrix& m) {
  SmallMatrix a = m;
  const char job = 'N';
  const int rows = a.rows, cols = a.cols, lda = std::max(1, rows), one = 1;
  std::vector<double> s(static_cast<std::size_t>(std::min(rows, cols)));
  if (s.empty()) return s;
  int info = 0, lwork = -1;
  double query = 0, dummy = 0;
  dgesvd_(&job, &job, &rows, &cols, a.v.data(), &lda, s.data(), &dummy, &one, &dummy, &one, &query, &lwork,
          &info);
  lwork = static_cast<int>(query);
  std::vector<double> work(static_cast<std::size_t>(std::max(1, lwork)));
  dgesvd_(&job, &job, &rows, &cols, a.v.data(), &lda, s.data(), &dummy, &one, &dummy, &one, work.data(),
          &lwork, &info);
  if (info != 0) throw ScalapackError("dgesvd", info);
  return s;
}

} // namespace fasim::linalg
