#pragma once
// The lifecycle of a result file (docs/lifecycle.md): the state its files are in, and what to do from each
// state. `fasim status`, `fasim run`, `fasim resume`, `fasim sweep run` and both sbatch scripts decide
// through assess(), so they cannot disagree: a verb carries out the action it is given and refuses with the
// reason it is given, nothing of its own.
#include "fasim/config/config.hpp"
#include "fasim/config/words.hpp"

#include <string>
#include <vector>

namespace fasim::io {

// ResultState and Action, and their words, are in fasim/config/words.hpp (the one word table).
const char* to_string(ResultState state);
const char* to_string(Action action);

struct Assessment {
  ResultState state = ResultState::Absent;
  Action action = Action::Run;
  std::string result, checkpoint; ///< the paths (output.file, output.checkpoint_file)
  long long result_step = -1;     ///< the result's furthest step, when it exists
  long long checkpoint_step = -1; ///< the usable checkpoint's step, else -1
  long long requested_steps = 0;  ///< run.steps asked for
  std::string reason;             ///< one line: why this action, and what to do when refused
};

/// What assess() found on disk, as far as the decision needs it (docs/lifecycle.md, "What `fasim status` /
/// `slurm/run.sbatch` do from each state"; tests/lifecycle checks that table against decide()).
struct Facts {
  ResultState state = ResultState::Absent;
  bool same_experiment = true;    ///< the result's configuration agrees on every key a resume may not change
  bool usable_checkpoint = false; ///< the ring holds a usable checkpoint (of the result's run)
  bool more_steps = false;        ///< complete: run.steps > the result's last step
  bool all_stopped_early = false; ///< complete: every algorithm stopped before its last step
  bool overwrite = false;         ///< output.overwrite
  /// `fasim resume CHECKPOINT` (and run.sbatch's resume): the checkpoint to resume is named, not searched.
  bool named_checkpoint = false;
  bool named_other_run = false;    ///< the named checkpoint's run id is not the (existing) result's
  bool named_beyond_steps = false; ///< the named checkpoint's step is beyond run.steps
  /// `fasim run CONFIG`: the user asked for a run from step 0 (not what to do next, as `fasim status`, the
  /// job scripts and `fasim sweep run` ask). Never together with named_checkpoint.
  bool fresh_start = false;
  /// `fasim resume RESULT`: the result file is named; it is continued (complete) or resumed from its ring
  /// (stopped short), nothing else. Never together with named_checkpoint or fresh_start.
  bool named_result = false;
};

/// What the verb asks assess() to decide: what to do next (`fasim status`, the job scripts, a sweep's point),
/// whether `fasim run CONFIG` may start from step 0 (Facts::fresh_start), or how `fasim resume RESULT` (and a
/// continuation in place) carries on the result it names (Facts::named_result).
enum class Asking { WhatNext, FreshStart, NamedResult };

/// The one decision: what to do from `facts`. assess() takes its action from here.
Action decide(const Facts& facts);

/// Looks at the result and checkpoint files of `config` (rank-local: call on one rank and share the outcome).
/// The checkpoint to resume from is the newest generation of the ring (checkpoint_file, then .1, .2, ...)
/// that is complete and belongs to the result's run. `caller_holds_lock`: this process holds the result's
/// lock (OutputLock), which then does not count as another writer.
/// `named_checkpoint`: the checkpoint `fasim resume CHECKPOINT` was given (its step and run id are facts of
/// the decision; a.checkpoint names it); empty for every other verb. `asking`: FreshStart for `fasim run`
/// (its action is then run, restart or refuse; run over an existing result replaces it).
Assessment assess(const RunConfig& config, bool caller_holds_lock = false,
                  const std::string& named_checkpoint = {}, Asking asking = Asking::WhatNext);

/// The newest usable checkpoint of a ring (docs/lifecycle.md, "States"): its path and step; path "" and step
/// -1 when there is none, and `problem` says why the newest generation (output.checkpoint_file itself) is not
/// usable ("no checkpoint" when nothing is there).
struct RingCheckpoint {
  std::string path;
  long long step = -1;
  std::string problem = "no checkpoint";
};

/// Rank-local: searches the ring of `config` (checkpoint_file, then .1, .2, ...; files/publish.hpp's
/// ring_member and kRingSearch) newest first for a complete checkpoint that is a regular file of yours and
/// belongs to the run `run_id` ("" or a checkpoint without a run id: any run). assess() and the advice after
/// a storage fault both take the checkpoint to resume from here.
RingCheckpoint newest_usable_checkpoint(const RunConfig& config, const std::string& run_id);

/// Refuses (UsageError) paths that would mix files: a checkpoint_file that is the result file or the input
/// file, a result file that is the input file, and a checkpoint_file that holds something other than a
/// checkpoint of this result (another run's checkpoint, a result, any other file). Rank-local.
void check_run_paths(const RunConfig& config);

/// Deletes the checkpoint ring of `config` (checkpoint_file and its generations .1, .2, ... that are the
/// user's own regular files and checkpoints) before a fresh run replaces the result they belong to.
/// Rank-local.
void purge_checkpoint_ring(const RunConfig& config);

/// The keys whose values in `requested` contradict `stored` (both resolved configurations), other than the
/// keys a resumed or continued run may change (run length, stopping rules, recording, output, grid, system),
/// as "key: old -> new".
std::vector<std::string> contradicting_keys(const std::string& stored, const std::string& requested);

/// The keys of the resolved configuration `resolved` that a resumed or continued run may change, as command
/// line overrides ("--run.steps=35000"): a job file's own settings for the resume of its run.
std::vector<std::string> resumable_overrides(const std::string& resolved);

/// Rank-local: a new run id (32 random hex digits), stored in the result and its checkpoints.
std::string new_run_id();

/// Rank-local, best effort: marks the result file `path` failed (status failed, `error` = message, a history
/// line). Never throws; a file that cannot be opened is left as it is.
void mark_failed(const std::string& path, const std::string& message);

} // namespace fasim::io
