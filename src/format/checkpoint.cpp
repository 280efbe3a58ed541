#include "fasim/format/checkpoint.hpp"

#include "fasim/config/config_values.hpp"
#include "fasim/config/ini.hpp"
#include "fasim/files/publish.hpp"
#include "fasim/files/safe_files.hpp"
#include "fasim/format/matrix_io.hpp"
#include "fasim/format/schema.hpp"
#include "fasim/format/series.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/digest.hpp"
#include "fasim/parallel/error.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>

namespace fasim::io {

namespace {
constexpr int kRingSearchLimit = 64;

std::vector<double> pack_rows(const std::vector<model::MetricRow>& rows, int probes) {
  const std::size_t width = model::kScalarMetrics.size() + static_cast<std::size_t>(probes);
  std::vector<double> out;
  out.reserve(rows.size() * width);
  for (const auto& row : rows) {
    out.insert(out.end(), row.scalars.begin(), row.scalars.end());
    out.insert(out.end(), row.probes.begin(), row.probes.end());
  }
  return out;
}

std::vector<double> pack_completion(const std::vector<model::MetricRow>& rows) {
  std::vector<double> out;
  out.reserve(rows.size() * model::kCompletionMetrics.size());
  for (const auto& row : rows) out.insert(out.end(), row.completion.begin(), row.completion.end());
  return out;
}

std::string hex(std::uint64_t value) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
  return buf;
}

/// Reads `path`; `damage` is set (and the matrices may be wrong) when a digest does not match.
Checkpoint load(const std::string& path, const parallel::Communicator& comm, const parallel::GridPtr& grid,
                int block, int n, int m, int r, int probes, std::string& damage) {
  Checkpoint ck;
  damage.clear();
  File f = File::open(path, comm, true);
  const CheckpointHeader h = read_checkpoint_header(f, path);
  if (!h.complete)
    throw UsageError("checkpoint '" + path + "' is incomplete (the run was killed while writing it)");
  const bool digests = h.format_version >= 2;
  const auto check = [&](const Object& where, const std::string& what, std::uint64_t actual) {
    if (digests && damage.empty() && where.read_attribute<std::string>(schema::kDigest) != hex(actual))
      damage = "checkpoint '" + path + "' is damaged: " + what + " does not match its stored digest";
  };
  ck.config_ini = h.config_ini;
  if (digests && h.config_digest != hex(parallel::digest(ck.config_ini)))
    damage = "checkpoint '" + path + "' is damaged: the configuration does not match its stored digest";
  ck.run_id = h.run_id;
  ck.step = h.step;
  ck.plans = h.plans;
  ck.elapsed_seconds = h.elapsed_seconds;
  const std::size_t width = model::kScalarMetrics.size() + static_cast<std::size_t>(probes);
  for (std::size_t a = 0; a < h.algorithms.size(); ++a) {
    const std::string name = schema::path(schema::kAlgorithmsGroup, std::to_string(a));
    const Group g = f.open_group(name);
    CheckpointAlgorithm alg{{read_matrix(g, schema::kZ, grid, block, MatrixShape{n, r}),
                             read_matrix(g, schema::kW, grid, block, MatrixShape{r, m}),
                             {}},
                            {},
                            {},
                            0};
    check(g.open_dataset(schema::kZ), "dataset /" + schema::path(name, schema::kZ),
          parallel::digest(alg.state.z));
    check(g.open_dataset(schema::kW), "dataset /" + schema::path(name, schema::kW),
          parallel::digest(alg.state.w));
    if (g.exists(schema::kB)) { // kp's learned feedback
      alg.state.b = read_matrix(g, schema::kB, grid, block, MatrixShape{r, m});
      check(g.open_dataset(schema::kB), "dataset /" + schema::path(name, schema::kB),
            parallel::digest(alg.state.b));
    }
    alg.status = h.algorithms[a].status;
    alg.snapshots = h.algorithms[a].snapshots;
    const long long rows = h.algorithms[a].rows;
    // Rows are the scalar metrics then the probes. A fasim from before the feedback rules recorded the
    // scalars without the last kFeedbackMetrics (feedback_*): its rows are read with those recorded as NaN,
    // so an upgrade resumes its checkpoints. Any other width comes from a fasim recording other metrics.
    constexpr std::size_t kFeedbackMetrics =
        model::kScalarMetrics.size() - model::scalar_column("feedback_loss");
    std::size_t stored = width, scalars = model::kScalarMetrics.size();
    if (rows > 0) {
      stored = static_cast<std::size_t>(Series::open(g, schema::kPackedTrajectory).width());
      if (stored == width - kFeedbackMetrics)
        scalars -= kFeedbackMetrics;
      else if (stored != width)
        throw UsageError("checkpoint '" + path + "' records " + std::to_string(stored) +
                         " values per trajectory row, this fasim " + std::to_string(width) +
                         " (its metrics differ): resume it with the fasim that wrote it");
    }
    const std::vector<double> packed =
        rows > 0 ? Series::open(g, schema::kPackedTrajectory).read() : std::vector<double>{};
    if (packed.size() != static_cast<std::size_t>(rows) * stored)
      throw UsageError("checkpoint '" + path + "' has a damaged trajectory for algorithm " +
                       std::to_string(a));
    if (rows > 0)
      check(g.open_dataset(schema::kPackedTrajectory), "dataset /" + name + "/" + schema::kPackedTrajectory,
            parallel::digest(packed));
    for (long long i = 0; i < rows; ++i) {
      model::MetricRow row;
      row.scalars.fill(std::numeric_limits<double>::quiet_NaN());
      const double* p = packed.data() + static_cast<std::size_t>(i) * stored;
      std::copy_n(p, scalars, row.scalars.begin());
      row.probes.assign(p + scalars, p + stored);
      alg.rows.push_back(std::move(row));
    }
    if (rows > 0 && g.exists(schema::kPackedCompletion)) {
      const std::vector<double> extra = Series::open(g, schema::kPackedCompletion).read();
      const std::size_t cw = model::kCompletionMetrics.size();
      if (extra.size() != static_cast<std::size_t>(rows) * cw)
        throw UsageError("checkpoint '" + path + "' has damaged completion metrics for algorithm " +
                         std::to_string(a));
      check(g.open_dataset(schema::kPackedCompletion), "dataset /" + name + "/" + schema::kPackedCompletion,
            parallel::digest(extra));
      for (long long i = 0; i < rows; ++i)
        alg.rows[static_cast<std::size_t>(i)].completion.assign(
            extra.begin() + static_cast<std::ptrdiff_t>(i * cw),
            extra.begin() + static_cast<std::ptrdiff_t>((i + 1) * cw));
    }
    ck.algorithms.push_back(std::move(alg));
  }
  return ck;
}

/// The newest generation <path>.k of the ring that reads back whole, as "'<path>.k' (step S)"; "" if none.
/// `good` tells whether a generation is usable. Collective.
template <class Good>
std::string previous_good_generation(const std::string& path, const parallel::Communicator& comm,
                                     Good&& good) {
  for (int k = 1; k <= kRingSearchLimit; ++k) {
    const std::string older = path + "." + std::to_string(k);
    if (!exists_on_rank0(older, comm)) break;
    long long step = -1;
    std::exception_ptr failure;
    try {
      step = good(older);
    } catch (...) {
      failure = std::current_exception();
    }
    // Every rank saw the same file; one that failed anywhere is not a usable generation.
    if (comm.allreduce_max(failure ? 1 : 0) == 0 && step >= 0)
      return "'" + older + "' (step " + std::to_string(step) + ")";
  }
  return {};
}

std::string ring_advice(const std::string& previous) {
  return previous.empty() ? std::string("; no earlier generation of the checkpoint ring is usable: rerun")
                          : "; resume from the previous checkpoint " + previous + " instead";
}
} // namespace

