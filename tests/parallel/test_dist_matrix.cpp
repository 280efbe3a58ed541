#include "test_support.hpp"

#include "fasim/parallel/error.hpp"
#include "fasim/parallel/process_grid.hpp"

#include <doctest/doctest.h>

using namespace fasim::parallel;
using fasim::testing::grid_shapes;

TEST_CASE("choose_shape picks a near-square factorisation") {
  CHECK(ProcessGrid::choose_shape(1) == std::pair{1, 1});
  CHECK(ProcessGrid::choose_shape(2) == std::pair{1, 2});
  CHECK(ProcessGrid::choose_shape(4) == std::pair{2, 2});
  CHECK(ProcessGrid::choose_shape(6) == std::pair{2, 3});
  CHECK(ProcessGrid::choose_shape(7) == std::pair{1, 7});
  CHECK(ProcessGrid::choose_shape(12, 4, 0) == std::pair{4, 3});
}

TEST_CASE("a grid larger than the communicator is refused with a clear message") {
  const int size = Communicator::world().size();
  CHECK_THROWS_AS(ProcessGrid::create(Communicator::world(), size + 1, 1), fasim::UsageError);
}

TEST_CASE("ranks beyond P×Q are inactive and own nothing") {
  auto grid = ProcessGrid::create(Communicator::world(), 1, 1);
  const int rank = Communicator::world().rank();
  CHECK(grid->active() == (rank == 0));
  DistMatrix a(grid, 10, 7, 4, 4);
  if (!grid->active()) CHECK(a.local_size() == 0u);
  if (grid->active()) CHECK(a.local_rows() == 10);
}

TEST_CASE("global/local index maps are inverse and cover every element once") {
  for (auto [p, q] : grid_shapes()) {
    auto grid = ProcessGrid::create(Communicator::world(), p, q);
    DistMatrix a(grid, 37, 53, 8, 8);
    a.fill([](int i, int j) { return 1000.0 * i + j; });
    long long owned = 0;
    for (int lj = 0; lj < a.local_cols(); ++lj)
      for (int li = 0; li < a.local_rows(); ++li) {
        const GlobalIndex gi = a.global_row({li}), gj = a.global_col({lj});
        CHECK(a.row_layout().to_local(gi).value == li);
        CHECK(a.col_layout().to_local(gj).value == lj);
        CHECK(a.owns(gi, gj));
        CHECK(a.local({li}, {lj}) == 1000.0 * gi.value + gj.value);
        ++owned;
      }
    const auto total =
        static_cast<long long>(Communicator::world().allreduce_sum(static_cast<double>(owned)));
    CHECK(total == 37LL * 53LL);
  }
}

TEST_CASE("gather and scatter round-trip on every grid, ragged blocks included") {
  for (auto [p, q] : grid_shapes()) {
    auto grid = ProcessGrid::create(Communicator::world(), p, q);
    for (int block : {8, 64}) {
      DistMatrix a(grid, 37, 53, block, block);
      a.fill([](int i, int j) { return i * 0.5 - j * 3.0; });
      auto whole = a.gather(0);
      if (grid->active() && grid->grid_comm().rank() == 0) {
        REQUIRE(whole.size() == 37u * 53u);
        for (int j = 0; j < 53; ++j)
          for (int i = 0; i < 37; ++i) CHECK(whole[j * 37 + i] == i * 0.5 - j * 3.0);
        for (auto& x : whole) x *= 2;
      }
      DistMatrix b(grid, 37, 53, block, block);
      b.scatter(whole, 0);
      for (int lj = 0; lj < b.local_cols(); ++lj)
        for (int li = 0; li < b.local_rows(); ++li)
          CHECK(b.local({li}, {lj}) == 2 * (b.global_row({li}).value * 0.5 - b.global_col({lj}).value * 3.0));
      auto all = b.allgather();
      if (grid->active()) CHECK(all.size() == 37u * 53u);
    }
  }
}

TEST_CASE("redistribute to another grid and block size preserves every element") {
  auto shapes = grid_shapes();
  auto src_grid = ProcessGrid::create(Communicator::world(), shapes.back().first, shapes.back().second);
  auto dst_grid = ProcessGrid::create(Communicator::world(), 1, 1);
  DistMatrix a(src_grid, 37, 53, 8, 8);
  a.fill([](int i, int j) { return i + 100.0 * j; });
  DistMatrix b = a.redistribute(dst_grid, 5, 7);
  for (int lj = 0; lj < b.local_cols(); ++lj)
    for (int li = 0; li < b.local_rows(); ++li)
      CHECK(b.local({li}, {lj}) == b.global_row({li}).value + 100.0 * b.global_col({lj}).value);
  DistMatrix c = b.redistribute(src_grid, 3, 3);
  for (int lj = 0; lj < c.local_cols(); ++lj)
    for (int li = 0; li < c.local_rows(); ++li)
      CHECK(c.local({li}, {lj}) == c.global_row({li}).value + 100.0 * c.global_col({lj}).value);
}
