// fasim's settings from the environment (fasim/config/environment.hpp): FASIM_AGREE_TIMEOUT and FASIM_DEBUG
// (handed to the parallel layer) and FASIM_PROJECT_* (a dry run's projection) are read by the configuration's
// number parser; a bad value is one line naming the variable, its value and what to set.
#include "fasim/config/environment.hpp"
#include "test_config_support.hpp"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

using fasim::io::failure_settings_from_environment;

namespace {
fasim::parallel::FailureSettings from(const std::map<std::string, std::string>& env) {
  return failure_settings_from_environment([&](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

std::string refusal(const std::map<std::string, std::string>& env) {
  return fasim::testing::usage_error_of([&] { from(env); });
}
} // namespace

TEST_CASE("environment: FASIM_AGREE_TIMEOUT and FASIM_DEBUG, and their defaults") {
  CHECK(from({}).agree_timeout == 20.0);
  CHECK_FALSE(from({}).internal_details);
  CHECK(from({{"FASIM_AGREE_TIMEOUT", ""}}).agree_timeout == 20.0); // empty: as unset
  CHECK(from({{"FASIM_AGREE_TIMEOUT", "10"}}).agree_timeout == 10.0);
  CHECK(from({{"FASIM_AGREE_TIMEOUT", " 2.5 "}}).agree_timeout == 2.5);
  CHECK(from({{"FASIM_AGREE_TIMEOUT", "1e2"}}).agree_timeout == 100.0);
  CHECK(from({{"FASIM_DEBUG", "1"}}).internal_details);
  CHECK_FALSE(from({{"FASIM_DEBUG", "0"}}).internal_details);
  CHECK_FALSE(from({{"FASIM_DEBUG", ""}}).internal_details);
}

TEST_CASE("environment: a FASIM_AGREE_TIMEOUT that is not a number of seconds above 0 is refused") {
  for (const std::string bad : {"abc", "10s", "1e", "0", "-5", "nan", "inf"}) {
    const std::string why = refusal({{"FASIM_AGREE_TIMEOUT", bad}});
    INFO("FASIM_AGREE_TIMEOUT=" << bad << ": " << why);
    CHECK(why.find("FASIM_AGREE_TIMEOUT='" + bad + "'") != std::string::npos);
    CHECK(why.find("unset it") != std::string::npos);
    CHECK(why.find('\n') == std::string::npos);
  }
}

namespace {
fasim::io::ProjectionSettings machine(const std::map<std::string, std::string>& env) {
  return fasim::io::projection_settings_from_environment([&](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}
} // namespace

TEST_CASE("environment: FASIM_PROJECT_RANKS_PER_NODE and FASIM_PROJECT_GFLOPS, and what unset means") {
  CHECK(machine({}).ranks_per_node == 0); // 0: this machine's, measured
  CHECK(machine({}).gflops == 0.0);
  CHECK(machine({{"FASIM_PROJECT_RANKS_PER_NODE", ""}, {"FASIM_PROJECT_GFLOPS", " "}}).gflops == 0.0);
  CHECK(machine({{"FASIM_PROJECT_RANKS_PER_NODE", "64"}}).ranks_per_node == 64);
  CHECK(machine({{"FASIM_PROJECT_GFLOPS", " 40 "}}).gflops == 40.0);
  CHECK(machine({{"FASIM_PROJECT_GFLOPS", "2.5e1"}}).gflops == 25.0);
  CHECK(machine({}).ranks == 0); // 0: the ranks started
  CHECK(machine({{"FASIM_PROJECT_RANKS", " 65536 "}}).ranks == 65536);
  CHECK(machine({{"FASIM_PROJECT_RANKS_PER_NODE", "64"}}).ranks == 0);
}

TEST_CASE("environment: a bad FASIM_PROJECT_* value is refused, not replaced by this machine's") {
  const auto refused = [](const std::map<std::string, std::string>& env) {
    return fasim::testing::usage_error_of([&] { machine(env); });
  };
  const std::pair<std::string, std::vector<std::string>> cases[] = {
      {"FASIM_PROJECT_RANKS_PER_NODE", {"abc", "0", "-4", "2.5", "64x", "1e12"}},
      {"FASIM_PROJECT_GFLOPS", {"fast", "0", "-40", "nan", "inf", "40GF"}},
      {"FASIM_PROJECT_RANKS", {"many", "0", "-2", "1.5", "16777217", "4k"}}};
  for (const auto& [name, values] : cases)
    for (const std::string& bad : values) {
      const std::string why = refused({{name, bad}});
      INFO(name << "=" << bad << ": " << why);
      CHECK(why.find(name + "='" + bad + "'") != std::string::npos);
      CHECK(why.find("unset it") != std::string::npos);
      CHECK(why.find('\n') == std::string::npos);
    }
}

TEST_CASE("environment: FASIM_PROGRESS is bar, lines or unset; any other word is refused") {
  using fasim::io::ProgressStyle;
  const auto style = [](const char* value) {
    return fasim::io::progress_style_from_environment([&](const char* name) -> const char* {
      return std::string(name) == "FASIM_PROGRESS" ? value : nullptr;
    });
  };
  CHECK(style(nullptr) == ProgressStyle::Auto);
  CHECK(style("") == ProgressStyle::Auto);
  CHECK(style("bar") == ProgressStyle::Bar);
  CHECK(style(" lines ") == ProgressStyle::Lines);
  for (const char* bad : {"Bar", "line", "yes", "1"}) {
    const std::string message = fasim::testing::usage_error_of([&] { style(bad); });
    CAPTURE(bad);
    CHECK(message.find("FASIM_PROGRESS='" + std::string(bad) + "'") != std::string::npos);
    CHECK(message.find("unset it") != std::string::npos);
  }
}
