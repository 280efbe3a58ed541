#pragma once
// The automatic process grid (grid.rows = grid.cols = 0): among the factorisations P×Q of the rank count, the
// one whose step the communication model (model/step_traffic.hpp) prices lowest, summed over the run's
// algorithms, at a stated weighting of bytes against messages; a shape that does not fit in memory is not
// taken; a tie keeps the near-square shape fasim chose before the model did (so nothing moves where the model
// has no preference). What the run records and how a resume keeps it: docs/config.md, "[grid]".
#include "fasim/model/step_traffic.hpp"

#include <functional>
#include <string>
#include <vector>

namespace fasim::model {

/// One algorithm of the run as the model prices it: its step plan and FA*'s scale-free flag.
struct GridAlgorithm {
  StepPlan plan;
  bool scale_free = false;
};

/// What the choice weighs: the run's sizes and target (`shape`'s rows and cols are ignored: each candidate
/// sets its own), each algorithm's plan, the integrator.
struct GridCostInputs {
  TrafficShape shape;
  std::vector<GridAlgorithm> algorithms;
  IntegratorKind integrator = IntegratorKind::Euler;
};

/// The stated weighting, per rank and step: seconds = flops / flops_per_second (on the busiest rank,
/// step_flops_per_rank) + bytes / bytes_per_second + messages × latency_s. Fixed, not measured, so that the
/// same job on the same ranks always gets the same grid (StepTimeModel's defaults: 30 GFLOP/s per rank,
/// 10 Gbit/s per rank and 20 µs per message, so one message weighs as much as 25 KB). A dense Y's flops are
/// the same on every shape (its passes dominate, spread evenly): there the choice is communication alone; a
/// factored or diagonal Y's r-sized products are formed by every rank holding a replica, so there they
/// decide.
struct GridCostWeights {
  double bytes_per_second = 10e9 / 8;
  double latency_s = 20e-6;
  /// Another shape than the near-square one is taken only if it saves at least this fraction of the
  /// near-square shape's communication time: a smaller difference is within what the stated weighting
  /// assumes (at n = m = 10⁶, r = 50, GD and FA together send 9.497 MB per rank and step on 128×512 and
  /// 9.498 MB on 256×256), and a moved grid changes results' last bits.
  double margin = 0.05;
  double flops_per_second = 30e9;
};

struct GridCandidate {
  int rows = 1, cols = 1;
  double bytes = 0, messages = 0; ///< per rank per step, summed over the algorithms
  double flops = 0;               ///< on the busiest rank per step, summed over the algorithms
  double wire = 0;                ///< the communication's time: bytes and messages weighted
  double seconds = 0;             ///< the whole weighted cost: flops' time + wire
  bool fits = true;               ///< the memory the run would need on this shape is available
};

struct GridChoice {
  int rows = 1, cols = 1;
  /// False when the model does not cover the run (a target or plan it does not price): the near-square shape.
  bool modelled = true;
  GridCandidate chosen, square;          ///< the chosen shape and the near-square one
  std::vector<GridCandidate> candidates; ///< every factorisation, rows ascending
  /// "automatic: 30 KB, 2 messages per rank and step vs 2.0 MB, 5 on 2x2" (the near-square shape, as
  /// parallel::ProcessGrid::choose_shape makes it), or why the near-square shape.
  std::string reason;
};

/// The cost of one shape (`fits` left true).
GridCandidate grid_cost(int rows, int cols, const GridCostInputs& inputs,
                        const GridCostWeights& weights = {});

/// The choice among the factorisations of `ranks` (>= 1); `fits(rows, cols)` says whether a shape fits in
/// memory (a shape for which it is false is not taken unless none fits: then the near-square shape, which the
/// run's own memory check refuses). The near-square shape stays unless the cheapest saves `margin` of its
/// communication time; ties among the others (costs within a relative 1e-9) go to the shape nearest to
/// square.
GridChoice choose_grid(int ranks, const GridCostInputs& inputs, const std::function<bool(int, int)>& fits,
                       const GridCostWeights& weights = {});

/// Bytes in decimal units: one decimal below 10 of a unit ("1.7 MB"), whole numbers above ("945 KB").
std::string short_bytes(double bytes);

} // namespace fasim::model