std::string digest_text(std::uint64_t digest) {
  return hex(digest);
}

std::string ring_advice(const std::string& path, const parallel::Communicator& comm,
                        const std::function<long long(const std::string&)>& good) {
  return ring_advice(previous_good_generation(path, comm, good));
}

void write_checkpoint_status(const Group& g, const TrajectoryStatus& status, long long snapshots,
                             long long rows) {
  g.write_attribute(schema::kStopped, static_cast<long long>(status.stopped));
  g.write_attribute(schema::kStopReason, schema::to_string(status.stop_reason));
  g.write_attribute(schema::kStopStep, status.stop_step);
  g.write_attribute(schema::kWallSeconds, status.wall_seconds);
  g.write_attribute(schema::kSnapshotCount, snapshots);
  g.write_attribute(schema::kRows, rows);
}

void write_checkpoint(const std::string& path, const parallel::Communicator& comm, const Checkpoint& ck,
                      int probes, int keep) {
  std::vector<std::string> digests, feedback_digests;
  for (const auto& alg : ck.algorithms) {
    digests.push_back(hex(parallel::digest(alg.state.z)));
    digests.push_back(hex(parallel::digest(alg.state.w)));
    feedback_digests.push_back(alg.state.has_feedback() ? hex(parallel::digest(alg.state.b)) : std::string());
  }
  write_checkpoint_file(path, comm, ck, keep, [&](const File& f, const CheckpointPart& part) {
    for (std::size_t a = 0; a < ck.algorithms.size(); ++a) {
      const CheckpointAlgorithm& alg = ck.algorithms[a];
      std::optional<Group> group;
      part([&] { group = f.create_group(schema::path(schema::kAlgorithmsGroup, std::to_string(a))); });
      const Group& g = *group;
      part([&] {
        write_matrix(g, schema::kZ, alg.state.z);
        g.open_dataset(schema::kZ).write_attribute(schema::kDigest, digests[2 * a]);
      });
      part([&] {
        write_matrix(g, schema::kW, alg.state.w);
        g.open_dataset(schema::kW).write_attribute(schema::kDigest, digests[2 * a + 1]);
      });
      if (alg.state.has_feedback())
        part([&] {
          write_matrix(g, schema::kB, alg.state.b);
          g.open_dataset(schema::kB).write_attribute(schema::kDigest, feedback_digests[a]);
        });
      part([&] {
        write_checkpoint_status(g, alg.status, alg.snapshots, static_cast<long long>(alg.rows.size()));
        const int width = static_cast<int>(model::kScalarMetrics.size()) + probes;
        Series s = Series::create(g, schema::kPackedTrajectory, width);
        const auto packed = pack_rows(alg.rows, probes);
        if (!alg.rows.empty()) s.append(packed.data(), static_cast<long long>(alg.rows.size()));
        s.dataset().write_attribute(schema::kDigest, hex(parallel::digest(packed)));
        // Completion's columns (model::kCompletionMetrics), only when the run records them.
        if (!alg.rows.empty() && !alg.rows.front().completion.empty()) {
          const auto extra = pack_completion(alg.rows);
          Series c = Series::create(g, schema::kPackedCompletion,
                                    static_cast<int>(model::kCompletionMetrics.size()));
          c.append(extra.data(), static_cast<long long>(alg.rows.size()));
          c.dataset().write_attribute(schema::kDigest, hex(parallel::digest(extra)));
        }
      });
    }
  });
}

