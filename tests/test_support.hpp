#pragma once
// Helpers shared by the MPI tests: the grid shapes a rank count allows and serial reference linear algebra
// on gathered (column-major) matrices.
#include "fasim/parallel/dist_matrix.hpp"
#include "fasim/parallel/random.hpp"

#include <cmath>
#include <utility>
#include <vector>

namespace fasim::testing {

/// A rows×cols matrix of standard normal entries (a Philox stream: the same on every grid and block size).
inline parallel::DistMatrix random_matrix(const parallel::GridPtr& g, int rows, int cols, int block,
                                          std::uint64_t seed) {
  parallel::DistMatrix a(g, rows, cols, block, block);
  const parallel::CounterRng rng(seed, parallel::Stream::InitZ);
  a.fill([&](int i, int j) { return rng.normal(i, j); });
  return a;
}

/// The grid shapes among 1×1, 1×2, 2×1, 2×2 that fit in the world's ranks.
inline std::vector<std::pair<int, int>> grid_shapes() {
  const int size = parallel::Communicator::world().size();
  std::vector<std::pair<int, int>> shapes;
  for (auto s : {std::pair{1, 1}, std::pair{1, 2}, std::pair{2, 1}, std::pair{2, 2}})
    if (s.first * s.second <= size) shapes.push_back(s);
  return shapes;
}

/// Column-major serial matrix for reference computations.
struct Dense {
  int rows = 0, cols = 0;
  std::vector<double> v;
  Dense() = default;
  Dense(int r, int c) : rows(r), cols(c), v(static_cast<size_t>(r) * c, 0.0) {}
  Dense(int r, int c, std::vector<double> d) : rows(r), cols(c), v(std::move(d)) {}
  double& operator()(int i, int j) { return v[static_cast<size_t>(j) * rows + i]; }
  double operator()(int i, int j) const { return v[static_cast<size_t>(j) * rows + i]; }
};

/// The whole distributed matrix, gathered on every rank (collective).
inline Dense dense(const parallel::DistMatrix& a) {
  return Dense(a.rows(), a.cols(), a.allgather());
}

inline Dense transpose(const Dense& a) {
  Dense t(a.cols, a.rows);
  for (int j = 0; j < a.cols; ++j)
    for (int i = 0; i < a.rows; ++i) t(j, i) = a(i, j);
  return t;
}

inline Dense matmul(const Dense& a, const Dense& b) {
  Dense c(a.rows, b.cols);
  for (int j = 0; j < b.cols; ++j)
    for (int k = 0; k < a.cols; ++k) {
      const double bkj = b(k, j);
      for (int i = 0; i < a.rows; ++i) c(i, j) += a(i, k) * bkj;
    }
  return c;
}

/// max |a - b| / max(1, max |b|)
inline double rel_diff(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return INFINITY;
  double num = 0, den = 1;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i])) return INFINITY; // NaN must never compare as equal
    num = std::max(num, std::abs(a[i] - b[i]));
    den = std::max(den, std::abs(b[i]));
  }
  return num / den;
}

inline double rel_diff(double a, double b) {
  if (!std::isfinite(a) || !std::isfinite(b)) return INFINITY;
  return std::abs(a - b) / std::max(1e-300, std::abs(b));
}

} // namespace fasim::testing
