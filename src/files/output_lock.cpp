#include "fasim/files/output_lock.hpp"

#include "fasim/parallel/error.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <iostream>

namespace fasim::io {

namespace {
struct flock whole_file(short type) {
  struct flock lk {};
  lk.l_type = type;
  lk.l_whence = SEEK_SET;
  lk.l_start = 0;
  lk.l_len = 0; // to the end, however long
  return lk;
}

std::string read_holder(int fd) {
  char buf[256] = {0};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string text = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  return text.empty() ? "an unknown process" : text;
}

std::string holder_text() {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return std::string("host ") + host + ", pid " + std::to_string(::getpid()) + ", since " + when;
}

// Locking that the file system does not offer (some Lustre and NFS mounts): warned about, not fatal.
bool unsupported(int error) {
  return error == ENOLCK || error == EOPNOTSUPP || error == ENOSYS || error == EINVAL;
}
} // namespace

std::string lock_path_of(const std::string& result_path) {
  return result_path + ".lock";
}

OutputLock OutputLock::acquire(const std::string& result_path) {
  const std::string path = lock_path_of(result_path);
  // The previous holder unlinks the lock file when it is done; a process that opened the old file just then
  // locks an unlinked inode, notices that the path names another file now, and tries again.
  for (int attempt = 0; attempt < 16; ++attempt) {
    int fd;
    do fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
      const int error = errno;
      throw UsageError(
          "cannot open the lock file '" + path + "' of result file '" + result_path +
          "': " + (error == ELOOP ? std::string("it is a symbolic link (remove it)") : std::strerror(error)) +
          "; check that the directory is writable");
    }
    OutputLock lock;
    lock.fd_ = fd;
    lock.path_ = path;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || st.st_nlink != 1) {
      lock.path_.clear(); // not ours: never unlink it
      throw UsageError("the lock file '" + path + "' of result file '" + result_path +
                       "' is not a regular file of your own; remove it (or choose another output.file)");
    }
    struct flock lk = whole_file(F_WRLCK);
    if (::fcntl(fd, F_OFD_SETLK, &lk) != 0) {
      const int error = errno;
      if (error == EAGAIN || error == EACCES) {
        const std::string holder = read_holder(fd);
        lock.path_.clear();
        throw UsageError("result file '" + result_path + "' is being written by another fasim process (" +
                         holder + "); wait for it to end, or choose another output.file");
      }
      if (unsupported(error)) {
        std::cerr << "fasim: warning: the file system of '" << path << "' does not support file locks ("
                  << std::strerror(error) << "): a second writer of '" << result_path
                  << "' would not be detected" << std::endl;
        lock.path_.clear();
        return lock;
      }
      lock.path_.clear();
      throw Error("cannot lock '" + path + "': " + std::strerror(error));
    }
    struct stat now {};
    if (::stat(path.c_str(), &now) != 0 || now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
      lock.path_.clear(); // the unlinked file of a previous holder: not ours to unlink
      continue;
    }
    const std::string text = holder_text() + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, text.data(), text.size(), 0) < 0) {
      // The holder text is only for messages; the lock itself is held.
    }
    return lock;
  }
  throw Error("cannot lock '" + path + "': it keeps being replaced; is another process deleting it?");
}

OutputLock::~OutputLock() {
  release();
}

OutputLock::OutputLock(OutputLock&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
  other.path_.clear();
}

OutputLock& OutputLock::operator=(OutputLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
    other.path_.clear();
  }
  return *this;
}

void OutputLock::release() noexcept {
  if (fd_ < 0) return;
  // Unlink while still holding the lock: a waiting process then finds the path empty or new (see acquire).
  if (!path_.empty()) ::unlink(path_.c_str());
  ::close(fd_);
  fd_ = -1;
  path_.clear();
}

std::string lock_holder(const std::string& result_path) {
  const std::string path = lock_path_of(result_path);
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return {};
  struct flock lk = whole_file(F_WRLCK);
  std::string holder;
  if (::fcntl(fd, F_OFD_GETLK, &lk) == 0 && lk.l_type != F_UNLCK) holder = read_holder(fd);
  ::close(fd);
  return holder;
}

} // namespace fasim::io
