// Usage texts: one per verb (synopsis, purpose, options, an example), and the overall one.
#include "usage.hpp"

#include "fasim/parallel/error.hpp"

#include <algorithm>
#include <span>

namespace fasim::app {

namespace {

const char* kOverall =
    R"(usage: fasim VERB [options]          (fasim VERB --help: the verb's options and an example)
verbs:
  run [CONFIG.ini] [--section.key=value ...]  run one experiment (--dry-run: show config, grid, memory)
  resume CHECKPOINT_OR_RESULT [--run.steps=N ...]  continue a checkpointed run, or a result to more steps
  status CONFIG [--section.key=value ...]     the state of the run's result file and what run.sbatch would do
  info FILE [--json]                          summarise a result or checkpoint file
  bench [CONFIG.ini] [--section.key=value ...]  time the step of each algorithm (JSON lines)
  sweep list|run SWEEP.ini [--index I | --groups G]  the points of a [sweep] section; run one or all
  collect DIR_OR_FILE... --output S.h5 [--csv S.csv] [--overwrite]  one table row per result file
  version                                     version, git commit and the BLAS in use
exit codes: 0 success, 1 failure, 2 bad configuration or input, 75 checkpointed on a signal (resume it)
)";

// Each verb's own flags (the rest of its words are read by the one grammar, config/command_line.hpp).
constexpr io::VerbFlag kRunFlags[] = {{"--dry-run"}};
constexpr io::VerbFlag kResumeFlags[] = {{"--job", "the job's configuration file (--job JOB.ini)"}};
constexpr io::VerbFlag kInfoFlags[] = {{"--json"}};
constexpr io::VerbFlag kSweepFlags[] = {{"--index", "a point index"}, {"--groups", "a group count"}};
constexpr io::VerbFlag kCollectFlags[] = {
    {"--output", "a file name"}, {"--csv", "a file name"}, {"--overwrite"}};

/// One verb: its usage text, the argument it cannot run without, and how many plain words it needs (resume
/// and status read it from the first word; info and collect take their words in any order), its own flags and
/// whether it takes configuration overrides.
struct Verb {
  std::string_view name, required;
  int required_words; ///< plain words needed (0: at least one when required is set)
  std::string_view text;
  std::span<const io::VerbFlag> flags{};
  bool overrides = false;
};

constexpr Verb kVerbs[] = {
    {"run", "", 0, R"(usage: fasim run [CONFIG.ini] [--section.key=value ...] [--dry-run]
Runs one experiment: the INI file's keys, then the command line's, which win (docs/config.md).
options:
  --section.key=value  set one key (also --section.key value; a bare boolean --section.key means true)
  --dry-run            print the resolved configuration, the process grid and the memory estimate; run nothing
  --help               this text and every configuration key with its default (below)
example:
  mpirun -n 4 fasim run jobs/fig2b.ini --run.steps=2000 --output.file=fig2b.h5
)",
     kRunFlags, true},
    {"resume", "CHECKPOINT_OR_RESULT", 1, R"(usage: fasim resume CHECKPOINT_OR_RESULT [--run.steps=N ...]
Continues a checkpointed run from its checkpoint (<output.file>.ckpt), or takes a complete result on to more
steps. The configuration is the one stored in the file; only how long and where it runs may change.
options:
  --run.steps=N        run to N steps in all (more than the file holds, to extend a complete result)
  --section.key=value  other keys a resume may change: run.stop_*, run.record_*, output.*, grid.*, system.*
  --job JOB.ini        take those keys from the run's job file too (the command line wins), as
                       slurm/run.sbatch does: a job edited to more steps and resubmitted runs to them
example:
  mpirun -n 4 fasim resume fig2b.h5.ckpt
  mpirun -n 4 fasim resume fig2b.h5 --run.steps=20000
)",
     kResumeFlags, true},
    {"status",
     "CONFIG",
     1,
     R"(usage: fasim status CONFIG [--section.key=value ...]
Prints the lifecycle state of the run's result file (absent, running, checkpointed, failed or complete) and
what slurm/run.sbatch would do with it (docs/lifecycle.md). Reads files only; never writes.
options:
  --section.key=value  the overrides the run would get (output.file decides which file is looked at)
example:
  fasim status jobs/fig2b.ini --output.file=results/fig2b.h5
)",
     {},
     true},
    {"info", "FILE", 0, R"(usage: fasim info FILE [--json]
Summarises a result file (status, problem, each algorithm's final loss, steps and stop reason) or a
checkpoint (step, completeness, the configuration's SHA-256).
options:
  --json   one JSON object instead of text, numbers with every digit needed to read them back exactly
example:
  fasim info fig2b.h5 --json
)",
     kInfoFlags, false},
    {"bench",
     "",
     0,
     R"(usage: fasim bench [CONFIG.ini] [--section.key=value ...]
Times one step of each algorithm (the median of bench.steps steps after bench.warmup) and prints one JSON
line per algorithm, with a DGEMM reference; with bench.io_dir also the write speed of HDF5 and checkpoints.
options:
  --section.key=value  any configuration key (fasim run --help), e.g. bench.steps, bench.formulation
example:
  mpirun -n 4 fasim bench --problem.n=20000 --problem.m=20000 --model.r=100 --bench.steps=10
)",
     {},
     true},
    {"sweep", "list|run SWEEP.ini", 2,
     R"(usage: fasim sweep list SWEEP.ini [--section.key=value ...]
       fasim sweep run SWEEP.ini [--index I | --groups G] [--section.key=value ...]
Lists or runs the points of the file's [sweep] section (docs/sweeps.md): each point writes
<output.file stem>-<index>.h5; complete points are skipped and checkpointed ones resumed.
options:
  --index I            run only point I (e.g. from a Slurm array task)
  --groups G           split the ranks into G groups that run points side by side
  --section.key=value  override a key that is not swept, for every point
example:
  mpirun -n 8 fasim sweep run jobs/theorem3-sweep.ini --groups 4
)",
     kSweepFlags, true},
    {"collect", "DIR_OR_FILE", 0,
     R"(usage: fasim collect DIR_OR_FILE... --output SUMMARY.h5 [--csv SUMMARY.csv] [--overwrite]
Reads result files (the *.h5 result files directly in each directory, or the files named) and writes one
table row per file: every swept key, k, steps, the learning rates, final losses, errors and stop reasons.
The outputs are new files; an existing summary is replaced only with --overwrite, and never an input or a
file that is not a collect summary (docs/sweeps.md).
options:
  --output FILE   the HDF5 summary (group /points, one dataset per column)
  --csv FILE      the same table as CSV
  --overwrite     replace an existing summary written by fasim collect
example:
  fasim collect results/ --output results-summary.h5 --csv results-summary.csv
)",
     kCollectFlags, false},
    {"version",
     "",
     0,
     R"(usage: fasim version
Prints fasim's version, its git commit and the BLAS library in use.
example:
  fasim version
)",
     {},
     false},
};

