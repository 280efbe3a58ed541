#include "test_support.hpp"

#include "fasim/parallel/error.hpp"
#include "fasim/parallel/pblas.hpp"
#include "fasim/parallel/random.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

using namespace fasim::parallel;
using fasim::testing::Dense;
using fasim::testing::grid_shapes;
using fasim::testing::rel_diff;

namespace {
DistMatrix random_matrix(GridPtr g, int rows, int cols, int block, std::uint64_t seed) {
  DistMatrix a(g, rows, cols, block, block);
  CounterRng rng(seed, Stream::InitZ);
  a.fill([&](int i, int j) { return rng.normal(i, j); });
  return a;
}
Dense dense(const DistMatrix& a) {
  return Dense(a.rows(), a.cols(), a.allgather());
}
} // namespace

TEST_CASE("gemm matches a serial product for every transpose combination") {
  for (auto [p, q] : grid_shapes()) {
    auto g = ProcessGrid::create(Communicator::world(), p, q);
    for (int block : {8, 64}) {
      // n = 37, m = 53 (not multiples of 8), r = 5 (smaller than the block).
      DistMatrix z = random_matrix(g, 37, 5, block, 1), y = random_matrix(g, 37, 53, block, 2);
      DistMatrix w = random_matrix(g, 5, 53, block, 3);
      DistMatrix zty(g, 5, 53, block, block), yw(g, 37, 5, block, block), zw(g, 37, 53, block, block);
      gemm(Op::Trans, Op::None, 1.0, z, y, 0.0, zty);
      gemm(Op::None, Op::Trans, 1.0, y, w, 0.0, yw);
      zw.copy_from(y);
      gemm(Op::None, Op::None, -1.0, z, w, 1.0, zw); // Y - ZW
      DistMatrix wtw(g, 53, 53, block, block);
      gemm(Op::Trans, Op::None, 2.0, w, w, 0.0, wtw);
      const Dense Z = dense(z), Y = dense(y), W = dense(w);
      if (!g->active()) continue;
      CHECK(rel_diff(dense(zty).v, fasim::testing::matmul(fasim::testing::transpose(Z), Y).v) < 1e-13);
      CHECK(rel_diff(dense(yw).v, fasim::testing::matmul(Y, fasim::testing::transpose(W)).v) < 1e-13);
      Dense res = fasim::testing::matmul(Z, W);
      for (size_t i = 0; i < res.v.size(); ++i) res.v[i] = Y.v[i] - res.v[i];
      CHECK(rel_diff(dense(zw).v, res.v) < 1e-13);
      Dense wtw_ref = fasim::testing::matmul(fasim::testing::transpose(W), W);
      for (auto& x : wtw_ref.v) x *= 2;
      CHECK(rel_diff(dense(wtw).v, wtw_ref.v) < 1e-13);
    }
  }
}

TEST_CASE("gemm refuses non-conforming shapes") {
  auto g = ProcessGrid::create(Communicator::world());
  DistMatrix a(g, 4, 3, 2, 2), b(g, 4, 3, 2, 2), c(g, 4, 3, 2, 2);
  CHECK_THROWS_AS(gemm(Op::None, Op::None, 1.0, a, b, 0.0, c), fasim::Error);
}

TEST_CASE("geadd, Frobenius norm and inner product match serial values") {
  for (auto [p, q] : grid_shapes()) {
    auto g = ProcessGrid::create(Communicator::world(), p, q);
    DistMatrix a = random_matrix(g, 37, 53, 8, 4), b = random_matrix(g, 37, 53, 8, 5);
    DistMatrix at = random_matrix(g, 53, 37, 8, 6);
    const Dense A = dense(a), B = dense(b), AT = dense(at);
    double nrm = 0, ip = 0;
    for (size_t i = 0; i < A.v.size(); ++i) nrm += A.v[i] * A.v[i], ip += A.v[i] * B.v[i];
    const double fro = frobenius_norm(a), d = dot(a, b);
    geadd(Op::None, 2.0, a, -1.0, b);  // b = 2a - b
    geadd(Op::Trans, 1.0, at, 1.0, a); // a = a + atᵀ
    const Dense B2 = dense(b), A2 = dense(a);
    if (!g->active()) continue;
    CHECK(rel_diff(fro, std::sqrt(nrm)) < 1e-14);
    CHECK(rel_diff(d, ip) < 1e-12);
    for (int j = 0; j < 53; ++j)
      for (int i = 0; i < 37; ++i) {
        CHECK(B2(i, j) == doctest::Approx(2 * A(i, j) - B(i, j)).epsilon(1e-14));
        CHECK(A2(i, j) == doctest::Approx(A(i, j) + AT(j, i)).epsilon(1e-14));
      }
  }
}

