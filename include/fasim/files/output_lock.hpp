#pragma once
// The advisory lock that makes one process at a time the writer of a result file. It lives in
// "<result>.lock" beside the result (the result itself is replaced by rename when overwritten, so its own
// inode cannot carry the lock) and is held — an open file description lock, fcntl(F_OFD_SETLK) — for as long
// as a run, resume or continuation writes the result or its checkpoints. The file holds the holder's host,
// pid and start time for the message a second writer gets. A crashed process releases it with its last file
// descriptor, so a stale lock file never blocks anyone; file systems without locking get a warning.
#include <string>

namespace fasim::io {

class OutputLock {
public:
  /// Takes the lock of `result_path` or throws UsageError "result file X is being written by another fasim
  /// process (host H, pid P, since T)". Local: one rank (rank 0 of the run) holds it.
  static OutputLock acquire(const std::string& result_path);
  /// An empty lock (holds nothing).
  OutputLock() = default;
  ~OutputLock();
  OutputLock(OutputLock&& other) noexcept;
  OutputLock& operator=(OutputLock&& other) noexcept;
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

  bool held() const { return fd_ >= 0; }

private:
  void release() noexcept;
  int fd_ = -1;
  std::string path_;
};

/// The lock file of a result: "<result>.lock".
std::string lock_path_of(const std::string& result_path);

/// Who holds the lock of `result_path` ("host H, pid P, since T"), or "" when nobody does. Local; creates
/// nothing.
std::string lock_holder(const std::string& result_path);

} // namespace fasim::io
