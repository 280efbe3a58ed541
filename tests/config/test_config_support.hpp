#pragma once
// Helpers for the configuration tests: temporary INI files and "this must be refused, naming that key".
#include "fasim/config/config.hpp"
#include "fasim/parallel/error.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace fasim::testing {

/// An INI file in the temp directory, removed when the test ends.
class TempIni {
public:
  explicit TempIni(const std::string& text, const std::string& tag = "cfg") {
    static int counter = 0;
    path_ =
        (std::filesystem::temp_directory_path() /
         ("fasim-test-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + ".ini"))
            .string();
    std::ofstream(path_) << text;
  }
  ~TempIni() { std::filesystem::remove(path_); }
  TempIni(const TempIni&) = delete;
  TempIni& operator=(const TempIni&) = delete;
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

/// The UsageError message of calling `body`, or "" when it was accepted.
template <class Body> std::string usage_error_of(Body&& body) {
  try {
    body();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

/// The UsageError message of parsing ini + overrides, or "" when it was accepted.
inline std::string refusal(const std::string& ini, const std::vector<std::string>& overrides = {}) {
  return usage_error_of([&] { io::parse_config_text(ini, overrides); });
}

/// Checks that the configuration is refused with a one-line message containing every needle.
inline void check_refused(const std::string& ini, const std::vector<std::string>& overrides,
                          const std::vector<std::string>& needles) {
  const std::string message = refusal(ini, overrides);
  INFO("ini: " << ini);
  INFO("message: " << message);
  REQUIRE_MESSAGE(!message.empty(), "configuration was accepted but must be refused");
  CHECK(message.find('\n') == std::string::npos);
  for (const auto& needle : needles) CHECK_MESSAGE(message.find(needle) != std::string::npos, needle);
}

} // namespace fasim::testing
