#include "fasim/app/cli.hpp"
#include "fasim/app/launcher.hpp"

#include "fasim/app/run.hpp"
#include "fasim/app/signals.hpp"
#include "fasim/config/command_line.hpp"
#include "fasim/config/environment.hpp"
#include "fasim/files/safe_files.hpp"
#include "fasim/format/checkpoint.hpp"
#include "fasim/format/hdf5.hpp"
#include "fasim/format/result_state.hpp"
#include "fasim/lifecycle/lifecycle.hpp"
#include "fasim/parallel/blas_info.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/communicator.hpp"
#include "fasim/parallel/error.hpp"
#include "fasim/version.hpp"
#include "storage_fault.hpp"
#include "usage.hpp"
#include "verbs.hpp"

#include <algorithm>
#include <dlfcn.h>
#include <hdf5.h>
#include <mpi.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace fasim::app {

namespace {
// The usage texts of every verb live in usage.cpp.

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
void setup_blas(const parallel::Communicator& world, int threads, bool quiet) {
  parallel::set_blas_threads(threads);
  const auto blas = parallel::query_blas();
  if (world.rank() != 0) return;
  if (!quiet)
    std::cout << "fasim " << kVersion << " (" << kGitCommit << ") on " << world.size() << " rank(s); BLAS "
              << blas.library << ", kernel " << blas.core << ", " << blas.threads << " thread(s) per rank"
              << std::endl;
  if (!blas.warning.empty()) std::cerr << "fasim: warning: " << blas.warning << std::endl;
}

int run_verb(const parallel::Communicator& world, const std::vector<std::string>& args) {
  RunRequest req; // --help was answered by main()
  parallel::agreed(world, [&] {
    const io::CommandLine line = read_verb_line("run", args);
    req.dry_run = line.has("--dry-run");
    req.config = io::parse_config_line(line);
  });
  setup_blas(world, req.config.blas_threads, req.dry_run);
  return run_experiment(req, world);
}

// The configuration a resume starts from: the checkpoint's or the result's own, with the command line's
// overrides, which may change how long and where the run goes but not what it computes.
io::RunConfig resumed_config(const std::string& stored_ini, const std::vector<std::string>& overrides,
                             const std::string& what) {
  io::RunConfig config = io::parse_config_text(stored_ini, overrides);
  const auto diffs = io::contradicting_keys(stored_ini, config.resolved_ini);
  if (!diffs.empty()) {
    std::string list;
    for (const auto& d : diffs) list += (list.empty() ? "" : "; ") + d;
    throw UsageError("resume of " + what + " refused: the configuration contradicts it (" + list +
                     "); start a new run for a different experiment");
  }
  return config;
}

// The overrides of a resume: with `--job JOB.ini` (slurm/run.sbatch passes the job file of the run being
// resumed) first the keys of that job a resume may change (run.steps, run.stop_*, run.record_*, output.*,
// grid.*, system.*) that the command line does not set, then the command line's own. So a job edited to more
// steps and resubmitted runs to them.
std::vector<std::string> resume_overrides(const io::CommandLine& line) {
  std::vector<std::string> out;
  if (const auto job = line.value("--job")) {
    io::CommandLine job_line =
        line; // the job's resolved configuration holds the command line's overrides too
    job_line.words = {*job};
    job_line.flags.clear();
    for (const auto& o : io::resumable_overrides(io::parse_config_line(job_line).resolved_ini))
      if (!line.overrides_key(o.substr(2, o.find('=') - 2))) out.push_back(o);
  }
  const auto own = line.override_words();
  out.insert(out.end(), own.begin(), own.end());
  return out;
}

// `fasim resume FILE`: FILE is a checkpoint (resume the interrupted run) or a result file (a complete one is
// continued in place to --run.steps; an interrupted one resumes from its checkpoint).
int resume_verb(const parallel::Communicator& world, const std::vector<std::string>& args) {
  RunRequest req;
  parallel::agreed(world, [&] {
    const io::CommandLine line = read_verb_line("resume", args);
    if (line.words.empty())
      throw UsageError(
          "usage: fasim resume CHECKPOINT_OR_RESULT [--run.steps=N] [other --section.key=value]");
    const std::string from = line.words[0];
    if (line.words.size() > 1)
      throw UsageError("unexpected word '" + line.words[1] +
                       "' on the command line; write overrides as --section.key=value");
    const std::vector<std::string> overrides = resume_overrides(line);
    if (!std::filesystem::exists(from)) throw UsageError("file '" + from + "' (to resume) does not exist");
    int kind = 0; // 1 checkpoint, 2 result
    if (world.rank() == 0) kind = io::looks_like_checkpoint(from) ? 1 : 2;
    world.broadcast(&kind, sizeof kind, 0);
    if (kind == 1) {
      const io::CheckpointHeader h = io::read_checkpoint_header(from, world);
      req.config = resumed_config(h.config_ini, overrides, "checkpoint '" + from + "'");
      req.resume_from = from;
      // A checkpoint of a run whose result is now complete, asked to go further: continue the complete result
      // in place instead of rebuilding it from the older checkpoint, so that an interruption never leaves
      // fewer steps on disk than the complete result held.
      int continue_result = 0;
      if (world.rank() == 0)
        continue_result = io::assess(req.config, false, from).action == io::Action::Continue;
      world.broadcast(&continue_result, sizeof continue_result, 0);
      if (continue_result) {
        req.resume_from.clear();
        req.continue_from = req.config.output.file;
      }
      return;
    }
    io::RunSummary s;
    std::string problem;
    if (world.rank() == 0) try {
        io::require_own_regular_file(from, "result file");
        s = io::read_run_summary(from);
      } catch (const UsageError& e) {
        problem = e.what();
      }
    world.broadcast(problem, 0);
    if (!problem.empty())
      throw UsageError(problem + "; fasim resume takes a checkpoint or a fasim result file");
    world.broadcast(s.config_ini, 0);
    // The result's own path, as given: its configuration may name it relative to another directory.
    std::vector<std::string> result_overrides = overrides;
    const bool names_output = std::any_of(overrides.begin(), overrides.end(), [](const std::string& a) {
      return a.rfind("--output.file=", 0) == 0;
    });
    if (!names_output) result_overrides.push_back("--output.file=" + from);
    req.config = resumed_config(s.config_ini, result_overrides, "result file '" + from + "'");
    if (!io::same_destination(req.config.output.file, from))
      throw UsageError("--output.file=" + req.config.output.file + " is not the result file '" + from +
                       "' being resumed: leave --output.file out, or give the same path");
    // The lifecycle's decision for a named result (docs/lifecycle.md): continue a complete one in place,
    // resume one that stopped short from the newest usable checkpoint of its ring, or refuse with its reason.
    io::Assessment a;
    if (world.rank() == 0) a = io::assess(req.config, false, {}, io::Asking::NamedResult);
    world.broadcast(&a.action, sizeof a.action, 0);
    world.broadcast(a.checkpoint, 0);
    world.broadcast(a.reason, 0);
    if (a.action == io::Action::Refuse) throw UsageError(a.reason);
    FASIM_REQUIRE(a.action == io::Action::Continue || a.action == io::Action::Resume,
                  "a named result decided neither continue, resume nor refuse");
    if (a.action == io::Action::Continue)
      req.continue_from = from;
    else
      req.resume_from = a.checkpoint;
  });
  setup_blas(world, req.config.blas_threads, false);
  return run_experiment(req, world);
}

// The status the result file itself records (complete, checkpointed, failed, running), whoever holds its lock
// at the moment; "" when there is no result of ours to read. The job scripts report a run's outcome from it.
// The second line is the furthest step it holds (-1 when unknown).
std::string recorded_status(const io::Assessment& a) {
  std::string status;
  long long step = -1;
  if (a.state != io::ResultState::Absent && a.state != io::ResultState::Foreign) try {
      io::require_own_regular_file(a.result, "result file");
      const io::RunSummary s = io::read_run_summary(a.result);
      status = io::schema::to_string(s.status);
      step = s.last_step;
    } catch (const Error&) {
      status.clear();
    }
  return status + "\nrecorded_step: " + std::to_string(step);
}

// `fasim status CONFIG [overrides]`: the state of the run's files and what slurm/run.sbatch does next.
int status_verb(const parallel::Communicator& world, std::vector<std::string> args) {
  io::RunConfig config;
  parallel::agreed(world, [&] {
    if (read_verb_line("status", args).words.empty())
      throw UsageError("usage: fasim status CONFIG.ini [--section.key=value ...]");
    config = io::parse_config(args, nullptr);
  });
  std::ostringstream out;
  parallel::agreed(world, [&] {
    if (world.rank() != 0) return;
    const io::Assessment a = io::assess(config);
    out << "state: " << io::to_string(a.state) << "\naction: " << io::to_string(a.action)
        << "\nresult: " << a.result << "\nresult_step: " << a.result_step
        << "\ncheckpoint: " << (a.checkpoint_step >= 0 ? a.checkpoint : "")
        << "\ncheckpoint_step: " << a.checkpoint_step << "\nrequested_steps: " << a.requested_steps
        << "\nreason: " << a.reason << "\nrecorded: " << recorded_status(a) << "\n";
  });
  if (world.rank() == 0) std::cout << out.str() << std::flush;
  return 0;
}
} // namespace

