#include "fasim/app/cli.hpp"

#include "fasim/parallel/blas_info.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/communicator.hpp"
#include "fasim/version.hpp"

#include <cstring>
#include <iostream>
#include <string>

namespace fasim::app {

namespace {
const char* kUsage = R"(usage: fasim VERB [options]
verbs:
  version                 print version, git commit and the BLAS in use
)";

int version_verb(const parallel::Communicator& world) {
  const auto blas = parallel::query_blas();
  if (world.rank() == 0) {
    std::cout << "fasim " << kVersion << " (commit " << kGitCommit << ")\n"
              << "BLAS: " << blas.library << "; kernel " << (blas.core.empty() ? "?" : blas.core) << "; "
              << blas.threads << " thread(s); CPU " << blas.cpu_isa << "\n";
    if (!blas.warning.empty()) std::cout << "warning: " << blas.warning << "\n";
  }
  return 0;
}
} // namespace

int main(int argc, char** argv) {
  parallel::MpiEnvironment mpi(&argc, &argv);
  const auto world = parallel::Communicator::world();
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    if (world.rank() == 0) std::cout << kUsage;
    return argc < 2 ? parallel::kExitUsage : 0;
  }
  const std::string verb = argv[1];
  if (verb == "version" || verb == "--version") return version_verb(world);
  if (world.rank() == 0)
    std::cerr << "fasim: unknown verb '" << verb << "'; run 'fasim --help' for the list of verbs\n";
  return parallel::kExitUsage;
}

} // namespace fasim::app
