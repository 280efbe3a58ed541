// `fasim bench`: times one step of each algorithm (median over timed steps after warm-up) and prints one JSON
// line per algorithm, with a DGEMM reference measured in the same process (networks: network_bench.hpp). With
// bench.io_dir it also times writing the last algorithm's state (HDF5 Y + Z + W, a checkpoint) against a raw
// dd-like write to that directory and prints one more line.
#include "fasim/app/run.hpp"
#include "fasim/app/run_grid.hpp"
#include "fasim/config/config.hpp"
#include "fasim/config/words.hpp"
#include "fasim/files/safe_files.hpp"
#include "fasim/format/checkpoint.hpp"
#include "fasim/format/hdf5.hpp"
#include "fasim/format/matrix_io.hpp"
#include "fasim/model/completion.hpp"
#include "fasim/model/dynamics.hpp"
#include "fasim/model/sensing.hpp"
#include "fasim/model/step_plan.hpp"
#include "fasim/parallel/blas_info.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/error.hpp"
#include "fasim/parallel/traffic.hpp"
#include "memory_limits.hpp"
#include "network_bench.hpp"
#include "network_simulation.hpp"
#include "timed_steps.hpp"
#include "traffic_report.hpp"
#include "verbs.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <vector>

extern "C" void dgemm_(const char*, const char*, const int*, const int*, const int*, const double*,
                       const double*, const int*, const double*, const int*, const double*, double*,
                       const int*);

namespace fasim::app {

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

namespace {

/// The limit a pass over Y is measured against: the fastest of the four layouts of one local GEMM over this
/// rank's piece of Y (rows × cols, leading dimension ld) with an r-wide operand — Zᵀ·Y (r×cols), Yᵀ·Z
/// (cols×r), Y·Bᵀ (rows×r), B·Yᵀ (r×rows) — each the median of five, timed on the slowest rank.
struct PassFloor {
  double seconds = 0;      ///< the fastest layout's time, slowest rank
  const char* layout = ""; ///< which one
  double gflops = 0;       ///< its rate, summed over ranks
  /// Every layout's time in the order zt_y, yt_z, y_bt, b_yt: which layouts an algorithm can use depends on
  /// the product (FA's pass is Zᵀ·Y, zt_y or yt_z; GD's second pass is Y·Wᵀ, y_bt or b_yt).
  std::array<double, 4> layout_seconds{};
};

PassFloor pass_floor(const parallel::Communicator& comm, const double* y, int rows, int cols, int ld, int r) {
  // A rank that owns no piece of Y (rows or cols 0, e.g. n = 64 on a 2×2 grid with block 64) has no GEMM to
  // time: it joins every barrier and reduction with a time of 0, and its data pointer is never read.
  const bool owns = rows > 0 && cols > 0;
  ld = std::max({ld, rows, 1});
  const std::vector<double> thin(static_cast<std::size_t>(std::max({rows, cols, 1})) * r, 0.5);
  std::vector<double> out(static_cast<std::size_t>(std::max({rows, cols, 1})) * r);
  const double one = 1.0, zero = 0.0;
  struct Layout {
    const char* name;
    char ta, tb;
    int m, n, k;
    bool y_first;
  };
  const Layout layouts[] = {{"zt_y", 'T', 'N', r, cols, rows, false},
                            {"yt_z", 'T', 'N', cols, r, rows, true},
                            {"y_bt", 'N', 'T', rows, r, cols, true},
                            {"b_yt", 'N', 'T', r, rows, cols, false}};
  PassFloor best{1e300, "", 0, {}};
  for (std::size_t which = 0; which < std::size(layouts); ++which) {
    const Layout& l = layouts[which];
    const int lda = l.y_first ? ld : (l.ta == 'T' ? l.k : l.m),
              ldb = l.y_first ? (l.tb == 'T' ? l.n : l.k) : ld;
    const double* a = l.y_first ? y : thin.data();
    const double* b = l.y_first ? thin.data() : y;
    std::vector<double> times;
    for (int k = 0; k < 6; ++k) { // the first is a warm-up
      comm.barrier();
      const double t0 = MPI_Wtime();
      if (owns) dgemm_(&l.ta, &l.tb, &l.m, &l.n, &l.k, &one, a, &lda, b, &ldb, &zero, out.data(), &l.m);
      const double dt = comm.allreduce_max(owns ? MPI_Wtime() - t0 : 0.0);
      if (k > 0) times.push_back(dt);
    }
    std::sort(times.begin(), times.end());
    best.layout_seconds[which] = times[times.size() / 2];
    if (times[times.size() / 2] < best.seconds) {
      best.seconds = times[times.size() / 2];
      best.layout = l.name;
    }
  }
  best.gflops = best.seconds > 0 ? comm.allreduce_sum(2.0 * rows * cols * r / best.seconds / 1e9) : 0.0;
  return best;
}

constexpr double kMiB = 1024.0 * 1024.0;

/// bench.io_dir, when set, must be an existing directory this rank may create files in.
void check_io_dir(const std::string& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw UsageError("bench.io_dir = '" + dir + "': not an existing directory; create it or set another one");
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    const int error = errno;
    throw UsageError("bench.io_dir = '" + dir + "': not writable (" + std::strerror(error) +
                     "); choose a writable directory");
  }
}

[[noreturn]] void io_failure(const char* call, const std::string& path) {
  const int error = errno;
  throw Error("bench.io_dir: " + std::string(call) + " of '" + path + "' failed: " + std::strerror(error));
}

/// The dd reference: `bytes` written at `offset` of `path` in 64 MiB pwrite() calls, then fsync(). Returns
/// the seconds spent before the fsync.
double raw_write(const std::string& path, long long offset, long long bytes) {
  constexpr long long kChunk = 64LL << 20;
  const double t0 = MPI_Wtime();
  // Rank 0 created the file exclusively (io_bench); every rank opens that file, following no link.
  const int fd = ::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) io_failure("open", path);
  struct Closer {
    int fd;
    ~Closer() {
      if (fd >= 0) ::close(fd);
    }
  } closer{fd};
  const std::vector<char> chunk(static_cast<std::size_t>(std::min(kChunk, std::max(bytes, 1LL))), '\x5a');
  for (long long done = 0; done < bytes;) {
    const auto want = static_cast<std::size_t>(std::min(kChunk, bytes - done));
    const ssize_t wrote = ::pwrite(fd, chunk.data(), want, static_cast<off_t>(offset + done));
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote == 0) errno = ENOSPC;
    if (wrote <= 0) io_failure("pwrite", path);
    done += wrote;
  }
  const double written = MPI_Wtime() - t0;
  if (::fsync(fd) != 0) io_failure("fsync", path);
  closer.fd = -1;
  if (::close(fd) != 0) io_failure("close", path);
  return written;
}

