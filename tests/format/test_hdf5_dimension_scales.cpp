// Dimension scales of a trajectory group (netCDF-4 conventions): `step` scales dimension 0 of every series, a
// `probe` scale (0 … p−1, beside the group) dimension 1 of the T×p series, `time` is each metric's
// coordinate; rows appended after the scales are attached keep them.
#include "hdf5_test_support.hpp"

#include "fasim/format/dimension_scales.hpp"
#include "fasim/format/series.hpp"

#include <doctest/doctest.h>
#include <hdf5_hl.h>

using namespace fasim::io;
using fasim::parallel::Communicator;
using fasim::testing::ScratchDir;

namespace {
bool attached(const Group& g, const std::string& data, const std::string& scale, unsigned dimension) {
  return H5DSis_attached(g.open_dataset(data).id(), g.open_dataset(scale).id(), dimension) > 0;
}
const char* const kProbe = "/runs/fa/probe"; // beside the trajectory group

std::string scale_name(const Group& g, const std::string& scale) {
  char name[64] = {};
  REQUIRE(H5DSget_scale_name(g.open_dataset(scale).id(), name, sizeof name) > 0);
  return name;
}
} // namespace

TEST_CASE("dimension scales: step and probe scales attached, time a coordinate, appends keep them") {
  ScratchDir scratch;
  const auto world = Communicator::world();
  File file = File::create(scratch.file("scales.h5"), world);
  const Group traj = file.create_group("runs/fa/trajectory");
  Series step = Series::create(traj, "step");
  Series time = Series::create(traj, "time");
  Series loss = Series::create(traj, "loss");
  Series probes = Series::create(traj, "probe_xAx", 3);
  write_dimension_scales(traj);

  const std::vector<double> rows = {0.0, 10.0}, rows3 = {1, 2, 3, 4, 5, 6};
  for (Series* s : {&step, &time, &loss}) s->append(rows);
  probes.append(rows3);

  CHECK(H5DSis_scale(traj.open_dataset("step").id()) > 0);
  CHECK(H5DSis_scale(traj.open_dataset(kProbe).id()) > 0);
  CHECK_FALSE(traj.exists("probe")); // every dataset of the group has T rows
  CHECK(H5DSis_scale(traj.open_dataset("loss").id()) == 0);
  CHECK(scale_name(traj, "step") == "step");
  CHECK(scale_name(traj, kProbe) == "probe");
  for (const char* name : {"time", "loss", "probe_xAx"}) CHECK(attached(traj, name, "step", 0));
  CHECK(attached(traj, "probe_xAx", kProbe, 1));
  CHECK_FALSE(attached(traj, "loss", kProbe, 0));
  CHECK(Series::open(traj, kProbe).read_integers() == std::vector<long long>{0, 1, 2});
  CHECK(traj.open_dataset("loss").read_attribute<std::string>("coordinates") == "time");
  CHECK(traj.open_dataset("probe_xAx").read_attribute<std::string>("coordinates") == "time");
  CHECK_FALSE(traj.open_dataset("time").has_attribute("coordinates"));
  CHECK_FALSE(traj.open_dataset("step").has_attribute("coordinates"));
  CHECK(traj.open_dataset("loss").shape() == std::vector<hsize_t>{2});
}

TEST_CASE("dimension scales: a group without time gets no coordinates; no T×p series, no column scale") {
  ScratchDir scratch;
  File file = File::create(scratch.file("plain.h5"), Communicator::world());
  const Group traj = file.create_group("trajectory");
  Series::create(traj, "step");
  Series::create(traj, "loss");
  write_dimension_scales(traj);
  CHECK(attached(traj, "loss", "step", 0));
  CHECK_FALSE(traj.open_dataset("loss").has_attribute("coordinates"));
  CHECK_FALSE(file.exists("probe"));
}

TEST_CASE("dimension scales: a missing step series or T×p series of different widths are refused") {
  ScratchDir scratch;
  File file = File::create(scratch.file("bad.h5"), Communicator::world());
  const Group no_step = file.create_group("a");
  Series::create(no_step, "loss");
  CHECK_THROWS_AS(write_dimension_scales(no_step), fasim::UsageError);
  const Group widths = file.create_group("b");
  Series::create(widths, "step");
  Series::create(widths, "p3", 3);
  Series::create(widths, "p4", 4);
  CHECK_THROWS_WITH_AS(write_dimension_scales(widths), doctest::Contains("4 columns"), fasim::UsageError);
}
