#include "fasim/io/checkpoint.hpp"

#include "fasim/io/matrix_io.hpp"
#include "fasim/io/series.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

namespace fasim::io {

namespace {
constexpr long long kFormatVersion = 1;

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

/// open(2) + fsync(2) + close(2); `accept_einval` lets file systems that cannot sync this kind of object
/// pass.
void open_and_sync(const std::string& path, int flags, const std::string& what, bool accept_einval) {
  const auto fail = [&](const char* call) {
    const int error = errno;
    throw Error("cannot fsync " + what + " '" + path + "': " + call + " failed: " + std::strerror(error));
  };
  int fd;
  do fd = ::open(path.c_str(), flags | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) fail("open");
  if (::fsync(fd) != 0 && !(accept_einval && errno == EINVAL)) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    fail("fsync");
  }
  // A close error after a successful fsync can still report a deferred write error (NFS).
  if (::close(fd) != 0 && errno != EINTR) fail("close");
}
} // namespace

void sync_file(const std::string& path, const std::string& what) {
  open_and_sync(path, O_RDWR, what, false);
}

void sync_directory(const std::string& directory, const std::string& what) {
  open_and_sync(directory.empty() ? "." : directory, O_RDONLY | O_DIRECTORY, what, true);
}

void write_checkpoint(const std::string& path, const parallel::Communicator& comm, const Checkpoint& ck,
                      int probes, int keep) {
  const std::string tmp = path + ".tmp";
  parallel::agreed(comm, [&] {
    File f = File::create(tmp, comm, TruncatePolicy::Truncate);
    // Each part is agreed while the file is open: a write that fails on some ranks only (a full disk seen by
    // the rank holding Z) must not leave the others in the next collective while it closes the file (a hang);
    // after an agreed failure every rank closes the file together.
    const auto part = [&](auto&& body) { parallel::agreed(comm, body); };
    part([&] {
      f.write_attribute("format_version", kFormatVersion);
      f.write_attribute("config", ck.config_ini);
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
      part([&] { write_matrix(g, "Z", alg.state.z); });
      part([&] { write_matrix(g, "W", alg.state.w); });
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
  // make the renames durable.
  parallel::agreed(comm, [&] {
    if (comm.rank() != 0) return;
    namespace fs = std::filesystem;
    for (int k = keep - 1; k >= 1; --k) {
      const std::string older = path + "." + std::to_string(k);
      const std::string newer = k == 1 ? path : path + "." + std::to_string(k - 1);
      std::error_code ec;
      if (fs::exists(newer)) fs::rename(newer, older, ec);
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
      throw Error("cannot rename checkpoint " + tmp + " to " + path + ": check the directory is writable");
    sync_directory(fs::path(path).parent_path().string(), "the checkpoint directory");
  });
}

std::string read_checkpoint_config(const std::string& path, const parallel::Communicator& comm) {
  std::string text;
  parallel::agreed(comm, [&] {
    if (!std::filesystem::exists(path)) throw UsageError("checkpoint file '" + path + "' does not exist");
  });
  parallel::agreed(comm, [&] {
    File f = File::open(path, comm, true);
    if (!f.has_attribute("complete") || f.read_attribute<long long>("complete") != 1)
      throw UsageError("checkpoint '" + path +
                       "' is incomplete (the run was killed while writing it); resume " +
                       "from the previous generation '" + path + ".1' if it exists");
    text = f.read_attribute<std::string>("config");
  });
  return text;
}

Checkpoint read_checkpoint(const std::string& path, const parallel::Communicator& comm,
                           parallel::GridPtr grid, int block, int n, int m, int r, int probes) {
  Checkpoint ck;
  parallel::agreed(comm, [&] {
    File f = File::open(path, comm, true);
    if (f.read_attribute<long long>("format_version") != kFormatVersion)
      throw UsageError("checkpoint '" + path + "' has an unknown format version");
    ck.config_ini = f.read_attribute<std::string>("config");
    ck.step = f.read_attribute<long long>("step");
    if (f.has_attribute("plan"))
      ck.plans = f.read_attribute<std::string>("plan"); // absent before plans existed
    ck.elapsed_seconds = f.read_attribute<double>("elapsed_seconds");
    const std::size_t width = model::kScalarMetrics.size() + static_cast<std::size_t>(probes);
    for (int a = 0; f.exists("algorithms/" + std::to_string(a)); ++a) {
      const Group g = f.open_group("algorithms/" + std::to_string(a));
      CheckpointAlgorithm alg{{read_matrix(g, "Z", grid, block, MatrixShape{n, r}),
                               read_matrix(g, "W", grid, block, MatrixShape{r, m})},
                              {},
                              {},
                              0};
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
      for (long long i = 0; i < rows; ++i) {
        model::MetricRow row;
        const double* p = packed.data() + static_cast<std::size_t>(i) * width;
        std::copy_n(p, row.scalars.size(), row.scalars.begin());
        row.probes.assign(p + row.scalars.size(), p + width);
        alg.rows.push_back(std::move(row));
      }
      ck.algorithms.push_back(std::move(alg));
    }
  });
  return ck;
}

} // namespace fasim::io
