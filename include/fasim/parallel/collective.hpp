#pragma once
// Agreeing on failure: every rank reaches the same decision point, learns whether any rank failed, and all
// leave together with the first failing rank's message. This is how fasim avoids ranks hanging in a
// collective that a failed peer will never enter.
#include "fasim/parallel/communicator.hpp"

#include <exception>
#include <string>

namespace fasim::parallel {

/// Exit codes of the fasim executable (documented in docs/).
enum ExitCode : int {
  kExitSuccess = 0,
  kExitFailure = 1,      ///< a runtime failure (I/O, numerical, MPI)
  kExitUsage = 2,        ///< bad configuration, arguments or input: nothing was computed
  kExitCheckpointed = 75 ///< a signal asked to stop: a checkpoint was written, resume with `fasim resume`
};

/// Collective over `comm`. If `local` holds an exception on any rank, every rank throws CollectiveError
/// carrying the lowest failing rank's message (prefixed with "rank K: " when comm.size() > 1) and its exit
/// code.
void agree(const Communicator& comm, const std::exception_ptr& local);

/// Runs `body` and agrees on its outcome over `comm` (see agree).
template <class Body> void agreed(const Communicator& comm, Body&& body) {
  std::exception_ptr failure;
  try {
    body();
  } catch (...) {
    failure = std::current_exception();
  }
  agree(comm, failure);
}

/// How a failure is agreed on and told: the parallel layer's settings, handed down by the application at
/// start-up (app reads FASIM_AGREE_TIMEOUT and FASIM_DEBUG from the environment through config's number
/// parser, config/environment.hpp). The parallel layer reads no environment of its own.
struct FailureSettings {
  /// Seconds a failed rank waits at an agreement for peers that may be inside a collective, then MPI_Abort.
  double agree_timeout = 20.0;
  /// message_of() names a failed internal check's condition and file:line (for developers).
  bool internal_details = false;
};
/// Sets the settings every later agree() and message_of() use (call once, before any verb runs).
void set_failure_settings(const FailureSettings& settings);
/// The settings in use (the defaults until set_failure_settings).
FailureSettings failure_settings();

/// The exit code an exception maps to (UsageError -> kExitUsage, CollectiveError -> its own, else failure).
int exit_code_for(const std::exception_ptr& error);
/// The one-line message of an exception. With FailureSettings::internal_details (FASIM_DEBUG set, not "0"), a
/// failed internal check (InternalError) also names its condition and file:line, for developers.
std::string message_of(const std::exception_ptr& error);

} // namespace fasim::parallel
