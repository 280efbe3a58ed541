#include "fasim/io/result_state.hpp"

#include "fasim/io/matrix_io.hpp"
#include "fasim/io/series.hpp"
#include "fasim/model/specs.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/error.hpp"

#include <algorithm>

namespace fasim::io {

ResultSummary read_result_summary(const std::string& path) {
  ResultSummary s;
  std::optional<File> opened;
  try {
    opened.emplace(File::open(path, parallel::Communicator::borrow(MPI_COMM_SELF), true));
  } catch (const Error& e) {
    throw UsageError("'" + path + "' is not a readable HDF5 file: " + e.what());
  }
  const File& f = *opened;
  if (!f.has_attribute(schema::kStatus) || !f.has_attribute(schema::kConfig) || !f.exists("runs"))
    throw UsageError("'" + path + "' is not a fasim result file (no status, config or /runs)");
  s.status = schema::parse_file_status(f.read_attribute<std::string>(schema::kStatus));
  s.config_ini = f.read_attribute<std::string>(schema::kConfig);
  s.run_id = f.has_attribute(schema::kRunId) ? f.read_attribute<std::string>(schema::kRunId) : std::string();
  bool any_ran_out = false, any = false;
  for (const auto kind : model::kAlgorithmKinds) {
    const char* name = model::to_string(kind); // the group names the writer uses
    const std::string group = std::string("runs/") + name;
    if (!f.exists(group)) continue;
    any = true;
    const Group g = f.open_group(group);
    // The final status's steps_done, or further when a continuation was interrupted: the last recorded row.
    long long reached = g.has_attribute("steps_done") ? g.read_attribute<long long>("steps_done") : 0;
    if (g.exists("trajectory/step")) {
      const auto steps = Series::open(g, "trajectory/step").read();
      if (!steps.empty()) reached = std::max(reached, static_cast<long long>(steps.back()));
    }
    s.last_step = std::max(s.last_step, reached);
    if (g.has_attribute("stop_reason")) {
      const auto reason = g.read_attribute<std::string>("stop_reason");
      any_ran_out = any_ran_out || reason == "steps";
      s.stop_summary += (s.stop_summary.empty() ? "" : ", ") + std::string(name) + " " + reason +
                        " at step " + std::to_string(reached);
    }
  }
  s.all_stopped_early = any && !any_ran_out && s.status == schema::FileStatus::Complete;
  return s;
}

Checkpoint read_result_as_checkpoint(const std::string& path, const RunConfig& c,
                                     const parallel::Communicator& comm, parallel::GridPtr grid) {
  Checkpoint ck;
  parallel::agreed(comm, [&] {
    const File f = File::open(path, comm, true);
    ck.config_ini = f.read_attribute<std::string>(schema::kConfig);
    ck.run_id =
        f.has_attribute(schema::kRunId) ? f.read_attribute<std::string>(schema::kRunId) : std::string();
    // The plans the result was computed with: a continuation runs the same ones, so it stays bitwise equal.
    if (f.has_attribute("plan")) ck.plans = f.read_attribute<std::string>("plan");
    ck.elapsed_seconds = f.exists("summary") && f.open_group("summary").has_attribute("elapsed_seconds")
                             ? f.open_group("summary").read_attribute<double>("elapsed_seconds")
                             : 0.0;
    const int n = c.problem.n, m = c.problem.m, r = c.run.r, b = c.grid.block;
    for (const auto& spec : c.run.algorithms) {
      const std::string name = model::to_string(spec.kind);
      const Group g = f.open_group("runs/" + name);
      CheckpointAlgorithm alg{{read_matrix(g, "Z", grid, b, MatrixShape{n, r}),
                               read_matrix(g, "W", grid, b, MatrixShape{r, m}),
                               {}},
                              {},
                              {},
                              0};
      if (g.exists("B"))
        alg.state.b = read_matrix(g, "B", grid, b, MatrixShape{r, m}); // kp's learned feedback
      alg.status.stop_reason = g.read_attribute<std::string>("stop_reason");
      alg.status.stop_step = g.read_attribute<long long>("stop_step");
      alg.status.wall_seconds = g.read_attribute<double>("wall_seconds");
      // Ran out of steps: running again. Stopped early (stop_loss, divergence, ...): stays stopped.
      alg.status.stopped = alg.status.stop_reason != "steps";
      if (!alg.status.stopped) alg.status.stop_reason.clear();
      ck.step = std::max(ck.step, g.read_attribute<long long>("steps_done"));
      std::vector<std::vector<double>> columns;
      for (auto metric : model::kScalarMetrics)
        columns.push_back(Series::open(g, "trajectory/" + std::string(metric)).read());
      std::vector<double> probes;
      int width = 0;
      if (c.run.probes > 0) {
        const Series ps = Series::open(g, "trajectory/probe_xAx");
        width = ps.width();
        probes = ps.read();
      }
      const std::size_t rows = columns.front().size();
      for (std::size_t i = 0; i < rows; ++i) {
        model::MetricRow row;
        for (std::size_t k = 0; k < row.scalars.size(); ++k) row.scalars[k] = columns[k].at(i);
        if (width > 0)
          row.probes.assign(probes.begin() + static_cast<std::ptrdiff_t>(i * width),
                            probes.begin() + static_cast<std::ptrdiff_t>((i + 1) * width));
        alg.rows.push_back(std::move(row));
      }
      if (g.exists("snapshots/Z")) alg.snapshots = snapshot_count(g.open_dataset("snapshots/Z"));
      ck.algorithms.push_back(std::move(alg));
    }
  });
  return ck;
}

} // namespace fasim::io