void write_checkpoint_file(const std::string& path, const parallel::Communicator& comm,
                           const CheckpointRoot& ck, int keep,
                           const std::function<void(const File&, const CheckpointPart&)>& body) {
  // Written under the name the files layer stages (fresh, the same on every rank), created exclusively.
  const std::string tmp = stage(comm, path, true);
  parallel::agreed(comm, [&] {
    File f = File::create(tmp, comm, TruncatePolicy::FailIfExists, path);
    // Each part is agreed while the file is open: a write that fails on some ranks only (a full disk seen by
    // the rank holding Z) must not leave the others in the next collective while it closes the file (a hang);
    // after an agreed failure every rank closes the file together.
    const CheckpointPart part = [&](const std::function<void()>& piece) { parallel::agreed(comm, piece); };
    part([&] {
      f.write_attribute(schema::kFormatVersion, schema::kCheckpointFormat);
      f.write_attribute(schema::kSchemaVersionAttribute, schema::kSchemaVersion);
      f.write_attribute(schema::kConfig, ck.config_ini);
      f.write_attribute(schema::kDigest, hex(parallel::digest(ck.config_ini)));
      f.write_attribute(schema::kRunId, ck.run_id);
      f.write_attribute(schema::kStep, ck.step);
      if (!ck.plans.empty()) f.write_attribute(schema::kPlan, ck.plans);
      if (!ck.blas_core.empty()) f.write_attribute(schema::kBlasCore, ck.blas_core);
      if (!ck.blas_library.empty()) f.write_attribute(schema::kBlasLibrary, ck.blas_library);
      if (ck.grid_rows > 0 && ck.grid_cols > 0)
        f.write_attribute(schema::kGrid, std::vector<long long>{ck.grid_rows, ck.grid_cols});
      f.write_attribute(schema::kElapsedSeconds, ck.elapsed_seconds);
      f.write_attribute(schema::kComplete, 0LL);
    });
    body(f, part);
    // Written last: a file without complete = 1 was cut short and is never trusted.
    part([&] {
      f.write_attribute(schema::kComplete, 1LL);
      f.flush();
    });
  });
  // What closing it could not write (parallel/storage_faults.hpp) is a checkpoint that is not whole.
  agree_on_write(0, 0, "H5Fclose", {path, "/"}, comm);
  // Every rank has closed it: the files layer syncs it, rotates the ring and publishes it.
  publish_into_ring(comm, tmp, path, keep, is_own_checkpoint, "checkpoint", "output.checkpoint_file");
}

