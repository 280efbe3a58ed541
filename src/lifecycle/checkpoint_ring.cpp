// The checkpoint ring as the lifecycle sees it: which generation a run resumes from, and the ring a fresh
// run deletes with the result it replaces. The ring's names and how far it is searched are the files layer's
// (files/publish.hpp).
#include "fasim/files/publish.hpp"
#include "fasim/files/safe_files.hpp"
#include "fasim/format/checkpoint.hpp"
#include "fasim/lifecycle/lifecycle.hpp"
#include "fasim/parallel/error.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace fasim::io {

RingCheckpoint newest_usable_checkpoint(const RunConfig& c, const std::string& run_id) {
  RingCheckpoint found;
  for (int k = 0; k < kRingSearch; ++k) {
    const std::string member = ring_member(c.output.checkpoint_file, k);
    struct stat st {};
    if (::lstat(member.c_str(), &st) != 0) {
      if (k > 0) break; // the ring ends at its first gap (the newest may be missing while one is written)
      continue;
    }
    try {
      require_own_regular_file(member, "checkpoint");
      // A complete checkpoint only: an incomplete one is a UsageError here.
      const CheckpointHeader h =
          read_checkpoint_header(member, parallel::Communicator::borrow(MPI_COMM_SELF));
      if (!h.run_id.empty() && !run_id.empty() && h.run_id != run_id)
        throw UsageError("checkpoint '" + member + "' belongs to another run (run id " + h.run_id + ")");
      found.path = member;
      found.step = h.step;
      return found;
    } catch (const Error& e) {
      if (k == 0) found.problem = e.what(); // not usable: look at the older generations
    }
  }
  return found;
}

void purge_checkpoint_ring(const RunConfig& c) {
  for (int k = 0; k < kRingSearch; ++k) {
    const std::string member = ring_member(c.output.checkpoint_file, k);
    struct stat st {};
    if (::lstat(member.c_str(), &st) != 0) {
      if (k > 0) break;
      continue;
    }
    if (S_ISREG(st.st_mode) && st.st_uid == ::geteuid() && looks_like_checkpoint(member))
      ::unlink(member.c_str());
  }
  remove_stale_temporaries(c.output.checkpoint_file);
}

} // namespace fasim::io