namespace {
int run_verb_named(const parallel::Communicator& world, const std::string& verb,
                   const std::vector<std::string>& args) {
  if (verb == "version" || verb == "--version") {
    parallel::agreed(world, [&] {
      if (const auto line = read_verb_line("version", args); !line.words.empty())
        io::refuse_option("version", line.words.front());
    });
    return version_verb(world);
  }
  if (verb == "run") return run_verb(world, args);
  if (verb == "resume") return resume_verb(world, args);
  if (verb == "status") return status_verb(world, args);
  if (verb == "info") return info_verb(world, args);
  if (verb == "bench") return bench_verb(world, args);
  if (verb == "sweep") return sweep_verb(world, args);
  if (verb == "collect") return collect_verb(world, args);
  if (world.rank() == 0)
    std::cerr << "fasim: error: unknown verb '" << verb << "'; run 'fasim --help' for the list of verbs\n";
  return parallel::kExitUsage;
}

// Answers --help and a missing argument before any verb starts MPI work (no abort banner), then runs the
// verb.
int dispatch(const parallel::Communicator& world, const std::string& verb,
             const std::vector<std::string>& args, const StartScan& scan) {
  if (scan.help) {
    if (world.rank() == 0) {
      std::cout << verb_usage(verb);
      if (verb == "run") std::cout << "\n" << io::config_help();
    }
    return parallel::kExitSuccess;
  }
  if (scan.error.empty() && !scan.missing.empty()) {
    if (world.rank() == 0)
      std::cerr << "fasim: error: 'fasim " << verb << "' needs " << scan.missing << "\n" << verb_usage(verb);
    return parallel::kExitUsage;
  }
  try {
    // Settings from the environment (FASIM_AGREE_TIMEOUT, FASIM_DEBUG, FASIM_PROGRESS), read by the
    // configuration: a bad value is one agreed error line before the verb starts.
    parallel::agreed(world, [] {
      parallel::set_failure_settings(io::failure_settings_from_environment());
      set_progress_style(io::progress_style_from_environment());
    });
    const int code = run_verb_named(world, verb, args);
    end_if_files_abandoned(world, code != 0 ? code : parallel::kExitFailure);
    return code;
  } catch (const CollectiveError& e) {
    // Every rank knows; rank 0 tells the user once.
    if (world.rank() == 0) std::cerr << "fasim: error: " << e.what() << std::endl;
    end_if_files_abandoned(world, e.exit_code()); // after a storage fault: no HDF5 shutdown (docs/faults.md)
    return e.exit_code();
  } catch (...) {
    // Not agreed: peers may be blocked in a collective. Report from here and end the whole job.
    const auto error = std::current_exception();
    std::cerr << "fasim: error: rank " << world.rank() << ": " << parallel::message_of(error) << std::endl;
    MPI_Abort(MPI_COMM_WORLD, parallel::exit_code_for(error));
    return parallel::exit_code_for(error);
  }
}

// Output that could not be written is a failure: a summary piped to a full disk must not exit 0. A failing
// stderr cannot be reported, but it still makes the exit code nonzero.
int check_output_streams(int code) {
  const bool out_ok =
      static_cast<bool>(std::cout.flush()) && std::fflush(stdout) == 0 && !std::ferror(stdout);
  if (!out_ok)
    std::cerr << "fasim: error: writing to standard output failed (disk full or closed pipe?)" << std::endl;
  const bool err_ok =
      static_cast<bool>(std::cerr.flush()) && std::fflush(stderr) == 0 && !std::ferror(stderr);
  return out_ok && err_ok ? code : std::max(code, 1);
}
} // namespace

