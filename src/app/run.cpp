#include "fasim/app/run.hpp"

#include "fasim/app/signals.hpp"
#include "fasim/io/checkpoint.hpp"
#include "fasim/io/matrix_io.hpp"
#include "fasim/parallel/blas_info.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/error.hpp"
#include "simulation.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace fasim::app {

namespace fs = std::filesystem;

double estimate_bytes_per_rank(const io::RunConfig& c, int p, int q) {
  const double n = c.problem.n, m = c.problem.m, r = c.run.r, k = c.problem.k, b = c.grid.block;
  // The most rows (columns) one process holds of a dimension dealt out in whole blocks of b over `procs`
  // processes: a block larger than dimension / procs pads the share up to a whole block.
  const auto local = [b](double size, double procs) {
    return std::min(size, std::ceil(std::ceil(size / b) / procs) * b);
  };
  // Y's share depends on its representation: dense n·m, factored U and V ((n+m)·k), diagonal k (replicated).
  const double y = c.problem.representation == model::Representation::Factored
                       ? local(n, p) * local(k, q) + local(m, p) * local(k, q)
                   : c.problem.representation == model::Representation::Diagonal ? k
                                                                                 : local(n, p) * local(m, q);
  // One Z (n×r) plus one W (r×m); then Y·Cᵀ, C, Z0, W0 and, per algorithm, its state and workspace (Euler:
  // state + increment + ZᵀY = 5 thin matrices; RK4: 4 more increments and a stage state).
  const double thin = local(n, p) * local(r, q) + local(r, p) * local(m, q);
  const double per_alg = c.run.integrator == model::IntegratorKind::RK4 ? 15.0 : 5.0;
  const double algs = static_cast<double>(c.run.algorithms.size());
  // Every rank keeps each algorithm's recorded rows (metrics and probes) for the whole run.
  const double records =
      2.0 + static_cast<double>(c.run.record_points) +
      (c.run.record_every > 0 ? static_cast<double>(c.run.steps / c.run.record_every) : 0.0);
  const double record_rows =
      algs * records * (static_cast<double>(model::kScalarMetrics.size()) + c.run.probes);
  return 8.0 * (y + thin * (3.0 + per_alg * algs) + record_rows) + 64.0 * 1024 * 1024;
}

namespace {
// Memory this node can give each of its ranks: MemAvailable divided by the ranks sharing the node.
double available_bytes_per_rank(const parallel::Communicator& comm) {
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(comm.get(), MPI_COMM_TYPE_SHARED, comm.rank(), MPI_INFO_NULL, &node);
  int local = 1;
  MPI_Comm_size(node, &local);
  MPI_Comm_free(&node);
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    double kib = 0;
    if (std::sscanf(line.c_str(), "MemAvailable: %lf kB", &kib) == 1) return kib * 1024.0 / local;
  }
  return 0.0;
}

std::string human_bytes(double b) {
  char buf[32];
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) b /= 1024, ++u;
  std::snprintf(buf, sizeof buf, "%.1f %s", b, units[u]);
  return buf;
}

// Refuses to clobber results and catches an unwritable destination before any heavy work. Rank 0 looks.
void check_output(const io::RunConfig& c, bool resuming) {
  const fs::path out(c.output.file);
  const fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
  if (!fs::is_directory(dir))
    throw UsageError("output directory '" + dir.string() + "' (output.file) does not exist: create it first");
  if (access(dir.c_str(), W_OK) != 0)
    throw UsageError("output directory '" + dir.string() + "' (output.file) is not writable");
  if (!resuming && fs::exists(out) && !c.output.overwrite)
    throw UsageError("output file '" + out.string() + "' exists; pass --output.overwrite=true to replace it or " +
                     "choose another output.file");
}

