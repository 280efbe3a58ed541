#include "fasim/config/environment.hpp"

#include "fasim/config/config_values.hpp"
#include "fasim/parallel/error.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

namespace fasim::io {

namespace {
std::string value_of(const EnvironmentLookup& lookup, const char* name) {
  const char* value = lookup ? lookup(name) : std::getenv(name);
  return value ? value : "";
}
} // namespace

parallel::FailureSettings failure_settings_from_environment(const EnvironmentLookup& lookup) {
  const auto get = [&](const char* name) { return value_of(lookup, name); };
  parallel::FailureSettings s;
  if (const std::string text = get("FASIM_AGREE_TIMEOUT"); !trim(text).empty()) {
    const auto seconds = detail::parse_number(trim(text));
    if (!seconds || !std::isfinite(*seconds) || *seconds <= 0)
      throw UsageError("environment variable FASIM_AGREE_TIMEOUT='" + text +
                       "' is not a number of seconds above 0: set it to one (the default is " +
                       detail::format_number(s.agree_timeout) + "), or unset it");
    s.agree_timeout = *seconds;
  }
  const std::string debug = get("FASIM_DEBUG");
  s.internal_details = !debug.empty() && debug != "0";
  return s;
}

ProjectionSettings projection_settings_from_environment(const EnvironmentLookup& lookup) {
  ProjectionSettings s;
  const char* ranks = "FASIM_PROJECT_RANKS_PER_NODE";
  if (const std::string text = value_of(lookup, ranks); !trim(text).empty()) {
    const auto n = detail::parse_integer(trim(text));
    if (!n || *n <= 0 || *n > 1000000)
      throw UsageError(std::string("environment variable ") + ranks + "='" + text +
                       "' is not a whole number of ranks per node above 0: set it to one (unset, the ranks "
                       "per node of this run are used), or unset it");
    s.ranks_per_node = static_cast<int>(*n);
  }
  const char* gflops = "FASIM_PROJECT_GFLOPS";
  if (const std::string text = value_of(lookup, gflops); !trim(text).empty()) {
    const auto rate = detail::parse_number(trim(text));
    if (!rate || !std::isfinite(*rate) || *rate <= 0)
      throw UsageError(std::string("environment variable ") + gflops + "='" + text +
                       "' is not a DGEMM rate in GFLOP/s above 0: set it to one (unset, the rate measured "
                       "here is used), or unset it");
    s.gflops = *rate;
  }
  const char* projected = "FASIM_PROJECT_RANKS";
  if (const std::string text = value_of(lookup, projected); !trim(text).empty()) {
    const auto n = detail::parse_integer(trim(text));
    if (!n || *n <= 0 || *n > (1LL << 24))
      throw UsageError(std::string("environment variable ") + projected + "='" + text +
                       "' is not a whole number of ranks from 1 to 16777216: set it to one (unset, the "
                       "ranks started are used), or unset it");
    s.ranks = static_cast<int>(*n);
  }
  return s;
}

ProgressStyle progress_style_from_environment(const EnvironmentLookup& lookup) {
  const std::string text = value_of(lookup, "FASIM_PROGRESS");
  const std::string word = trim(text);
  if (word.empty()) return ProgressStyle::Auto;
  if (word == "bar") return ProgressStyle::Bar;
  if (word == "lines") return ProgressStyle::Lines;
  throw UsageError(
      "environment variable FASIM_PROGRESS='" + text +
      "' is neither 'bar' (progress rewritten in place) nor 'lines' (plain lines): set one of them, "
      "or unset it to let fasim choose");
}

} // namespace fasim::io
