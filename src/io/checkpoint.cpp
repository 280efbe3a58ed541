#include "fasim/io/checkpoint.hpp"

#include "fasim/io/matrix_io.hpp"
#include "fasim/io/safe_files.hpp"
#include "fasim/io/schema.hpp"
#include "fasim/io/series.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/digest.hpp"
#include "fasim/parallel/error.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <optional>

namespace fasim::io {

namespace {
// 1: the first format; 2: digests, run_id, schema_version.
constexpr long long kFormatVersion = 2;
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
  const long long version = f.read_attribute<long long>("format_version");
  if (version < 1 || version > kFormatVersion)
    throw UsageError("checkpoint '" + path + "' has format version " + std::to_string(version) +
                     ", which this fasim (format " + std::to_string(kFormatVersion) +
                     ") cannot read: resume it with the fasim that wrote it");
  if (!f.has_attribute("complete") || f.read_attribute<long long>("complete") != 1)
    throw UsageError("checkpoint '" + path + "' is incomplete (the run was killed while writing it)");
  const bool digests = version >= 2;
  const auto check = [&](const Object& where, const std::string& what, std::uint64_t actual) {
    if (digests && damage.empty() && where.read_attribute<std::string>("digest") != hex(actual))
      damage = "checkpoint '" + path + "' is damaged: " + what + " does not match its stored digest";
  };
  ck.config_ini = f.read_attribute<std::string>("config");
  check(f, "the configuration", parallel::digest(ck.config_ini));
  ck.run_id = digests ? f.read_attribute<std::string>("run_id") : std::string();
  ck.step = f.read_attribute<long long>("step");
  if (f.has_attribute("plan"))
    ck.plans = f.read_attribute<std::string>("plan"); // absent before plans existed
  ck.elapsed_seconds = f.read_attribute<double>("elapsed_seconds");
  const std::size_t width = model::kScalarMetrics.size() + static_cast<std::size_t>(probes);
  for (int a = 0; f.exists("algorithms/" + std::to_string(a)); ++a) {
    const std::string name = "algorithms/" + std::to_string(a);
    const Group g = f.open_group(name);
    CheckpointAlgorithm alg{{read_matrix(g, "Z", grid, block, MatrixShape{n, r}),
                             read_matrix(g, "W", grid, block, MatrixShape{r, m}),
                             {}},
                            {},
                            {},
                            0};
    check(g.open_dataset("Z"), "dataset /" + name + "/Z", parallel::digest(alg.state.z));
    check(g.open_dataset("W"), "dataset /" + name + "/W", parallel::digest(alg.state.w));
    if (g.exists("B")) { // kp's learned feedback
      alg.state.b = read_matrix(g, "B", grid, block, MatrixShape{r, m});
      check(g.open_dataset("B"), "dataset /" + name + "/B", parallel::digest(alg.state.b));
    }
    alg.status.stopped = g.read_attribute<long long>("stopped") != 0;
    alg.status.stop_reason = g.read_attribute<std::string>("stop_reason");
    alg.status.stop_step = g.read_attribute<long long>("stop_step");
    alg.status.wall_seconds = g.read_attribute<double>("wall_seconds");
    alg.snapshots = g.read_attribute<long long>("snapshots");
    const long long rows = g.read_attribute<long long>("rows");
    const std::vector<double> packed =
        rows > 0 ? Series::open(g, "trajectory").read() : std::vector<double>{};
    if (packed.size() != static_cast<std::size_t>(rows) * width)
      throw UsageError("checkpoint '" + path + "' has a damaged trajectory for algorithm " +
                       std::to_string(a));
    if (rows > 0)
      check(g.open_dataset("trajectory"), "dataset /" + name + "/trajectory", parallel::digest(packed));
    for (long long i = 0; i < rows; ++i) {
      model::MetricRow row;
      const double* p = packed.data() + static_cast<std::size_t>(i) * width;
      std::copy_n(p, row.scalars.size(), row.scalars.begin());
      row.probes.assign(p + row.scalars.size(), p + width);
      alg.rows.push_back(std::move(row));
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

void write_checkpoint(const std::string& path, const parallel::Communicator& comm, const Checkpoint& ck,
                      int probes, int keep) {
  // A fresh name nobody could plant anything at, the same on every rank; created exclusively.
  std::string tmp;
  parallel::agreed(comm, [&] {
    if (comm.rank() != 0) return;
    remove_stale_temporaries(path);
    tmp = fresh_temporary_name(path);
  });
  comm.broadcast(tmp, 0);
  std::vector<std::string> digests, feedback_digests;
  for (const auto& alg : ck.algorithms) {
    digests.push_back(hex(parallel::digest(alg.state.z)));
    digests.push_back(hex(parallel::digest(alg.state.w)));
    feedback_digests.push_back(alg.state.has_feedback() ? hex(parallel::digest(alg.state.b)) : std::string());
  }
  parallel::agreed(comm, [&] {
    File f = File::create(tmp, comm, TruncatePolicy::FailIfExists);
    // Each part is agreed while the file is open: a write that fails on some ranks only (a full disk seen by
    // the rank holding Z) must not leave the others in the next collective while it closes the file (a hang);
    // after an agreed failure every rank closes the file together.
    const auto part = [&](auto&& body) { parallel::agreed(comm, body); };
    part([&] {
      f.write_attribute("format_version", kFormatVersion);
      f.write_attribute(schema::kSchemaVersionAttribute, schema::kSchemaVersion);
      f.write_attribute("config", ck.config_ini);
      f.write_attribute("digest", hex(parallel::digest(ck.config_ini)));
      f.write_attribute("run_id", ck.run_id);
      f.write_attribute("step", ck.step);
      if (!ck.plans.empty()) f.write_attribute("plan", ck.plans);
      f.write_attribute("elapsed_seconds", ck.elapsed_seconds);
      f.write_attribute("complete", 0LL);
    });
    for (std::size_t a = 0; a < ck.algorithms.size(); ++a) {
      const CheckpointAlgorithm& alg = ck.algorithms[a];
      std::optional<Group> group;
      part([&] { group = f.create_group("algorithms/" + std::to_string(a)); });
      const Group& g = *group;
      part([&] {
        write_matrix(g, "Z", alg.state.z);
        g.open_dataset("Z").write_attribute("digest", digests[2 * a]);
      });
      part([&] {
        write_matrix(g, "W", alg.state.w);
        g.open_dataset("W").write_attribute("digest", digests[2 * a + 1]);
      });
      if (alg.state.has_feedback())
        part([&] {
          write_matrix(g, "B", alg.state.b);
          g.open_dataset("B").write_attribute("digest", feedback_digests[a]);
        });
      part([&] {
        g.write_attribute("stopped", static_cast<long long>(alg.status.stopped));
        g.write_attribute("stop_reason", alg.status.stop_reason);
        g.write_attribute("stop_step", alg.status.stop_step);
        g.write_attribute("wall_seconds", alg.status.wall_seconds);
        g.write_attribute("snapshots", alg.snapshots);
        g.write_attribute("rows", static_cast<long long>(alg.rows.size()));
        const int width = static_cast<int>(model::kScalarMetrics.size()) + probes;
        Series s = Series::create(g, "trajectory", width);
        const auto packed = pack_rows(alg.rows, probes);
        if (!alg.rows.empty()) s.append(packed.data(), static_cast<long long>(alg.rows.size()));
        s.dataset().write_attribute("digest", hex(parallel::digest(packed)));
      });
    }
    // Written last: a file without complete = 1 was cut short and is never trusted.
    part([&] {
      f.write_attribute("complete", 1LL);
      f.flush();
    });
  });
  // Every rank has closed the temporary file. On stable storage before it replaces anything: a crash of the
  // node after the rename must not leave a renamed but empty or partial checkpoint. Every rank syncs, since
  // each wrote its own part (its MPI-IO layer may keep it in that node's cache).
  parallel::agreed(comm, [&] { sync_file(tmp, "checkpoint"); });
  // Every rank has synced the temporary file and agreed it is complete: rotate and rename on one rank, then
  // make the renames durable. Renames replace whatever is at a ring path (a link included) without following.
  parallel::agreed(comm, [&] {
    if (comm.rank() != 0) return;
    namespace fs = std::filesystem;
    // A generation is only ever renamed over an older generation of this ring (or nothing): a file planted at
    // a ring path is never replaced.
    for (int k = keep - 1; k >= 1; --k) {
      const std::string older = path + "." + std::to_string(k);
      const std::string newer = k == 1 ? path : path + "." + std::to_string(k - 1);
      std::error_code ec;
      if (!fs::exists(fs::symlink_status(newer, ec))) continue;
      if (fs::exists(fs::symlink_status(older, ec)) && !is_own_checkpoint(older))
        throw UsageError("checkpoint ring path '" + older +
                         "' holds a file that is not a checkpoint of yours; " +
                         "fasim will not replace it: move it away, or choose another output.checkpoint_file");
      fs::rename(newer, older, ec);
    }
    rename_over(tmp, path, "checkpoint");
  });
}

CheckpointHeader read_checkpoint_header(const std::string& path, const parallel::Communicator& comm) {
  CheckpointHeader h;
  parallel::agreed(comm, [&] {
    if (!std::filesystem::exists(path)) throw UsageError("checkpoint file '" + path + "' does not exist");
  });
  const auto header = [&](const std::string& file) {
    CheckpointHeader out;
    File f = File::open(file, comm, true);
    if (!f.has_attribute("format_version"))
      throw UsageError("'" + file + "' is not a fasim checkpoint (no format_version attribute)");
    out.format_version = f.read_attribute<long long>("format_version");
    if (!f.has_attribute("complete") || f.read_attribute<long long>("complete") != 1)
      throw UsageError("checkpoint '" + file + "' is incomplete (the run was killed while writing it)");
    out.config_ini = f.read_attribute<std::string>("config");
    out.run_id = f.has_attribute("run_id") ? f.read_attribute<std::string>("run_id") : std::string();
    out.step = f.read_attribute<long long>("step");
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
    return f.has_attribute("format_version");
  } catch (const Error&) {
    return false;
  }
}

} // namespace fasim::io
