#include "test_support.hpp"

#include "fasim/parallel/communicator.hpp"
#include "fasim/parallel/pblas.hpp"
#include "fasim/parallel/traffic.hpp"

#include <doctest/doctest.h>

using namespace fasim::parallel;

TEST_CASE("the PMPI layer counts fasim's own collectives by the documented rules") {
  const Communicator world = Communicator::world();
  const int p = world.size();
  std::vector<double> v(1000, 1.0);
  const Traffic before = traffic();
  world.allreduce_sum(v.data(), 1000);
  const Traffic after = traffic() - before;
  CHECK(traffic_counted());
  if (p == 1) {
    CHECK(after.bytes == 0);
    CHECK(after.messages == 0);
  } else {
    CHECK(after.bytes == doctest::Approx(2.0 * (p - 1) / p * 8000.0));
    CHECK(after.messages == 1);
    CHECK(after.p2p_messages == 0);
  }
}

TEST_CASE("the PMPI layer also sees what ScaLAPACK/BLACS send (a PDGEMM: fasim itself sends nothing)") {
  const Communicator world = Communicator::world();
  if (world.size() < 2) return;
  for (auto [rows, cols] : fasim::testing::grid_shapes()) {
    if (rows * cols < 2) continue;
    auto g = ProcessGrid::create(world, rows, cols);
    DistMatrix a = fasim::testing::random_matrix(g, 64, 64, 8, 1),
               b = fasim::testing::random_matrix(g, 64, 64, 8, 2);
    DistMatrix c(g, 64, 64, 8, 8);
    world.barrier();
    const Traffic before = traffic();
    gemm(Op::None, Op::None, 1.0, a, b, 0.0, c);
    const Traffic sent = traffic() - before;
    // Every rank of the grid holds pieces of A and B that others need: BLACS broadcasts them along the grid's
    // rows and columns, point to point or by MPI collectives; the counts see them either way.
    const double everyone = world.allreduce_min(g->active() ? sent.bytes : 1e300);
    CHECK(everyone > 0);
  }
}