model::ProblemInputs read_inputs(const io::RunConfig& c, const parallel::GridPtr& grid) {
  model::ProblemInputs in;
  if (c.input.file.empty()) return in;
  const int n = c.problem.n, m = c.problem.m, r = c.run.r, b = c.grid.block;
  if (!fs::exists(c.input.file))
    throw UsageError("input file '" + c.input.file + "' (input.file) does not exist");
  const io::File f = io::File::open(c.input.file, grid->grid_comm(), true);
  auto take = [&](const char* name, int rows, int cols, std::optional<parallel::DistMatrix>& slot) {
    if (!f.exists(name)) return;
    slot = io::read_matrix(f, name, grid, b, io::MatrixShape{rows, cols});
    io::check_finite(*slot, "dataset '" + std::string(name) + "' of input file '" + c.input.file + "'");
  };
  take("Y", n, m, in.y);
  take("C", r, m, in.c);
  take("Z0", n, r, in.z0);
  take("W0", r, m, in.w0);
  if (c.problem.source == model::Source::LinearNetwork) {
    // X (N×n) and O (N×m): N is the file's; the shapes must agree with each other and with n, m.
    if (f.exists("X")) {
      in.x = io::read_matrix(f, "X", grid, b);
      if (in.x->cols() != n)
        throw UsageError("dataset 'X' of input file '" + c.input.file + "' has " + std::to_string(in.x->cols()) +
                         " columns; expected problem.n = " + std::to_string(n));
      io::check_finite(*in.x, "dataset 'X' of input file '" + c.input.file + "'");
    }
    if (f.exists("O")) {
      const int samples = in.x ? in.x->rows() : (c.problem.samples > 0 ? c.problem.samples : n);
      take("O", samples, m, in.o);
    }
  }
  return in;
}
} // namespace

int run_experiment(const RunRequest& req, const parallel::Communicator& comm) {
  const io::RunConfig& c = req.config;
  const bool resuming = !req.resume_from.empty();
  parallel::agreed(comm, [&] {
    if (comm.rank() == 0) check_output(c, resuming);
  });
  // The grid is made on the ranks it uses: ranks beyond P×Q (if any) wait at the final agreement, and every
  // file of the run is opened on the grid's own communicator.
  const auto [p, q] = parallel::ProcessGrid::choose_shape(comm.size(), c.grid.rows, c.grid.cols);
  parallel::agreed(comm, [&, p = p, q = q] {
    if (static_cast<long long>(p) * q > comm.size())
      throw UsageError("process grid " + std::to_string(p) + "x" + std::to_string(q) + " (grid.rows x grid.cols) " +
                       "needs " + std::to_string(p * q) + " ranks but " + std::to_string(comm.size()) +
                       " were started: lower grid.rows/grid.cols or start more ranks");
  });
  const parallel::Communicator active = comm.split(comm.rank() < p * q ? 0 : MPI_UNDEFINED, comm.rank());
  const double need = estimate_bytes_per_rank(c, p, q);
  const double have = available_bytes_per_rank(comm);
  if (req.dry_run) {
    if (comm.rank() == 0)
      std::cout << c.resolved_ini << "\n# process grid " << p << "x" << q << " on " << comm.size()
                << " ranks, block " << c.grid.block << "\n# memory per rank: " << human_bytes(need)
                << " (available per rank on this node: " << human_bytes(have) << ")\n";
    return parallel::kExitSuccess;
  }
  parallel::agreed(comm, [&] {
    if (have > 0 && need > have)
      throw UsageError("the run needs about " + human_bytes(need) + " per rank but only " + human_bytes(have) +
                       " is available: use more ranks or nodes, or a smaller problem");
  });
  install_signal_handlers();
  int code = parallel::kExitSuccess;
  std::exception_ptr failure;
  if (!active.is_null()) {
    try {
      const auto grid = parallel::ProcessGrid::create(active, p, q);
      const parallel::Communicator& gc = active;
      model::ProblemInputs inputs;
      parallel::agreed(gc, [&] { inputs = read_inputs(c, grid); });
      model::Problem problem = model::build_problem(c.problem, c.feedback, c.init, c.run.r, grid, c.grid.block,
                                                    std::move(inputs));
      model::compute_reference_errors(problem);
      const auto blas = parallel::query_blas();
      char host[256] = {0};
      gethostname(host, sizeof host - 1);
      std::string host_name = host;
      gc.broadcast(host_name, 0);
      io::RunProvenance prov{comm.size(), grid->rows(),  grid->cols(), c.grid.block, blas.library, blas.core,
                             host_name,   blas.threads};
      Simulation sim(c, problem, gc, req.quiet);
      std::optional<io::Checkpoint> ck;
      if (resuming)
        ck = io::read_checkpoint(req.resume_from, gc, grid, c.grid.block, c.problem.n, c.problem.m, c.run.r,
                                 c.run.probes);
      sim.start(prov, ck ? &*ck : nullptr, c.output.file);
      if (sim.run())
        sim.finish();
      else
        code = parallel::kExitCheckpointed;
    } catch (...) {
      failure = std::current_exception();
    }
  }
  // Inactive ranks wait here; a failure inside the grid reaches them through this agreement.
  parallel::agree(comm, failure);
  return comm.allreduce_max(code);
}

} // namespace fasim::app
