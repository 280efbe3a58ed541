#pragma once
// How many bytes and messages one step sends, from the algebra of the step plan on its process grid: what
// the implementation does (`step_traffic`, compared with the PMPI counters of parallel/traffic.hpp by `fasim
// bench` and tests/model) and the algebra's floor (`traffic_floor`: Z held by every rank of its process row,
// W by every rank of its process column, constant products formed once). BENCHMARKS.md derives both.
#include "fasim/model/specs.hpp"
#include "fasim/model/step_plan.hpp"

namespace fasim::model {

struct Problem;

/// Per rank per step, the mean over the grid's ranks, counted by the rules of parallel/traffic.hpp.
struct StepTraffic {
  double bytes = 0;
  double messages = 0;
  /// False when part of the step's traffic is a ScaLAPACK call whose messages depend on the library (FA*
  /// without isotropic inputs on grids with more than one process row: PDPOTRF/PDPOTRS of the r×r Gram
  /// matrix); `bytes` then leaves that part out and is a lower bound.
  bool exact = true;
  /// False when the model does not cover the target or plan (it covers dense, factored and diagonal targets
  /// on the panel path — a diagonal one given its block size — not PDGEMM).
  bool modelled = true;
};

/// What the model needs of a problem: its sizes, its grid and how Y is held.
struct TrafficShape {
  double n = 0, m = 0, r = 0;
  int rows = 1, cols = 1; ///< the process grid P×Q
  bool dense = true;
  bool factored = false; ///< Y = U·diag(σ)·Vᵀ of rank k (dense = false): its products are r×k ones
  bool diagonal = false; ///< Y = diag(σ) with k values (dense = false): its products are all-to-alls
  double k = 0;          ///< the factored target's rank, the diagonal target's count of σ
  int block = 0; ///< grid.block: where a step's flops fall (0: spread evenly); a diagonal Y's bytes need it
  bool isotropic = true;   ///< Z's rows, W's columns may be replicated (model/panel_replica.hpp) only then
  bool scale_free = false; ///< FA*'s scale-free variant (its dZ rescaled; since 2026-12-08 Z's replica too)
  static TrafficShape of(const Problem& problem);
};

/// What the plan's step sends on a P×Q grid (dense, factored and diagonal targets; one step of `integrator`;
/// the steady state from the third step on, when Z's rows and W's columns are replicated where the plan
/// allows it).
StepTraffic step_traffic(const TrafficShape& shape, const StepPlan& plan, IntegratorKind integrator);
StepTraffic step_traffic(const Problem& problem, const StepPlan& plan, IntegratorKind integrator,
                         bool scale_free = false);

/// The algebra's floor for the algorithm on the same grid (any formulation; one step of `integrator`).
StepTraffic traffic_floor(const TrafficShape& shape, AlgorithmKind algorithm, IntegratorKind integrator);
StepTraffic traffic_floor(const Problem& problem, AlgorithmKind algorithm, IntegratorKind integrator);

/// A step's time on `ranks_per_node` ranks per node from its flops, a per-rank GEMM rate and the node's link:
/// compute + bytes sent by the node / link rate + messages × latency (no overlap assumed).
struct StepTimeModel {
  double gflops_per_rank = 30; ///< DGEMM rate of one rank (one core)
  double link_gbits = 10;      ///< each node's link, Gbit/s
  double latency_s = 20e-6;    ///< per message
};
/// Flops of one step on the busiest rank: a dense Y's ideal share (evaluation_flops / ranks: its pass over Y
/// is the step); a factored Y's r-sized and r×k products as the panel path computes them, each rank of a
/// process row (column) forming all r columns of its rows of Z (rows of its columns of W) for the replicas; a
/// diagonal Y's r-sized products alone (its own are transposes).
double step_flops_per_rank(const TrafficShape& shape, const StepPlan& plan, IntegratorKind integrator);

double projected_step_seconds(const TrafficShape& shape, const StepPlan& plan, IntegratorKind integrator,
                              int ranks_per_node, const StepTimeModel& machine);

} // namespace fasim::model
