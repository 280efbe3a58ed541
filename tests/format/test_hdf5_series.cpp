// Trajectory series: growing by rows, reopening an existing file (resume) and cutting back to a checkpoint.
#include "hdf5_test_support.hpp"

#include "fasim/format/series.hpp"

#include <doctest/doctest.h>

#include <numeric>

using namespace fasim::io;
using fasim::parallel::Communicator;
using fasim::testing::ScratchDir;

namespace {
std::vector<double> ramp(int n, double start) {
  std::vector<double> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), start);
  return v;
}
} // namespace

TEST_CASE("series: 1-D, T×p and integer series grow by appends across many chunks") {
  ScratchDir scratch;
  const auto world = Communicator::world();
  File file = File::create(scratch.file("series.h5"), world);
  Series loss = Series::create(file, "runs/gd/trajectory/loss");
  Series probes = Series::create(file, "runs/gd/trajectory/probe_xAx", 3);
  Series step = Series::create(file, "runs/gd/trajectory/step", 0, SeriesType::Integer);
  CHECK(loss.length() == 0);
  CHECK(loss.one_dimensional());
  CHECK(probes.width() == 3);
  CHECK(file.open_dataset("runs/gd/trajectory/loss").shape() == std::vector<hsize_t>{0});
  CHECK(file.open_dataset("runs/gd/trajectory/probe_xAx").shape() == std::vector<hsize_t>{0, 3});

  loss.append(ramp(5, 0.0));
  loss.append(ramp(10000, 5.0)); // several 4096-row chunks
  probes.append(ramp(6, 0.5));
  const long long steps[] = {10, 20, 30};
  step.append(steps, 3);
  CHECK(loss.length() == 10005);
  CHECK(probes.length() == 2);
  CHECK(loss.read() == ramp(10005, 0.0));
  CHECK(probes.read() == ramp(6, 0.5));
  CHECK(step.read_integers() == std::vector<long long>{10, 20, 30});
  CHECK(file.open_dataset("runs/gd/trajectory/probe_xAx").shape() == std::vector<hsize_t>{2, 3});

  CHECK_THROWS_AS(step.append(std::vector<double>{1.0}), fasim::UsageError); // integers only
  CHECK_THROWS_AS(probes.append(ramp(4, 0.0)), fasim::UsageError);           // not whole rows
  CHECK_THROWS_AS(loss.truncate(10006), fasim::UsageError);
}

TEST_CASE("series: only rank 0's values are written (values are replicated)") {
  ScratchDir scratch;
  const auto world = Communicator::world();
  File file = File::create(scratch.file("replicated.h5"), world);
  Series s = Series::create(file, "x");
  const double mine = 1.0 + world.rank();
  s.append(&mine, 1);
  CHECK(s.read() == std::vector<double>{1.0});
}

TEST_CASE("series: reopened on an existing file, cut back to a checkpoint and continued") {
  ScratchDir scratch;
  const auto world = Communicator::world();
  const std::string path = scratch.file("resume.h5");
  {
    File file = File::create(path, world);
    Series::create(file, "traj/loss").append(ramp(100, 0.0));
    Series::create(file, "traj/probe", 2).append(ramp(200, 0.0));
    Series::create(file, "traj/step", 0, SeriesType::Integer).append(std::vector<long long>{1, 2, 3, 4});
  }
  File file = File::open(path, world, false);
  Series loss = Series::open(file, "traj/loss");
  Series probe = Series::open(file, "traj/probe");
  Series step = Series::open(file, "traj/step");
  CHECK(loss.length() == 100);
  CHECK(probe.width() == 2);
  CHECK_FALSE(probe.one_dimensional());
  CHECK(step.type() == SeriesType::Integer);

  loss.truncate(40);
  probe.truncate(40);
  step.truncate(2);
  CHECK(loss.length() == 40);
  loss.append(ramp(10, 1000.0));
  probe.append(ramp(4, 1000.0));
  step.append(std::vector<long long>{7});

  auto expected = ramp(40, 0.0);
  for (double v : ramp(10, 1000.0)) expected.push_back(v);
  CHECK(loss.read() == expected);
  auto expected_probe = ramp(80, 0.0);
  for (double v : ramp(4, 1000.0)) expected_probe.push_back(v);
  CHECK(probe.read() == expected_probe);
  CHECK(step.read_integers() == std::vector<long long>{1, 2, 7});
  loss.truncate(0);
  CHECK(loss.read().empty());
}
