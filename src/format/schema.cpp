#include "fasim/format/schema.hpp"

#include "fasim/config/config_values.hpp"
#include "fasim/parallel/error.hpp"

#include <algorithm>

namespace fasim::io::schema {

void check_schema_version(std::string_view version, const std::string& file) {
  // MAJOR.MINOR with MAJOR plain digits, read by the configuration's one number parser.
  const auto major = [](std::string_view text) -> long long {
    const auto dot = text.find('.');
    const auto digits = [](std::string_view part) {
      return !part.empty() &&
             std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (dot == std::string_view::npos || !digits(text.substr(0, dot))) return -1;
    return detail::parse_integer(text.substr(0, dot)).value_or(-1);
  };
  const long long ours = major(kSchemaVersion), theirs = major(version);
  if (theirs < 0)
    throw UsageError("'" + file + "': attribute " + kSchemaVersionAttribute + " = '" + std::string(version) +
                     "' is not MAJOR.MINOR; the file was altered or not written by fasim");
  if (theirs > ours)
    throw UsageError("'" + file + "' has schema_version " + std::string(version) +
                     ", newer than this fasim reads (" + std::to_string(ours) +
                     ".x): read it with the fasim that wrote it");
}

} // namespace fasim::io::schema
