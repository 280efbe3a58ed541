#include "test_support.hpp"

#include "fasim/linalg/panel_products.hpp"
#include "fasim/parallel/pblas.hpp"
#include "fasim/parallel/random.hpp"

#include <doctest/doctest.h>

using namespace fasim;
using fasim::testing::random_matrix;
using parallel::DistMatrix;

TEST_CASE("panel products equal PDGEMM's on every grid, ragged blocks and r below the block included") {
  for (auto [p, q] : testing::grid_shapes())
    for (int block : {8, 3, 64})
      for (int r : {1, 5, 13}) {
        auto g = parallel::ProcessGrid::create(parallel::Communicator::world(), p, q);
        const DistMatrix y = random_matrix(g, 37, 53, block, 1), z = random_matrix(g, 37, r, block, 2),
                         b = random_matrix(g, r, 53, block, 3);
        DistMatrix zty_ref(g, r, 53, block, block), zty(g, r, 53, block, block);
        DistMatrix ybt_ref(g, 37, r, block, block), ybt(g, 37, r, block, block);
        parallel::gemm(parallel::Op::Trans, parallel::Op::None, 1.0, z, y, 0.0, zty_ref);
        parallel::gemm(parallel::Op::None, parallel::Op::Trans, 1.0, y, b, 0.0, ybt_ref);
        linalg::PanelProducts panels;
        for (int repeat = 0; repeat < 2; ++repeat) { // the second call reuses the workspace
          panels.zt_y(y, z, zty);
          panels.y_bt(y, b, ybt);
        }
        const auto a1 = zty.allgather(), a2 = zty_ref.allgather(), b1 = ybt.allgather(),
                   b2 = ybt_ref.allgather();
        if (!g->active()) continue;
        INFO("grid " << p << "x" << q << " block " << block << " r " << r);
        CHECK(testing::rel_diff(a1, a2) < 1e-13);
        CHECK(testing::rel_diff(b1, b2) < 1e-13);
      }
}
