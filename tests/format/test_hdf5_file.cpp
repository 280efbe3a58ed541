// Files, groups and attributes of the HDF5 layer. Every rank runs every case; collective calls use CHECK, not
// REQUIRE, so a failure on one rank never makes it skip a collective call the others are in.
#include "hdf5_test_support.hpp"

#include "fasim/format/hdf5.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace fasim::io;
using fasim::parallel::Communicator;
using fasim::testing::ScratchDir;

namespace {
bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}
} // namespace

TEST_CASE("files: create refuses an existing file unless told to truncate; open needs the file") {
  ScratchDir scratch;
  const auto world = Communicator::world();
  const std::string path = scratch.file("a.h5");
  { File::create(path, world); }
  CHECK_THROWS_AS(File::create(path, world), fasim::UsageError);
  CHECK_NOTHROW(File::create(path, world, TruncatePolicy::Truncate));
  CHECK_THROWS_AS(File::open(scratch.file("missing.h5"), world), fasim::UsageError);
  { CHECK_NOTHROW(File::open(path, world, true)); }
  { CHECK_NOTHROW(File::open(path, world, false)); }
}

TEST_CASE("groups: intermediate groups are created and exists() answers false for broken paths") {
  ScratchDir scratch;
  const auto world = Communicator::world();
  File file = File::create(scratch.file("g.h5"), world);
  Group c = file.create_group("runs/gd/trajectory");
  CHECK(c.path() == "/runs/gd/trajectory");
  CHECK(file.exists("runs"));
  CHECK(file.exists("/runs/gd/trajectory"));
  CHECK(file.exists("/"));
  CHECK_FALSE(file.exists("runs/fa/trajectory"));
  CHECK_FALSE(file.exists("runs/gd/trajectory/loss"));
  Group gd = file.open_group("runs/gd");
  CHECK(gd.exists("trajectory"));
  CHECK(gd.require_group("trajectory").path() == "/runs/gd/trajectory");
  CHECK(gd.require_group("snapshots").path() == "/runs/gd/snapshots");
  gd.create_dataset("Z", H5T_IEEE_F64LE, {3, 2});
  CHECK(gd.exists("Z"));
  CHECK_FALSE(gd.exists("Z/inside")); // a dataset has no children
  CHECK_THROWS_AS(file.open_group("runs/none"), fasim::UsageError);
  CHECK_THROWS_AS(file.open_dataset("runs/gd/none"), fasim::UsageError);
  gd.remove("Z");
  CHECK_FALSE(gd.exists("Z"));
}

TEST_CASE("errors: an HDF5 failure is one line naming the operation, the object and the file") {
  ScratchDir scratch;
  const auto world = Communicator::world();
  const std::string path = scratch.file("e.h5");
  File file = File::create(path, world);
  file.create_dataset("problem/Y", H5T_IEEE_F64LE, {2, 2});
  try {
    file.create_dataset("problem/Y", H5T_IEEE_F64LE, {2, 2});
    CHECK_MESSAGE(false, "creating a dataset twice must throw");
  } catch (const Hdf5Error& e) {
    const std::string message = e.what();
    CHECK(contains(message, "H5Dcreate"));
    CHECK(contains(message, "/problem/Y"));
    CHECK(contains(message, path));
    CHECK_FALSE(contains(message, "\n"));
  }
}

