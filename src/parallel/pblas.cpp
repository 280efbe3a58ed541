#include "fasim/parallel/pblas.hpp"

#include "fasim/parallel/error.hpp"
#include "scalapack_api.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace fasim::parallel {

namespace {
constexpr int kOne = 1;
char op_char(Op op) {
  return op == Op::None ? 'N' : 'T';
}
void check(const char* routine, int info) {
  if (info != 0) throw ScalapackError(routine, info);
}
// Some ScaLAPACK drivers (pdorgqr in 2.2.1) leave the PBLAS broadcast topology changed on return. The
// topology is process-global state, so ranks that ran the driver and ranks that did not would later disagree
// on message patterns and hang in the next PBLAS call they share. This guard restores every topology on scope
// exit.
class TopologyGuard {
public:
  explicit TopologyGuard(int context) : context_(context) {
    for (int o = 0; o < 2; ++o)
      for (int s = 0; s < 3; ++s)
        pb_topget_(&context_, kOps[o], kScopes[s], &saved_[o][s], std::strlen(kOps[o]),
                   std::strlen(kScopes[s]), 1);
  }
  ~TopologyGuard() {
    for (int o = 0; o < 2; ++o)
      for (int s = 0; s < 3; ++s)
        pb_topset_(&context_, kOps[o], kScopes[s], &saved_[o][s], std::strlen(kOps[o]),
                   std::strlen(kScopes[s]), 1);
  }
  TopologyGuard(const TopologyGuard&) = delete;
  TopologyGuard& operator=(const TopologyGuard&) = delete;

private:
  static constexpr const char* kOps[2] = {"Broadcast", "Combine"};
  static constexpr const char* kScopes[3] = {"Rowwise", "Columnwise", "All"};
  int context_;
  char saved_[2][3] = {};
};

int rows_of(Op op, const DistMatrix& a) {
  return op == Op::None ? a.rows() : a.cols();
}
int cols_of(Op op, const DistMatrix& a) {
  return op == Op::None ? a.cols() : a.rows();
}
} // namespace

void gemm(Op op_a, Op op_b, double alpha, const DistMatrix& a, const DistMatrix& b, double beta,
          DistMatrix& c) {
  const int m = rows_of(op_a, a), k = cols_of(op_a, a), n = cols_of(op_b, b);
  FASIM_REQUIRE(rows_of(op_b, b) == k && c.rows() == m && c.cols() == n,
                "gemm: shapes do not conform (" + std::to_string(m) + "x" + std::to_string(k) + " by " +
                    std::to_string(rows_of(op_b, b)) + "x" + std::to_string(n) + " into " +
                    std::to_string(c.rows()) + "x" + std::to_string(c.cols()) + ")");
  if (!c.grid()->active() || m == 0 || n == 0) return;
  const char ta = op_char(op_a), tb = op_char(op_b);
  pdgemm_(&ta, &tb, &m, &n, &k, &alpha, a.data(), &kOne, &kOne, a.desc(), b.data(), &kOne, &kOne, b.desc(),
          &beta, c.data(), &kOne, &kOne, c.desc());
}

void geadd(Op op_a, double alpha, const DistMatrix& a, double beta, DistMatrix& c) {
  FASIM_REQUIRE(rows_of(op_a, a) == c.rows() && cols_of(op_a, a) == c.cols(), "geadd: shapes do not conform");
  if (!c.grid()->active() || c.rows() == 0 || c.cols() == 0) return;
  const char t = op_char(op_a);
  const int m = c.rows(), n = c.cols();
  pdgeadd_(&t, &m, &n, &alpha, a.data(), &kOne, &kOne, a.desc(), &beta, c.data(), &kOne, &kOne, c.desc());
}

double frobenius_norm(const DistMatrix& a) {
  if (!a.grid()->active() || a.rows() == 0 || a.cols() == 0) return 0.0;
  const char norm = 'F';
  const int m = a.rows(), n = a.cols();
  std::vector<double> work(static_cast<std::size_t>(a.local_rows() + a.local_cols() + a.row_block() + 64));
  return pdlange_(&norm, &m, &n, a.data(), &kOne, &kOne, a.desc(), work.data());
}

