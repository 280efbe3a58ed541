#include "storage_fault.hpp"

#include "fasim/format/hdf5.hpp"
#include "fasim/lifecycle/lifecycle.hpp"
#include "fasim/parallel/error.hpp"
#include "fasim/parallel/storage_faults.hpp"

#include <mpi.h>
#include <unistd.h>

#include <cstring>

#include <cstdio>
#include <iostream>

namespace fasim::app {

std::string UsableCheckpoint::command() const {
  return "'fasim resume " + path + "' (its checkpoint at step " + std::to_string(step) + ")";
}

UsableCheckpoint usable_checkpoint(const io::RunConfig& config, const std::string& run_id) {
  const io::RingCheckpoint found = io::newest_usable_checkpoint(config, run_id);
  return {found.path, found.step};
}

std::string next_step_after_storage_fault(const io::RunConfig& config, const std::string& run_id) {
  const UsableCheckpoint found = usable_checkpoint(config, run_id);
  if (found.path.empty())
    return "; no checkpoint of this run was written: free space (or repair the file system) and rerun";
  return "; free space (or repair the file system), then resume with " + found.command();
}

void verify_result_reads_back(const io::RunConfig& config, const std::vector<io::AlgorithmSummary>& written,
                              const std::string& run_id) {
  const std::string& path = config.output.file;
  std::string problem;
  try {
    const io::RunSummary s = io::read_run_summary(path);
    if (s.status != io::schema::FileStatus::Complete)
      problem = std::string("its status reads '") + io::schema::to_string(s.status) + "'";
    for (const auto& w : written) {
      if (!problem.empty()) break;
      const io::AlgorithmSummary* a = s.algorithm(w.name);
      const auto same = [](double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; };
      if (!a)
        problem = "it has no trajectory of " + w.name;
      else if (a->records != w.records || a->last_step != w.last_step || !same(a->final_loss, w.final_loss))
        problem = w.name + "'s trajectory ends at row " + std::to_string(a->records) + " (step " +
                  std::to_string(a->last_step) + "), not at the " + std::to_string(w.records) +
                  " rows (step " + std::to_string(w.last_step) + ") written";
    }
  } catch (const std::exception& e) {
    problem = std::string("it cannot be read: ") + e.what();
  }
  if (problem.empty()) return;
  const UsableCheckpoint ck = usable_checkpoint(config, run_id);
  throw Error("result file '" + path + "' does not read back what this run wrote (" + problem +
              "): it was truncated, replaced or corrupted while the run wrote it; " +
              (ck.path.empty() ? std::string("rerun it") : "resume with " + ck.command()));
}

void end_if_files_abandoned(const parallel::Communicator& world, int code) {
  if (world.allreduce_max(io::open_files_abandoned() ? 1 : 0) == 0) return;
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  // Rank 0 has printed the message and removed the run's temporaries and lock before it got here; a rank
  // that left earlier would make the launcher end the others before that.
  MPI_Barrier(world.get());
  _exit(code);
}

} // namespace fasim::app
