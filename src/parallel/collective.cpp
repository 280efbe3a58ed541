#include "fasim/parallel/collective.hpp"

#include "fasim/parallel/error.hpp"

#include <climits>
#include <new>

namespace fasim::parallel {

std::string message_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
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

void agree(const Communicator& comm, const std::exception_ptr& local) {
  const int rank = comm.rank();
  const int first = comm.allreduce_min(local ? rank : INT_MAX);
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
