#pragma once
// Scratch space for the HDF5 tests: a fresh directory whose name rank 0 picks and broadcasts, removed (with
// everything in it) when the test case ends. Declare it before any File so files close before it goes.
#include "fasim/parallel/communicator.hpp"

#include <filesystem>
#include <string>
#include <unistd.h>

namespace fasim::testing {

class ScratchDir {
public:
  ScratchDir() {
    static int counter = 0;
    std::string name;
    if (world_.rank() == 0) {
      const auto dir = std::filesystem::temp_directory_path() /
                       ("fasim-hdf5-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter));
      std::filesystem::create_directories(dir);
      name = dir.string();
    }
    ++counter;
    world_.broadcast(name, 0);
    dir_ = name;
    world_.barrier();
  }
  ~ScratchDir() {
    world_.barrier();
    std::error_code ignored;
    if (world_.rank() == 0) std::filesystem::remove_all(dir_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::string file(const std::string& name) const { return (dir_ / name).string(); }

private:
  parallel::Communicator world_ = parallel::Communicator::world();
  std::filesystem::path dir_;
};

} // namespace fasim::testing
