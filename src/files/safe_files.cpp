#include "fasim/files/safe_files.hpp"

#include "fasim/parallel/error.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace fasim::io {

namespace fs = std::filesystem;

namespace {
constexpr const char* kTemporarySuffix = ".tmp";

std::string random_hex16() {
  unsigned char bytes[8];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw Error(std::string("cannot draw a random file name: getrandom failed: ") + std::strerror(errno));
    got += static_cast<std::size_t>(n);
  }
  char hex[17];
  for (int i = 0; i < 8; ++i) std::snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
  return hex;
}

fs::path directory_of(const std::string& path) {
  const fs::path p(path);
  return p.has_parent_path() ? p.parent_path() : fs::path(".");
}

/// open(2) + fsync(2) + close(2); `accept_einval` lets file systems that cannot sync this kind of object
/// pass.
void open_and_sync(const std::string& path, int flags, const std::string& what, bool accept_einval) {
  const auto fail = [&](const char* call) {
    const int error = errno;
    throw Error("cannot fsync " + what + " '" + path + "': " + call + " failed: " + std::strerror(error));
  };
  int fd;
  do fd = ::open(path.c_str(), flags | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) fail("open");
  if (::fsync(fd) != 0 && !(accept_einval && errno == EINVAL)) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    fail("fsync");
  }
  // A close error after a successful fsync can still report a deferred write error (NFS).
  if (::close(fd) != 0 && errno != EINTR) fail("close");
}
} // namespace

std::string random_token() {
  return random_hex16();
}

std::string fresh_temporary_name(const std::string& target) {
  return target + "." + random_hex16() + kTemporarySuffix;
}

std::vector<std::string> remove_stale_temporaries(const std::string& target) {
  const fs::path dir = directory_of(target);
  const std::string base = fs::path(target).filename().string();
  std::vector<std::string> removed;
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  if (ec) return removed; // nothing to tidy in a directory we cannot list
  for (; it != end; it.increment(ec)) {
    if (ec) return removed;
    const std::string name = it->path().filename().string();
    if (name.size() != base.size() + 1 + 16 + 4 || name.compare(0, base.size() + 1, base + ".") != 0 ||
        !name.ends_with(kTemporarySuffix))
      continue;
    const std::string hex = name.substr(base.size() + 1, 16);
    if (hex.find_first_not_of("0123456789abcdef") != std::string::npos) continue;
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid())
      if (::unlink(it->path().c_str()) == 0) removed.push_back(it->path().string());
  }
  return removed;
}

void create_parent_directories(const std::string& path, const std::string& what) {
  const fs::path dir = directory_of(path);
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw UsageError("cannot create the directory '" + dir.string() + "' of " + what + " '" + path +
                     "': " + (ec ? ec.message() : "a file is in the way") +
                     "; choose a path in a directory you can write");
}

void require_own_regular_file(const std::string& path, const std::string& what) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    throw UsageError(what + " '" + path + "' cannot be used: " + std::strerror(errno));
  if (S_ISLNK(st.st_mode))
    throw UsageError(what + " '" + path + "' is a symbolic link; fasim writes only into regular files it " +
                     "created: give the path of the file itself");
  if (!S_ISREG(st.st_mode)) throw UsageError(what + " '" + path + "' is not a regular file");
  if (st.st_uid != ::geteuid())
    throw UsageError(what + " '" + path + "' belongs to another user (uid " + std::to_string(st.st_uid) +
                     "); fasim writes only into your own files: copy it first");
}

void rename_over(const std::string& from, const std::string& to, const std::string& what) {
  if (std::rename(from.c_str(), to.c_str()) != 0) {
    const int error = errno;
    if (error == ENOENT) {
      // Our own temporary or the directory vanished: something is deleting files there (a user's rm -rf of
      // the output directory mid-run). Name that cause; "no such file" alone reads like fasim's own mistake.
      const fs::path dir = directory_of(to);
      std::error_code ec;
      const std::string cause = fs::is_directory(dir, ec)
                                    ? "the temporary was deleted by something else before it could be renamed"
                                    : "its directory '" + dir.string() + "' was deleted or moved";
      throw Error("cannot rename " + what + " '" + from + "' to '" + to + "': " + cause +
                  "; make sure nothing removes files in '" + dir.string() + "' while fasim writes there");
    }
    throw Error("cannot rename " + what + " '" + from + "' to '" + to + "': " + std::strerror(error) +
                "; check that the directory exists and is writable");
  }
  sync_directory(directory_of(to).string(), "the directory of " + what);
}

void link_new(const std::string& from, const std::string& to, const std::string& what) {
  if (::link(from.c_str(), to.c_str()) != 0) {
    const int error = errno;
    if (error == EEXIST)
      throw UsageError(what + " '" + to +
                       "' appeared while this run was creating it (another process wrote it); " +
                       "choose another output.file");
    throw Error("cannot link " + what + " '" + from + "' to '" + to + "': " + std::strerror(error) +
                "; check that the directory exists and is writable");
  }
  if (::unlink(from.c_str()) != 0) {
    const int error = errno;
    throw Error("cannot remove the temporary name '" + from + "' of " + what + " '" + to +
                "': " + std::strerror(error));
  }
  sync_directory(directory_of(to).string(), "the directory of " + what);
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {
  }, sb{};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

bool same_destination(const std::string& a, const std::string& b) {
  if (same_file(a, b)) return true;
  std::error_code ea, eb;
  const fs::path ca = fs::weakly_canonical(fs::absolute(a), ea),
                 cb = fs::weakly_canonical(fs::absolute(b), eb);
  return !ea && !eb && ca == cb;
}

void sync_file(const std::string& path, const std::string& what) {
  open_and_sync(path, O_RDWR, what, false);
}

void sync_directory(const std::string& directory, const std::string& what) {
  open_and_sync(directory.empty() ? "." : directory, O_RDONLY | O_DIRECTORY, what, true);
}

} // namespace fasim::io
