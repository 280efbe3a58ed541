#include "timed_steps.hpp"

#include <mpi.h>

#include <algorithm>

namespace fasim::app {

TimedSteps time_steps(const parallel::Communicator& gc, long long warmup, long long steps,
                      const std::function<void()>& step) {
  TimedSteps timed;
  for (long long k = 0; k < warmup + steps; ++k) {
    gc.barrier();
    const parallel::Traffic before = parallel::traffic();
    const double t0 = MPI_Wtime();
    step();
    const double t1 = MPI_Wtime();
    const parallel::Traffic one = parallel::traffic() - before;
    const double slowest = gc.allreduce_max(t1 - t0);
    if (k >= warmup) {
      timed.seconds.push_back(slowest);
      timed.sent.bytes += one.bytes;
      timed.sent.messages += one.messages;
    }
  }
  std::sort(timed.seconds.begin(), timed.seconds.end());
  return timed;
}

} // namespace fasim::app
