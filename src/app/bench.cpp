// `fasim bench`: times one step of each algorithm (median over timed steps after warm-up) and prints one JSON
// line per algorithm, with a DGEMM reference measured in the same process.
#include "fasim/app/run.hpp"
#include "fasim/io/config.hpp"
#include "fasim/linalg/product_path.hpp"
#include "fasim/model/dynamics.hpp"
#include "fasim/parallel/blas_info.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/error.hpp"
#include "verbs.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <vector>

extern "C" void dgemm_(const char*, const char*, const int*, const int*, const int*, const double*,
                       const double*, const int*, const double*, const int*, const double*, double*,
                       const int*);

namespace fasim::app {

namespace {
double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

// GFLOP/s of one local GEMM shaped like this rank's share of ZᵀY, summed over ranks.
double dgemm_reference(const parallel::Communicator& comm, int rows, int cols, int r) {
  rows = std::max(rows, 1), cols = std::max(cols, 1);
  std::vector<double> a(static_cast<std::size_t>(rows) * cols, 1.0),
      z(static_cast<std::size_t>(rows) * r, 0.5), c(static_cast<std::size_t>(r) * cols);
  const char t = 'T', n = 'N';
  const double one = 1.0, zero = 0.0;
  std::vector<double> times;
  for (int k = 0; k < 5; ++k) {
    comm.barrier();
    const double t0 = MPI_Wtime();
    dgemm_(&t, &n, &r, &cols, &rows, &one, z.data(), &rows, a.data(), &rows, &zero, c.data(), &r);
    times.push_back(MPI_Wtime() - t0);
  }
  std::sort(times.begin(), times.end());
  return comm.allreduce_sum(2.0 * rows * cols * r / times[times.size() / 2] / 1e9);
}
} // namespace

int bench_verb(const parallel::Communicator& world, const std::vector<std::string>& args) {
  io::RunConfig c;
  parallel::agreed(world, [&] { c = io::parse_config(args); });
  parallel::set_blas_threads(c.blas_threads);
  linalg::set_product_path(c.products == "pdgemm" ? linalg::ProductPath::Pdgemm : linalg::ProductPath::Panel);
  const bool naive = c.bench.formulation == "naive";
  auto grid = parallel::ProcessGrid::create(world, c.grid.rows, c.grid.cols);
  std::exception_ptr failure;
  std::vector<std::string> lines;
  if (grid->active()) try {
      const auto& gc = grid->grid_comm();
      model::Problem problem =
          model::build_problem(c.problem, c.feedback, c.init, c.run.r, grid, c.grid.block);
      if (naive && !problem.target->dense())
        throw UsageError("bench.formulation = naive forms Y − ZW explicitly and needs problem.representation = "
                         "dense");
      parallel::DistMatrix residual;
      if (naive) residual = parallel::DistMatrix(grid, c.problem.n, c.problem.m, c.grid.block, c.grid.block);
      struct Row {
        const char* algorithm;
        double ms, gflops, rss;
      };
      std::vector<Row> rows;
      for (const auto& spec : c.run.algorithms) {
        model::VectorField field(problem, spec);
        model::Integrator integrator(problem, c.run.integrator);
        model::State s = model::make_state(problem), d = model::make_state(problem);
        s.z.copy_from(problem.z0);
        s.w.copy_from(problem.w0);
        std::vector<double> times;
        for (long long k = 0; k < c.bench.warmup + c.bench.steps; ++k) {
          gc.barrier();
          const double t0 = MPI_Wtime();
          if (naive)
            field.evaluate_naive(s, d, residual);
          else
            integrator.step(field, s, spec.lr);
          const double dt = gc.allreduce_max(MPI_Wtime() - t0);
          if (k >= c.bench.warmup) times.push_back(dt);
        }
        std::sort(times.begin(), times.end());
        const double med = times[times.size() / 2];
        const double nmr = 2.0 * c.problem.n * c.problem.m * c.run.r;
        const double passes = naive ? 3.0 : spec.kind == model::AlgorithmKind::GD ? 2.0 : 1.0;
        const double rss = gc.allreduce_max(peak_rss_mib());
        // Flops are counted for passes over a dense Y; other representations do O((n+m)·r·k) work instead.
        const double gflops = problem.target->dense() ? passes * nmr / med / 1e9 : -1.0;
        rows.push_back({model::to_string(spec.kind), med * 1e3, gflops, rss});
      }
      // The reference runs after the timed steps (so its buffer does not count in their peak RSS) on this
      // rank's share of Y, capped at 4096×4096 local elements (the rate does not grow beyond that).
      const auto* y = problem.target->dense();
      const int ref_rows = std::min(4096, y ? y->local_rows() : 4096),
                ref_cols = std::min(4096, y ? y->local_cols() : 4096);
      const double dgemm_gflops = dgemm_reference(gc, ref_rows, ref_cols, c.run.r);
      for (const Row& row : rows) {
        char gflops[32] = "null";
        if (row.gflops >= 0) std::snprintf(gflops, sizeof gflops, "%.3f", row.gflops);
        char line[512];
        std::snprintf(
            line, sizeof line,
            "{\"algorithm\":\"%s\",\"formulation\":\"%s\",\"products\":\"%s\",\"n\":%d,\"m\":%d,\"r\":%d,"
            "\"ranks\":%d,\"grid\":\"%dx%d\",\"block\":%d,\"ms_per_step\":%.4f,\"gflops\":%s,"
            "\"peak_rss_mib\":%.1f,\"dgemm_gflops\":%.3f}",
            row.algorithm, c.bench.formulation.c_str(), c.products.c_str(), c.problem.n, c.problem.m, c.run.r,
            world.size(), grid->rows(), grid->cols(), c.grid.block, row.ms, gflops, row.rss,
            dgemm_gflops);
        lines.emplace_back(line);
      }
    } catch (...) {
      failure = std::current_exception();
    }
  parallel::agree(world, failure);
  if (world.rank() == 0)
    for (const auto& l : lines) std::cout << l << std::endl;
  return 0;
}

} // namespace fasim::app
