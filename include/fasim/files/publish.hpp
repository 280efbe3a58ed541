#pragma once
// The one way fasim publishes a file it creates (docs/lifecycle.md, "Files fasim creates"): it is built under
// a fresh, unpredictable name beside its destination (stage), created there exclusively by its writer, and
// only once complete takes the destination's name (publish): linked there when nothing may be at it yet
// (New: fails if anything appeared), renamed over it when it replaces what is there (Replace: a link there is
// replaced, never followed), or renamed into a ring of generations (publish_into_ring: the previous file
// becomes <destination>.1, that one .2, … only over older generations of the same ring). Every publication
// ends with the directory fsync()ed. A result, a checkpoint and its ring, a collect summary: the writers
// above (format, app) write into the staged name they are handed and call these; they carry out no
// file-system policy of their own.
#include "fasim/parallel/communicator.hpp"

#include <functional>
#include <string>

namespace fasim::io {

enum class Publish {
  New,    ///< nothing may be at the destination: link there, refused if anything appeared
  Replace ///< rename over the destination (replacing a link there, never following it)
};

/// Rank-local. The name a file for `destination` is built under ("<destination>.<16 hex>.tmp"); with
/// `clear_stale`, this user's leftover temporaries of `destination` are deleted first.
std::string stage_locally(const std::string& destination, bool clear_stale = false);

/// Rank-local. Gives the complete `staged` file the name `destination` as `how` says, durably. `what` names
/// it in messages ("result file").
void publish_locally(const std::string& staged, const std::string& destination, Publish how,
                     const std::string& what);

/// Collective over `comm`: rank 0 stages (stage_locally), every rank gets the same name; agreed.
std::string stage(const parallel::Communicator& comm, const std::string& destination,
                  bool clear_stale = false);

/// Collective over `comm`: rank 0 publishes (publish_locally); agreed.
void publish(const parallel::Communicator& comm, const std::string& staged, const std::string& destination,
             Publish how, const std::string& what);

/// Generation `k` of the ring of `destination`: `destination` itself for k = 0, else <destination>.k.
std::string ring_member(const std::string& destination, int k);
/// How many generations a search of a ring looks at (a ring is never that long: output.checkpoint_keep).
inline constexpr int kRingSearch = 64;

/// Collective over `comm`: every rank fsync()s the complete `staged` file (each may have written its own
/// part) so that nothing is renamed over before it is on stable storage; then rank 0 rotates the ring of
/// `keep` generations (<destination> → .1 → .2 …; a generation is only renamed over an older one that
/// `is_generation` accepts — anything else at a ring path is refused, naming `setting`) and renames `staged`
/// over `destination`; agreed.
void publish_into_ring(const parallel::Communicator& comm, const std::string& staged,
                       const std::string& destination, int keep,
                       const std::function<bool(const std::string&)>& is_generation, const std::string& what,
                       const std::string& setting);

/// Rank-local: copies the complete result `path` to a staged name beside it (created exclusively, its mode
/// kept) and returns that name; a continuation that fails puts it back (restore_copy), so the result stays
/// complete and byte-identical. Throws Error (the cause in words) when the copy cannot be made; the result is
/// untouched then.
std::string copy_aside(const std::string& path);
/// Rank-local: renames the copy back over `path` (Publish::Replace); false when that failed.
bool restore_copy(const std::string& copy, const std::string& path);

} // namespace fasim::io