TEST_CASE("Frobenius norm does not underflow for tiny entries") {
  auto g = ProcessGrid::create(Communicator::world());
  DistMatrix a(g, 20, 30, 8, 8);
  a.fill([](int, int) { return 1e-200; });
  const double n = frobenius_norm(a);
  if (g->active()) CHECK(rel_diff(n, 1e-200 * std::sqrt(600.0)) < 1e-12);
}

TEST_CASE("Cholesky solve, symmetric eigenvalues, SVD and thin QR agree with their definitions") {
  for (auto [p, q] : grid_shapes()) {
    auto g = ProcessGrid::create(Communicator::world(), p, q);
    const int n = 37, r = 5;
    DistMatrix z = random_matrix(g, n, r, 8, 7);
    DistMatrix gram(g, r, r, 8, 8);
    gemm(Op::Trans, Op::None, 1.0, z, z, 0.0, gram);
    const Dense G = dense(gram);
    DistMatrix rhs = random_matrix(g, r, 11, 8, 8);
    const Dense R = dense(rhs);
    DistMatrix factor = DistMatrix::like(gram);
    factor.copy_from(gram);
    potrf(factor);
    potrs(factor, rhs);
    const Dense X = dense(rhs);
    if (g->active()) CHECK(rel_diff(fasim::testing::matmul(G, X).v, R.v) < 1e-12);

    DistMatrix sym = DistMatrix::like(gram), vecs;
    sym.copy_from(gram);
    auto evals = syevd(sym, &vecs);
    const Dense V = dense(vecs);
    if (g->active()) {
      CHECK(std::is_sorted(evals.begin(), evals.end()));
      const Dense GV = fasim::testing::matmul(G, V);
      for (int k = 0; k < r; ++k)
        for (int i = 0; i < r; ++i) CHECK(GV(i, k) == doctest::Approx(evals[k] * V(i, k)).epsilon(1e-10));
    }

    DistMatrix zc = DistMatrix::like(z);
    zc.copy_from(z);
    auto sv = gesvd(zc);
    if (g->active()) {
      // Singular values squared are the Gram matrix's eigenvalues.
      for (int k = 0; k < r; ++k) CHECK(sv[k] * sv[k] == doctest::Approx(evals[r - 1 - k]).epsilon(1e-10));
    }

    DistMatrix qz = DistMatrix::like(z);
    qz.copy_from(z);
    auto rr = qr_thin(qz);
    const Dense Q = dense(qz), Z = dense(z);
    if (g->active()) {
      const Dense QtQ = fasim::testing::matmul(fasim::testing::transpose(Q), Q);
      for (int i = 0; i < r; ++i)
        for (int j = 0; j < r; ++j) CHECK(QtQ(i, j) == doctest::Approx(i == j ? 1.0 : 0.0).epsilon(1e-12));
      const Dense QR = fasim::testing::matmul(Q, Dense(r, r, rr));
      CHECK(rel_diff(QR.v, Z.v) < 1e-12);
    }
  }
}

TEST_CASE("a failing ScaLAPACK routine raises ScalapackError naming it") {
  auto g = ProcessGrid::create(Communicator::world());
  DistMatrix a(g, 4, 4, 2, 2);
  a.fill([](int i, int j) { return i == j ? -1.0 : 0.0; }); // not positive definite
  if (g->active()) {
    try {
      potrf(a);
      CHECK_MESSAGE(false, "potrf of a negative definite matrix must fail");
    } catch (const fasim::ScalapackError& e) {
      CHECK(e.routine() == "pdpotrf");
      CHECK(e.info() > 0);
    }
  }
}
