#include "fasim/app/cli.hpp"
#include "fasim/app/launcher.hpp"
#include "fasim/app/signals.hpp"

namespace {
// The signal handlers go in before anything else of the process runs: an executable's preinit functions run
// after the dynamic loader has mapped the libraries but before any library's constructor (OpenBLAS's CPU
// probe and buffers, MPI's), so a preemption signal during start-up is flagged instead of killing the
// process. A rank started by a launcher also asks to die with it (app/launcher.hpp).
void install_handlers_first(int, char**, char** envp) {
  fasim::app::install_signal_handlers();
  fasim::app::exit_with_launcher(envp);
}
} // namespace

// (Not under AddressSanitizer, whose runtime initialises itself from the same array; main() installs them
// there.)
#ifndef __SANITIZE_ADDRESS__
__attribute__((section(".preinit_array"),
               used)) static void (*const fasim_preinit)(int, char**, char**) = install_handlers_first;
#endif

int main(int argc, char** argv) {
  return fasim::app::main(argc, argv);
}
