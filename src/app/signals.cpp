#include "fasim/app/signals.hpp"

#include <csignal>

namespace fasim::app {

namespace {
volatile std::sig_atomic_t g_flags = 0;

extern "C" void on_signal(int sig) {
  // Only async-signal-safe work here: raise a flag for the run loop.
  g_flags = g_flags | (sig == SIGUSR2 ? kCheckpointRequested : kStopRequested);
}
} // namespace

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, nullptr);
  sigaction(SIGUSR2, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  // A file-size limit (ulimit -f) makes a write fail with EFBIG, reported as one error line, instead of
  // killing the process halfway through a file.
  signal(SIGXFSZ, SIG_IGN);
}

int take_signal_flags() {
  const int f = g_flags;
  g_flags = 0;
  return f;
}

} // namespace fasim::app
