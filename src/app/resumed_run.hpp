#pragma once
// What the paper's model and a network share when they checkpoint and resume (simulation.cpp,
// network_simulation.cpp): the root of every checkpoint, and the history and snapshots a rebuilt result takes
// over from the one it replaces.
#include "fasim/config/config.hpp"
#include "fasim/format/checkpoint.hpp"
#include "fasim/format/hdf5.hpp"
#include "fasim/format/results.hpp"
#include "fasim/format/schema.hpp"
#include "fasim/parallel/communicator.hpp"

#include <functional>
#include <string>
#include <vector>

namespace fasim::app {

/// The root of a checkpoint written at `step`: the run's configuration and id, its wall time so far, the step
/// plans run and the BLAS that wrote it.
io::CheckpointRoot checkpoint_root(const io::RunConfig& config, const std::string& run_id, long long step,
                                   double elapsed_seconds, const std::string& plans,
                                   const io::RunProvenance& provenance);

/// Collective. The history of the result at `path` that the run resumed from `checkpoint_path` replaces (""
/// if there is none); `copy_snapshots` is called with it open when the checkpoint's algorithms recorded
/// snapshots (`snapshot_counts`, which live only in the result). Refuses (agreed) when snapshots are wanted
/// and the result is gone.
std::string take_over_result(const parallel::Communicator& comm, const std::string& path,
                             const std::string& checkpoint_path,
                             const std::vector<long long>& snapshot_counts,
                             const std::function<void(const io::File&)>& copy_snapshots);

/// Collective. A run stopped by a signal after its checkpoint: the result's status becomes checkpointed, with
/// a history line, flushed. Returns the line that tells the user how to go on.
template <class Results>
std::string record_stop(Results& results, long long step, const std::string& checkpoint_file) {
  results.set_status(io::schema::FileStatus::Checkpointed);
  results.append_history("stopped by a signal at step " + std::to_string(step) + "; checkpoint '" +
                         checkpoint_file + "'");
  results.flush();
  return "fasim: stop requested at step " + std::to_string(step) + "; checkpoint written to " +
         checkpoint_file + "; continue with: fasim resume " + checkpoint_file;
}

} // namespace fasim::app