/// Runs `body` (which agrees on its own failures) between a barrier and the slowest rank's finish: seconds.
template <class Body> double timed(const parallel::Communicator& comm, Body&& body) {
  comm.barrier();
  const double t0 = MPI_Wtime();
  body();
  return comm.allreduce_max(MPI_Wtime() - t0);
}

void remove_files(const std::vector<std::string>& paths) {
  for (const auto& path : paths) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
}

/// Removes the benchmark's files on rank 0 when it goes out of scope, whether the benchmark finished or not.
/// (Each file is also removed as soon as it is measured, so the directory needs room for one at a time.)
struct RemoveFiles {
  std::vector<std::string> paths;
  bool owner;
  ~RemoveFiles() {
    if (owner) remove_files(paths);
  }
};

/// Bytes of Y (dense targets only), Z and W: what the HDF5 and raw writes of bench.io_dir put on disk.
long long io_payload(const io::RunConfig& c, const parallel::DistMatrix* y) {
  return 8LL *
         ((y ? static_cast<long long>(c.problem.n) * c.problem.m : 0LL) +
          static_cast<long long>(c.problem.n) * c.run.r + static_cast<long long>(c.run.r) * c.problem.m);
}

/// Refuses, before the steps are timed, a bench.io_dir without room for the largest file of the write
/// benchmark (a full disk met halfway through a collective HDF5 write is much harder to report cleanly).
void check_io_space(const std::string& dir, long long payload) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) io_failure("statvfs", dir);
  const double available = static_cast<double>(st.f_bavail) * static_cast<double>(st.f_frsize),
               need = static_cast<double>(payload) * 1.01 + 16 * kMiB; // HDF5 metadata, checkpoint trajectory
  if (available < need) {
    char text[160];
    std::snprintf(text, sizeof text, "%.1f MiB free, the write benchmark needs %.1f MiB", available / kMiB,
                  need / kMiB);
    throw Error("bench.io_dir = '" + dir + "': " + text + "; free space or choose another directory");
  }
}

