#pragma once
// Signals are only flagged in the handler; the run loop acts on them between steps, after the ranks agreed.
namespace fasim::app {

enum SignalFlag : int {
  kStopRequested = 1,      ///< SIGUSR1 / SIGTERM / SIGINT / SIGHUP: checkpoint and exit with "resume me"
  kCheckpointRequested = 2 ///< SIGUSR2: checkpoint and continue
};

/// Installs handlers for SIGUSR1, SIGUSR2, SIGTERM, SIGINT and SIGHUP.
void install_signal_handlers();
/// For verbs that run nothing: SIGINT and SIGHUP end the process again (their default), and one that
/// arrived since the handlers were installed ends it now.
void release_interactive_signals();
/// The flags raised since the last call (and clears them).
int take_signal_flags();

} // namespace fasim::app
