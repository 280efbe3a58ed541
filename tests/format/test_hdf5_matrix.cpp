// Distributed matrices and snapshot series in HDF5: round trips across grids and block sizes, and the errors
// a bad input file gives. Collective code uses CHECK, never REQUIRE (see test_hdf5_file.cpp).
#include "hdf5_test_support.hpp"
#include "test_support.hpp"

#include "fasim/format/matrix_io.hpp"
#include "fasim/parallel/process_grid.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using namespace fasim::io;
using namespace fasim::parallel;
using fasim::testing::grid_shapes;
using fasim::testing::ScratchDir;

namespace {
double value(int i, int j) {
  return 1000.0 * i + j + 0.25;
}

// Number of local elements that differ from f (0 means the matrix holds f exactly).
int mismatches(const DistMatrix& a, double (*f)(int, int), double offset = 0.0) {
  int bad = 0;
  for (int lj = 0; lj < a.local_cols(); ++lj)
    for (int li = 0; li < a.local_rows(); ++li)
      if (a.local({li}, {lj}) != f(a.global_row({li}).value, a.global_col({lj}).value) + offset) ++bad;
  return bad;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

struct Case {
  int rows, cols, block;
};
} // namespace

TEST_CASE("matrices: write on every grid, read back on every grid and block size") {
  ScratchDir scratch;
  const auto world = Communicator::world();
  const Case cases[] = {{37, 53, 8}, {37, 5, 8}, {5, 37, 8}, {64, 32, 8}, {1, 1, 8}, {37, 53, 64}};
  for (auto [p, q] : grid_shapes()) {
    auto grid = ProcessGrid::create(world, p, q);
    File file = File::create(scratch.file(std::to_string(p) + "x" + std::to_string(q) + ".h5"), world);
    for (const Case& c : cases) {
      INFO("grid ", p, "×", q, ", matrix ", c.rows, "×", c.cols, ", block ", c.block);
      DistMatrix a(grid, c.rows, c.cols, c.block, c.block);
      a.fill(value);
      const std::string name =
          "group/A_" + std::to_string(c.rows) + "x" + std::to_string(c.cols) + "_" + std::to_string(c.block);
      write_matrix(file, name, a);
      for (auto [rp, rq] : grid_shapes())
        for (int block : {3, 8, 64}) {
          auto read_grid = ProcessGrid::create(world, rp, rq);
          DistMatrix b = read_matrix(file, name, read_grid, block, MatrixShape{c.rows, c.cols});
          CHECK(b.rows() == c.rows);
          CHECK(b.cols() == c.cols);
          CHECK(mismatches(b, value) == 0);
        }
    }
  }
}

TEST_CASE("matrices: an existing dataset of the same shape is overwritten, another shape is refused") {
  ScratchDir scratch;
  const auto world = Communicator::world();
  auto grid = ProcessGrid::create(world, grid_shapes().back().first, grid_shapes().back().second);
  File file = File::create(scratch.file("over.h5"), world);
  DistMatrix a(grid, 37, 53, 8, 8);
  a.fill(value);
  write_matrix(file, "Z", a);
  a.fill([](int i, int j) { return value(i, j) + 1.0; });
  write_matrix(file, "Z", a);
  CHECK(mismatches(read_matrix(file, "Z", grid, 8), value, 1.0) == 0);
  DistMatrix b(grid, 53, 37, 8, 8);
  CHECK_THROWS_AS(write_matrix(file, "Z", b), fasim::UsageError);
}

TEST_CASE("matrices: a bad input dataset gives a UsageError naming the file and the dataset") {
  ScratchDir scratch;
  const auto world = Communicator::world();
  auto grid = ProcessGrid::create(world, grid_shapes().back().first, grid_shapes().back().second);
  const std::string path = scratch.file("bad.h5");
  File file = File::create(path, world);
  DistMatrix a(grid, 37, 53, 8, 8);
  a.fill(value);
  write_matrix(file, "problem/Y", a);
  file.create_dataset("problem/ints", H5T_STD_I32LE, {4, 4});
  file.create_dataset("problem/vector", H5T_IEEE_F64LE, {4});

  CHECK_THROWS_AS(read_matrix(file, "problem/missing", grid, 8), fasim::UsageError);
  CHECK_THROWS_AS(read_matrix(file, "problem/ints", grid, 8), fasim::UsageError);
  CHECK_THROWS_AS(read_matrix(file, "problem/vector", grid, 8), fasim::UsageError);
  try {
    read_matrix(file, "problem/Y", grid, 8, MatrixShape{37, 52});
    CHECK_MESSAGE(false, "a wrong shape must throw");
  } catch (const fasim::UsageError& e) {
    const std::string message = e.what();
    CHECK(contains(message, "/problem/Y"));
    CHECK(contains(message, path));
    CHECK(contains(message, "expected shape 37×52"));
    CHECK(contains(message, "found 37×53"));
  }
}

TEST_CASE("check_finite: a NaN or Inf on any rank throws on every rank and names the dataset") {
  for (auto [p, q] : grid_shapes()) {
    auto grid = ProcessGrid::create(Communicator::world(), p, q);
    DistMatrix a(grid, 37, 53, 8, 8);
    a.fill(value);
    CHECK_NOTHROW(check_finite(a, "dataset '/problem/Y'"));
    if (!grid->active()) continue; // holds nothing: returns without taking part
    // The NaN sits on the last process of the grid; the Inf later in row-major order on another.
    for (int lj = 0; lj < a.local_cols(); ++lj)
      for (int li = 0; li < a.local_rows(); ++li) {
        const int i = a.global_row({li}).value, j = a.global_col({lj}).value;
        if (i == 36 && j == 52) a.local({li}, {lj}) = std::numeric_limits<double>::infinity();
        if (i == 20 && j == 45) a.local({li}, {lj}) = std::nan("");
      }
    try {
      check_finite(a, "dataset '/problem/Y'");
      CHECK_MESSAGE(false, "check_finite must throw on every rank");
    } catch (const fasim::UsageError& e) {
      CHECK(contains(e.what(), "dataset '/problem/Y'"));
      CHECK(contains(e.what(), "(20, 45)"));
    }
  }
}

TEST_CASE("snapshots: append, read back on another grid, truncate and append again") {
  ScratchDir scratch;
  const auto world = Communicator::world();
  auto shapes = grid_shapes();
  auto grid = ProcessGrid::create(world, shapes.back().first, shapes.back().second);
  auto other = ProcessGrid::create(world, shapes.front().first, shapes.front().second);
  File file = File::create(scratch.file("snap.h5"), world);
  const Case sizes[] = {{37, 53, 8}, {37, 5, 8}};
  for (const Case& c : sizes) {
    const std::string name = "runs/gd/snapshots/Z" + std::to_string(c.cols);
    Dataset series = create_snapshot_series(file, name, c.rows, c.cols);
    CHECK(snapshot_count(series) == 0);
    DistMatrix a(grid, c.rows, c.cols, c.block, c.block);
    for (int s = 0; s < 3; ++s) {
      a.fill([](int i, int j) { return value(i, j); });
      for (std::size_t k = 0; k < a.local_size(); ++k) a.data()[k] += 1e6 * s;
      CHECK(append_snapshot(series, a) == s);
    }
    CHECK(snapshot_count(series) == 3);
    for (int s = 0; s < 3; ++s)
      CHECK(mismatches(read_snapshot(file, name, s, other, 5), value, 1e6 * s) == 0);
    truncate_snapshots(series, 1);
    CHECK(snapshot_count(series) == 1);
    CHECK_THROWS_AS(read_snapshot(file, name, 1, grid, 8), fasim::UsageError);
    a.fill([](int i, int j) { return -value(i, j); });
    CHECK(append_snapshot(series, a) == 1);
    CHECK(mismatches(read_snapshot(file, name, 0, grid, 8), value) == 0);
    DistMatrix back = read_snapshot(file, name, 1, grid, 8);
    for (std::size_t k = 0; k < back.local_size(); ++k) back.data()[k] = -back.data()[k];
    CHECK(mismatches(back, value) == 0);
    DistMatrix wrong(grid, c.cols, c.rows, 8, 8);
    CHECK_THROWS_AS(append_snapshot(series, wrong), fasim::UsageError);
    CHECK_THROWS_AS(truncate_snapshots(series, 5), fasim::UsageError);
  }
}

TEST_CASE(
    "matrices: a file may be open on the grid's active ranks only, never on an unrelated communicator") {
  ScratchDir scratch;
  const auto world = Communicator::world();
  const std::string path = scratch.file("active.h5");
  auto single = ProcessGrid::create(world, 1, 1); // on more than one rank, the others are inactive
  auto largest = ProcessGrid::create(world, grid_shapes().back().first, grid_shapes().back().second);
  DistMatrix a(single, 37, 53, 8, 8);
  a.fill(value);
  if (single->active()) {
    File file = File::create(path, single->grid_comm());
    write_matrix(file, "A", a);
    CHECK(mismatches(read_matrix(file, "A", single, 8), value) == 0);
    CHECK_NOTHROW(check_finite(a, "A"));
  }
  CHECK_NOTHROW(check_finite(a, "A")); // inactive ranks may call it too
  File file = File::open(path, world);
  CHECK(mismatches(read_matrix(file, "A", largest, 5), value) == 0);
  if (world.size() > 1) {
    // A file on half the ranks cannot take a matrix of the whole world's grid. The check is local, so every
    // rank throws before any HDF5 collective starts.
    const Communicator half = world.split(world.rank() % 2, world.rank());
    File half_file = File::create(scratch.file("half" + std::to_string(world.rank() % 2) + ".h5"), half);
    DistMatrix w(largest, 4, 4, 2, 2);
    CHECK_THROWS_AS(write_matrix(half_file, "W", w), fasim::UsageError);
  }
}

TEST_CASE("a matrix larger than one write panel (8 MiB per rank) is written in row panels, snapshots too") {
  // 1500×1500 in blocks of 64 (a ragged last block): 18 MB on one rank (3 panels), 9 MB on two (2 panels),
  // 4.5 MB on four (1 panel); read back in blocks of 100.
  ScratchDir scratch;
  const auto world = Communicator::world();
  for (auto [p, q] : grid_shapes()) {
    auto grid = ProcessGrid::create(world, p, q);
    File file =
        File::create(scratch.file("panels" + std::to_string(p) + "x" + std::to_string(q) + ".h5"), world);
    DistMatrix a(grid, 1500, 1500, 64, 64);
    a.fill(value);
    write_matrix(file, "A", a);
    const Dataset series = create_snapshot_series(file, "S", 1500, 1500);
    append_snapshot(series, a);
    INFO("grid ", p, "×", q);
    CHECK(mismatches(read_matrix(file, "A", grid, 100), value) == 0);
    CHECK(mismatches(read_snapshot(file, "S", 0, grid, 100), value) == 0);
  }
}

TEST_CASE(
    "row slabs: a matrix moved to whole rows per rank before the write reads back the same on every grid") {
  // Slabs of 3 rows per rank (a ragged last slab: 101 rows), forced for any size; with one process column
  // the block-cyclic pieces are written as they lie, so every grid shape covers one of the two paths.
  ScratchDir scratch;
  const auto world = Communicator::world();
  const WriteLayout tiny{1, 3 * 8 * 67};
  for (auto [p, q] : grid_shapes()) {
    auto grid = ProcessGrid::create(world, p, q);
    File file =
        File::create(scratch.file("slabs" + std::to_string(p) + "x" + std::to_string(q) + ".h5"), world);
    DistMatrix a(grid, 101, 67, 8, 8);
    a.fill(value);
    write_matrix(file, "A", a, tiny);
    write_matrix(file, "A", a, tiny); // an existing dataset is overwritten in place
    const Dataset series = create_snapshot_series(file, "S", 101, 67);
    append_snapshot(series, a, tiny);
    append_snapshot(series, a, tiny);
    INFO("grid ", p, "×", q);
    for (auto [rp, rq] : grid_shapes()) {
      auto read_grid = ProcessGrid::create(world, rp, rq);
      CHECK(mismatches(read_matrix(file, "A", read_grid, 5), value) == 0);
      CHECK(mismatches(read_snapshot(file, "S", 1, read_grid, 5), value) == 0);
    }
  }
}
