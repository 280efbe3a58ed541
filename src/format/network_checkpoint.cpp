#include "fasim/format/network_checkpoint.hpp"

#include "fasim/format/matrix_io.hpp"
#include "fasim/format/network_results.hpp"
#include "fasim/format/result_state.hpp"
#include "fasim/format/schema.hpp"
#include "fasim/format/series.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/digest.hpp"
#include "fasim/parallel/error.hpp"

#include <algorithm>
#include <optional>

namespace fasim::io {

namespace {
std::string weights_name(std::size_t index) { // W1 … WL at index l − 1
  return schema::layer_dataset(schema::kLayerWeights, static_cast<long long>(index) + 1);
}
std::string feedback_name(std::size_t index) { // B2 … BL at index l − 1
  return schema::layer_dataset(schema::kLayerLearnedFeedback, static_cast<long long>(index) + 1);
}

std::vector<double> pack(const std::vector<model::NetworkMetricRow>& rows, int depth) {
  std::vector<double> out;
  out.reserve(rows.size() * static_cast<std::size_t>(depth + 2));
  for (const auto& row : rows) {
    out.push_back(static_cast<double>(row.step));
    out.push_back(row.time);
    out.push_back(row.loss);
    out.insert(out.end(), row.alignment.begin(), row.alignment.end());
  }
  return out;
}

/// The matrices of one algorithm's state in the order they are written: W1 … WL, then B2 … BL.
std::vector<std::pair<std::string, const parallel::DistMatrix*>> matrices(const model::NetworkState& s) {
  std::vector<std::pair<std::string, const parallel::DistMatrix*>> out;
  for (std::size_t i = 0; i < s.w.size(); ++i) out.emplace_back(weights_name(i), &s.w[i]);
  for (std::size_t i = 1; i < s.b.size(); ++i) out.emplace_back(feedback_name(i), &s.b[i]);
  return out;
}

/// Reads `path`; `damage` is set (and the matrices may be wrong) when a digest does not match.
NetworkCheckpoint load(const std::string& path, const parallel::Communicator& comm, const model::Network& net,
                       const std::vector<model::AlgorithmSpec>& algorithms, std::string& damage) {
  damage.clear();
  File f = File::open(path, comm, true);
  const CheckpointHeader h = read_checkpoint_header(f, path);
  if (!h.complete)
    throw UsageError("checkpoint '" + path + "' is incomplete (the run was killed while writing it)");
  if (!f.has_attribute(schema::kDepth))
    throw UsageError("checkpoint '" + path +
                     "' is of the paper's model, not of a network run: resume it with the configuration "
                     "that wrote it");
  if (const long long depth = f.read_attribute<long long>(schema::kDepth); depth != net.depth)
    throw UsageError("checkpoint '" + path + "' is of a network of depth " + std::to_string(depth) +
                     ", the configuration's has depth " + std::to_string(net.depth) +
                     ": resume it with the configuration that wrote it");
  if (h.algorithms.size() != algorithms.size())
    throw UsageError("checkpoint '" + path + "' holds " + std::to_string(h.algorithms.size()) +
                     " algorithms, run.algorithms names " + std::to_string(algorithms.size()) +
                     ": resume it with the configuration that wrote it");
  const auto check = [&](const Object& where, const std::string& what, std::uint64_t actual) {
    if (damage.empty() && where.read_attribute<std::string>(schema::kDigest) != digest_text(actual))
      damage = "checkpoint '" + path + "' is damaged: " + what + " does not match its stored digest";
  };
  NetworkCheckpoint ck;
  ck.config_ini = h.config_ini;
  if (h.config_digest != digest_text(parallel::digest(ck.config_ini)))
    damage = "checkpoint '" + path + "' is damaged: the configuration does not match its stored digest";
  ck.run_id = h.run_id;
  ck.step = h.step;
  ck.plans = h.plans;
  ck.elapsed_seconds = h.elapsed_seconds;
  const std::size_t width = static_cast<std::size_t>(net.depth) + 2;
  for (std::size_t a = 0; a < h.algorithms.size(); ++a) {
    const std::string name = schema::path(schema::kAlgorithmsGroup, std::to_string(a));
    const Group g = f.open_group(name);
    NetworkCheckpointAlgorithm alg;
    alg.state = model::make_network_state(net, algorithms[a].kind);
    for (std::size_t i = 0; i < alg.state.w.size(); ++i) {
      parallel::DistMatrix& w = alg.state.w[i];
      w = read_matrix(g, weights_name(i), net.grid, net.block, MatrixShape{w.rows(), w.cols()});
      check(g.open_dataset(weights_name(i)), "dataset /" + schema::path(name, weights_name(i)),
            parallel::digest(w));
    }
    for (std::size_t i = 1; i < alg.state.b.size(); ++i) {
      parallel::DistMatrix& b = alg.state.b[i];
      b = read_matrix(g, feedback_name(i), net.grid, net.block, MatrixShape{b.rows(), b.cols()});
      check(g.open_dataset(feedback_name(i)), "dataset /" + schema::path(name, feedback_name(i)),
            parallel::digest(b));
    }
    alg.status = h.algorithms[a].status;
    alg.snapshots = h.algorithms[a].snapshots;
    const long long rows = h.algorithms[a].rows;
    const std::vector<double> packed =
        rows > 0 ? Series::open(g, schema::kPackedTrajectory).read() : std::vector<double>{};
    if (packed.size() != static_cast<std::size_t>(rows) * width)
      throw UsageError("checkpoint '" + path + "' has a damaged trajectory for algorithm " +
                       std::to_string(a) + " (" + std::to_string(packed.size()) + " values for " +
                       std::to_string(rows) + " rows of " + std::to_string(width) + ")");
    if (rows > 0)
      check(g.open_dataset(schema::kPackedTrajectory), "dataset /" + name + "/" + schema::kPackedTrajectory,
            parallel::digest(packed));
    for (long long i = 0; i < rows; ++i) {
      const double* p = packed.data() + static_cast<std::size_t>(i) * width;
      alg.rows.push_back({static_cast<long long>(p[0]), p[1], p[2], std::vector<double>(p + 3, p + width)});
    }
    ck.algorithms.push_back(std::move(alg));
  }
  return ck;
}
} // namespace

void write_network_checkpoint(const std::string& path, const parallel::Communicator& comm,
                              const NetworkCheckpoint& ck, int depth, int keep) {
  std::vector<std::vector<std::string>> digests; // computed collectively before the file is open
  std::vector<std::vector<double>> packed;
  for (const auto& alg : ck.algorithms) {
    digests.emplace_back();
    for (const auto& [name, m] : matrices(alg.state))
      digests.back().push_back(digest_text(parallel::digest(*m)));
    packed.push_back(pack(alg.rows, depth));
    digests.back().push_back(digest_text(parallel::digest(packed.back())));
  }
  write_checkpoint_file(path, comm, ck, keep, [&](const File& f, const CheckpointPart& part) {
    part([&] { f.write_attribute(schema::kDepth, static_cast<long long>(depth)); });
    for (std::size_t a = 0; a < ck.algorithms.size(); ++a) {
      const NetworkCheckpointAlgorithm& alg = ck.algorithms[a];
      std::optional<Group> group;
      part([&] { group = f.create_group(schema::path(schema::kAlgorithmsGroup, std::to_string(a))); });
      const Group& g = *group;
      const auto list = matrices(alg.state);
      for (std::size_t k = 0; k < list.size(); ++k)
        part([&] {
          write_matrix(g, list[k].first, *list[k].second);
          g.open_dataset(list[k].first).write_attribute(schema::kDigest, digests[a][k]);
        });
      part([&] {
        write_checkpoint_status(g, alg.status, alg.snapshots, static_cast<long long>(alg.rows.size()));
        Series s = Series::create(g, schema::kPackedTrajectory, depth + 2);
        if (!alg.rows.empty()) s.append(packed[a].data(), static_cast<long long>(alg.rows.size()));
        s.dataset().write_attribute(schema::kDigest, digests[a].back());
      });
    }
  });
}

NetworkCheckpoint read_network_result_as_checkpoint(const std::string& path,
                                                    const parallel::Communicator& comm,
                                                    const model::Network& net,
                                                    const std::vector<model::AlgorithmSpec>& algorithms) {
  NetworkCheckpoint ck;
  parallel::agreed(comm, [&] {
    const File f = File::open(path, comm, true);
    ck.config_ini = f.read_attribute<std::string>(schema::kConfig);
    if (f.has_attribute(schema::kRunId)) ck.run_id = f.read_attribute<std::string>(schema::kRunId);
    if (f.has_attribute(schema::kPlan)) ck.plans = f.read_attribute<std::string>(schema::kPlan);
    if (f.exists(schema::kSummaryGroup)) {
      const Group summary = f.open_group(schema::kSummaryGroup);
      if (summary.has_attribute(schema::kElapsedSeconds))
        ck.elapsed_seconds = summary.read_attribute<double>(schema::kElapsedSeconds);
    }
    for (const auto& spec : algorithms) {
      const std::string group = schema::path(schema::kRunsGroup, model::to_string(spec.kind));
      const Group g = f.open_group(group);
      NetworkCheckpointAlgorithm alg;
      alg.state = model::make_network_state(net, spec.kind);
      for (std::size_t i = 0; i < alg.state.w.size(); ++i)
        alg.state.w[i] = read_matrix(g, weights_name(i), net.grid, net.block,
                                     MatrixShape{alg.state.w[i].rows(), alg.state.w[i].cols()});
      for (std::size_t i = 1; i < alg.state.b.size(); ++i)
        alg.state.b[i] = read_matrix(g, feedback_name(i), net.grid, net.block,
                                     MatrixShape{alg.state.b[i].rows(), alg.state.b[i].cols()});
      alg.status = read_final_status(g, path, group);
      ck.step = std::max(ck.step, g.read_attribute<long long>(schema::kStepsDone));
      // The rows, column by column, each by its name (model::network_metric_names).
      for (const auto& column : model::network_metric_names(net.depth)) {
        const std::vector<double> values =
            Series::open(g, schema::path(schema::kTrajectoryGroup, column)).read();
        if (alg.rows.empty())
          alg.rows.assign(values.size(),
                          model::NetworkMetricRow{0, 0.0, 0.0, std::vector<double>(net.depth - 1)});
        for (std::size_t i = 0; i < alg.rows.size(); ++i)
          model::set_network_metric(alg.rows[i], column, values.at(i));
      }
      ck.algorithms.push_back(std::move(alg));
    }
  });
  return ck;
}

NetworkCheckpoint read_network_checkpoint(const std::string& path, const parallel::Communicator& comm,
                                          const model::Network& net,
                                          const std::vector<model::AlgorithmSpec>& algorithms) {
  NetworkCheckpoint ck;
  std::string damage;
  parallel::agreed(comm, [&] { ck = load(path, comm, net, algorithms, damage); });
  // A digest is compared on every rank with the same collective values, so `damage` agrees everywhere.
  if (!damage.empty()) {
    const std::string advice = ring_advice(path, comm, [&](const std::string& older) {
      std::string d;
      const NetworkCheckpoint c = load(older, comm, net, algorithms, d);
      return d.empty() ? c.step : -1LL;
    });
    parallel::agreed(comm, [&] { throw UsageError(damage + advice); });
  }
  return ck;
}

} // namespace fasim::io