CheckpointHeader read_checkpoint_header(const File& f, const std::string& path, bool last_losses) {
  const auto attribute_or = [](const Object& o, const char* name, auto fallback) {
    return o.has_attribute(name) ? o.read_attribute<decltype(fallback)>(name) : fallback;
  };
  CheckpointHeader h;
  if (!f.has_attribute(schema::kFormatVersion))
    throw UsageError("'" + path + "' is not a fasim checkpoint (no " + schema::kFormatVersion +
                     " attribute)");
  h.format_version = f.read_attribute<long long>(schema::kFormatVersion);
  if (h.format_version < 1 || h.format_version > schema::kCheckpointFormat)
    throw UsageError("checkpoint '" + path + "' has format version " + std::to_string(h.format_version) +
                     ", which this fasim (format " + std::to_string(schema::kCheckpointFormat) +
                     ") cannot read: resume it with the fasim that wrote it");
  if (f.has_attribute(schema::kSchemaVersionAttribute))
    schema::check_schema_version(f.read_attribute<std::string>(schema::kSchemaVersionAttribute), path);
  h.complete = attribute_or(f, schema::kComplete, 0LL) == 1;
  h.config_ini = attribute_or(f, schema::kConfig, std::string());
  h.config_digest = attribute_or(f, schema::kDigest, std::string());
  h.run_id = attribute_or(f, schema::kRunId, std::string());
  h.step = attribute_or(f, schema::kStep, 0LL);
  h.elapsed_seconds = attribute_or(f, schema::kElapsedSeconds, 0.0);
  h.plans = attribute_or(f, schema::kPlan, std::string()); // absent before plans existed
  if (f.has_attribute(schema::kGrid)) {                    // absent before format 6
    const std::vector<long long> grid = f.read_attribute<std::vector<long long>>(schema::kGrid);
    if (grid.size() != 2 || grid[0] < 1 || grid[1] < 1 || grid[0] * grid[1] > (1LL << 30))
      throw UsageError("checkpoint '" + path + "' has a grid attribute that is not two positive numbers");
    h.grid_rows = static_cast<int>(grid[0]);
    h.grid_cols = static_cast<int>(grid[1]);
  }
  // The groups are numbered in run.algorithms order.
  const auto names = detail::split_list(
      find_ini_value(parse_ini(h.config_ini, "the configuration stored in '" + path + "'"), "run.algorithms")
          .value_or(""));
  for (int a = 0;; ++a) {
    const std::string name = schema::path(schema::kAlgorithmsGroup, std::to_string(a));
    if (!f.exists(name)) break;
    const Group g = f.open_group(name);
    CheckpointAlgorithmHeader alg;
    alg.name =
        static_cast<std::size_t>(a) < names.size() ? names[static_cast<std::size_t>(a)] : std::to_string(a);
    alg.status.stopped = attribute_or(g, schema::kStopped, 0LL) != 0;
    // Format 2 checkpoints written before the stop reasons had one table hold "" for a running algorithm.
    const std::string reason = attribute_or(g, schema::kStopReason, std::string());
    alg.status.stop_reason = reason.empty() ? schema::StopReason::Running
                                            : schema::parse_attribute<schema::StopReason>(
                                                  reason, path, "/" + name + "/" + schema::kStopReason);
    alg.status.stop_step = attribute_or(g, schema::kStopStep, -1LL);
    alg.status.wall_seconds = attribute_or(g, schema::kWallSeconds, 0.0);
    alg.snapshots = attribute_or(g, schema::kSnapshotCount, 0LL);
    alg.rows = attribute_or(g, schema::kRows, 0LL);
    if (last_losses && alg.rows > 0 && g.exists(schema::kPackedTrajectory)) {
      const std::vector<double> packed = Series::open(g, schema::kPackedTrajectory).read();
      const std::size_t width = packed.size() / static_cast<std::size_t>(alg.rows);
      // The paper's model's rows, or a network's (step, time, loss, align_*): the loss is column 2 of both.
      constexpr std::size_t kLoss = model::scalar_column("loss");
      if (width > kLoss && packed.size() == width * static_cast<std::size_t>(alg.rows))
        alg.last_loss = packed[packed.size() - width + kLoss];
    }
    h.algorithms.push_back(alg);
  }
  return h;
}