double dot(const DistMatrix& a, const DistMatrix& b) {
  FASIM_REQUIRE(a.same_layout(b), "dot: the two matrices must share a layout");
  if (!a.grid()->active()) return 0.0;
  double local = 0.0;
  for (int j = 0; j < a.local_cols(); ++j) {
    const double* x = a.data() + static_cast<std::size_t>(j) * a.lld();
    const double* y = b.data() + static_cast<std::size_t>(j) * b.lld();
    for (int i = 0; i < a.local_rows(); ++i) local += x[i] * y[i];
  }
  return a.grid()->grid_comm().allreduce_sum(local);
}

void potrf(DistMatrix& a) {
  FASIM_REQUIRE(a.rows() == a.cols(), "potrf: matrix must be square");
  if (!a.grid()->active()) return;
  const char uplo = 'L';
  const int n = a.rows();
  int info = 0;
  const TopologyGuard topology(a.grid()->context());
  pdpotrf_(&uplo, &n, a.data(), &kOne, &kOne, a.desc(), &info);
  check("pdpotrf", info);
}

void potrs(const DistMatrix& factor, DistMatrix& b) {
  FASIM_REQUIRE(factor.rows() == b.rows(), "potrs: shapes do not conform");
  if (!b.grid()->active()) return;
  const char uplo = 'L';
  const int n = factor.rows(), nrhs = b.cols();
  int info = 0;
  const TopologyGuard topology(b.grid()->context());
  pdpotrs_(&uplo, &n, &nrhs, factor.data(), &kOne, &kOne, factor.desc(), b.data(), &kOne, &kOne, b.desc(),
           &info);
  check("pdpotrs", info);
}

std::vector<double> syevd(DistMatrix& a, DistMatrix* vectors) {
  FASIM_REQUIRE(a.rows() == a.cols(), "syevd: matrix must be square");
  const int n = a.rows();
  std::vector<double> w(static_cast<std::size_t>(n));
  // pdsyevd returns wrong eigenvectors (PDORMTR complains) when the block is larger than the matrix share of
  // a process: work on a copy with a block that gives every process row/column at least one block.
  const int procs = std::max(a.grid()->rows(), a.grid()->cols());
  const int safe_block = std::max(1, std::min(a.row_block(), n / procs));
  // (pdgemr2d is collective over the whole communicator, inactive ranks included.)
  if (n > 0 && (safe_block != a.row_block() || a.row_block() != a.col_block())) {
    DistMatrix copy = a.redistribute(a.grid(), safe_block, safe_block);
    DistMatrix copy_vectors;
    w = syevd(copy, vectors ? &copy_vectors : nullptr);
    if (vectors) *vectors = copy_vectors.redistribute(a.grid(), a.row_block(), a.col_block());
    return w;
  }
  if (!a.grid()->active() || n == 0) {
    if (vectors) *vectors = DistMatrix::like(a); // inactive ranks still hold a (empty) matrix of the grid
    return w;
  }
  DistMatrix scratch;
  if (!vectors) scratch = DistMatrix::like(a);
  DistMatrix& z = vectors ? *vectors : scratch;
  if (!z.same_layout(a)) z = DistMatrix::like(a);
  // pdsyevd always computes vectors; jobz = 'V' is its only mode.
  const char jobz = 'V', uplo = 'L';
  int info = 0, lwork = -1, liwork = -1;
  double wq = 0;
  int iwq = 0;
  const TopologyGuard topology(a.grid()->context());
  pdsyevd_(&jobz, &uplo, &n, a.data(), &kOne, &kOne, a.desc(), w.data(), z.data(), &kOne, &kOne, z.desc(),
           &wq, &lwork, &iwq, &liwork, &info);
  check("pdsyevd (workspace query)", info);
  lwork = static_cast<int>(wq) + 1;
  liwork = std::max(iwq, 1);
  std::vector<double> work(static_cast<std::size_t>(lwork));
  std::vector<int> iwork(static_cast<std::size_t>(liwork));
  pdsyevd_(&jobz, &uplo, &n, a.data(), &kOne, &kOne, a.desc(), w.data(), z.data(), &kOne, &kOne, z.desc(),
           work.data(), &lwork, iwork.data(), &liwork, &info);
  check("pdsyevd", info);
  return w;
}

