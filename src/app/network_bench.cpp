// `fasim bench` for networks (network_bench.hpp): the same timing loop and JSON grammar as the paper model's
// bench (bench.cpp), with the passes over X and O and the plan's communication model of
// model/network_traffic.hpp.
#include "network_bench.hpp"

#include "fasim/config/words.hpp"
#include "fasim/model/network_dynamics.hpp"
#include "fasim/model/network_traffic.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/traffic.hpp"
#include "network_simulation.hpp"
#include "timed_steps.hpp"
#include "traffic_report.hpp"

#include <mpi.h>

#include <algorithm>
#include <cstdio>

namespace fasim::app {

std::vector<std::string> network_bench(const io::RunConfig& c, const parallel::Communicator& world,
                                       const parallel::GridPtr& grid) {
  const auto& gc = grid->grid_comm();
  model::NetworkInputs inputs;
  parallel::agreed(gc, [&] { inputs = read_network_inputs(c, grid, true); });
  const model::Network net = model::build_network(c.network, c.problem, c.feedback, c.init, c.run.r, grid,
                                                  c.grid.block, std::move(inputs));
  std::string widths;
  for (int l = 1; l < net.depth; ++l) {
    if (l > 1) widths += ',';
    widths += std::to_string(net.width(l));
  }
  const double k = model::network_evaluations(c.run.integrator);
  const model::NetworkPasses floor = model::network_passes_floor(net);
  std::vector<std::string> lines;
  for (const auto& spec : c.run.algorithms) {
    // As `fasim run` chooses it; system.products = pdgemm (the reference products) forces the PDGEMM plan.
    const model::NetworkPlan plan = c.products == linalg::ProductPath::Pdgemm
                                        ? model::NetworkPlan::Distributed
                                        : model::network_plan_cost(net, spec.kind).chosen;
    const model::NetworkPasses passes = model::network_passes(net, plan);
    model::NetworkField field(net, spec, plan);
    model::NetworkIntegrator integrator(net, c.run.integrator, spec.kind);
    model::NetworkState s = model::initial_network_state(net, spec.kind);
    const TimedSteps timed =
        time_steps(gc, c.bench.warmup, c.bench.steps, [&] { integrator.step(field, s, spec.lr); });
    const parallel::Traffic& sent = timed.sent;
    const double med = timed.median();
    const double rss = gc.allreduce_max(peak_rss_mib());
    const double flops = plan == model::NetworkPlan::Gram
                             ? model::network_plan_cost(net, spec.kind).gram_flops
                             : model::network_evaluation_flops(net, spec.kind);
    const double gflops = k * flops / med / 1e9;
    const model::StepTraffic predicted = model::network_step_traffic(net, plan, spec.kind, c.run.integrator),
                             least = model::network_traffic_floor(net, c.run.integrator);
    const std::string traffic = traffic_fields(gc, sent, c.bench.steps, &predicted, least);
    char line[2048];
    std::snprintf(
        line, sizeof line,
        "{\"algorithm\":\"%s\",\"formulation\":\"network\",\"products\":\"%s\",\"plan\":\"%s\","
        "\"n\":%d,\"m\":%d,\"samples\":%d,\"depth\":%d,\"widths\":\"%s\",\"activation\":\"%s\","
        "\"integrator\":\"%s\",\"ranks\":%d,\"grid\":\"%dx%d\",\"block\":%d,\"ms_per_step\":%.4f,"
        "\"gflops\":%.3f,\"peak_rss_mib\":%.1f,\"evaluations_per_step\":%g,\"x_passes_per_step\":%g,"
        "\"o_passes_per_step\":%g,\"x_passes_per_evaluation\":%g,\"o_passes_per_evaluation\":%g,"
        "\"floor_x_passes_per_step\":%g,\"floor_o_passes_per_step\":%g,%s}",
        model::to_string(spec.kind), io::schema::to_string(c.products),
        model::network_plan_word(spec.kind, plan).c_str(), net.n(), net.m(), net.samples, net.depth,
        widths.c_str(), model::to_string(net.activation), io::schema::to_string(c.run.integrator),
        world.size(), grid->rows(), grid->cols(), c.grid.block, med * 1e3, gflops, rss, k, k * passes.x,
        k * passes.o, passes.x, passes.o, k * floor.x, k * floor.o, traffic.c_str());
    lines.emplace_back(line);
  }
  return lines;
}

} // namespace fasim::app
