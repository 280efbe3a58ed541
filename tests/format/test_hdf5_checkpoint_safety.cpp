// The safety rules of the files a run writes: exclusive temporaries, the result lock, checkpoint digests.
#include "hdf5_test_support.hpp"
#include "test_support.hpp"

#include "fasim/files/output_lock.hpp"
#include "fasim/files/publish.hpp"
#include "fasim/files/safe_files.hpp"
#include "fasim/format/checkpoint.hpp"
#include "fasim/parallel/error.hpp"
#include "fasim/parallel/process_grid.hpp"

#include <doctest/doctest.h>
#include <hdf5.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace fasim;
using fasim::testing::ScratchDir;

namespace {
std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

io::Checkpoint small_checkpoint(const parallel::GridPtr& grid, std::uint64_t seed, long long step) {
  io::Checkpoint ck;
  ck.config_ini = "[run]\nsteps = 10\n";
  ck.run_id = "0123456789abcdef0123456789abcdef";
  ck.step = step;
  io::CheckpointAlgorithm alg;
  alg.state.z = testing::random_matrix(grid, 12, 3, 4, seed);
  alg.state.w = testing::random_matrix(grid, 3, 9, 4, seed + 1);
  model::MetricRow row;
  row.scalars.fill(0.5);
  alg.rows = {row, row};
  ck.algorithms.push_back(std::move(alg));
  return ck;
}

// Flips one byte of dataset `name`'s raw data in the file (rank 0, the file closed everywhere).
void flip_byte_of(const std::string& path, const std::string& name) {
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t d = H5Dopen2(f, name.c_str(), H5P_DEFAULT);
  const haddr_t offset = H5Dget_offset(d);
  H5Dclose(d);
  H5Fclose(f);
  REQUIRE(offset != HADDR_UNDEF);
  std::fstream io(path, std::ios::in | std::ios::out | std::ios::binary);
  io.seekg(static_cast<std::streamoff>(offset + 40));
  char c = 0;
  io.read(&c, 1);
  c = static_cast<char>(c ^ 0x10);
  io.seekp(static_cast<std::streamoff>(offset + 40));
  io.write(&c, 1);
}
} // namespace

TEST_CASE("fresh temporary names are unpredictable and only our own leftovers are tidied") {
  ScratchDir dir;
  const auto world = parallel::Communicator::world();
  if (world.rank() != 0) return;
  const std::string target = dir.file("r.h5.ckpt");
  const std::string a = io::fresh_temporary_name(target), b = io::fresh_temporary_name(target);
  CHECK(a != b);
  CHECK(a.rfind(target + ".", 0) == 0);
  std::ofstream(a) << "leftover";
  const std::string victim = dir.file("victim.txt");
  std::ofstream(victim) << "keep me";
  // A link that looks like a leftover: removing the link is harmless, but its target must stay.
  const std::string link = target + ".0123456789abcdef.tmp";
  std::filesystem::create_symlink(victim, link);
  const std::string other = dir.file("notes.txt.0123456789abcdef.tmp");
  std::ofstream(other) << "someone else's";
  io::remove_stale_temporaries(target);
  CHECK_FALSE(std::filesystem::exists(a));
  CHECK(std::filesystem::is_symlink(link)); // not a regular file: left alone
  CHECK(read_all(victim) == "keep me");
  CHECK(std::filesystem::exists(other));
}

TEST_CASE("a second writer is refused while the lock is held, and the lock file is never followed") {
  ScratchDir dir;
  const auto world = parallel::Communicator::world();
  if (world.rank() != 0) return;
  const std::string result = dir.file("out.h5");
  {
    const io::OutputLock held = io::OutputLock::acquire(result);
    CHECK(held.held());
    CHECK(io::lock_holder(result).find("pid " + std::to_string(::getpid())) != std::string::npos);
    try {
      io::OutputLock::acquire(result);
      FAIL("a second lock was granted");
    } catch (const UsageError& e) {
      CHECK(std::string(e.what()).find("being written by another fasim process") != std::string::npos);
    }
  }
  CHECK(io::lock_holder(result).empty());
  CHECK_FALSE(std::filesystem::exists(io::lock_path_of(result))); // removed when released
  // A planted link at the lock path: refused, the victim untouched.
  const std::string victim = dir.file("victim.txt");
  std::ofstream(victim) << "keep me";
  std::filesystem::create_symlink(victim, io::lock_path_of(result));
  CHECK_THROWS_AS(io::OutputLock::acquire(result), UsageError);
  CHECK(read_all(victim) == "keep me");
}

