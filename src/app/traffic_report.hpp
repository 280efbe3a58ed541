#pragma once
// Communication as `fasim bench` and `fasim run --dry-run` report it (BENCHMARKS.md "Communication").
#include "fasim/config/config.hpp"
#include "fasim/format/results.hpp"
#include "fasim/model/problem.hpp"
#include "fasim/model/step_plan.hpp"
#include "fasim/model/step_traffic.hpp"
#include "fasim/parallel/communicator.hpp"
#include "fasim/parallel/traffic.hpp"

#include <string>

namespace fasim::app {

/// `fasim bench`'s JSON fields of a step's traffic: measured per rank per step (mean and maximum over the
/// ranks, by the PMPI counters), the model's prediction for the plan and grid, and the algebra's floor.
/// Collective over gc.
std::string traffic_fields(const parallel::Communicator& gc, const model::Problem& problem,
                           const model::StepPlan& plan, model::IntegratorKind integrator,
                           const parallel::Traffic& sent, long long steps, bool naive);

/// The same fields from a prediction (none: null; messages < 0: null) and a floor, for any model (the
/// networks' too: network_bench.cpp). Collective over gc.
std::string traffic_fields(const parallel::Communicator& gc, const parallel::Traffic& sent, long long steps,
                           const model::StepTraffic* predicted, const model::StepTraffic& floor);

/// One algorithm's row of a result's /summary traffic (the paper's model and the networks alike): what one
/// step sent per rank (PMPI: the mean over the ranks and over the `steps` this process ran), the prediction
/// (NaN where the model does not cover the target) and the floor. Collective over comm.
void add_summary_traffic(io::StepTrafficSummary& into, const parallel::Communicator& comm,
                         const parallel::Traffic& sent, long long steps, const model::StepTraffic& predicted,
                         const model::StepTraffic& floor);

/// Comment lines (# …) for --dry-run. Collective over comm (it measures a DGEMM rate and counts the ranks
/// per node).
std::string traffic_projection(const io::RunConfig& config, int rows, int cols,
                               const parallel::Communicator& comm);

} // namespace fasim::app