/// bench.io_dir: writes Y (dense targets only), Z and W with the HDF5 layer, then `state` as a checkpoint,
/// then the same bytes per rank raw, each timed from create to the end of every rank's fsync (slowest rank).
/// Returns the JSON line. Collective over gc, the grid's active ranks.
std::string io_bench(const io::RunConfig& c, const parallel::Communicator& gc,
                     const parallel::ProcessGrid& grid, int ranks, const parallel::DistMatrix* y,
                     model::State state, long long steps) {
  // Scratch names nobody can predict (the directory may be shared), each file created exclusively.
  std::string token = gc.rank() == 0 ? io::random_token() : std::string();
  gc.broadcast(token, 0);
  namespace fs = std::filesystem;
  const auto in_dir = [&](const char* stem, const char* ext) {
    return (fs::path(c.bench.io_dir) / (stem + token + ext)).string();
  };
  const std::string h5 = in_dir("fasim-bench-io-", ".h5"), ckpt = in_dir("fasim-bench-ckpt-", ".h5"),
                    raw = in_dir("fasim-bench-raw-", ".bin");
  const RemoveFiles cleanup{{h5, ckpt, raw}, gc.rank() == 0};

  // This rank's share of the HDF5 payload, its offset in the raw file, and the total.
  const auto local_bytes = [](const parallel::DistMatrix& a) {
    return 8LL * a.local_rows() * a.local_cols();
  };
  const long long share = local_bytes(state.z) + local_bytes(state.w) + (y ? local_bytes(*y) : 0),
                  offset = gc.exscan_sum(share), bytes = gc.allreduce_sum(share);

  double hdf5_write_seconds = 0, raw_write_seconds = 0; // the part before the fsync
  const double hdf5_seconds = timed(gc, [&] {
    const double t0 = MPI_Wtime();
    parallel::agreed(gc, [&] {
      const io::File f = io::File::create(h5, gc, io::TruncatePolicy::FailIfExists);
      // Agreed one by one while the file is open: only some ranks hold Z, and a write failing there must not
      // leave the others in the next collective while the failed ranks close the file.
      if (y) parallel::agreed(gc, [&] { io::write_matrix(f, io::schema::kTarget, *y); });
      parallel::agreed(gc, [&] { io::write_matrix(f, io::schema::kZ, state.z); });
      parallel::agreed(gc, [&] { io::write_matrix(f, io::schema::kW, state.w); });
    }); // closed
    hdf5_write_seconds = gc.allreduce_max(MPI_Wtime() - t0);
    parallel::agreed(gc, [&] { io::sync_file(h5, "bench file"); });
  });
  if (gc.rank() == 0) remove_files({h5}); // before the next timing's barrier

  io::Checkpoint ck;
  ck.config_ini = c.resolved_ini;
  ck.step = steps;
  ck.algorithms.push_back({std::move(state), {}, {}, 0});
  const double checkpoint_seconds = timed(gc, [&] {
    io::write_checkpoint(ckpt, gc, ck, c.run.probes, 1); // syncs the file and the directory itself
    parallel::agreed(gc, [&] { io::sync_file(ckpt, "bench checkpoint"); });
  });
  long long checkpoint_bytes = 0;
  parallel::agreed(gc, [&] {
    if (gc.rank() == 0) checkpoint_bytes = static_cast<long long>(fs::file_size(ckpt));
  });
  if (gc.rank() == 0) remove_files({ckpt});

  const double raw_seconds = timed(gc, [&] {
    double written = 0;
    parallel::agreed(gc, [&] {
      if (gc.rank() != 0) return;
      const int fd = ::open(raw.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd < 0) io_failure("create", raw);
      ::close(fd);
    });
    parallel::agreed(gc, [&] { written = raw_write(raw, offset, share); });
    raw_write_seconds = gc.allreduce_max(written);
  });

  const double hdf5_rate = bytes / kMiB / hdf5_seconds,
               checkpoint_rate = checkpoint_bytes / kMiB / checkpoint_seconds,
               raw_rate = bytes / kMiB / raw_seconds;
  char line[1024];
  std::snprintf(
      line, sizeof line,
      "{\"io\":\"write\",\"n\":%d,\"m\":%d,\"r\":%d,\"ranks\":%d,\"grid\":\"%dx%d\",\"matrices\":\"%s\","
      "\"bytes\":%lld,\"hdf5_seconds\":%.4g,\"hdf5_write_seconds\":%.4g,\"hdf5_mib_per_s\":%.5g,"
      "\"checkpoint_bytes\":%lld,\"checkpoint_seconds\":%.4g,\"checkpoint_mib_per_s\":%.5g,"
      "\"raw_seconds\":%.4g,\"raw_write_seconds\":%.4g,\"raw_mib_per_s\":%.5g,\"hdf5_vs_raw\":%.4g,"
      "\"checkpoint_vs_raw\":%.4g}",
      c.problem.n, c.problem.m, c.run.r, ranks, grid.rows(), grid.cols(), y ? "Y,Z,W" : "Z,W", bytes,
      hdf5_seconds, hdf5_write_seconds, hdf5_rate, checkpoint_bytes, checkpoint_seconds, checkpoint_rate,
      raw_seconds, raw_write_seconds, raw_rate, hdf5_rate / raw_rate, checkpoint_rate / raw_rate);
  return line;
}
} // namespace

