// A copy of a complete file kept aside while it is changed in place (fasim/files/publish.hpp).
#include "fasim/files/publish.hpp"

#include "fasim/parallel/error.hpp"
#include "fasim/parallel/storage_faults.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fasim::io {

std::string copy_aside(const std::string& path) {
  const std::string copy = stage_locally(path);
  const auto fail = [&](const char* doing, int error) {
    ::unlink(copy.c_str());
    std::string cause = parallel::storage_error_in_words(error);
    if (cause.empty()) cause = std::strerror(error);
    throw Error("cannot keep a copy of complete result '" + path + "' beside it while continuing it (" +
                doing + " the copy): " + cause + "; the result is untouched: free space, then continue it");
  };
  const int in = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0) throw Error("cannot read result file '" + path + "': " + std::strerror(errno));
  const int out = ::open(copy.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (out < 0) {
    const int error = errno;
    ::close(in);
    const std::string words = parallel::storage_error_in_words(error);
    throw Error("cannot keep a copy of complete result '" + path +
                "' beside it while continuing it (creating '" + copy +
                "'): " + (words.empty() ? std::strerror(error) : words) +
                "; the result is untouched: free space, then continue it");
  }
  struct stat st {};
  ::fstat(in, &st);
  ::fchmod(out, st.st_mode & 07777);
  for (;;) {
    const ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, std::size_t{1} << 30, 0);
    if (n == 0) break;
    if (n > 0) continue;
    const int error = errno;
    if (error == EXDEV || error == ENOSYS || error == EINVAL) { // no in-kernel copy here: read and write
      char buffer[1 << 16];
      ssize_t r;
      while ((r = ::read(in, buffer, sizeof buffer)) > 0)
        for (ssize_t done = 0; done < r;) {
          const ssize_t w = ::write(out, buffer + done, static_cast<std::size_t>(r - done));
          if (w < 0) {
            const int werror = errno;
            ::close(in), ::close(out);
            fail("writing", werror);
          }
          done += w;
        }
      if (r == 0) break;
    }
    const int copy_error = errno;
    ::close(in), ::close(out);
    fail("writing", copy_error);
  }
  ::close(in);
  if (::close(out) != 0) fail("closing", errno);
  return copy;
}

bool restore_copy(const std::string& copy, const std::string& path) {
  try {
    publish_locally(copy, path, Publish::Replace, "result file");
    return true;
  } catch (const Error&) {
    return false;
  }
}

} // namespace fasim::io
