#include "fasim/format/network_results.hpp"

#include "fasim/format/dimension_scales.hpp"
#include "fasim/format/matrix_io.hpp"

namespace fasim::io {

NetworkResultsFile NetworkResultsFile::create(const std::string& path, const parallel::Communicator& comm,
                                              CreateMode mode, const RunConfig& config,
                                              const RunProvenance& prov, const model::Network& net,
                                              const std::string& run_id, const std::string& history_line) {
  StagedResult staged = create_staged_result(path, comm, mode);
  NetworkResultsFile out(std::move(staged.file));
  if (mode == CreateMode::Staged) out.staged_path_ = staged.staged_path, out.final_path_ = path;
  const File& f = out.file_;
  write_run_header(f, config, prov, run_id, history_line);

  const Group pg = f.create_group(schema::kProblemGroup);
  const double io_size = static_cast<double>(net.samples) * (net.n() + net.m());
  if (config.output.save_target == SaveTarget::Yes ||
      (config.output.save_target == SaveTarget::Auto && io_size <= 4e6)) {
    if (!net.identity_input) write_matrix(pg, schema::kNetworkInputs, net.x);
    write_matrix(pg, schema::kNetworkOutputs, net.o);
  }
  pg.write_attribute(schema::kONorm2, net.o_norm2);
  pg.write_attribute(schema::kN, static_cast<long long>(net.n()));
  pg.write_attribute(schema::kM, static_cast<long long>(net.m()));
  pg.write_attribute(schema::kSamples, static_cast<long long>(net.samples));
  pg.write_attribute(schema::kDepth, static_cast<long long>(net.depth));
  std::vector<long long> widths(net.sizes.begin() + 1, net.sizes.end() - 1);
  pg.write_attribute(schema::kWidths, widths);
  pg.write_attribute(schema::kActivation, schema::to_string(net.activation));
  pg.write_attribute(schema::kIdentityInput, static_cast<long long>(net.identity_input));
  pg.write_attribute(schema::kSource, schema::to_string(config.problem.source));
  const Group ig = f.create_group(schema::kInitGroup);
  for (std::size_t l = 1; l <= net.w0.size(); ++l)
    write_matrix(ig, schema::layer_dataset(schema::kLayerWeights, static_cast<long long>(l)), net.w0[l - 1]);
  for (std::size_t l = 2; l <= net.c.size(); ++l)
    write_matrix(ig, schema::layer_dataset(schema::kLayerFeedback, static_cast<long long>(l)), net.c[l - 1]);
  for (std::size_t l = 1; l <= net.d.size(); ++l)
    write_matrix(ig, schema::layer_dataset(schema::kLayerDirectFeedback, static_cast<long long>(l)),
                 net.d[l - 1]);

  for (const auto& alg : config.run.algorithms) {
    AlgorithmGroup g{model::to_string(alg.kind),
                     f.create_group(std::string(schema::kRunsGroup) + "/" + model::to_string(alg.kind)),
                     model::network_metric_names(net.depth),
                     {},
                     {},
                     std::nullopt};
    write_algorithm_attributes(g.group, alg, config.run.integrator);
    const Group traj = g.group.create_group(schema::kTrajectoryGroup);
    for (const auto& name : g.columns) g.scalars.push_back(Series::create(traj, name));
    write_dimension_scales(traj);
    if (config.output.snapshot_every > 0) {
      const Group sg = g.group.create_group(schema::kSnapshotsGroup);
      for (std::size_t l = 1; l <= net.w0.size(); ++l)
        g.snapshots.push_back(create_snapshot_series(
            sg, schema::layer_dataset(schema::kLayerWeights, static_cast<long long>(l)), net.w0[l - 1].rows(),
            net.w0[l - 1].cols()));
      g.snap_step = Series::create(sg, schema::kStep, 0, SeriesType::Integer);
    }
    out.algorithms_.push_back(std::move(g));
  }
  f.flush();
  if (mode != CreateMode::Staged)
    publish_staged_result(comm, staged.staged_path, staged.final_path, mode == CreateMode::New);
  return out;
}

NetworkResultsFile NetworkResultsFile::open_to_continue(const std::string& path,
                                                        const parallel::Communicator& comm,
                                                        const RunConfig& config, const model::Network& net) {
  NetworkResultsFile out(File::open(path, comm, false));
  const File& f = out.file_;
  for (const auto& alg : config.run.algorithms) {
    const std::string name = model::to_string(alg.kind);
    AlgorithmGroup g{name,
                     f.open_group(schema::path(schema::kRunsGroup, name)),
                     model::network_metric_names(net.depth),
                     {},
                     {},
                     std::nullopt};
    const Group traj = g.group.open_group(schema::kTrajectoryGroup);
    for (const auto& column : g.columns) g.scalars.push_back(Series::open(traj, column));
    if (config.output.snapshot_every > 0) {
      if (!g.group.exists(schema::kSnapshotsGroup))
        throw UsageError(
            "result file '" + path + "' has no snapshots of " + name +
            " but output.snapshot_every is set: continue it with the snapshot_every it was run with");
      const Group sg = g.group.open_group(schema::kSnapshotsGroup);
      for (std::size_t l = 1; l <= net.w0.size(); ++l)
        g.snapshots.push_back(
            sg.open_dataset(schema::layer_dataset(schema::kLayerWeights, static_cast<long long>(l))));
      g.snap_step = Series::open(sg, schema::kStep);
    }
    out.algorithms_.push_back(std::move(g));
  }
  f.write_attribute(schema::kConfig, config.resolved_ini);
  f.write_attribute(schema::kStatus, schema::to_string(schema::FileStatus::Running));
  f.flush();
  return out;
}

void NetworkResultsFile::append_rows(std::size_t a, const std::vector<model::NetworkMetricRow>& rows,
                                     std::size_t from) {
  if (from >= rows.size()) return;
  AlgorithmGroup& g = algorithms_.at(a);
  const std::size_t count = rows.size() - from;
  std::vector<double> column(count);
  for (std::size_t k = 0; k < g.scalars.size(); ++k) {
    for (std::size_t i = 0; i < count; ++i)
      column[i] = model::network_metric(rows[from + i], g.columns.at(k));
    g.scalars[k].append(column.data(), static_cast<long long>(count));
  }
}

void NetworkResultsFile::append_snapshot(std::size_t a, long long step, const model::NetworkState& s) {
  AlgorithmGroup& g = algorithms_.at(a);
  if (!g.snap_step) return;
  for (std::size_t l = 0; l < g.snapshots.size(); ++l) io::append_snapshot(g.snapshots[l], s.w[l]);
  g.snap_step->append(&step, 1);
}

long long NetworkResultsFile::snapshot_count(std::size_t a) const {
  const AlgorithmGroup& g = algorithms_.at(a);
  return g.snapshots.empty() ? 0 : io::snapshot_count(g.snapshots.front());
}

void NetworkResultsFile::copy_snapshots_from(const File& old, const std::vector<long long>& counts,
                                             const model::Network& net) {
  for (std::size_t a = 0; a < algorithms_.size(); ++a) {
    AlgorithmGroup& g = algorithms_[a];
    if (!g.snap_step || counts.at(a) == 0) continue;
    const std::string base = schema::path(schema::kRunsGroup, g.name, schema::kSnapshotsGroup);
    const std::vector<long long> steps = Series::open(old, schema::path(base, schema::kStep)).read_integers();
    for (long long k = 0; k < counts[a]; ++k) {
      model::NetworkState s;
      for (std::size_t l = 1; l <= g.snapshots.size(); ++l)
        s.w.push_back(read_snapshot(
            old, schema::path(base, schema::layer_dataset(schema::kLayerWeights, static_cast<long long>(l))),
            k, net.grid, net.block));
      append_snapshot(a, steps.at(static_cast<std::size_t>(k)), s);
    }
  }
}

void NetworkResultsFile::publish() {
  if (staged_path_.empty()) return;
  publish_staged_result(file_.comm(), staged_path_, final_path_, false);
  staged_path_.clear();
}

void NetworkResultsFile::set_history(const std::string& text) {
  file_.write_attribute(schema::kHistory, text);
}

void NetworkResultsFile::write_status(std::size_t a, const TrajectoryStatus& st, long long steps_done) {
  write_trajectory_status(algorithms_.at(a).group, st, steps_done);
}

void NetworkResultsFile::write_final(std::size_t a, const model::NetworkState& s, const TrajectoryStatus& st,
                                     long long steps_done) {
  const Group& g = algorithms_.at(a).group;
  for (std::size_t l = 1; l <= s.w.size(); ++l)
    write_matrix(g, schema::layer_dataset(schema::kLayerWeights, static_cast<long long>(l)), s.w[l - 1]);
  if (s.w.size() == 2) { // the paper's names too
    write_matrix(g, schema::kZ, s.w[0]);
    write_matrix(g, schema::kW, s.w[1]);
  }
  for (std::size_t l = 2; l <= s.b.size(); ++l)
    write_matrix(g, schema::layer_dataset(schema::kLayerLearnedFeedback, static_cast<long long>(l)),
                 s.b[l - 1]);
  write_status(a, st, steps_done);
}

void NetworkResultsFile::write_summary(double elapsed_seconds) {
  file_.require_group(schema::kSummaryGroup).write_attribute(schema::kElapsedSeconds, elapsed_seconds);
}

void NetworkResultsFile::set_status(schema::FileStatus status) {
  file_.write_attribute(schema::kStatus, schema::to_string(status));
}

void NetworkResultsFile::set_plans(const std::string& plans) {
  file_.write_attribute(schema::kPlan, plans);
}

void NetworkResultsFile::append_history(const std::string& what) {
  io::append_history(file_, what);
}

void NetworkResultsFile::flush() {
  file_.flush();
}

} // namespace fasim::io
