#pragma once
// Small dense matrices (r×r and the like) replicated on every rank, with serial LAPACK. The dynamics' r-sized
// quantities (Gram matrices, the alignment matrix) live here: cheaper and simpler than distributing them.
#include <vector>

namespace fasim::linalg {

/// Column-major rows×cols matrix.
struct SmallMatrix {
  int rows = 0, cols = 0;
  std::vector<double> v;
  SmallMatrix() = default;
  SmallMatrix(int r, int c) : rows(r), cols(c), v(static_cast<std::size_t>(r) * c, 0.0) {}
  SmallMatrix(int r, int c, std::vector<double> data) : rows(r), cols(c), v(std::move(data)) {}
  double& operator()(int i, int j) { return v[static_cast<std::size_t>(j) * rows + i]; }
  double operator()(int i, int j) const { return v[static_cast<std::size_t>(j) * rows + i]; }
};

SmallMatrix transpose(const SmallMatrix& a);
/// C = op(A)·op(B) with serial BLAS.
SmallMatrix multiply(const SmallMatrix& a, const SmallMatrix& b, bool trans_a = false, bool trans_b = false);
SmallMatrix subtract(const SmallMatrix& a, const SmallMatrix& b);
double frobenius(const SmallMatrix& a);
double trace(const SmallMatrix& a);

/// Cholesky factor of an SPD matrix (lower); throws fasim::Error naming `what` when not positive definite.
SmallMatrix cholesky(const SmallMatrix& spd, const char* what);
/// Solves (L·Lᵀ)X = B given cholesky()'s factor.
SmallMatrix cholesky_solve(const SmallMatrix& factor, const SmallMatrix& b);
/// Lower Cholesky factor into `factor`; a failure is a ScalapackError("dpotrf", INFO), as PDPOTRF's would be.
void cholesky_into(const SmallMatrix& spd, SmallMatrix& factor);
/// Solves (L·Lᵀ)X = B in place for B a raw column-major block of `cols` columns (leading dimension ld).
void cholesky_solve_in_place(const SmallMatrix& factor, double* b, int ld, int cols);
/// Eigenvalues (ascending) and optionally eigenvectors (columns) of a symmetric matrix.
std::vector<double> symmetric_eigenvalues(const SmallMatrix& sym, SmallMatrix* vectors = nullptr);
/// Singular values, descending.
std::vector<double> singular_values(const SmallMatrix& a);

} // namespace fasim::linalg
