#pragma once
// How `fasim bench` times steps, for the paper's model (bench.cpp) and for networks (network_bench.cpp).
#include "fasim/parallel/communicator.hpp"
#include "fasim/parallel/traffic.hpp"

#include <functional>
#include <vector>

namespace fasim::app {

struct TimedSteps {
  std::vector<double> seconds; ///< each timed step's time on the slowest rank, ascending
  parallel::Traffic sent;      ///< bytes and messages this rank sent in the timed steps themselves

  double median() const { return seconds[seconds.size() / 2]; }
};

/// Makes warmup + steps calls of `step`, each after a barrier, and keeps the last `steps` (steps ≥ 1): their
/// times (the slowest rank's) and the traffic of the calls alone, not of the barrier and timing around them.
/// Collective over gc.
TimedSteps time_steps(const parallel::Communicator& gc, long long warmup, long long steps,
                      const std::function<void()>& step);

} // namespace fasim::app
