#include "test_support.hpp"

#include "fasim/parallel/digest.hpp"
#include "fasim/parallel/process_grid.hpp"

#include <doctest/doctest.h>

#include <bit>
#include <cstring>
#include <string>
#include <vector>

using namespace fasim::parallel;
using fasim::testing::grid_shapes;
using fasim::testing::random_matrix;

TEST_CASE("a matrix's digest is the same on every grid and block size") {
  std::uint64_t reference = 0;
  bool first = true;
  for (auto [p, q] : grid_shapes())
    for (int block : {3, 8, 64}) {
      const auto grid = ProcessGrid::create(Communicator::world(), p, q);
      const DistMatrix a = random_matrix(grid, 37, 23, block, 11);
      if (!grid->active()) continue;
      const std::uint64_t d = digest(a);
      if (first) reference = d, first = false;
      CHECK_MESSAGE(d == reference, "grid " << p << "x" << q << ", block " << block);
    }
}

TEST_CASE("one flipped bit, a moved element or another shape changes the digest") {
  for (auto [p, q] : grid_shapes()) {
    const auto grid = ProcessGrid::create(Communicator::world(), p, q);
    if (!grid->active()) continue;
    DistMatrix a = random_matrix(grid, 20, 17, 4, 5);
    const std::uint64_t before = digest(a);
    // The lowest mantissa bit of element (7, 9), on whichever rank owns it.
    DistMatrix flipped = DistMatrix::like(a);
    flipped.copy_from(a);
    if (flipped.owns({7}, {9})) {
      double& x = flipped.local(flipped.row_layout().to_local({7}), flipped.col_layout().to_local({9}));
      x = std::bit_cast<double>(std::bit_cast<std::uint64_t>(x) ^ 1ULL);
    }
    CHECK(digest(flipped) != before);
    // Two elements swapped: the same multiset of values at other places.
    DistMatrix swapped = DistMatrix::like(a);
    const auto whole = a.allgather();
    swapped.fill([&](int i, int j) {
      const int ii = (i == 2 && j == 3) ? 3 : (i == 3 && j == 2) ? 2 : i;
      const int jj = (i == 2 && j == 3) ? 2 : (i == 3 && j == 2) ? 3 : j;
      return whole[static_cast<std::size_t>(jj) * 20 + ii];
    });
    CHECK(digest(swapped) != before);
    DistMatrix transposed(grid, 17, 20, 4, 4);
    transposed.fill([&](int i, int j) { return whole[static_cast<std::size_t>(i) * 20 + j]; });
    CHECK(digest(transposed) != before);
  }
}

TEST_CASE("digests of values and texts see every element and every byte") {
  std::vector<double> v{1.0, 2.0, 3.0};
  const auto d = digest(std::span<const double>(v));
  v[1] = std::nextafter(2.0, 3.0);
  CHECK(digest(std::span<const double>(v)) != d);
  CHECK(digest(std::span<const double>(v.data(), 2)) != digest(std::span<const double>(v)));
  const std::string text = "[run]\nsteps = 500\n";
  std::string other = text;
  other[13] = '6';
  CHECK(digest(std::string_view(text)) == digest(std::string_view(std::string(text))));
  CHECK(digest(std::string_view(text)) != digest(std::string_view(other)));
  CHECK(digest(std::string_view(text)) != digest(std::string_view(text + " ")));
}
