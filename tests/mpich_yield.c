// Test-harness aid for MPICH on machines with fewer cores than ranks (CI: 4 ranks on 2 cores). MPICH 4.0's
// ch4 device waits for messages by polling without ever giving up the core, so a waiting rank keeps the core
// its sender needs until the scheduler preempts it, and a test that takes seconds under Open MPI (which
// yields when oversubscribed) takes many minutes. Preloaded into the MPICH test runs only
// (tests/CMakeLists.txt), this wraps UCX's progress call, which MPICH's wait loop makes on every turn, and
// yields the core when the call found nothing to do. It changes when ranks are scheduled, not what MPI does.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sched.h>

typedef struct ucp_worker* ucp_worker_h;
typedef unsigned (*progress_fn)(ucp_worker_h);

unsigned ucp_worker_progress(ucp_worker_h worker) {
  static progress_fn real = 0;
  if (!real) real = (progress_fn)dlsym(RTLD_NEXT, "ucp_worker_progress");
  unsigned events = real(worker);
  if (events == 0) sched_yield();
  return events;
}
