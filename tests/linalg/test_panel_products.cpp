#include "test_support.hpp"

#include "fasim/linalg/panel_products.hpp"
#include "fasim/linalg/products.hpp"
#include "fasim/parallel/pblas.hpp"
#include "fasim/parallel/random.hpp"

#include <doctest/doctest.h>

using namespace fasim;
using fasim::testing::random_matrix;
using parallel::DistMatrix;

TEST_CASE("panel products equal PDGEMM's on every grid and GEMM layout, ragged blocks and r below the block "
          "included") {
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
        for (auto layout : {linalg::Orientation::ThinFirst, linalg::Orientation::YFirst}) {
          linalg::ProductContext ctx;
          ctx.zt_y = ctx.y_bt = layout;
          for (int repeat = 0; repeat < 2; ++repeat) { // the second call reuses the workspace
            ctx.forget();
            zty.set_zero();
            ybt.set_zero();
            linalg::zt_y(y, z, zty, ctx);
            linalg::y_bt(y, b, ybt, ctx);
          }
          const auto a1 = zty.allgather(), a2 = zty_ref.allgather(), b1 = ybt.allgather(),
                     b2 = ybt_ref.allgather();
          if (!g->active()) continue;
          INFO("grid " << p << "x" << q << " block " << block << " r " << r << " y first "
                       << (layout == linalg::Orientation::YFirst));
          CHECK(testing::rel_diff(a1, a2) < 1e-13);
          CHECK(testing::rel_diff(b1, b2) < 1e-13);
        }
      }
}

TEST_CASE("the residual pass equals (Y − ZW)·Bᵀ and ρ·Zᵀ(Y − ZW) from PDGEMM on every grid") {
  for (auto [p, q] : testing::grid_shapes())
    for (int block : {8, 3})
      for (int m : {53, 300}) { // 300: several 128-column panels of E on one rank
        const int r = 5;
        auto g = parallel::ProcessGrid::create(parallel::Communicator::world(), p, q);
        const DistMatrix y = random_matrix(g, 37, m, block, 1), z = random_matrix(g, 37, r, block, 2),
                         w = random_matrix(g, r, m, block, 3), b = random_matrix(g, r, m, block, 4);
        DistMatrix e = DistMatrix::like(y), dz_ref(g, 37, r, block, block), dw_ref(g, r, m, block, block);
        e.copy_from(y);
        parallel::gemm(parallel::Op::None, parallel::Op::None, -1.0, z, w, 1.0, e);
        parallel::gemm(parallel::Op::None, parallel::Op::Trans, 1.0, e, b, 0.0, dz_ref);
        parallel::gemm(parallel::Op::Trans, parallel::Op::None, 0.5, z, e, 0.0, dw_ref);
        DistMatrix dz = DistMatrix::like(dz_ref), dw = DistMatrix::like(dw_ref);
        linalg::ProductContext ctx;
        if (g->active())
          linalg::residual_pass(y, ctx.panel_of<linalg::Coord::Row>(z), ctx.panel_of<linalg::Coord::Col>(w),
                                ctx.panel_of<linalg::Coord::Col>(b), r, dz, &dw, 0.5, ctx.pass);
        const auto z1 = dz.allgather(), z2 = dz_ref.allgather(), w1 = dw.allgather(), w2 = dw_ref.allgather();
        if (!g->active()) continue;
        INFO("grid " << p << "x" << q << " block " << block << " m " << m);
        CHECK(testing::rel_diff(z1, z2) < 1e-12);
        CHECK(testing::rel_diff(w1, w2) < 1e-12);
      }
}
