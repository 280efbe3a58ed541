#include "fasim/io/schema.hpp"

namespace fasim::io::schema {

const char* to_string(FileStatus status) {
  switch (status) {
  case FileStatus::Running:
    return "running";
  case FileStatus::Checkpointed:
    return "checkpointed";
  case FileStatus::Failed:
    return "failed";
  case FileStatus::Complete:
    return "complete";
  }
  return "?";
}

std::optional<FileStatus> parse_file_status(std::string_view text) {
  for (FileStatus s :
       {FileStatus::Running, FileStatus::Checkpointed, FileStatus::Failed, FileStatus::Complete})
    if (text == to_string(s)) return s;
  return std::nullopt;
}

} // namespace fasim::io::schema
