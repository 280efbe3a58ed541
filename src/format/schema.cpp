#include "fasim/format/schema.hpp"

#include "fasim/parallel/error.hpp"

#include <charconv>

namespace fasim::io::schema {

void check_schema_version(std::string_view version, const std::string& file) {
  const auto major = [](std::string_view text) -> long long {
    long long value = 0;
    const auto dot = text.find('.');
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && dot != std::string_view::npos && end == text.data() + dot && value >= 0
               ? value
               : -1;
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
