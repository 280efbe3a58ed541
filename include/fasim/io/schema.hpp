#pragma once
// The names and enumerated values of fasim's files that more than one reader or writer uses
// (docs/output-format.md is their documentation; keep both in step).
#include <optional>
#include <string>
#include <string_view>

namespace fasim::io::schema {

/// Root attribute of result files, checkpoints and collect summaries: "MAJOR.MINOR". A reader refuses a newer
/// MAJOR; files written before it existed are 1.0.
inline constexpr const char* kSchemaVersionAttribute = "schema_version";
inline constexpr const char* kSchemaVersion = "1.0";

/// Root attributes of a result file that the lifecycle reads.
inline constexpr const char* kStatus = "status";
inline constexpr const char* kRunId = "run_id";
inline constexpr const char* kConfig = "config";
inline constexpr const char* kHistory = "history"; ///< one line per run, resume, continuation, failure
inline constexpr const char* kError = "error";     ///< the failure's message (status failed)

/// The root attribute `status` of a result file.
enum class FileStatus {
  Running,      ///< a process is writing it, or one was killed while writing it
  Checkpointed, ///< stopped by a signal after writing a checkpoint: resume it
  Failed,       ///< the run failed; `error` says why
  Complete      ///< every algorithm ran to its last step or stopped early
};
const char* to_string(FileStatus status);
std::optional<FileStatus> parse_file_status(std::string_view text);

} // namespace fasim::io::schema
