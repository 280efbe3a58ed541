#include "fasim/format/result_state.hpp"

#include "fasim/format/matrix_io.hpp"
#include "fasim/format/series.hpp"
#include "fasim/model/specs.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/error.hpp"

#include <algorithm>
#include <limits>

namespace fasim::io {

namespace {
template <class T> T attribute_or(const Object& o, const char* name, T fallback) {
  return o.has_attribute(name) ? o.read_attribute<T>(name) : fallback;
}
} // namespace

const AlgorithmSummary* RunSummary::algorithm(std::string_view name) const {
  for (const auto& a : algorithms)
    if (a.name == name) return &a;
  return nullptr;
}

RunSummary read_run_summary(const std::string& path) {
  RunSummary s;
  s.path = path;
  std::optional<File> opened;
  try {
    opened.emplace(File::open(path, parallel::Communicator::borrow(MPI_COMM_SELF), true));
  } catch (const Error& e) {
    throw UsageError("'" + path + "' is not a readable HDF5 file: " + e.what());
  }
  const File& f = *opened;
  if (!f.has_attribute(schema::kStatus) || !f.has_attribute(schema::kConfig) || !f.exists(schema::kRunsGroup))
    throw UsageError("'" + path + "' is not a fasim result file (no status, config or /runs)");
  if (f.has_attribute(schema::kSchemaVersionAttribute))
    schema::check_schema_version(f.read_attribute<std::string>(schema::kSchemaVersionAttribute), path);
  s.status = schema::parse_attribute<schema::FileStatus>(f.read_attribute<std::string>(schema::kStatus), path,
                                                         schema::kStatus);
  s.config_ini = f.read_attribute<std::string>(schema::kConfig);
  s.run_id = attribute_or<std::string>(f, schema::kRunId, "");
  s.sweep_point = attribute_or<std::string>(f, schema::kSweepPoint, "");
  s.fasim_version = attribute_or<std::string>(f, schema::kFasimVersion, "");
  s.git_commit = attribute_or<std::string>(f, schema::kGitCommit, "");
  s.created = attribute_or<std::string>(f, schema::kCreated, "");
  if (const auto grid = attribute_or(f, schema::kGrid, std::vector<long long>{});
      grid.size() == 2 && grid[0] > 0 && grid[1] > 0 && grid[0] * grid[1] <= (1LL << 30))
    s.grid_rows = static_cast<int>(grid[0]), s.grid_cols = static_cast<int>(grid[1]);
  if (f.exists(schema::kProblemGroup)) {
    const Group p = f.open_group(schema::kProblemGroup);
    s.n = attribute_or(p, schema::kN, 0LL), s.m = attribute_or(p, schema::kM, 0LL);
    s.k = attribute_or(p, schema::kK, 0LL), s.r = attribute_or(p, schema::kR, 0LL);
    s.source = attribute_or<std::string>(p, schema::kSource, "");
    s.optimal_error = attribute_or(p, schema::kOptimalError, double(NAN));
    s.lemma1_error = attribute_or(p, schema::kLemma1Error, double(NAN));
  }
  if (f.exists(schema::kSummaryGroup))
    s.representation_overlap = attribute_or(f.open_group(schema::kSummaryGroup),
                                            schema::kRepresentationOverlap, std::vector<double>{});
  bool any_ran_out = false;
  for (const auto kind : model::kAlgorithmKinds) {
    AlgorithmSummary a;
    a.name = model::to_string(kind); // the group names the writer uses
    const std::string group = schema::path(schema::kRunsGroup, a.name);
    if (!f.exists(group)) continue;
    const Group g = f.open_group(group);
    a.steps_done = attribute_or(g, schema::kStepsDone, 0LL);
    a.stop_step = attribute_or(g, schema::kStopStep, -1LL);
    a.wall_seconds = attribute_or(g, schema::kWallSeconds, double(NAN));
    if (g.exists(schema::kLossSeries)) {
      const auto loss = Series::open(g, schema::kLossSeries).read();
      a.records = static_cast<long long>(loss.size());
      if (!loss.empty()) a.final_loss = loss.back();
    }
    if (g.exists(schema::kStepSeries)) {
      const auto steps = Series::open(g, schema::kStepSeries).read();
      if (!steps.empty()) a.last_step = static_cast<long long>(steps.back());
    }
    // The final status's steps_done, or further when a continuation was interrupted: the last recorded row.
    const long long reached = std::max(a.steps_done, a.last_step);
    s.last_step = std::max(s.last_step, reached);
    if (g.has_attribute(schema::kStopReason)) {
      a.stop_reason = schema::parse_attribute<schema::StopReason>(
          g.read_attribute<std::string>(schema::kStopReason), path, "/" + group + "/" + schema::kStopReason);
      any_ran_out = any_ran_out || a.stop_reason == schema::StopReason::Steps;
      s.stop_summary += (s.stop_summary.empty() ? "" : ", ") + a.name + " " +
                        schema::to_string(a.stop_reason) + " at step " + std::to_string(reached);
    }
    s.algorithms.push_back(std::move(a));
  }
  s.all_stopped_early = !s.algorithms.empty() && !any_ran_out && s.status == schema::FileStatus::Complete;
  return s;
}

TrajectoryStatus read_final_status(const Group& g, const std::string& path, const std::string& group) {
  TrajectoryStatus status;
  status.stop_reason = schema::parse_attribute<schema::StopReason>(
      g.read_attribute<std::string>(schema::kStopReason), path, "/" + group + "/" + schema::kStopReason);
  status.stop_step = g.read_attribute<long long>(schema::kStopStep);
  status.wall_seconds = g.read_attribute<double>(schema::kWallSeconds);
  status.stopped = status.stop_reason != schema::StopReason::Steps;
  if (!status.stopped) status.stop_reason = schema::StopReason::Running;
  return status;
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
    ck.plans = attribute_or<std::string>(f, schema::kPlan, "");
    ck.elapsed_seconds = f.exists(schema::kSummaryGroup)
                             ? attribute_or(f.open_group(schema::kSummaryGroup), schema::kElapsedSeconds, 0.0)
                             : 0.0;
    const int n = c.problem.n, m = c.problem.m, r = c.run.r, b = c.grid.block;
    for (const auto& spec : c.run.algorithms) {
      const std::string name = model::to_string(spec.kind);
      const std::string group = schema::path(schema::kRunsGroup, name);
      const Group g = f.open_group(group);
      CheckpointAlgorithm alg{{read_matrix(g, schema::kZ, grid, b, MatrixShape{n, r}),
                               read_matrix(g, schema::kW, grid, b, MatrixShape{r, m}),
                               {}},
                              {},
                              {},
                              0};
      if (g.exists(schema::kB))
        alg.state.b = read_matrix(g, schema::kB, grid, b, MatrixShape{r, m}); // kp's learned feedback
      alg.status = read_final_status(g, path, group);
      ck.step = std::max(ck.step, g.read_attribute<long long>(schema::kStepsDone));
      std::vector<std::vector<double>> columns;
      for (auto metric : model::kScalarMetrics) {
        const std::string series = schema::path(schema::kTrajectoryGroup, metric);
        // A metric a later fasim records (feedback_*) is NaN on the rows an earlier one wrote.
        columns.push_back(g.exists(series) ? Series::open(g, series).read() : std::vector<double>{});
      }
      for (auto& column : columns)
        if (column.empty()) column.assign(columns.front().size(), std::numeric_limits<double>::quiet_NaN());
      std::vector<double> probes;
      int width = 0;
      if (c.run.probes > 0) {
        const Series ps = Series::open(g, schema::path(schema::kTrajectoryGroup, schema::kProbeSeries));
        width = ps.width();
        probes = ps.read();
      }
      std::vector<std::vector<double>> completion;
      if (c.completion.observe != model::Observe::Full)
        for (auto metric : model::kCompletionMetrics)
          completion.push_back(Series::open(g, schema::path(schema::kTrajectoryGroup, metric)).read());
      const std::size_t rows = columns.front().size();
      for (std::size_t i = 0; i < rows; ++i) {
        model::MetricRow row;
        for (std::size_t k = 0; k < row.scalars.size(); ++k) row.scalars[k] = columns[k].at(i);
        for (const auto& column : completion) row.completion.push_back(column.at(i));
        if (width > 0)
          row.probes.assign(probes.begin() + static_cast<std::ptrdiff_t>(i * width),
                            probes.begin() + static_cast<std::ptrdiff_t>((i + 1) * width));
        alg.rows.push_back(std::move(row));
      }
      if (const std::string z = schema::path(schema::kSnapshotsGroup, schema::kZ); g.exists(z))
        alg.snapshots = snapshot_count(g.open_dataset(z));
      ck.algorithms.push_back(std::move(alg));
    }
  });
  return ck;
}

} // namespace fasim::io
