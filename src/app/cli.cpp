#include "fasim/app/cli.hpp"

#include "fasim/app/run.hpp"
#include "fasim/io/checkpoint.hpp"
#include "fasim/io/hdf5.hpp"
#include "fasim/linalg/product_path.hpp"
#include "fasim/parallel/blas_info.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/communicator.hpp"
#include "fasim/parallel/error.hpp"
#include "fasim/version.hpp"
#include "verbs.hpp"

#include <dlfcn.h>
#include <hdf5.h>
#include <mpi.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace fasim::app {

namespace {
const char* kUsage = R"(usage: fasim VERB [options]
verbs:
  run CONFIG.ini [--section.key=value ...]   run one experiment (--dry-run: show config, grid, memory; --help: keys)
  resume CHECKPOINT [--run.steps=N ...]      continue a checkpointed run (also to more steps)
  info FILE [--json]                         summarise a result or checkpoint file
  bench [--section.key=value ...]            time the step of each algorithm (JSON lines)
  sweep list|run SWEEP.ini [--index I | --groups G]  the points of a [sweep] section; run one or all
  collect DIR_OR_FILE... --output S.h5 [--csv S.csv] one table row per result file
  version                                    version, git commit, MPI, ScaLAPACK, BLAS and HDF5 in use
exit codes: 0 success, 1 failure, 2 bad configuration or input, 75 checkpointed on a signal (resume it)
)";

// What this binary was built from and runs on: a support request or a cluster's module check starts here.
// ScaLAPACK is named by the file its pdgemm_ was loaded from (its pilaver reports 2.0.2 in every 2.x release)
// and LAPACK by ilaver, both looked up at run time so that a vendor ScaLAPACK without them still links. MPI's
// string is cut to its first line (MPICH's goes on with its configure options).
int version_verb(const parallel::Communicator& world) {
  const auto blas = parallel::query_blas();
  char mpi_library[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0, mpi_major = 0, mpi_minor = 0;
  MPI_Get_library_version(mpi_library, &length);
  MPI_Get_version(&mpi_major, &mpi_minor);
  std::string mpi(mpi_library);
  mpi = mpi.substr(0, mpi.find_first_of("\r\n"));
  for (char& c : mpi)
    if (c == '\t') c = ' ';
  while (!mpi.empty() && (mpi.back() == ' ' || mpi.back() == '\t' || mpi.back() == ',')) mpi.pop_back();
  std::string scalapack = "unknown";
  Dl_info where{};
  if (void* pdgemm = dlsym(RTLD_DEFAULT, "pdgemm_"); pdgemm && dladdr(pdgemm, &where) && where.dli_fname) {
    char resolved[PATH_MAX];
    scalapack = realpath(where.dli_fname, resolved) ? resolved : where.dli_fname;
  }
  std::string lapack = "unknown";
  if (auto ilaver = reinterpret_cast<void (*)(int*, int*, int*)>(dlsym(RTLD_DEFAULT, "ilaver_"))) {
    int major = 0, minor = 0, patch = 0;
    ilaver(&major, &minor, &patch);
    lapack = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  }
  unsigned hdf5_major = 0, hdf5_minor = 0, hdf5_release = 0;
  H5get_libversion(&hdf5_major, &hdf5_minor, &hdf5_release);
  if (world.rank() == 0) {
    std::cout << "fasim " << kVersion << " (commit " << kGitCommit << ")\n"
              << "MPI: " << mpi << " (MPI standard " << mpi_major << "." << mpi_minor << ")\n"
              << "ScaLAPACK: " << scalapack << "\n"
              << "LAPACK: " << lapack << "\n"
              << "BLAS: " << blas.library << "; kernel " << (blas.core.empty() ? "?" : blas.core) << "; "
              << blas.threads << " thread(s); CPU " << blas.cpu_isa << "\n"
              << "HDF5: " << hdf5_major << "." << hdf5_minor << "." << hdf5_release << "\n";
    if (!blas.warning.empty()) std::cout << "warning: " << blas.warning << "\n";
  }
  return 0;
}

// Logs the BLAS once and pins its threads: several ranks share a node, so one BLAS thread each by default.
void setup_blas(const parallel::Communicator& world, int threads, const std::string& products, bool quiet) {
  parallel::set_blas_threads(threads);
  linalg::set_product_path(products == "pdgemm" ? linalg::ProductPath::Pdgemm : linalg::ProductPath::Panel);
  const auto blas = parallel::query_blas();
  if (world.rank() != 0) return;
  if (!quiet)
    std::cout << "fasim " << kVersion << " (" << kGitCommit << ") on " << world.size() << " rank(s); BLAS "
              << blas.library << ", kernel " << blas.core << ", " << blas.threads << " thread(s) per rank"
              << std::endl;
  if (!blas.warning.empty()) std::cerr << "fasim: warning: " << blas.warning << std::endl;
}

int run_verb(const parallel::Communicator& world, std::vector<std::string> args) {
  RunRequest req;
  std::string help;
  for (auto it = args.begin(); it != args.end();)
    if (*it == "--dry-run") {
      req.dry_run = true;
      it = args.erase(it);
    } else {
      ++it;
    }
  parallel::agreed(world, [&] { req.config = io::parse_config(args, &help); });
  if (!help.empty()) {
    if (world.rank() == 0) std::cout << help;
    return 0;
  }
  setup_blas(world, req.config.blas_threads, req.config.products, req.dry_run);
  return run_experiment(req, world);
}

// Keys a resumed run may change: how long and where it runs, not what it computes.
bool may_change_on_resume(const std::string& key) {
  for (const char* prefix : {"run.steps", "run.stop_", "output.", "grid.", "system.", "run.record_"})
    if (key.rfind(prefix, 0) == 0) return true;
  return false;
}

std::vector<std::string> changed_keys(const std::string& a, const std::string& b) {
  auto parse = [](const std::string& text) {
    std::vector<std::pair<std::string, std::string>> kv;
    std::string section, line;
    std::istringstream in(text);
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#' || line[0] == ';') continue;
      if (line[0] == '[') {
        section = line.substr(1, line.find(']') - 1);
        continue;
      }
      const auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      auto trim = [](std::string s) {
        s.erase(0, s.find_first_not_of(" \t"));
        s.erase(s.find_last_not_of(" \t") + 1);
        return s;
      };
      kv.emplace_back(section + "." + trim(line.substr(0, eq)), trim(line.substr(eq + 1)));
    }
    return kv;
  };
  const auto ka = parse(a), kb = parse(b);
  std::vector<std::string> diffs;
  for (const auto& [key, value] : kb) {
    std::string old = "(unset)";
    for (const auto& [k2, v2] : ka)
      if (k2 == key) old = v2;
    if (old != value && !may_change_on_resume(key)) diffs.push_back(key + ": " + old + " -> " + value);
  }
  return diffs;
}

