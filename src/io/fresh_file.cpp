// FreshTemporary: exclusive creation under an unpredictable name, then rename over the destination.
#include "fasim/io/fresh_file.hpp"

#include "fasim/parallel/error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

namespace fasim::io {

namespace {
std::string random_hex() {
  std::random_device device; // the kernel's entropy: another user cannot predict the name
  char hex[17];
  std::snprintf(hex, sizeof hex, "%08x%08x", static_cast<unsigned>(device()),
                static_cast<unsigned>(device()));
  return hex;
}
} // namespace

FreshTemporary::FreshTemporary(std::string destination) : destination_(std::move(destination)) {
  const std::filesystem::path dest(destination_);
  std::string name = ".";
  name += dest.filename().string();
  name += '.';
  name += random_hex();
  name += ".tmp";
  path_ = (dest.parent_path() / name).string();
}

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
  if (::rename(path_.c_str(), destination_.c_str()) != 0) {
    const int error = errno;
    throw Error("cannot rename '" + path_ + "' to '" + destination_ + "': " + std::strerror(error));
  }
  committed_ = true;
}

} // namespace fasim::io
