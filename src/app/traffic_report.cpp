// Communication as fasim reports it: `fasim bench`'s JSON fields (measured beside the model) and `fasim run
// --dry-run`'s lines — per algorithm the bytes and messages one step sends per rank on the grid the run would
// use (model/step_traffic.hpp), the algebra's floor, and a projected step time from a DGEMM rate measured
// here and a stated link rate.
#include "traffic_report.hpp"

#include "fasim/app/run_grid.hpp"
#include "fasim/config/environment.hpp"
#include "fasim/model/step_traffic.hpp"

#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

extern "C" void dgemm_(const char*, const char*, const int*, const int*, const int*, const double*,
                       const double*, const int*, const double*, const int*, const double*, double*,
                       const int*);

namespace fasim::app {

namespace {
/// One rank's DGEMM rate on a pass-shaped product (512×512 by 512×64, best of three): GFLOP/s. Local.
double measured_gflops() {
  const int n = 512, r = 64;
  const std::vector<double> a(static_cast<std::size_t>(n) * n, 0.5), b(static_cast<std::size_t>(n) * r, 0.25);
  std::vector<double> c(static_cast<std::size_t>(n) * r);
  const double one = 1.0, zero = 0.0;
  double best = 1e300;
  for (int k = 0; k < 3; ++k) {
    const double t0 = MPI_Wtime();
    dgemm_("N", "N", &n, &r, &n, &one, a.data(), &n, b.data(), &n, &zero, c.data(), &n);
    best = std::min(best, MPI_Wtime() - t0);
  }
  return 2.0 * n * n * r / std::max(best, 1e-9) / 1e9;
}

/// Ranks of `comm` on this node (sharing its memory): the ranks that share the node's link.
int ranks_per_node(const parallel::Communicator& comm) {
  MPI_Comm local = MPI_COMM_NULL;
  if (MPI_Comm_split_type(comm.get(), MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local) != MPI_SUCCESS)
    return 1;
  int size = 1;
  MPI_Comm_size(local, &size);
  MPI_Comm_free(&local);
  return comm.allreduce_max(size);
}
} // namespace

void add_summary_traffic(io::StepTrafficSummary& into, const parallel::Communicator& comm,
                         const parallel::Traffic& sent, long long steps, const model::StepTraffic& predicted,
                         const model::StepTraffic& floor) {
  const double ranks = comm.size(), per = 1.0 / static_cast<double>(std::max(1LL, steps));
  into.bytes.push_back(comm.allreduce_sum(sent.bytes * per) / ranks);
  into.messages.push_back(comm.allreduce_sum(static_cast<double>(sent.messages) * per) / ranks);
  into.model_bytes.push_back(predicted.modelled ? predicted.bytes : std::nan(""));
  into.model_exact.push_back(predicted.modelled && predicted.exact ? 1 : 0);
  into.floor_bytes.push_back(floor.bytes);
}

std::string traffic_fields(const parallel::Communicator& gc, const parallel::Traffic& sent, long long steps,
                           const model::StepTraffic* predicted, const model::StepTraffic& floor) {
  const double ranks = gc.size(), per = 1.0 / static_cast<double>(std::max(1LL, steps));
  const double bytes = sent.bytes * per, messages = static_cast<double>(sent.messages) * per;
  const double mean = gc.allreduce_sum(bytes) / ranks, most = gc.allreduce_max(bytes),
               mean_messages = gc.allreduce_sum(messages) / ranks;
  const bool counted = gc.allreduce_min(parallel::traffic_counted() ? 1 : 0) == 1;
  char measured[256] = "\"bytes_per_step\":null,\"bytes_per_step_max\":null,\"messages_per_step\":null";
  if (counted)
    std::snprintf(measured, sizeof measured,
                  "\"bytes_per_step\":%.1f,\"bytes_per_step_max\":%.1f,\"messages_per_step\":%.2f", mean,
                  most, mean_messages);
  char model_fields[256] =
      "\"model_bytes_per_step\":null,\"model_messages_per_step\":null,\"model_exact\":null";
  if (predicted && predicted->modelled) {
    char model_messages[32] = "null"; // not modelled (a library's own algorithm)
    if (predicted->messages >= 0)
      std::snprintf(model_messages, sizeof model_messages, "%.2f", predicted->messages);
    std::snprintf(model_fields, sizeof model_fields,
                  "\"model_bytes_per_step\":%.1f,\"model_messages_per_step\":%s,\"model_exact\":%s",
                  predicted->bytes, model_messages, predicted->exact ? "true" : "false");
  }
  char out[640];
  std::snprintf(out, sizeof out, "%s,%s,\"floor_bytes_per_step\":%.1f,\"bytes_vs_floor\":%s", measured,
                model_fields, floor.bytes,
                counted && floor.bytes > 0 ? std::to_string(mean / floor.bytes).c_str() : "null");
  return out;
}

std::string traffic_fields(const parallel::Communicator& gc, const model::Problem& problem,
                           const model::StepPlan& plan, model::IntegratorKind integrator,
                           const parallel::Traffic& sent, long long steps, bool naive) {
  const model::StepTraffic predicted = model::step_traffic(problem, plan, integrator),
                           floor = model::traffic_floor(problem, plan.algorithm, integrator);
  return traffic_fields(gc, sent, steps, naive ? nullptr : &predicted, floor);
}

std::string traffic_projection(const io::RunConfig& c, int p, int q, const parallel::Communicator& comm) {
  // The run's sizes, target and each algorithm's plan as the model sees them: the automatic grid's view
  // (run_grid.hpp), so these lines price the plans the grid was chosen for (a fixed system.plan, the pdgemm
  // path and sensing included).
  const model::GridCostInputs inputs = grid_cost_inputs(c);
  model::TrafficShape shape = inputs.shape;
  shape.rows = p;
  shape.cols = q;
  const bool covered = shape.dense || shape.factored || shape.diagonal;
  // FASIM_PROJECT_RANKS_PER_NODE and FASIM_PROJECT_GFLOPS describe another machine (docs/cluster.md); a bad
  // value is one agreed error line. What is measured here is measured on every rank alike (collectives).
  io::ProjectionSettings machine;
  parallel::agreed(comm, [&] { machine = io::projection_settings_from_environment(); });
  const int here = ranks_per_node(comm);
  const double measured = comm.allreduce_min(measured_gflops());
  const int per_node = machine.ranks_per_node > 0 ? machine.ranks_per_node : here;
  const bool given = machine.gflops > 0;
  const double gflops = given ? machine.gflops : measured;
  std::string out;
  char line[400];
  std::snprintf(
      line, sizeof line,
      "# communication per step and rank on the %dx%d grid (model, BENCHMARKS.md \"Communication\"); "
      "projected step time with %d rank(s) per node, DGEMM %.1f GFLOP/s per rank (%s), "
      "20 us per message:\n",
      p, q, per_node, gflops, given ? "FASIM_PROJECT_GFLOPS" : "measured here");
  out += line;
  if (!covered)
    out += "#   (the model covers dense, factored and diagonal targets; this problem is none of them)\n";
  for (const model::GridAlgorithm& a : inputs.algorithms) {
    if (!covered) break;
    const model::StepPlan& plan = a.plan;
    shape.scale_free = a.scale_free;
    const auto traffic = model::step_traffic(shape, plan, c.run.integrator);
    if (plan.formulation == model::Formulation::Sensing || !traffic.modelled) {
      // What grid_choice leaves unpriced too: sensing's products go through the measurements, and the pdgemm
      // path's sends are PBLAS's own.
      std::snprintf(line, sizeof line, "#   %-6s %-8s not modelled (%s): no projection\n",
                    model::to_string(plan.algorithm), model::to_string(plan.formulation),
                    plan.formulation == model::Formulation::Sensing ? "sensing's measurements"
                                                                    : "the pdgemm path");
      out += line;
      continue;
    }
    const auto floor = model::traffic_floor(shape, plan.algorithm, c.run.integrator);
    model::StepTimeModel at10{gflops, 10.0, 20e-6}, at100{gflops, 100.0, 20e-6};
    std::snprintf(
        line, sizeof line,
        "#   %-6s %-8s %12.0f bytes %6.1f messages (floor %.0f bytes)%s; step %.3g ms at 10 Gbit/s, "
        "%.3g ms at 100 Gbit/s\n",
        model::to_string(plan.algorithm), model::to_string(plan.formulation), traffic.bytes, traffic.messages,
        floor.bytes, traffic.exact ? "" : " + PDPOTRF/PDPOTRS",
        1e3 * model::projected_step_seconds(shape, plan, c.run.integrator, per_node, at10),
        1e3 * model::projected_step_seconds(shape, plan, c.run.integrator, per_node, at100));
    out += line;
  }
  // A checkpoint holds each algorithm's Z and W (never Y).
  const double checkpoint =
      8.0 * (shape.n * shape.r + shape.r * shape.m) * static_cast<double>(c.run.algorithms.size());
  std::snprintf(line, sizeof line, "# checkpoint: %.3g GB, %.3g s at 1 GB/s\n", checkpoint / 1e9,
                checkpoint / 1e9);
  return out + line;
}

} // namespace fasim::app
