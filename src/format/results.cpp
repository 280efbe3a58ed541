#include "fasim/format/results.hpp"

#include "fasim/files/publish.hpp"
#include "fasim/files/safe_files.hpp"
#include "fasim/format/dimension_scales.hpp"
#include "fasim/format/mask_io.hpp"
#include "fasim/format/matrix_io.hpp"
#include "fasim/format/sensing_io.hpp"
#include "fasim/model/sensing.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/error.hpp"
#include "fasim/version.hpp"

#include <chrono>
#include <ctime>
#include <limits>

namespace fasim::io {

using model::AlgorithmKind;

bool saves_target(const RunConfig& config) {
  if (config.output.save_target == SaveTarget::Yes) return true;
  if (config.output.save_target == SaveTarget::No) return false;
  return static_cast<double>(config.problem.n) * config.problem.m <= 4e6;
}

std::string utc_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

StagedResult create_staged_result(const std::string& path, const parallel::Communicator& comm,
                                  CreateMode mode) {
  // Every result is built under a fresh name nobody could have planted anything at and appears at its path
  // only once its header is complete: a run killed while creating it leaves no half-written result behind
  // (`fasim status` then sees none and starts over). A replacement is renamed over the path (replacing, never
  // following, a link there); a new result is linked there, which fails if anything appeared at the path.
  const std::string where = stage(comm, path);
  return {File::create(where, comm, TruncatePolicy::FailIfExists, path), where, path, mode};
}

void publish_staged_result(const parallel::Communicator& comm, const std::string& staged_path,
                           const std::string& final_path, bool as_new) {
  publish(comm, staged_path, final_path, as_new ? Publish::New : Publish::Replace, "result file");
}

void write_algorithm_attributes(const Group& g, const model::AlgorithmSpec& alg,
                                model::IntegratorKind integrator) {
  g.write_attribute(schema::kLr, alg.lr);
  g.write_attribute(schema::kLrW, alg.lr_w > 0 ? alg.lr_w : alg.lr);
  if (alg.kind == AlgorithmKind::KP) g.write_attribute(schema::kDecay, alg.decay);
  if (alg.kind == AlgorithmKind::Mixed) g.write_attribute(schema::kAlpha, alg.alpha);
  g.write_attribute(schema::kIntegrator, schema::to_string(integrator));
  g.write_attribute(schema::kScaleFree, static_cast<long long>(alg.scale_free));
}

void write_run_header(const File& f, const RunConfig& config, const RunProvenance& prov,
                      const std::string& run_id, const std::string& history_line) {
  const parallel::Communicator& comm = f.comm();
  f.write_attribute(schema::kSchemaVersionAttribute, schema::kSchemaVersion);
  f.write_attribute(schema::kRunId, run_id);
  f.write_attribute(schema::kFasimVersion, kVersion);
  f.write_attribute(schema::kGitCommit, kGitCommit);
  std::string created = utc_now();
  comm.broadcast(created, 0); // attribute values must be identical on every rank
  f.write_attribute(schema::kCreated, created);
  f.write_attribute(schema::kHistory, created + " " + history_line);
  f.write_attribute(schema::kConfig, config.resolved_ini);
  f.write_attribute(schema::kMpiSize, static_cast<long long>(prov.mpi_size));
  f.write_attribute(schema::kGrid, std::vector<long long>{prov.grid_rows, prov.grid_cols});
  f.write_attribute(schema::kBlock, static_cast<long long>(prov.block));
  f.write_attribute(schema::kBlasLibrary, prov.blas_library);
  f.write_attribute(schema::kBlasCore, prov.blas_core);
  f.write_attribute(schema::kBlasThreads, static_cast<long long>(prov.blas_threads));
  f.write_attribute(schema::kHost, prov.host);
  f.write_attribute(schema::kStatus, schema::to_string(schema::FileStatus::Running));
}

ResultsFile ResultsFile::create(const std::string& path, const parallel::Communicator& comm, CreateMode mode,
                                const RunConfig& config, const RunProvenance& prov,
                                const model::Problem& problem, int probes, const std::string& run_id,
                                const std::string& history_line) {
  StagedResult staged = create_staged_result(path, comm, mode);
  ResultsFile out(std::move(staged.file));
  out.config_ = &config;
  out.staged_path_ = staged.staged_path, out.final_path_ = path, out.publish_new_ = mode == CreateMode::New;
  const File& f = out.file_;
  write_run_header(f, config, prov, run_id, history_line);

  const Group pg = f.create_group(schema::kProblemGroup);
  if (saves_target(config) && problem.target->dense())
    write_matrix(pg, schema::kTarget, *problem.target->dense());
  // Completion's Ω: its source always, the mask itself with Y.
  write_observed_entries(pg, problem, config.completion, saves_target(config));
  // Sensing's measurements: their record always, rank-one A and B under the same rule as Y's factors.
  if (problem.sensing)
    write_measurements(pg, problem, config.sensing, saves_measurements(config, problem.sensing->count()));
  // A factored target saves its factors instead (Y = U·diag(singular_values)·Vᵀ), under the same rule with
  // (n+m)·k numbers in place of n·m. A diagonal target is its singular_values alone.
  const double factor_size = static_cast<double>(config.problem.n + config.problem.m) * config.problem.k;
  if (problem.target->left_factor() &&
      (config.output.save_target == SaveTarget::Yes ||
       (config.output.save_target == SaveTarget::Auto && factor_size <= 4e6))) {
    write_matrix(pg, schema::kTargetLeft, *problem.target->left_factor());
    write_matrix(pg, schema::kTargetRight, *problem.target->right_factor());
  }
  if (const auto* x = problem.target->network_inputs(); x && saves_target(config))
    write_matrix(pg, schema::kNetworkInputs, *x);
  write_matrix(pg, schema::kFeedback, problem.c);
  const auto& spectrum = problem.target->spectrum();
  if (!spectrum.empty()) {
    Series s = Series::create(pg, schema::kSingularValues);
    s.append(spectrum.data(), static_cast<long long>(spectrum.size()));
  }
  pg.write_attribute(schema::kOptimalError, problem.optimal_error);
  pg.write_attribute(schema::kLemma1Error, problem.lemma1_error);
  pg.write_attribute(schema::kTargetNorm2, problem.target->norm2());
  pg.write_attribute(schema::kN, static_cast<long long>(problem.n));
  pg.write_attribute(schema::kM, static_cast<long long>(problem.m));
  pg.write_attribute(schema::kK, static_cast<long long>(problem.k));
  pg.write_attribute(schema::kR, static_cast<long long>(problem.r));
  pg.write_attribute(schema::kSource, schema::to_string(config.problem.source));
  pg.write_attribute(schema::kSpectrum, schema::to_string(config.problem.spectrum));
  const Group ig = f.create_group(schema::kInitGroup);
  write_matrix(ig, schema::kInitialZ, problem.z0);
  write_matrix(ig, schema::kInitialW, problem.w0);

  for (const auto& alg : config.run.algorithms) {
    AlgorithmGroup g{model::to_string(alg.kind),
                     f.create_group(schema::path(schema::kRunsGroup, model::to_string(alg.kind))),
                     {},
                     std::nullopt,
                     {},
                     std::nullopt,
                     std::nullopt,
                     std::nullopt};
    write_algorithm_attributes(g.group, alg, config.run.integrator);
    const Group traj = g.group.create_group(schema::kTrajectoryGroup);
    for (auto name : model::kScalarMetrics) g.scalars.push_back(Series::create(traj, std::string(name)));
    if (probes > 0) g.probes = Series::create(traj, schema::kProbeSeries, probes);
    if (config.completion.observe != model::Observe::Full)
      for (auto name : model::kCompletionMetrics)
        g.completion.push_back(Series::create(traj, std::string(name)));
    write_dimension_scales(traj);
    if (config.output.snapshot_every > 0) {
      const Group sg = g.group.create_group(schema::kSnapshotsGroup);
      g.snap_z = create_snapshot_series(sg, schema::kZ, problem.n, problem.r);
      g.snap_w = create_snapshot_series(sg, schema::kW, problem.r, problem.m);
      g.snap_step = Series::create(sg, schema::kSnapshotStep, 0, SeriesType::Integer);
    }
    out.algorithms_.push_back(std::move(g));
  }
  f.flush();
  if (mode != CreateMode::Staged) out.publish();
  return out;
}

void ResultsFile::publish() {
  if (staged_path_.empty()) return;
  publish_staged_result(file_.comm(), staged_path_, final_path_, publish_new_);
  staged_path_.clear();
}

void ResultsFile::set_history(const std::string& text) {
  file_.write_attribute(schema::kHistory, text);
}

ResultsFile ResultsFile::open_to_continue(const std::string& path, const parallel::Communicator& comm,
                                          const RunConfig& config, int probes) {
  ResultsFile out(File::open(path, comm, false));
  out.config_ = &config;
  const File& f = out.file_;
  for (const auto& alg : config.run.algorithms) {
    const std::string name = model::to_string(alg.kind);
    AlgorithmGroup g{name,         f.open_group(schema::path(schema::kRunsGroup, name)),
                     {},           std::nullopt,
                     {},           std::nullopt,
                     std::nullopt, std::nullopt};
    const Group traj = g.group.open_group(schema::kTrajectoryGroup);
    const long long recorded = Series::open(g.group, schema::kStepSeries).length();
    for (auto metric : model::kScalarMetrics) {
      const std::string metric_name(metric);
      if (traj.exists(metric_name)) {
        g.scalars.push_back(Series::open(traj, metric_name));
        continue;
      }
      // A metric a later fasim records (the feedback_* columns came with the feedback rules): the rows
      // already in the file did not record it.
      Series added = Series::create(traj, metric_name);
      const std::vector<double> missing(static_cast<std::size_t>(recorded),
                                        std::numeric_limits<double>::quiet_NaN());
      added.append(missing.data(), recorded);
      attach_to_rows(traj, added.dataset());
      g.scalars.push_back(std::move(added));
    }
    if (probes > 0) g.probes = Series::open(traj, schema::kProbeSeries);
    if (config.completion.observe != model::Observe::Full)
      for (auto metric : model::kCompletionMetrics)
        g.completion.push_back(Series::open(traj, std::string(metric)));
    if (config.output.snapshot_every > 0) {
      if (!g.group.exists(schema::kSnapshotsGroup))
        throw UsageError(
            "result file '" + path + "' has no snapshots of " + name +
            " but output.snapshot_every is set: continue it with the snapshot_every it was run with");
      g.snap_z = g.group.open_dataset(schema::path(schema::kSnapshotsGroup, schema::kZ));
      g.snap_w = g.group.open_dataset(schema::path(schema::kSnapshotsGroup, schema::kW));
      g.snap_step = Series::open(g.group, schema::path(schema::kSnapshotsGroup, schema::kSnapshotStep));
    }
    out.algorithms_.push_back(std::move(g));
  }
  f.write_attribute(schema::kConfig, config.resolved_ini);
  f.write_attribute(schema::kStatus, schema::to_string(schema::FileStatus::Running));
  f.flush();
  return out;
}

void ResultsFile::append_rows(std::size_t a, const std::vector<model::MetricRow>& rows, std::size_t from) {
  if (from >= rows.size()) return;
  AlgorithmGroup& g = algorithms_.at(a);
  const std::size_t count = rows.size() - from;
  std::vector<double> column(count);
  for (std::size_t k = 0; k < model::kScalarMetrics.size(); ++k) {
    for (std::size_t i = 0; i < count; ++i) column[i] = rows[from + i].scalars[k];
    g.scalars[k].append(column.data(), static_cast<long long>(count));
  }
  for (std::size_t k = 0; k < g.completion.size(); ++k) {
    for (std::size_t i = 0; i < count; ++i) column[i] = rows[from + i].completion.at(k);
    g.completion[k].append(column.data(), static_cast<long long>(count));
  }
  if (g.probes) {
    const std::size_t p = static_cast<std::size_t>(g.probes->width());
    std::vector<double> block(count * p);
    for (std::size_t i = 0; i < count; ++i)
      for (std::size_t j = 0; j < p; ++j) block[i * p + j] = rows[from + i].probes[j];
    g.probes->append(block.data(), static_cast<long long>(count));
  }
}

void ResultsFile::append_snapshot(std::size_t a, long long step, const model::State& s) {
  AlgorithmGroup& g = algorithms_.at(a);
  if (!g.snap_z) return;
  io::append_snapshot(*g.snap_z, s.z);
  io::append_snapshot(*g.snap_w, s.w);
  g.snap_step->append(&step, 1);
}

long long ResultsFile::snapshot_count(std::size_t a) const {
  const AlgorithmGroup& g = algorithms_.at(a);
  return g.snap_z ? io::snapshot_count(*g.snap_z) : 0;
}

void ResultsFile::copy_snapshots_from(const File& old, const std::vector<long long>& counts,
                                      const model::Problem& problem) {
  for (std::size_t a = 0; a < algorithms_.size(); ++a) {
    AlgorithmGroup& g = algorithms_[a];
    if (!g.snap_z || counts.at(a) == 0) continue;
    const std::string base = schema::path(schema::kRunsGroup, g.name, schema::kSnapshotsGroup);
    const std::vector<long long> steps =
        Series::open(old, schema::path(base, schema::kSnapshotStep)).read_integers();
    for (long long s = 0; s < counts[a]; ++s) {
      model::State st{read_snapshot(old, schema::path(base, schema::kZ), s, problem.grid, problem.block),
                      read_snapshot(old, schema::path(base, schema::kW), s, problem.grid, problem.block),
                      {}};
      append_snapshot(a, steps.at(static_cast<std::size_t>(s)), st);
    }
  }
}

void ResultsFile::write_status(std::size_t a, const TrajectoryStatus& st, long long steps_done) {
  write_trajectory_status(algorithms_.at(a).group, st, steps_done);
}

void write_trajectory_status(const Group& g, const TrajectoryStatus& st, long long steps_done) {
  g.write_attribute(schema::kStopReason, schema::to_string(st.stop_reason));
  g.write_attribute(schema::kStopStep, st.stop_step);
  g.write_attribute(schema::kStepsDone, steps_done);
  g.write_attribute(schema::kWallSeconds, st.wall_seconds);
  g.write_attribute(schema::kSecondsPerStep,
                    steps_done > 0 ? st.wall_seconds / static_cast<double>(steps_done) : 0.0);
}

void ResultsFile::write_final(std::size_t a, const model::State& s, const TrajectoryStatus& st,
                              long long steps_done) {
  const Group& g = algorithms_.at(a).group;
  write_matrix(g, schema::kZ, s.z);
  write_matrix(g, schema::kW, s.w);
  if (s.has_feedback()) write_matrix(g, schema::kB, s.b); // kp's learned feedback
  write_status(a, st, steps_done);
}

void ResultsFile::write_summary(const std::vector<double>& overlap, double elapsed_seconds) {
  const Group s = file_.require_group(schema::kSummaryGroup);
  if (!overlap.empty()) s.write_attribute(schema::kRepresentationOverlap, overlap);
  s.write_attribute(schema::kElapsedSeconds, elapsed_seconds);
}

void ResultsFile::write_traffic(const StepTrafficSummary& traffic) {
  write_step_traffic(file_, traffic);
}

void write_step_traffic(const File& file, const StepTrafficSummary& traffic) {
  const Group s = file.require_group(schema::kSummaryGroup);
  s.write_attribute(schema::kStepBytesPerRank, traffic.bytes);
  s.write_attribute(schema::kStepMessagesPerRank, traffic.messages);
  s.write_attribute(schema::kModelStepBytesPerRank, traffic.model_bytes);
  s.write_attribute(schema::kFloorStepBytesPerRank, traffic.floor_bytes);
  s.write_attribute(schema::kModelStepExact, traffic.model_exact);
}

void ResultsFile::set_status(schema::FileStatus status) {
  file_.write_attribute(schema::kStatus, schema::to_string(status));
}

void append_history(const File& file, const std::string& what) {
  std::string line = utc_now() + " " + what;
  file.comm().broadcast(line, 0); // one time stamp: attribute values must be identical on every rank
  const std::string before = file.has_attribute(schema::kHistory)
                                 ? file.read_attribute<std::string>(schema::kHistory)
                                 : std::string();
  file.write_attribute(schema::kHistory, before.empty() ? line : before + "\n" + line);
}

void ResultsFile::append_history(const std::string& what) {
  io::append_history(file_, what);
}

void ResultsFile::set_plans(const std::string& plans) {
  file_.write_attribute(schema::kPlan, plans);
}

void ResultsFile::flush() {
  file_.flush();
}

} // namespace fasim::io