CheckpointHeader read_checkpoint_header(const std::string& path, const parallel::Communicator& comm) {
  CheckpointHeader h;
  parallel::agreed(comm, [&] {
    if (!std::filesystem::exists(path)) throw UsageError("checkpoint file '" + path + "' does not exist");
  });
  const auto header = [&](const std::string& file) {
    const CheckpointHeader out = read_checkpoint_header(File::open(file, comm, true), file);
    if (!out.complete)
      throw UsageError("checkpoint '" + file + "' is incomplete (the run was killed while writing it)");
    return out;
  };
  std::exception_ptr failure;
  try {
    h = header(path);
  } catch (const Error&) {
    failure = std::current_exception();
  }
  if (comm.allreduce_max(failure ? 1 : 0) != 0) {
    const std::string previous =
        previous_good_generation(path, comm, [&](const std::string& older) { return header(older).step; });
    parallel::agreed(comm, [&] {
      std::string what = "checkpoint '" + path + "' cannot be read";
      if (failure) try {
          std::rethrow_exception(failure);
        } catch (const UsageError& e) {
          what = e.what();
        } catch (const Error& e) {
          what += " (truncated or corrupted): " + std::string(e.what());
        }
      throw UsageError(what + ring_advice(previous));
    });
  }
  return h;
}

Checkpoint read_checkpoint(const std::string& path, const parallel::Communicator& comm,
                           parallel::GridPtr grid, int block, int n, int m, int r, int probes) {
  Checkpoint ck;
  std::string damage;
  parallel::agreed(comm, [&] { ck = load(path, comm, grid, block, n, m, r, probes, damage); });
  // A digest is compared on every rank with the same collective values, so `damage` agrees everywhere.
  if (!damage.empty()) {
    const std::string previous = previous_good_generation(path, comm, [&](const std::string& older) {
      std::string d;
      const Checkpoint c = load(older, comm, grid, block, n, m, r, probes, d);
      return d.empty() ? c.step : -1LL;
    });
    parallel::agreed(comm, [&] { throw UsageError(damage + ring_advice(previous)); });
  }
  return ck;
}

bool is_own_checkpoint(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() &&
         looks_like_checkpoint(path);
}

bool looks_like_checkpoint(const std::string& path) {
  try {
    if (!std::filesystem::is_regular_file(path)) return false;
    const File f = File::open(path, parallel::Communicator::borrow(MPI_COMM_SELF), true);
    return f.has_attribute(schema::kFormatVersion);
  } catch (const Error&) {
    return false;
  }
}

} // namespace fasim::io