int main(int argc, char** argv) {
  // First of all: a preemption signal (USR1/TERM) may arrive at any moment, start-up included. Until the run
  // loop acts on it, it is only flagged; verbs that do not run anything ignore it.
  install_signal_handlers();
  exit_with_launcher(); // (also done before the libraries' constructors: src/main.cpp)
  watch_launcher();
  plain_launcher_terminal();
  // Open MPI's MPI-IO (OMPIO) probes every file it opens for shared-file-pointer locking with the component
  // "lockedfile", which copies the path and a suffix into a 256-byte buffer: a path of about 245 bytes or
  // more aborts the process ("buffer overflow detected", exit 134) inside MPI_File_open. fasim uses no shared
  // file pointers, so that component is left out unless the user chose the components (other MPIs ignore
  // this).
  setenv("OMPI_MCA_sharedfp", "^lockedfile", 0);
  // The verb's words, read by the one grammar before MPI starts (reading them needs no MPI): help, a missing
  // argument and a dry run are known before any rank waits for another.
  const std::string verb = argc >= 2 ? argv[1] : "";
  const std::vector<std::string> args(argv + std::min(argc, 2), argv + argc);
  const StartScan scan = scan_before_start(verb, args);
  HeldSignals
      held; // during MPI's start-up (signals.hpp says why); what arrives meanwhile is acted on after it
  parallel::MpiEnvironment mpi(&argc, &argv);
  install_signal_handlers();
  held.release();
  const auto world = parallel::Communicator::world();
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    if (world.rank() == 0) (argc < 2 ? std::cerr : std::cout) << overall_usage();
    return check_output_streams(argc < 2 ? parallel::kExitUsage : parallel::kExitSuccess);
  }
  // Only verbs that run a simulation turn Ctrl-C and a hang-up into a checkpoint; the others stop on them.
  const bool runs = ((verb == "run" && !scan.dry_run) || verb == "resume" ||
                     (verb == "sweep" && !args.empty() && args[0] == "run"));
  if (!runs) release_interactive_signals();
  return check_output_streams(dispatch(world, verb, args, scan));
}

} // namespace fasim::app
