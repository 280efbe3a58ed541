#include "test_support.hpp"

#include "fasim/linalg/panel_products.hpp"
#include "fasim/linalg/panels.hpp"
#include "fasim/linalg/thin_products.hpp"
#include "fasim/parallel/pblas.hpp"
#include "fasim/parallel/random.hpp"

#include <doctest/doctest.h>

using namespace fasim;
using fasim::testing::random_matrix;
using parallel::DistMatrix;
using parallel::Op;

TEST_CASE(
    "thin products (ZᵀZ, Z·M, A·Bᵀ, M·W) equal PDGEMM's on every grid, with β ≠ 0 and reused workspace") {
  for (auto [p, q] : testing::grid_shapes())
    for (int block : {8, 3, 64})
      for (int r : {1, 5, 13}) {
        auto g = parallel::ProcessGrid::create(parallel::Communicator::world(), p, q);
        const int n = 37, m = 53;
        const DistMatrix z = random_matrix(g, n, r, block, 1), w = random_matrix(g, r, m, block, 2),
                         c = random_matrix(g, r, m, block, 3), msmall = random_matrix(g, r, r, block, 4);
        const DistMatrix out_z0 = random_matrix(g, n, r, block, 5), out_w0 = random_matrix(g, r, m, block, 6);
        // References through PBLAS.
        DistMatrix gram_ref(g, r, r, block, block), wct_ref(g, r, r, block, block);
        DistMatrix zm_ref = DistMatrix::like(out_z0), mw_ref = DistMatrix::like(out_w0);
        zm_ref.copy_from(out_z0);
        mw_ref.copy_from(out_w0);
        parallel::gemm(Op::Trans, Op::None, 1.0, z, z, 0.0, gram_ref);
        parallel::gemm(Op::None, Op::Trans, 1.0, w, c, 0.0, wct_ref);
        parallel::gemm(Op::None, Op::None, -0.5, z, msmall, 2.0, zm_ref);
        parallel::gemm(Op::None, Op::None, 0.7, msmall, w, -1.5, mw_ref);
        // The thin versions.
        const linalg::SmallMatrix m_rep = linalg::replicate(msmall);
        linalg::GatherBuffers gb;
        linalg::ThinWorkspace ws;
        std::vector<double> z_rows, w_cols, c_cols;
        linalg::SmallMatrix gram, wct;
        DistMatrix zm = DistMatrix::like(out_z0), mw = DistMatrix::like(out_w0);
        for (int repeat = 0; repeat < 2; ++repeat) { // the second call reuses every buffer
          const linalg::PanelView zr = linalg::panel<linalg::Coord::Row>(z, z_rows, gb),
                                  wc = linalg::panel<linalg::Coord::Col>(w, w_cols, gb),
                                  cc = linalg::panel<linalg::Coord::Col>(c, c_cols, gb);
          linalg::tall_gram(z, zr, gram, ws);
          linalg::wide_outer(w, cc, r, wct, ws);
          zm.copy_from(out_z0);
          mw.copy_from(out_w0);
          linalg::tall_times_small(zr, m_rep, -0.5, 2.0, zm, ws);
          linalg::small_times_wide(m_rep, wc, 0.7, -1.5, mw, ws);
        }
        const auto gr = gram_ref.allgather(), wr = wct_ref.allgather(), zr = zm_ref.allgather(),
                   mr = mw_ref.allgather(), z1 = zm.allgather(), m1 = mw.allgather();
        if (!g->active()) continue;
        INFO("grid " << p << "x" << q << " block " << block << " r " << r);
        CHECK(testing::rel_diff(gram.v, gr) < 1e-13);
        CHECK(testing::rel_diff(wct.v, wr) < 1e-13);
        CHECK(testing::rel_diff(z1, zr) < 1e-13);
        CHECK(testing::rel_diff(m1, mr) < 1e-13);
        // On one process column ZᵀZ is exactly symmetric (SYRK fills one triangle, the other is mirrored).
        if (q == 1)
          for (int i = 0; i < r; ++i)
            for (int j = 0; j < r; ++j) CHECK(gram(i, j) == gram(j, i));
      }
}