int resume_verb(const parallel::Communicator& world, std::vector<std::string> args) {
  if (args.empty() || args[0].rfind("--", 0) == 0)
    throw UsageError("usage: fasim resume CHECKPOINT [--run.steps=N] [other --section.key=value]");
  const std::string checkpoint = args[0];
  args.erase(args.begin());
  std::string ini;
  parallel::agreed(world, [&] {
    try {
      ini = io::read_checkpoint_config(checkpoint, world);
    } catch (const io::Hdf5Error& e) {
      throw UsageError("checkpoint '" + checkpoint + "' cannot be read (truncated or corrupted): " + e.what());
    }
  });
  RunRequest req;
  req.resume_from = checkpoint;
  parallel::agreed(world, [&] {
    req.config = io::parse_config_text(ini, args);
    const auto diffs = changed_keys(ini, req.config.resolved_ini);
    if (!diffs.empty()) {
      std::string list;
      for (const auto& d : diffs) list += (list.empty() ? "" : "; ") + d;
      throw UsageError("resume of '" + checkpoint + "' refused: the configuration contradicts the checkpoint (" +
                       list + "); start a new run for a different experiment");
    }
  });
  setup_blas(world, req.config.blas_threads, req.config.products, false);
  return run_experiment(req, world);
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
  const std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (verb == "version" || verb == "--version") return version_verb(world);
    if (verb == "run") return run_verb(world, args);
    if (verb == "resume") return resume_verb(world, args);
    if (verb == "info") return info_verb(world, args);
    if (verb == "bench") return bench_verb(world, args);
    if (verb == "sweep") return sweep_verb(world, args);
    if (verb == "collect") return collect_verb(world, args);
    if (world.rank() == 0)
      std::cerr << "fasim: unknown verb '" << verb << "'; run 'fasim --help' for the list of verbs\n";
    return parallel::kExitUsage;
  } catch (const CollectiveError& e) {
    // Every rank knows; rank 0 tells the user once.
    if (world.rank() == 0) std::cerr << "fasim: error: " << e.what() << std::endl;
    return e.exit_code();
  } catch (...) {
    // Not agreed: peers may be blocked in a collective. Report from here and end the whole job.
    const auto error = std::current_exception();
    std::cerr << "fasim: error: rank " << world.rank() << ": " << parallel::message_of(error) << std::endl;
    MPI_Abort(MPI_COMM_WORLD, parallel::exit_code_for(error));
    return parallel::exit_code_for(error);
  }
}

} // namespace fasim::app
