#pragma once
// What a run says and does after a storage fault (a write that failed on some rank: a full disk, a quota, an
// I/O error): the next step for the user, and an end of the process that neither hangs nor crashes.
// Private to the app layer; docs/faults.md tables the faults.
#include "fasim/config/config.hpp"
#include "fasim/format/result_state.hpp"
#include "fasim/parallel/communicator.hpp"

#include <string>
#include <vector>

namespace fasim::app {

/// Rank-local: the newest complete checkpoint of the ring of `config` that belongs to `run_id` ("" accepts
/// any): "fasim resume <path>' (its checkpoint at step S)" is what to say; `path` empty when there is none.
struct UsableCheckpoint {
  std::string path;
  long long step = -1;
  /// "'fasim resume <path>' (its checkpoint at step S)"
  std::string command() const;
};
UsableCheckpoint usable_checkpoint(const io::RunConfig& config, const std::string& run_id);

/// Rank-local: "; free space (or repair the file system), then resume with 'fasim resume <ckpt>' (...)", or
/// "; ... and rerun" without a usable checkpoint: the end of the one-line message after the cause.
std::string next_step_after_storage_fault(const io::RunConfig& config, const std::string& run_id);

/// Rank-local, after the result file is closed: reads `config`'s result back and throws Error unless it says
/// `complete` and each algorithm's trajectory ends in the rows `written` says (count, last step, last loss,
/// bitwise): a result truncated, replaced or corrupted while the run wrote it is no success.
void verify_result_reads_back(const io::RunConfig& config, const std::vector<io::AlgorithmSummary>& written,
                              const std::string& run_id);

/// Collective over `world`, every rank alike: when any rank abandoned its HDF5 files
/// (io::abandon_open_files), flushes standard output and error and ends every process with `code` without
/// shutting HDF5 (or MPI) down, after all ranks have got here (the failing rank's message is out and its
/// temporaries are gone). Returns otherwise.
void end_if_files_abandoned(const parallel::Communicator& world, int code);

} // namespace fasim::app
