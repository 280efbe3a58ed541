#include "write_cause.hpp"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

namespace fasim::parallel::detail {

namespace {
constexpr long long kProbeLimit = 1 << 20; // at most this much is written by the probe

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}
} // namespace

int cause_of_failed_write(const std::string& path, long long missing) {
  if (path.empty()) return 0;
  const std::string directory = directory_of(path);
  const long long want = std::clamp(missing, 1LL, kProbeLimit);
  const int fd = ::open(directory.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
  if (fd >= 0) {
    const std::vector<char> zeros(static_cast<std::size_t>(want), 0);
    int error = 0;
    for (long long done = 0; done < want;) {
      const ssize_t n = ::pwrite(fd, zeros.data() + done, static_cast<std::size_t>(want - done), done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error = n < 0 ? errno : ENOSPC;
        break;
      }
      done += n;
    }
    if (error == 0 && ::fsync(fd) != 0) error = errno;
    ::close(fd);
    return error;
  }
  struct statvfs fs {};
  if (::statvfs(directory.c_str(), &fs) == 0 &&
      static_cast<long long>(fs.f_bavail) * static_cast<long long>(fs.f_frsize) < want)
    return ENOSPC;
  return 0;
}

} // namespace fasim::parallel::detail
