// doctest main for MPI tests: MPI is initialised once, every rank runs every test case, and the run fails if
// any rank fails. Rank 0 prints its report; another rank prints only when it failed, prefixed by its rank, so
// output is not duplicated per rank and a failure names the rank it happened on.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "fasim/parallel/blas_info.hpp"
#include "fasim/parallel/communicator.hpp"

#include <iostream>
#include <sstream>

int main(int argc, char** argv) {
  fasim::parallel::MpiEnvironment mpi(&argc, &argv);
  fasim::parallel::set_blas_threads(1);
  const auto world = fasim::parallel::Communicator::world();
  const int rank = world.rank();

  doctest::Context context;
  context.applyCommandLine(argc, argv);
  std::ostringstream captured;
  if (rank != 0) context.setCout(&captured);
  const int failed = context.run() != 0 ? 1 : 0;

  const int any_failed = world.allreduce_max(failed);
  for (int r = 1; r < world.size(); ++r) {
    world.barrier();
    if (r == rank && failed) {
      std::istringstream lines(captured.str());
      for (std::string line; std::getline(lines, line);)
        std::cerr << "[rank " << rank << "] " << line << '\n';
      std::cerr.flush();
    }
  }
  if (rank == 0 && any_failed && !failed) std::cout << "FAILED on another rank (see [rank N] lines)\n";
  return any_failed;
}
