// Usage texts: one per verb (synopsis, purpose, options, an example), and the overall one.
#include "usage.hpp"

#include "fasim/parallel/error.hpp"

#include <algorithm>

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

/// One verb: its usage text, the argument it cannot run without, and whether that argument must come first
/// (resume and status read it from the first word; info and collect take their words in any order).
struct Verb {
  std::string_view name, required;
  int required_words; ///< leading non-option words needed (0: at least one anywhere when required is set)
  std::string_view text;
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
)"},
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
)"},
    {"status", "CONFIG", 1, R"(usage: fasim status CONFIG [--section.key=value ...]
Prints the lifecycle state of the run's result file (absent, running, checkpointed, failed or complete) and
what slurm/run.sbatch would do with it (docs/lifecycle.md). Reads files only; never writes.
options:
  --section.key=value  the overrides the run would get (output.file decides which file is looked at)
example:
  fasim status jobs/fig2b.ini --output.file=results/fig2b.h5
)"},
    {"info", "FILE", 0, R"(usage: fasim info FILE [--json]
Summarises a result file (status, problem, each algorithm's final loss, steps and stop reason) or a
checkpoint (step, completeness, the configuration's SHA-256).
options:
  --json   one JSON object instead of text, numbers with every digit needed to read them back exactly
example:
  fasim info fig2b.h5 --json
)"},
    {"bench", "", 0, R"(usage: fasim bench [CONFIG.ini] [--section.key=value ...]
Times one step of each algorithm (the median of bench.steps steps after bench.warmup) and prints one JSON
line per algorithm, with a DGEMM reference; with bench.io_dir also the write speed of HDF5 and checkpoints.
options:
  --section.key=value  any configuration key (fasim run --help), e.g. bench.steps, bench.formulation
example:
  mpirun -n 4 fasim bench --problem.n=20000 --problem.m=20000 --model.r=100 --bench.steps=10
)"},
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
)"},
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
)"},
    {"version", "", 0, R"(usage: fasim version
Prints fasim's version, its git commit and the BLAS library in use.
example:
  fasim version
)"},
};

const Verb* find_verb(std::string_view name) {
  for (const auto& verb : kVerbs)
    if (verb.name == name) return &verb;
  return nullptr;
}

bool is_option(const std::string& word) {
  return !word.empty() && word.front() == '-';
}

} // namespace

std::string_view overall_usage() {
  return kOverall;
}

std::string_view verb_usage(std::string_view verb) {
  const Verb* v = find_verb(verb);
  return v ? v->text : std::string_view();
}

bool asks_for_help(const std::vector<std::string>& args) {
  return std::any_of(args.begin(), args.end(), [](const auto& a) { return a == "--help" || a == "-h"; });
}

std::string missing_argument(std::string_view verb, const std::vector<std::string>& args) {
  const Verb* v = find_verb(verb);
  if (!v || v->required.empty()) return {};
  const auto needed = static_cast<std::size_t>(v->required_words);
  const bool present =
      needed == 0 ? std::any_of(args.begin(), args.end(), [](const auto& a) { return !is_option(a); })
                  : args.size() >= needed && std::none_of(args.begin(), args.begin() + needed, is_option);
  return present ? std::string() : std::string(v->required);
}

} // namespace fasim::app
