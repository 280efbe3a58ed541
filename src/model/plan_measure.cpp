#include "fasim/model/dynamics.hpp"
#include "fasim/model/step_plan.hpp"

#include <algorithm>
#include <chrono>
#include <limits>

namespace fasim::model {

namespace {
/// Seconds of one evaluation of `field` at the problem's starting point, slowest rank: the same number on
/// every rank, so every rank makes the same choice.
double time_evaluation(const parallel::Communicator& comm, const Problem& p, VectorField& field, State& s,
                       State& d) {
  s.z.copy_from(p.z0);
  s.w.copy_from(p.w0);
  if (s.has_feedback()) s.b.copy_from(p.c);
  comm.barrier();
  const auto t0 = std::chrono::steady_clock::now();
  field.evaluate(s, d);
  return comm.allreduce_max(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}
} // namespace

StepPlan measure_plan(const Problem& p, const AlgorithmSpec& spec, long long steps) {
  const std::vector<StepPlan> candidates = candidate_plans(p, spec.kind);
  const parallel::Communicator& comm = p.grid->comm(); // every rank, so inactive ones agree too
  State s = make_state(p, spec.kind), d = make_state(p, spec.kind);
  VectorField first(p, spec, candidates.front());
  time_evaluation(comm, p, first, s, d); // warm-up: first touches, BLAS buffers
  const double once = time_evaluation(comm, p, first, s, d);
  // A few evaluations of each candidate within min(2 s, 2 % of the run): three each when that fits, at least
  // one, and none beyond the estimate when even that does not.
  const double budget = std::min(2.0, 0.02 * static_cast<double>(std::max(steps, 1LL)) * once);
  const auto reps = static_cast<int>(
      std::min(3.0, budget / (std::max(once, 1e-9) * 2.0 * static_cast<double>(candidates.size()))));
  if (reps < 1 || candidates.size() == 1) return candidates.front();
  StepPlan best = candidates.front();
  double best_time = std::numeric_limits<double>::infinity();
  for (const StepPlan& plan : candidates) {
    VectorField field(p, spec, plan);
    time_evaluation(comm, p, field, s, d); // warm-up
    std::vector<double> times;
    for (int k = 0; k < reps; ++k) times.push_back(time_evaluation(comm, p, field, s, d));
    std::sort(times.begin(), times.end());
    const double median = times[times.size() / 2];
    if (median < best_time) best = plan, best_time = median;
  }
  return best;
}

} // namespace fasim::model
