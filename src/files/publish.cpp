// Staging and publishing every file fasim creates (fasim/files/publish.hpp).
#include "fasim/files/publish.hpp"

#include "fasim/files/safe_files.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/error.hpp"

#include <filesystem>

namespace fasim::io {

std::string stage_locally(const std::string& destination, bool clear_stale) {
  if (clear_stale) remove_stale_temporaries(destination);
  return fresh_temporary_name(destination);
}

void publish_locally(const std::string& staged, const std::string& destination, Publish how,
                     const std::string& what) {
  if (how == Publish::New)
    link_new(staged, destination, what);
  else
    rename_over(staged, destination, what);
}

std::string stage(const parallel::Communicator& comm, const std::string& destination, bool clear_stale) {
  std::string staged;
  parallel::agreed(comm, [&] {
    if (comm.rank() == 0) staged = stage_locally(destination, clear_stale);
  });
  comm.broadcast(staged, 0);
  return staged;
}

void publish(const parallel::Communicator& comm, const std::string& staged, const std::string& destination,
             Publish how, const std::string& what) {
  parallel::agreed(comm, [&] {
    if (comm.rank() == 0) publish_locally(staged, destination, how, what);
  });
}

std::string ring_member(const std::string& destination, int k) {
  return k == 0 ? destination : destination + "." + std::to_string(k);
}

void publish_into_ring(const parallel::Communicator& comm, const std::string& staged,
                       const std::string& destination, int keep,
                       const std::function<bool(const std::string&)>& is_generation, const std::string& what,
                       const std::string& setting) {
  // On stable storage before it replaces anything: a crash of the node after the rename must not leave a
  // renamed but empty or partial file.
  parallel::agreed(comm, [&] { sync_file(staged, what); });
  // Every rank has synced it: rotate and rename on one rank. Renames replace whatever is at a ring path (a
  // link included) without following it.
  parallel::agreed(comm, [&] {
    if (comm.rank() != 0) return;
    namespace fs = std::filesystem;
    // A generation is only ever renamed over an older generation of this ring (or nothing): a file planted at
    // a ring path is never replaced.
    for (int k = keep - 1; k >= 1; --k) {
      const std::string older = ring_member(destination, k), newer = ring_member(destination, k - 1);
      std::error_code ec;
      if (!fs::exists(fs::symlink_status(newer, ec))) continue;
      // (Asked again after a "no": a file deleted meanwhile, as by a user's rm -rf of the directory, cannot
      // be read either, and is not a foreign file; the deletion is then reported as what it is.)
      if (fs::exists(fs::symlink_status(older, ec)) && !is_generation(older) &&
          fs::exists(fs::symlink_status(older, ec)))
        throw UsageError(what + " ring path '" + older + "' holds a file that is not a " + what +
                         " of yours; fasim will not replace it: move it away, or choose another " + setting);
      fs::rename(newer, older, ec);
    }
    publish_locally(staged, destination, Publish::Replace, what);
  });
}

} // namespace fasim::io
