#pragma once
// The source tree, for tests that read a file of it (docs, fixtures): FASIM_SOURCE_DIR, which ctest sets,
// else the path the test target was built with (its CMake file defines FASIM_TEST_SOURCE_DIR), so the binary
// also runs outside ctest.
#include <cstdlib>
#include <string>

namespace fasim::testing {

inline std::string source_dir() {
  const char* env = std::getenv("FASIM_SOURCE_DIR");
  return env && *env ? env : FASIM_TEST_SOURCE_DIR;
}

} // namespace fasim::testing
