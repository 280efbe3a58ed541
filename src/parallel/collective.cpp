#include "fasim/parallel/collective.hpp"

#include "fasim/parallel/error.hpp"

#include <unistd.h>

#include <climits>
#include <cstdio>
#include <new>

namespace fasim::parallel {

namespace {
FailureSettings settings; // set once at start-up, before any verb runs
} // namespace

void set_failure_settings(const FailureSettings& s) {
  settings = s;
}

FailureSettings failure_settings() {
  return settings;
}

std::string message_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const InternalError& e) {
    if (!settings.internal_details) return e.what();
    return std::string(e.what()) + " [internal check" +
           (e.condition().empty() ? "" : " '" + e.condition() + "'") + " failed at " + e.location() + "]";
  } catch (const std::bad_alloc&) {
    return "out of memory (allocation failed): use more ranks or nodes, or a smaller problem";
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

int exit_code_for(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const CollectiveError& e) {
    return e.exit_code();
  } catch (const UsageError&) {
    return kExitUsage;
  } catch (...) {
    return kExitFailure;
  }
}

namespace {
// A failed rank cannot know whether its peers reached this agreement or are blocked in a collective it will
// never enter. It waits a bounded time for them; if they do not come, the last resort is MPI_Abort, which
// ends every rank of the job (the message is printed first, once, by the failing rank).
int first_failure(const Communicator& comm, const std::exception_ptr& local) {
  // Every rank uses the non-blocking form: blocking and non-blocking collectives do not match each other.
  const int mine = local ? comm.rank() : INT_MAX;
  int first = INT_MAX;
  MPI_Request request = MPI_REQUEST_NULL;
  check_mpi(MPI_Iallreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm.get(), &request), "MPI_Iallreduce");
  if (!local) {
    check_mpi(MPI_Wait(&request, MPI_STATUS_IGNORE), "MPI_Wait");
    return first;
  }
  const double timeout = settings.agree_timeout;
  const double deadline = MPI_Wtime() + timeout;
  int done = 0;
  while (!done) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) break;
    if (MPI_Wtime() > deadline) {
      std::fprintf(stderr,
                   "fasim: rank %d: %s (other ranks did not respond within %.0f s; aborting the job)\n",
                   comm.rank(), message_of(local).c_str(), timeout);
      std::fflush(stderr);
      MPI_Abort(MPI_COMM_WORLD, exit_code_for(local));
    }
    usleep(1000);
  }
  return first;
}
} // namespace

void agree(const Communicator& comm, const std::exception_ptr& local) {
  const int rank = comm.rank();
  const int first = first_failure(comm, local);
  if (first == INT_MAX) return;
  std::string message = first == rank ? message_of(local) : std::string();
  int code = first == rank ? exit_code_for(local) : 0;
  comm.broadcast(message, first);
  comm.broadcast(&code, sizeof code, first);
  // A failure already agreed on an inner communicator keeps its text as is.
  bool prefixed = message.rfind("rank ", 0) == 0;
  if (comm.size() > 1 && !prefixed) message = "rank " + std::to_string(first) + ": " + message;
  throw CollectiveError(first, message, code);
}

} // namespace fasim::parallel
