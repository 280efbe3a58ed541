#include "fasim/app/signals.hpp"

#include <csignal>
#include <initializer_list>

#include <pthread.h>

namespace fasim::app {

namespace {
volatile std::sig_atomic_t g_flags = 0;
volatile std::sig_atomic_t g_interactive =
    0; // the last SIGINT/SIGHUP caught, for release_interactive_signals

extern "C" void on_signal(int sig) {
  // Only async-signal-safe work here: raise a flag for the run loop.
  g_flags = g_flags | (sig == SIGUSR2 ? kCheckpointRequested : kStopRequested);
  if (sig == SIGINT || sig == SIGHUP) g_interactive = sig;
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
  // Ctrl-C and a dropped terminal (ssh) are stop requests too: a checkpoint, not a lost run. Unless they were
  // ignored when fasim started (`nohup`, a background job of a script): then they stay ignored, as asked.
  // What was ignored is remembered from the first call (before main()): MPI's start-up may reset it.
  static bool ignored[2] = {false, false};
  static bool first = true;
  int i = 0;
  for (const int sig : {SIGINT, SIGHUP}) {
    struct sigaction old {};
    if (first) ignored[i] = sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN;
    if (ignored[i++])
      signal(sig, SIG_IGN); // again, in case something reset it
    else
      sigaction(sig, &sa, nullptr);
  }
  first = false;
  // A file-size limit (ulimit -f) makes a write fail with EFBIG, reported as one error line, instead of
  // killing the process halfway through a file.
  signal(SIGXFSZ, SIG_IGN);
}

void release_interactive_signals() {
  for (const int sig : {SIGINT, SIGHUP}) {
    struct sigaction now {};
    if (sigaction(sig, nullptr, &now) == 0 && now.sa_handler == on_signal) signal(sig, SIG_DFL);
  }
  if (const int sig = g_interactive; sig != 0) raise(sig);
}

HeldSignals::HeldSignals() {
  sigset_t hold;
  sigemptyset(&hold);
  for (const int sig : {SIGUSR1, SIGUSR2, SIGTERM, SIGINT, SIGHUP}) sigaddset(&hold, sig);
  held_ = pthread_sigmask(SIG_BLOCK, &hold, &saved_) == 0;
}

HeldSignals::~HeldSignals() {
  release();
}

void HeldSignals::release() {
  if (!held_) return;
  held_ = false;
  pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
}

int take_signal_flags() {
  const int f = g_flags;
  g_flags = 0;
  return f;
}

} // namespace fasim::app
