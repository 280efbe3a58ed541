#pragma once
// The fasim command line: `fasim VERB [args]`, one function per verb.
namespace fasim::app {
/// Entry point of the executable: initialises MPI, dispatches the verb, maps errors to exit codes.
int main(int argc, char** argv);
} // namespace fasim::app