TEST_CASE("require_own_regular_file refuses links and directories") {
  ScratchDir dir;
  const auto world = parallel::Communicator::world();
  if (world.rank() != 0) return;
  const std::string file = dir.file("f.h5"), link = dir.file("l.h5");
  std::ofstream(file) << "x";
  std::filesystem::create_symlink(file, link);
  CHECK_NOTHROW(io::require_own_regular_file(file, "result file"));
  CHECK_THROWS_AS(io::require_own_regular_file(link, "result file"), UsageError);
  CHECK_THROWS_AS(io::require_own_regular_file(dir.file(""), "result file"), UsageError);
  CHECK_THROWS_AS(io::require_own_regular_file(dir.file("missing"), "result file"), UsageError);
  CHECK(io::same_destination(link, file));
  CHECK(io::same_destination(dir.file("a/../f.h5"), file));
  CHECK_FALSE(io::same_destination(dir.file("g.h5"), file));
}

TEST_CASE("a damaged checkpoint is refused naming the dataset and the previous good generation") {
  ScratchDir dir;
  const auto world = parallel::Communicator::world();
  for (auto [p, q] : testing::grid_shapes()) {
    const auto grid = parallel::ProcessGrid::create(world, p, q);
    if (!grid->active()) continue;
    const auto& gc = grid->grid_comm();
    const std::string path = dir.file(std::to_string(10 * p + q) + ".ckpt");
    io::write_checkpoint(path, gc, small_checkpoint(grid, 1, 100), 0, 3);
    io::write_checkpoint(path, gc, small_checkpoint(grid, 2, 200), 0, 3);
    // Read back on this grid: the digests match and the data are the ones written.
    const io::Checkpoint back = io::read_checkpoint(path, gc, grid, 5, 12, 9, 3, 0);
    CHECK(back.step == 200);
    CHECK(back.run_id == "0123456789abcdef0123456789abcdef");
    CHECK(testing::dense(back.algorithms[0].state.z).v ==
          testing::dense(testing::random_matrix(grid, 12, 3, 5, 2)).v);
    gc.barrier();
    if (gc.rank() == 0) flip_byte_of(path, "/algorithms/0/Z");
    gc.barrier();
    try {
      io::read_checkpoint(path, gc, grid, 4, 12, 9, 3, 0);
      FAIL("a damaged checkpoint was accepted");
    } catch (const CollectiveError& e) {
      const std::string what = e.what();
      CHECK_MESSAGE(what.find("/algorithms/0/Z") != std::string::npos, what);
      CHECK_MESSAGE(what.find(path + ".1' (step 100)") != std::string::npos, what);
    }
    CHECK(io::read_checkpoint(path + ".1", gc, grid, 4, 12, 9, 3, 0).step == 100);
  }
}

TEST_CASE(
    "kp's learned B is checkpointed with its digest; a checkpoint of rows of another width is refused as "
    "another fasim's, not as damage") {
  ScratchDir dir;
  const auto world = parallel::Communicator::world();
  for (auto [p, q] : testing::grid_shapes()) {
    const auto grid = parallel::ProcessGrid::create(world, p, q);
    if (!grid->active()) continue;
    const auto& gc = grid->grid_comm();
    const std::string path = dir.file("kp" + std::to_string(10 * p + q) + ".ckpt");
    io::Checkpoint ck = small_checkpoint(grid, 3, 100);
    ck.algorithms[0].state.b = testing::random_matrix(grid, 3, 9, 4, 9);
    io::write_checkpoint(path, gc, ck, 0, 3);
    const io::Checkpoint back = io::read_checkpoint(path, gc, grid, 5, 12, 9, 3, 0);
    REQUIRE(back.algorithms[0].state.has_feedback());
    CHECK(testing::dense(back.algorithms[0].state.b).v == testing::dense(ck.algorithms[0].state.b).v);
    gc.barrier();
    if (gc.rank() == 0) flip_byte_of(path, "/algorithms/0/B");
    gc.barrier();
    CHECK_THROWS_WITH_AS(io::read_checkpoint(path, gc, grid, 4, 12, 9, 3, 0),
                         doctest::Contains("/algorithms/0/B"), fasim::Error);
    // Read as by a fasim recording one more value per row (here: a probe): its metrics differ.
    io::write_checkpoint(path, gc, small_checkpoint(grid, 3, 100), 0, 3);
    CHECK_THROWS_WITH_AS(io::read_checkpoint(path, gc, grid, 4, 12, 9, 3, 1),
                         doctest::Contains("values per trajectory row, this fasim"), fasim::Error);
  }
}

