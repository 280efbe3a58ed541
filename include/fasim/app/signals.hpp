#pragma once
#include <csignal>

// Signals are only flagged in the handler; the run loop acts on them between steps, after the ranks agreed.
namespace fasim::app {

enum SignalFlag : int {
  kStopRequested = 1,      ///< SIGUSR1 / SIGTERM / SIGINT / SIGHUP: checkpoint and exit with "resume me"
  kCheckpointRequested = 2 ///< SIGUSR2: checkpoint and continue
};

/// Installs handlers for SIGUSR1, SIGUSR2, SIGTERM, SIGINT and SIGHUP.
void install_signal_handlers();
/// Holds the stop and checkpoint signals (blocked: a signal that arrives stays pending) from construction
/// until release() or destruction, for MPI's start-up: MPICH's MPI_Init installs a SIGUSR1 handler of its
/// own, and a USR1 that reaches it makes MPICH look for failed processes through its process manager, which a
/// singleton (no launcher) does not have: it then starts `mpiexec` from PATH and waits for it for ever. With
/// the signals held, install_signal_handlers() after MPI_Init replaces MPICH's handler before any signal is
/// delivered.
class HeldSignals {
public:
  HeldSignals();
  ~HeldSignals();
  HeldSignals(const HeldSignals&) = delete;
  HeldSignals& operator=(const HeldSignals&) = delete;
  /// Delivers what arrived meanwhile (to the handlers installed by then) and stops holding.
  void release();

private:
  sigset_t saved_{}; // the mask before
  bool held_ = false;
};

/// For verbs that run nothing: SIGINT and SIGHUP end the process again (their default), and one that
/// arrived since the handlers were installed ends it now.
void release_interactive_signals();
/// The flags raised since the last call (and clears them).
int take_signal_flags();

} // namespace fasim::app
