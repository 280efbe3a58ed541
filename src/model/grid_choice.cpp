#include "fasim/model/grid_choice.hpp"

#include "fasim/parallel/error.hpp"
#include "fasim/parallel/process_grid.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace fasim::model {

GridCandidate grid_cost(int rows, int cols, const GridCostInputs& inputs, const GridCostWeights& weights) {
  GridCandidate c;
  c.rows = rows;
  c.cols = cols;
  TrafficShape shape = inputs.shape;
  shape.rows = rows;
  shape.cols = cols;
  for (const GridAlgorithm& a : inputs.algorithms) {
    shape.scale_free = a.scale_free;
    const StepTraffic t = step_traffic(shape, a.plan, inputs.integrator);
    c.bytes += t.bytes;
    c.messages += t.messages;
    c.flops += step_flops_per_rank(shape, a.plan, inputs.integrator);
  }
  c.wire = c.bytes / weights.bytes_per_second + c.messages * weights.latency_s;
  c.seconds = c.flops / weights.flops_per_second + c.wire;
  return c;
}

namespace {
/// Whether the model prices every algorithm of the run (step_traffic's `modelled`: dense and factored targets
/// on the panel path), not sensing's formulation (whose products go through the measurements, not Y).
bool covered(const GridCostInputs& inputs) {
  if (inputs.algorithms.empty()) return false;
  for (const GridAlgorithm& a : inputs.algorithms)
    if (a.plan.formulation == Formulation::Sensing ||
        !step_traffic(inputs.shape, a.plan, inputs.integrator).modelled)
      return false;
  return true;
}

bool tied(double a, double b) {
  return std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b));
}

std::string shape_text(const GridCandidate& c) {
  return std::to_string(c.rows) + "x" + std::to_string(c.cols);
}

std::string short_seconds(double s) {
  char out[32];
  std::snprintf(out, sizeof out, s >= 1 ? "%.3g s" : "%.3g ms", s >= 1 ? s : 1e3 * s);
  return out;
}

std::string cost_text(const GridCandidate& c) {
  char messages[32];
  std::snprintf(messages, sizeof messages, "%.3g", c.messages);
  return short_bytes(c.bytes) + ", " + messages;
}
} // namespace

std::string short_bytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 999.5 && u < 4) bytes /= 1000, ++u;
  char out[32];
  std::snprintf(out, sizeof out, bytes < 10 && u > 0 ? "%.1f %s" : "%.0f %s", bytes, units[u]);
  return out;
}

GridChoice choose_grid(int ranks, const GridCostInputs& inputs, const std::function<bool(int, int)>& fits,
                       const GridCostWeights& weights) {
  FASIM_REQUIRE(ranks >= 1, "a grid for at least one rank");
  GridChoice out;
  const int sp = parallel::ProcessGrid::choose_shape(ranks).first;
  out.modelled = covered(inputs);
  int square = -1;
  for (int p = 1; p <= ranks; ++p) {
    if (ranks % p != 0) continue;
    GridCandidate c = out.modelled ? grid_cost(p, ranks / p, inputs, weights) : GridCandidate{p, ranks / p};
    c.fits = fits ? fits(p, ranks / p) : true;
    if (p == sp) square = static_cast<int>(out.candidates.size());
    out.candidates.push_back(c);
  }
  FASIM_REQUIRE(square >= 0, "the near-square shape is a factorisation");
  out.square = out.candidates[static_cast<std::size_t>(square)];
  const auto take = [&](const GridCandidate& c, std::string reason) {
    out.chosen = c;
    out.rows = c.rows;
    out.cols = c.cols;
    out.reason = "automatic: " + std::move(reason);
    return out;
  };
  if (!out.modelled)
    return take(out.square, "near-square (the communication model does not cover this run's target or plan)");
  // The cheapest shape that fits; among tied costs the near-square one, then the one nearest to square (rows
  // <= cols first).
  const GridCandidate* best = nullptr;
  const auto squareness = [](const GridCandidate& c) {
    return std::abs(c.rows - c.cols) * 2 + (c.rows > c.cols);
  };
  for (const GridCandidate& c : out.candidates) {
    if (!c.fits) continue;
    if (!best || (!tied(c.seconds, best->seconds) && c.seconds < best->seconds)) {
      best = &c;
      continue;
    }
    if (!tied(c.seconds, best->seconds)) continue;
    const bool c_square = c.rows == sp, best_square = best->rows == sp;
    if (c_square || (!best_square && squareness(c) < squareness(best[0]))) best = &c;
  }
  if (!best)
    return take(out.square, "near-square (no factorisation of " + std::to_string(ranks) +
                                " ranks fits in the memory available per rank)");
  // The near-square shape unless the cheapest saves at least the margin of its communication time.
  if (out.square.fits && (tied(best->seconds, out.square.seconds) ||
                          best->seconds > out.square.seconds - weights.margin * out.square.wire))
    best = &out.square;
  if (best->rows == sp) {
    std::string why = "near-square; " + cost_text(*best) + " messages per rank and step";
    if (out.candidates.size() > 1)
      why += ", no other shape " + std::to_string(std::lround(100 * weights.margin)) + "% less";
    return take(*best, why);
  }
  std::string why = cost_text(*best) + " messages per rank and step vs " + cost_text(out.square) + " on " +
                    shape_text(out.square);
  if (!tied(best->flops, out.square.flops)) // the busiest rank's products differ (a factored or diagonal Y)
    why += "; step " + short_seconds(best->seconds) + " vs " + short_seconds(out.square.seconds) + " at " +
           std::to_string(std::lround(weights.flops_per_second / 1e9)) + " GFLOP/s per rank";
  if (!out.square.fits) why += " (which does not fit in the memory available per rank)";
  return take(*best, why);
}

} // namespace fasim::model
