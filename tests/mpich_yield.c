// Test-harness aid for MPICH on machines with fewer cores than ranks (CI: 4 ranks on 2 cores). MPICH 4.0's
// ch4 device waits for messages by polling without ever giving up the core, so a waiting rank keeps the core
// its sender needs until the scheduler preempts it, and a test that takes seconds under Open MPI (which
// yields when oversubscribed) takes many minutes. Preloaded into the MPICH test runs only
// (tests/CMakeLists.txt), this wraps UCX's progress call, which MPICH's wait loop makes on every turn: when
// the call found nothing to do it yields the core, and after a few such calls in a row it sleeps 10 µs.
// sched_yield() alone is not enough: the kernel's fair scheduler hands the core back to a yielding rank at
// once when no other task is queued on that core, while the rank that would send the awaited message waits in
// another core's queue (4 ranks and other processes on 2 cores). Measured on 2 Zen 3 cores under a load of
// about 10: FA, 3000 steps of the cluster test's 96×80 job on 4 ranks, 52 s with sched_yield() alone, 7.0–8.1
// s with the sleep, 7.2 s under Open MPI — and the cluster test's checkpoint and killed-rank cases had not
// finished within 500 s. It changes when ranks are scheduled, not what MPI does.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sched.h>
#include <time.h>

typedef struct ucp_worker* ucp_worker_h;
typedef unsigned (*progress_fn)(ucp_worker_h);

static __thread unsigned idle_calls = 0; // progress calls in a row that found nothing, on this thread

unsigned ucp_worker_progress(ucp_worker_h worker) {
  static progress_fn real = 0;
  if (!real) real = (progress_fn)dlsym(RTLD_NEXT, "ucp_worker_progress");
  unsigned events = real(worker);
  if (events != 0) {
    idle_calls = 0;
  } else if (++idle_calls < 4) {
    sched_yield();
  } else {
    const struct timespec pause = {0, 10000};
    nanosleep(&pause, 0);
  }
  return events;
}