std::vector<double> gesvd(DistMatrix& a, DistMatrix* u, DistMatrix* vt) {
  const int m = a.rows(), n = a.cols(), k = std::min(m, n);
  std::vector<double> s(static_cast<std::size_t>(k));
  if (u) *u = DistMatrix(a.grid(), m, k, a.row_block(), a.col_block());
  if (vt) *vt = DistMatrix(a.grid(), k, n, a.row_block(), a.col_block());
  if (!a.grid()->active() || k == 0) return s;
  const char jobu = u ? 'V' : 'N', jobvt = vt ? 'V' : 'N';
  DistMatrix du = u ? DistMatrix() : DistMatrix(a.grid(), 1, 1, a.row_block(), a.col_block());
  DistMatrix dvt = vt ? DistMatrix() : DistMatrix(a.grid(), 1, 1, a.row_block(), a.col_block());
  DistMatrix& uu = u ? *u : du;
  DistMatrix& vv = vt ? *vt : dvt;
  int info = 0, lwork = -1;
  double wq = 0;
  const TopologyGuard topology(a.grid()->context());
  pdgesvd_(&jobu, &jobvt, &m, &n, a.data(), &kOne, &kOne, a.desc(), s.data(), uu.data(), &kOne, &kOne,
           uu.desc(), vv.data(), &kOne, &kOne, vv.desc(), &wq, &lwork, &info);
  check("pdgesvd (workspace query)", info);
  lwork = static_cast<int>(wq) + 1;
  std::vector<double> work(static_cast<std::size_t>(lwork));
  pdgesvd_(&jobu, &jobvt, &m, &n, a.data(), &kOne, &kOne, a.desc(), s.data(), uu.data(), &kOne, &kOne,
           uu.desc(), vv.data(), &kOne, &kOne, vv.desc(), work.data(), &lwork, &info);
  check("pdgesvd", info);
  return s;
}

std::vector<double> qr_thin(DistMatrix& a) {
  const int m = a.rows(), n = a.cols();
  FASIM_REQUIRE(m >= n, "qr_thin: needs rows >= cols");
  std::vector<double> r(static_cast<std::size_t>(n) * n, 0.0);
  if (!a.grid()->active() || n == 0) return r;
  std::vector<double> tau(static_cast<std::size_t>(a.local_cols() + a.col_block()));
  int info = 0, lwork = -1;
  double wq = 0;
  const TopologyGuard topology(a.grid()->context());
  pdgeqrf_(&m, &n, a.data(), &kOne, &kOne, a.desc(), tau.data(), &wq, &lwork, &info);
  check("pdgeqrf (workspace query)", info);
  lwork = static_cast<int>(wq) + 1;
  std::vector<double> work(static_cast<std::size_t>(lwork));
  pdgeqrf_(&m, &n, a.data(), &kOne, &kOne, a.desc(), tau.data(), work.data(), &lwork, &info);
  check("pdgeqrf", info);
  // R is the upper triangle of the leading n×n block: collect it before pdorgqr overwrites it.
  for (int lj = 0; lj < a.local_cols(); ++lj) {
    const int gj = a.global_col({lj}).value;
    for (int li = 0; li < a.local_rows(); ++li) {
      const int gi = a.global_row({li}).value;
      if (gi <= gj && gi < n) r[static_cast<std::size_t>(gj) * n + gi] = a.local({li}, {lj});
    }
  }
  a.grid()->grid_comm().allreduce_sum(r.data(), static_cast<int>(r.size()));
  lwork = -1;
  pdorgqr_(&m, &n, &n, a.data(), &kOne, &kOne, a.desc(), tau.data(), &wq, &lwork, &info);
  check("pdorgqr (workspace query)", info);
  lwork = static_cast<int>(wq) + 1;
  work.assign(static_cast<std::size_t>(lwork), 0.0);
  pdorgqr_(&m, &n, &n, a.data(), &kOne, &kOne, a.desc(), tau.data(), work.data(), &lwork, &info);
  check("pdorgqr", info);
  return r;
}

} // namespace fasim::parallel