TEST_CASE("a checkpoint is created exclusively: a link planted at its old temporary name is not followed") {
  ScratchDir dir;
  const auto world = parallel::Communicator::world();
  const auto grid = parallel::ProcessGrid::create(world, 1, 1);
  const std::string path = dir.file("o.h5.ckpt"), victim = dir.file("victim.txt");
  if (world.rank() == 0) {
    std::ofstream(victim) << "twelve bytes";
    std::filesystem::create_symlink(victim, path + ".tmp");
  }
  world.barrier();
  if (grid->active()) io::write_checkpoint(path, grid->grid_comm(), small_checkpoint(grid, 3, 7), 0, 2);
  world.barrier();
  if (world.rank() == 0) {
    CHECK(read_all(victim) == "twelve bytes");
    CHECK(std::filesystem::is_symlink(path + ".tmp"));
    CHECK_FALSE(std::filesystem::is_symlink(path));
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & S_IWOTH) == 0);
  }
}

TEST_CASE("a ring generation deleted while the ring rotates is not taken for a foreign file") {
  // A user's rm -rf of the output directory can remove a generation between the rotation's "is something
  // there?" and its reading: that is a deletion (reported as such by the publication), not a planted file.
  ScratchDir dir;
  const auto world = parallel::Communicator::world();
  if (world.rank() != 0) return;
  const auto self = parallel::Communicator::borrow(MPI_COMM_SELF);
  const std::string ck = dir.file("r.h5.ckpt");
  for (const std::string& name : {ck, ck + ".1", ck + ".2"}) std::ofstream(name) << name;
  const std::string staged = io::stage_locally(ck);
  std::ofstream(staged) << "new";
  const auto deleted_while_read = [](const std::string& path) {
    std::filesystem::remove(path);
    return false; // what reading a file that vanished says
  };
  io::publish_into_ring(self, staged, ck, 3, deleted_while_read, "checkpoint", "output.checkpoint_file");
  CHECK(read_all(ck) == "new");
  CHECK(read_all(ck + ".1") == ck);
  CHECK(read_all(ck + ".2") == ck + ".1");
  // A file that is there and is not a generation is still refused, and kept.
  const std::string again = io::stage_locally(ck);
  std::ofstream(again) << "newer";
  try {
    io::publish_into_ring(
        self, again, ck, 3, [](const std::string&) { return false; }, "checkpoint", "output.checkpoint_file");
    FAIL("a foreign file at a ring path was replaced");
  } catch (const std::exception& e) {
    CHECK(std::string(e.what()).find("holds a file that is not a checkpoint of yours") != std::string::npos);
  }
  CHECK(read_all(ck + ".2") == ck + ".1");
  std::filesystem::remove(again);
}

TEST_CASE("a rename whose temporary or directory was deleted by someone else says so") {
  // faults_e2e's rm -rf of the output directory can land between a checkpoint's write and its rename.
  ScratchDir dir;
  const auto world = parallel::Communicator::world();
  if (world.rank() != 0) return;
  const auto message = [](const std::string& from, const std::string& to) {
    try {
      io::rename_over(from, to, "checkpoint");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string gone = message(dir.file("r.ckpt.tmp"), dir.file("r.ckpt"));
  CHECK(gone.find("the temporary was deleted by something else") != std::string::npos);
  std::ofstream(dir.file("s.tmp")) << "x";
  const std::string no_dir = message(dir.file("s.tmp"), dir.file("removed/s"));
  CHECK(no_dir.find("its directory '" + dir.file("removed") + "' was deleted or moved") != std::string::npos);
}
