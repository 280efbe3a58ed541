#pragma once
// Writing a file that may replace another without ever writing through what is already at its path: the data
// goes to a fresh temporary beside the destination, created exclusively under an unpredictable name (so a
// planted link or file there makes creation fail instead of being written through), and is renamed over the
// destination only when complete. A symbolic link at the destination is replaced itself, never followed.
#include <string>

namespace fasim::io {

class FreshTemporary {
public:
  /// Chooses "<destination>.<16 random hex digits>.tmp" (io::stage_locally, files/publish.hpp); nothing is
  /// created yet.
  explicit FreshTemporary(std::string destination);
  /// Removes the temporary unless it was committed.
  ~FreshTemporary();
  FreshTemporary(const FreshTemporary&) = delete;
  FreshTemporary& operator=(const FreshTemporary&) = delete;

  const std::string& path() const { return path_; }
  const std::string& destination() const { return destination_; }

  /// Creates path() with O_CREAT | O_EXCL | O_NOFOLLOW, mode 0666 less the umask, and returns its descriptor
  /// (the caller closes it). HDF5 files are created with H5F_ACC_EXCL on path() instead; either way call
  /// created() once the file exists, so that the destructor removes it.
  int create_exclusive();
  void created() { created_ = true; }

  /// Renames the temporary over the destination (atomic within the directory) and makes the rename durable
  /// (io::publish_locally, Publish::Replace). Throws Error on failure.
  void commit();

private:
  std::string destination_, path_;
  bool created_ = false, committed_ = false;
};

} // namespace fasim::io
