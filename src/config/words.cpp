#include "fasim/config/words.hpp"

#include "fasim/parallel/error.hpp"

namespace fasim::io::schema {

void refuse_unknown_word(const std::string& file, const std::string& attribute, std::string_view text,
                         const std::string& words) {
  throw UsageError(
      "'" + file + "': attribute " + attribute + " holds '" + std::string(text) +
      "', which this fasim does not know (it writes one of " + words +
      "); the file was written by a newer fasim or altered: read it with the fasim that wrote it");
}

} // namespace fasim::io::schema