const Verb* find_verb(std::string_view name) {
  for (const auto& verb : kVerbs)
    if (verb.name == name) return &verb;
  return nullptr;
}

} // namespace

std::string_view overall_usage() {
  return kOverall;
}

std::string_view verb_usage(std::string_view verb) {
  const Verb* v = find_verb(verb);
  return v ? v->text : std::string_view();
}

io::CommandLine read_verb_line(std::string_view verb, const std::vector<std::string>& args) {
  const Verb* v = find_verb(verb);
  FASIM_REQUIRE(v != nullptr, "read_verb_line of a verb usage.cpp does not know");
  return io::read_command_line(args, verb, {v->flags.begin(), v->flags.end()}, v->overrides);
}

StartScan scan_before_start(std::string_view verb, const std::vector<std::string>& args) {
  StartScan scan;
  const Verb* v = find_verb(verb);
  if (!v) return scan;
  scan.known = true;
  std::vector<io::VerbFlag> flags(v->flags.begin(), v->flags.end());
  flags.push_back({"--help"});
  flags.push_back({"-h"});
  try {
    const io::CommandLine line = io::read_command_line(args, verb, flags, v->overrides);
    scan.help = line.has("--help") || line.has("-h");
    scan.dry_run = line.has("--dry-run");
    const auto needed = static_cast<std::size_t>(std::max(v->required_words, 1));
    if (!v->required.empty() && line.words.size() < needed) scan.missing = v->required;
  } catch (const UsageError& e) {
    scan.error = e.what(); // the verb's own reading of its words says the same
  }
  return scan;
}

} // namespace fasim::app
