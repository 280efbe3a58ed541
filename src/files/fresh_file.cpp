// FreshTemporary: exclusive creation under an unpredictable name, then rename over the destination.
#include "fasim/files/fresh_file.hpp"

#include "fasim/files/publish.hpp"
#include "fasim/parallel/error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fasim::io {

// The same naming and the same rename as every other file fasim creates (io/safe_files.hpp).
FreshTemporary::FreshTemporary(std::string destination)
    : destination_(std::move(destination)), path_(stage_locally(destination_)) {}

FreshTemporary::~FreshTemporary() {
  if (created_ && !committed_) ::unlink(path_.c_str());
}

int FreshTemporary::create_exclusive() {
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) {
    const int error = errno;
    throw Error("cannot create the temporary '" + path_ + "' for '" + destination_ +
                "': " + std::strerror(error) + "; check that its directory exists and is writable");
  }
  created_ = true;
  return fd;
}

void FreshTemporary::commit() {
  publish_locally(path_, destination_, Publish::Replace, "'" + destination_ + "'");
  committed_ = true;
}

} // namespace fasim::io