TEST_CASE("attributes: every type round-trips on the root, a group and a dataset, and can be replaced") {
  ScratchDir scratch;
  const auto world = Communicator::world();
  const std::string path = scratch.file("attrs.h5");
  const std::string long_text(100000, 'x'); // larger than the 64 KiB compact attribute limit
  {
    File file = File::create(path, world);
    Group group = file.create_group("problem");
    Dataset ds = group.create_dataset("C", H5T_IEEE_F64LE, {2, 3});
    for (const Object* obj : {static_cast<const Object*>(&file), static_cast<const Object*>(&group),
                              static_cast<const Object*>(&ds)}) {
      obj->write_attribute("text", "σ-spectrum ünïcode");
      obj->write_attribute("lr", 0.125);
      obj->write_attribute("steps", 1234567890123LL);
      obj->write_attribute("r", 3); // an int goes through the integer overload
      obj->write_attribute("sigma", std::vector<double>{3.0, 2.0, 1.0});
      obj->write_attribute("grid", std::vector<long long>{2, 2});
      obj->write_attribute("empty", std::vector<double>{});
      obj->write_attribute("config", long_text);
    }
    // Replacing with another value, length and even type.
    file.write_attribute("text", "short");
    file.write_attribute("status", "running");
    file.write_attribute("status", "complete");
    group.write_attribute("lr", std::string("now a string"));
    ds.write_attribute("grid", std::vector<long long>{1, 2, 4});
  }
  File file = File::open(path, world);
  Group group = file.open_group("problem");
  Dataset ds = group.open_dataset("C");
  CHECK(file.read_attribute<std::string>("text") == "short");
  CHECK(file.read_attribute<std::string>("status") == "complete");
  CHECK(group.read_attribute<std::string>("lr") == "now a string");
  CHECK(ds.read_attribute<std::vector<long long>>("grid") == std::vector<long long>{1, 2, 4});
  for (const Object* obj : {static_cast<const Object*>(&file), static_cast<const Object*>(&group),
                            static_cast<const Object*>(&ds)}) {
    CHECK(obj->has_attribute("steps"));
    CHECK_FALSE(obj->has_attribute("nope"));
    CHECK(obj->read_attribute<long long>("steps") == 1234567890123LL);
    CHECK(obj->read_attribute<long long>("r") == 3);
    CHECK(obj->read_attribute<double>("r") == 3.0); // numbers convert
    CHECK(obj->read_attribute<std::vector<double>>("sigma") == std::vector<double>{3.0, 2.0, 1.0});
    CHECK(obj->read_attribute<std::vector<double>>("empty").empty());
    CHECK(obj->read_attribute<std::string>("config") == long_text);
    CHECK_THROWS_AS(obj->read_attribute<double>("nope"), fasim::UsageError);
    CHECK_THROWS_AS(obj->read_attribute<double>("sigma"), fasim::UsageError);      // three values, not one
    CHECK_THROWS_AS(obj->read_attribute<std::string>("steps"), fasim::UsageError); // not a string
  }
  CHECK(ds.read_attribute<std::string>("text") == "σ-spectrum ünïcode");
  CHECK(ds.read_attribute<double>("lr") == 0.125);
}

TEST_CASE("attributes: fixed-length strings written by other tools read back without padding") {
  ScratchDir scratch;
  const auto world = Communicator::world();
  File file = File::create(scratch.file("fixed.h5"), world);
  for (H5T_str_t pad : {H5T_STR_NULLTERM, H5T_STR_NULLPAD, H5T_STR_SPACEPAD}) {
    const std::string name = "fixed" + std::to_string(static_cast<int>(pad));
    DatatypeHandle type(H5Tcopy(H5T_C_S1));
    H5Tset_size(type.get(), 16);
    H5Tset_strpad(type.get(), pad);
    DataspaceHandle space(H5Screate(H5S_SCALAR));
    AttributeHandle attr(
        H5Acreate2(file.id(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
    char text[16] = {};
    std::fill(text, text + 16, pad == H5T_STR_SPACEPAD ? ' ' : '\0');
    std::copy_n("gd", 2, text);
    CHECK(H5Awrite(attr.get(), type.get(), text) >= 0);
  }
  CHECK(file.read_attribute<std::string>("fixed0") == "gd");
  CHECK(file.read_attribute<std::string>("fixed1") == "gd");
  CHECK(file.read_attribute<std::string>("fixed2") == "gd");
}
