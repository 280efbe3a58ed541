#include "resumed_run.hpp"

#include "fasim/format/schema.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/error.hpp"

namespace fasim::app {

io::CheckpointRoot checkpoint_root(const io::RunConfig& config, const std::string& run_id, long long step,
                                   double elapsed_seconds, const std::string& plans,
                                   const io::RunProvenance& provenance) {
  io::CheckpointRoot root;
  root.config_ini = config.resolved_ini;
  root.run_id = run_id;
  root.step = step;
  root.elapsed_seconds = elapsed_seconds;
  root.plans = plans;
  root.blas_library = provenance.blas_library, root.blas_core = provenance.blas_core;
  root.grid_rows = provenance.grid_rows, root.grid_cols = provenance.grid_cols;
  return root;
}

std::string take_over_result(const parallel::Communicator& comm, const std::string& path,
                             const std::string& checkpoint_path,
                             const std::vector<long long>& snapshot_counts,
                             const std::function<void(const io::File&)>& copy_snapshots) {
  long long wanted = 0;
  for (long long n : snapshot_counts) wanted += n;
  std::string history;
  parallel::agreed(comm, [&] {
    if (!io::exists_on_rank0(path, comm)) {
      if (wanted > 0)
        throw UsageError("cannot resume '" + checkpoint_path + "': its snapshots were in result file '" +
                         path + "', which no longer exists; rerun from the start");
      return;
    }
    const io::File old = io::File::open(path, comm, true);
    if (old.has_attribute(io::schema::kHistory))
      history = old.read_attribute<std::string>(io::schema::kHistory);
    if (wanted > 0) copy_snapshots(old);
  });
  return history;
}

} // namespace fasim::app
