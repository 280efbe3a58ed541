#include "fasim/files/path_limits.hpp"

#include "fasim/files/safe_files.hpp"
#include "fasim/parallel/error.hpp"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <filesystem>

namespace fasim::io {

namespace fs = std::filesystem;

namespace {
constexpr std::size_t kLockBytes = sizeof ".lock" - 1;

// ".<16 hex digits>.tmp", as fresh_temporary_name() makes them.
std::size_t temporary_bytes() {
  static const std::size_t bytes = fresh_temporary_name("").size();
  return bytes;
}

// pathconf() of the directory `path` goes to, or of its nearest existing ancestor; `fallback` when none
// answers (the limit is then the POSIX one this build was compiled with).
long limit_of(const fs::path& path, int name, long fallback) {
  fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  while (!fs::is_directory(dir, ec) && dir.has_parent_path() && dir.parent_path() != dir)
    dir = dir.parent_path();
  errno = 0;
  const long v = ::pathconf(dir.c_str(), name);
  return v > 0 ? v : fallback;
}
} // namespace

std::size_t result_suffix_bytes() {
  return std::max(temporary_bytes(), kLockBytes);
}

std::size_t checkpoint_suffix_bytes(int keep) {
  const std::size_t generation = 1 + std::to_string(std::max(keep - 1, 1)).size();
  return std::max(temporary_bytes(), generation);
}

void check_name_fits(const std::string& path, std::size_t suffix_bytes, const std::string& what) {
  const fs::path p(path);
  const std::size_t name = p.filename().native().size();
  const long name_max = limit_of(p, _PC_NAME_MAX, NAME_MAX);
  if (name + suffix_bytes > static_cast<std::size_t>(name_max))
    throw UsageError(
        what + " '" + path + "': its file name is " + std::to_string(name) +
        " bytes and fasim appends up to " + std::to_string(suffix_bytes) +
        " to it (lock, temporary and checkpoint names), over this file system's NAME_MAX of " +
        std::to_string(name_max) + " bytes; shorten the name to at most " +
        std::to_string(static_cast<std::size_t>(name_max) - std::min<std::size_t>(suffix_bytes, name_max)) +
        " bytes; nothing was written");
  // PATH_MAX counts the terminating NUL; the path is used as given and, by HDF5 and in messages, made
  // absolute.
  const long path_max = limit_of(p, _PC_PATH_MAX, PATH_MAX);
  std::error_code ec;
  const std::size_t longest = std::max(path.size(), fs::absolute(p, ec).native().size()) + suffix_bytes;
  if (longest + 1 > static_cast<std::size_t>(path_max))
    throw UsageError(what + " '" + path + "': the path, made absolute and with fasim's suffixes (up to " +
                     std::to_string(suffix_bytes) + " bytes), is " + std::to_string(longest) +
                     " bytes, over this file system's PATH_MAX of " + std::to_string(path_max) +
                     " bytes (with its terminating NUL); choose a shorter path; nothing was written");
}

} // namespace fasim::io
