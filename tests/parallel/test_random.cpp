#include "test_support.hpp"

#include "fasim/parallel/random.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace fasim::parallel;

TEST_CASE("normal and uniform draws have the right mean and variance") {
  CounterRng rng(42, Stream::FeedbackC);
  const int n = 200000;
  double s = 0, s2 = 0, u = 0, u2 = 0;
  for (int k = 0; k < n; ++k) {
    const double x = rng.normal(k % 500, k / 500), y = rng.uniform(k % 500, k / 500);
    CHECK(y > 0.0);
    CHECK(y < 1.0);
    s += x, s2 += x * x, u += y, u2 += y * y;
  }
  const double mean = s / n, var = s2 / n - mean * mean;
  // 5 standard errors: the mean's is 1/sqrt(n) ≈ 0.0022, the variance's sqrt(2/n) ≈ 0.0032.
  CHECK(std::abs(mean) < 5 / std::sqrt(n));
  CHECK(std::abs(var - 1) < 5 * std::sqrt(2.0 / n));
  CHECK(std::abs(u / n - 0.5) < 5 * std::sqrt(1.0 / 12 / n));
  CHECK(std::abs(u2 / n - u * u / n / n - 1.0 / 12) < 0.002);
}

TEST_CASE("draws depend on seed, stream and both indices") {
  CounterRng a(1, Stream::InitZ), b(2, Stream::InitZ), c(1, Stream::InitW);
  CHECK(a.normal(3, 4) == a.normal(3, 4));
  CHECK(a.normal(3, 4) != b.normal(3, 4));
  CHECK(a.normal(3, 4) != c.normal(3, 4));
  CHECK(a.normal(3, 4) != a.normal(4, 3));
  CHECK(a.normal(0, 1ULL << 33) != a.normal(0, 1));
}

TEST_CASE("a random matrix is identical on every grid shape and block size") {
  std::vector<double> reference;
  for (auto [p, q] : fasim::testing::grid_shapes())
    for (int block : {3, 8, 64}) {
      auto g = ProcessGrid::create(Communicator::world(), p, q);
      DistMatrix a(g, 37, 53, block, block);
      CounterRng rng(7, Stream::TargetU);
      a.fill([&](int i, int j) { return rng.normal(i, j); });
      auto whole = a.allgather();
      if (!g->active()) continue;
      if (reference.empty()) reference = whole;
      CHECK(whole == reference);
    }
}
