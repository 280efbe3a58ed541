#pragma once
// Typed wrappers over the PBLAS/ScaLAPACK routines fasim uses. Every INFO is checked and becomes a
// ScalapackError naming the routine. Scalar results are valid on the grid's active ranks.
#include "fasim/parallel/dist_matrix.hpp"

#include <vector>

namespace fasim::parallel {

enum class Op { None, Trans };

/// C = alpha·op(A)·op(B) + beta·C (pdgemm).
void gemm(Op op_a, Op op_b, double alpha, const DistMatrix& a, const DistMatrix& b, double beta,
          DistMatrix& c);
/// C = alpha·op(A) + beta·C (pdgeadd).
void geadd(Op op_a, double alpha, const DistMatrix& a, double beta, DistMatrix& c);
/// ‖A‖_F (pdlange, scaled sum of squares: no overflow or underflow).
double frobenius_norm(const DistMatrix& a);
/// ⟨A, B⟩_F = Σ A_ij B_ij; A and B must share a layout.
double dot(const DistMatrix& a, const DistMatrix& b);
/// In-place Cholesky A = L·Lᵀ of a symmetric positive definite matrix (lower triangle; pdpotrf).
void potrf(DistMatrix& a);
/// Solves (L·Lᵀ)X = B in place for B, given potrf's factor (pdpotrs).
void potrs(const DistMatrix& factor, DistMatrix& b);
/// Eigenvalues (ascending) of a symmetric matrix; its eigenvectors in `vectors` when not null (pdsyevd).
/// `a` is overwritten.
std::vector<double> syevd(DistMatrix& a, DistMatrix* vectors = nullptr);
/// Singular values (descending) of A; left/right singular vectors when u/vt are not null (pdgesvd).
/// `a` is overwritten. u is rows×min, vt is min×cols.
std::vector<double> gesvd(DistMatrix& a, DistMatrix* u = nullptr, DistMatrix* vt = nullptr);
/// Thin QR: on return `a` (m×n, m >= n) holds Q with orthonormal columns; R's diagonal signs follow
/// pdgeqrf. Returns R (n×n, upper triangular) on every active rank as a column-major vector.
std::vector<double> qr_thin(DistMatrix& a);

} // namespace fasim::parallel
