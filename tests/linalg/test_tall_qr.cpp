#include "test_support.hpp"

#include "fasim/linalg/tall_qr.hpp"
#include "fasim/parallel/pblas.hpp"
#include "fasim/parallel/random.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace fasim;
using parallel::DistMatrix;

TEST_CASE("TSQR's R equals pdgeqrf's up to row signs on every grid, slices shorter than the width included") {
  for (auto [p, q] : testing::grid_shapes())
    for (int block : {8, 3})
      for (auto [rows, cols] : {std::pair{101, 7}, std::pair{13, 11}, std::pair{40, 1}}) {
        auto g = parallel::ProcessGrid::create(parallel::Communicator::world(), p, q);
        DistMatrix a(g, rows, cols, block, block);
        const parallel::CounterRng rng(7, parallel::Stream::InitZ);
        a.fill([&](int i, int j) { return rng.normal(i, j) * (1.0 + j); });
        const auto before = a.allgather();
        const linalg::SmallMatrix r = linalg::tall_r_factor(a);
        DistMatrix copy = DistMatrix::like(a);
        copy.copy_from(a);
        const std::vector<double> ref = parallel::qr_thin(copy);
        const auto after = a.allgather();
        if (!g->active()) continue;
        INFO("grid " << p << "x" << q << " block " << block << " shape " << rows << "x" << cols);
        CHECK(before == after); // A is left as it was
        REQUIRE(r.rows == cols);
        REQUIRE(r.cols == cols);
        double scale = 0.0;
        for (double x : ref) scale = std::max(scale, std::abs(x));
        for (int i = 0; i < cols; ++i) {
          // Rows of R are determined up to sign: fix it by the diagonal.
          const double s = (r(i, i) < 0) == (ref[static_cast<std::size_t>(i) * cols + i] < 0) ? 1.0 : -1.0;
          for (int j = 0; j < cols; ++j) {
            if (j < i) CHECK(r(i, j) == 0.0);
            CHECK(std::abs(s * r(i, j) - ref[static_cast<std::size_t>(j) * cols + i]) < 1e-12 * scale);
          }
        }
      }
}
