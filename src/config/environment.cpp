#include "fasim/config/environment.hpp"

#include "fasim/config/config_values.hpp"
#include "fasim/parallel/error.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

namespace fasim::io {

parallel::FailureSettings failure_settings_from_environment(const EnvironmentLookup& lookup) {
  const auto get = [&](const char* name) -> std::string {
    const char* value = lookup ? lookup(name) : std::getenv(name);
    return value ? value : "";
  };
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

} // namespace fasim::io