int bench_verb(const parallel::Communicator& world, const std::vector<std::string>& args) {
  io::RunConfig c;
  int network = 0; // a network beyond the paper's model (which benches as the paper's model, bitwise)
  parallel::agreed(world, [&] {
    c = io::parse_config(args);
    if (world.rank() == 0) network = runs_as_network(c); // it may open input.file
  });
  world.broadcast(&network, sizeof network, 0);
  const bool naive = c.bench.formulation == io::BenchFormulation::Naive;
  parallel::agreed(world, [&] {
    if (network && naive)
      throw UsageError("bench.formulation = naive is the paper model's explicit Y − ZW; a network "
                       "(problem.source = network) always forms E = O − Ŷ: drop bench.formulation");
    if (network && !c.bench.io_dir.empty())
      throw UsageError("bench.io_dir times writing the paper model's Y, Z and W; for a network drop "
                       "bench.io_dir (its checkpoints hold the weights only: BENCHMARKS.md)");
    check_io_dir(c.bench.io_dir);
  });
  parallel::set_blas_threads(c.blas_threads);
  // The grid a run of the same configuration takes from step 0 (run_grid.hpp).
  const RunGrid shape = run_grid(c, {}, {}, world, world.size(), network != 0,
                                 agreed_memory_per_rank(world, memory_budget(world).per_rank));
  auto grid = parallel::ProcessGrid::create(world, shape.rows, shape.cols);
  std::exception_ptr failure;
  std::vector<std::string> lines;
  if (grid->active() && network) try {
      lines = network_bench(c, world, grid);
    } catch (...) {
      failure = std::current_exception();
    }
  else if (grid->active())
    try {
      const auto& gc = grid->grid_comm();
      model::Problem problem =
          model::build_problem(c.problem, c.feedback, c.init, c.run.r, grid, c.grid.block);
      model::observe_entries(problem, c.completion);
      if (c.completion.observe == model::Observe::Sensing) model::observe_measurements(problem, c.sensing);
      if (!c.bench.io_dir.empty())
        parallel::agreed(gc, [&] {
          if (gc.rank() == 0) check_io_space(c.bench.io_dir, io_payload(c, problem.target->dense()));
        });
      if (naive && !problem.target->dense())
        throw UsageError(
            "bench.formulation = naive forms Y − ZW explicitly and needs problem.representation = "
            "dense");
      parallel::DistMatrix residual;
      if (naive) residual = parallel::DistMatrix(grid, c.problem.n, c.problem.m, c.grid.block, c.grid.block);
      struct Row {
        const char* algorithm;
        std::string plan;
        double ms, fastest_ms, gflops, rss, passes;
        std::string traffic;
      };
      std::vector<Row> rows;
      model::State last; // the last algorithm's state, for bench.io_dir
      for (const auto& spec : c.run.algorithms) {
        // As `fasim run` chooses it (measure: within its bound as for a long run).
        const model::StepPlan plan = c.products == linalg::ProductPath::Pdgemm
                                         ? model::reference_plan(spec.kind)
                                         : model::choose_plan(problem, spec, c.plan, 1000000);
        model::VectorField field(problem, spec, plan);
        model::Integrator integrator(problem, c.run.integrator, spec.kind);
        model::State s = model::initial_state(problem, spec.kind), d = model::make_state(problem, spec.kind);
        const TimedSteps timed = time_steps(gc, c.bench.warmup, c.bench.steps, [&] {
          if (naive)
            field.evaluate_naive(s, d, residual);
          else
            integrator.step(field, s, spec.lr);
        });
        const parallel::Traffic& sent = timed.sent;
        const double med = timed.median();
        const double nmr = 2.0 * c.problem.n * c.problem.m * c.run.r;
        // Passes over Y's size: the residual formulation forms E and multiplies by it twice, like the naive
        // one.
        const bool three = naive || plan.formulation == model::Formulation::Residual;
        const double passes = three ? 3.0 : model::constant_feedback(spec.kind) ? 1.0 : 2.0;
        const double rss = gc.allreduce_max(peak_rss_mib());
        // Flops are counted for passes over a dense Y; other representations do O((n+m)·r·k) work instead.
        const double gflops = problem.target->dense() ? passes * nmr / med / 1e9 : -1.0;
        rows.push_back({model::to_string(spec.kind),
                        naive ? io::schema::to_string(io::BenchFormulation::Naive) : plan.str(), med * 1e3,
                        timed.seconds.front() * 1e3, gflops, rss, passes,
                        traffic_fields(gc, problem, plan, c.run.integrator, sent, c.bench.steps, naive)});
        last = std::move(s);
      }
      // The reference runs after the timed steps (so its buffers do not count in their peak RSS) on this
      // rank's piece of Y itself; without a dense Y on a 4096×4096 stand-in (the rate does not grow beyond).
      const auto* y = problem.target->dense();
      std::vector<double> stand_in;
      if (!y) stand_in.assign(static_cast<std::size_t>(4096) * 4096, 1.0);
      const PassFloor floor =
          y ? pass_floor(gc, y->data(), y->local_rows(), y->local_cols(), y->lld(), c.run.r)
            : pass_floor(gc, stand_in.data(), 4096, 4096, 4096, c.run.r);
      for (const Row& row : rows) {
        char gflops[32] = "null";
        if (row.gflops >= 0) std::snprintf(gflops, sizeof gflops, "%.3f", row.gflops);
        // The floor is one pass over this Y in its fastest layout: a step's distance to the limit is
        // ms_per_step / (passes × floor_ms) (FA and FA* make one pass, GD and the rules two, the residual
        // formulation three).
        // layout_ms lists every layout, so a ratio against the layouts the algorithm's product can use is
        // at hand too.
        char floor_fields[320] = "\"floor_ms\":null,\"floor_layout\":null,\"vs_floor\":null";
        const auto& ms = floor.layout_seconds;
        if (y)
          std::snprintf(
              floor_fields, sizeof floor_fields,
              "\"floor_ms\":%.4f,\"floor_layout\":\"%s\",\"vs_floor\":%.3f,\"layout_ms\":{\"zt_y\":%.4f,"
              "\"yt_z\":%.4f,\"y_bt\":%.4f,\"b_yt\":%.4f}",
              floor.seconds * 1e3, floor.layout, row.ms / (row.passes * floor.seconds * 1e3), ms[0] * 1e3,
              ms[1] * 1e3, ms[2] * 1e3, ms[3] * 1e3);
        char line[2048];
        std::snprintf(
            line, sizeof line,
            "{\"algorithm\":\"%s\",\"formulation\":\"%s\",\"products\":\"%s\",\"plan\":\"%s\",\"n\":%d,"
            "\"m\":%d,\"r\":%d,\"ranks\":%d,\"grid\":\"%dx%d\",\"block\":%d,\"ms_per_step\":%.4f,"
            "\"ms_fastest_step\":%.4f,\"gflops\":%s,\"peak_rss_mib\":%.1f,\"dgemm_gflops\":%.3f,%s,%s}",
            row.algorithm, io::schema::to_string(c.bench.formulation), io::schema::to_string(c.products),
            row.plan.c_str(), c.problem.n, c.problem.m, c.run.r, world.size(), grid->rows(), grid->cols(),
            c.grid.block, row.ms, row.fastest_ms, gflops, row.rss, floor.gflops, floor_fields,
            row.traffic.c_str());
        lines.emplace_back(line);
      }
      if (!c.bench.io_dir.empty())
        lines.push_back(
            io_bench(c, gc, *grid, world.size(), y, std::move(last), c.bench.warmup + c.bench.steps));
    } catch (...) {
      failure = std::current_exception();
    }
  parallel::agree(world, failure);
  if (world.rank() == 0)
    for (const auto& l : lines) std::cout << l << std::endl;
  return 0;
}

} // namespace fasim::app
