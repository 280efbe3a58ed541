#include "fasim/lifecycle/lifecycle.hpp"

#include "fasim/config/config.hpp"
#include "fasim/config/ini.hpp"
#include "fasim/files/output_lock.hpp"
#include "fasim/files/publish.hpp"
#include "fasim/files/safe_files.hpp"
#include "fasim/format/checkpoint.hpp"
#include "fasim/format/result_state.hpp"
#include "fasim/parallel/error.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <optional>

namespace fasim::io {

namespace fs = std::filesystem;

// The words `fasim status` prints (docs/lifecycle.md; slurm/run.sbatch reads them): config/words.hpp.
const char* to_string(ResultState s) {
  return schema::to_string(s);
}

const char* to_string(Action a) {
  return schema::to_string(a);
}

namespace {
// Keys a resumed or continued run may change: how long, where and how it runs, not what it computes.
bool may_change(const std::string& key) {
  for (const char* prefix : {"run.steps", "run.stop_", "output.", "grid.", "system.", "run.record_"})
    if (key.rfind(prefix, 0) == 0) return true;
  return false;
}

// The resolved configuration as (section.key, value) pairs, read by the one INI tokenizer every verb uses.
std::vector<std::pair<std::string, std::string>> resolved_entries(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> kv;
  for (const auto& e : parse_ini(text, "the stored configuration")) kv.emplace_back(e.name(), e.value);
  return kv;
}

bool exists_as_link_or_file(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : "; ") + s;
  return out;
}
} // namespace

std::vector<std::string> contradicting_keys(const std::string& stored, const std::string& requested) {
  const auto a = resolved_entries(stored), b = resolved_entries(requested);
  // A key the stored configuration lacks came with a later fasim (problem.observe, the feedback rules'
  // sections, …); at its default it asks for what the fasim that wrote the file did, so only another value
  // contradicts it. Without this an upgrade would refuse to resume every checkpoint written before it.
  static const auto defaults = resolved_entries(parse_config_text("", {}).resolved_ini);
  const auto default_of = [&](const std::string& key) -> std::optional<std::string> {
    for (const auto& [k, v] : defaults)
      if (k == key) return v;
    return std::nullopt;
  };
  std::vector<std::string> diffs;
  for (const auto& [key, value] : b) {
    std::optional<std::string> old;
    for (const auto& [k2, v2] : a)
      if (k2 == key) old = v2;
    if (!old && default_of(key) == value) continue;
    if (old != value && !may_change(key))
      diffs.push_back(key + ": " + old.value_or("(unset)") + " -> " + value);
  }
  return diffs;
}

std::vector<std::string> resumable_overrides(const std::string& resolved) {
  std::vector<std::string> out;
  for (const auto& [key, value] : resolved_entries(resolved))
    if (may_change(key)) out.push_back("--" + key + "=" + value);
  return out;
}

std::string new_run_id() {
  return random_token() + random_token();
}

namespace {
std::string stored_output_file(const std::string& resolved) {
  return find_ini_value(parse_ini(resolved, "the stored configuration"), "output.file").value_or("");
}
} // namespace

void check_run_paths(const RunConfig& c) {
  const std::string &out = c.output.file, &ck = c.output.checkpoint_file, &in = c.input.file;
  if (same_destination(out, ck))
    throw UsageError("output.checkpoint_file '" + ck + "' is the result file output.file '" + out +
                     "': a checkpoint would replace the result; choose another output.checkpoint_file");
  if (!in.empty() && same_destination(in, out))
    throw UsageError("output.file '" + out + "' is the input file input.file '" + in +
                     "': the run would overwrite its own input; choose another output.file");
  if (!in.empty() && same_destination(in, ck))
    throw UsageError("output.checkpoint_file '" + ck + "' is the input file input.file '" + in +
                     "'; choose another output.checkpoint_file");
  // Every path of the ring: the checkpoint and the generations it is rotated into.
  for (int k = 0; k < std::max(c.output.checkpoint_keep, 1); ++k) {
    const std::string member = ring_member(ck, k);
    if (!exists_as_link_or_file(member) || is_own_checkpoint(member)) continue;
    struct stat st {};
    ::lstat(member.c_str(), &st);
    throw UsageError("checkpoint path '" + member + "' (output.checkpoint_file" + (k > 0 ? " ring" : "") +
                     ") exists and is not a checkpoint of yours (" +
                     (S_ISLNK(st.st_mode) ? "a symbolic link" : "another file") +
                     "); fasim will not replace it: move it away, or choose another output.checkpoint_file");
  }
  if (!exists_as_link_or_file(ck)) return;
  std::string theirs;
  try {
    theirs = stored_output_file(
        read_checkpoint_header(ck, parallel::Communicator::borrow(MPI_COMM_SELF)).config_ini);
  } catch (const UsageError&) {
    // An incomplete or unreadable checkpoint at our own path is replaced by the next one: nothing to refuse.
  }
  if (!theirs.empty() && !same_destination(theirs, out))
    throw UsageError("output.checkpoint_file '" + ck +
                     "' is the checkpoint of another run (of result file '" + theirs +
                     "'); choose another output.checkpoint_file");
}

namespace {
// Why `fasim resume CHECKPOINT` does what decide() says, in one line (and what to do when refused).
std::string named_checkpoint_reason(const Assessment& a, const Facts& f, const CheckpointHeader& h,
                                    const RunSummary& s, const std::string& unreadable, long long steps) {
  const std::string result = "result file '" + a.result + "'", ck = "checkpoint '" + a.checkpoint + "'";
  if (a.action == Action::Continue)
    return result + " is complete at step " + std::to_string(s.last_step) +
           "; run.steps = " + std::to_string(steps) + ": continue it in place rather than rebuild it from " +
           ck;
  if (a.action == Action::Resume) return "resume from " + ck + " (step " + std::to_string(h.step) + ")";
  if (f.state == ResultState::Foreign)
    return unreadable + "; resuming " + ck + " would replace it: move it away, or choose another output.file";
  if (f.state == ResultState::Complete && !f.more_steps)
    return result + " is complete with " + std::to_string(s.last_step) + " steps: resuming " + ck +
           " to run.steps = " + std::to_string(steps) +
           " would replace it with a shorter run; the file is untouched (continue it with 'fasim resume " +
           a.result + " --run.steps=N', N > " + std::to_string(s.last_step) + ")";
  if (f.named_beyond_steps)
    return ck + " is at step " + std::to_string(h.step) + ", beyond run.steps = " + std::to_string(steps) +
           ": resume it with --run.steps=" + std::to_string(h.step) + " or more; nothing was changed";
  return ck + " belongs to another run than " + result + " (run id " + h.run_id + " vs " + s.run_id +
         "): resuming it would mix two runs; start a new run instead";
}
} // namespace

namespace {
// Why `fasim run` (a fresh start) does other than what `fasim status` would say, in one line: it refuses a
// result that is complete or can be resumed, or replaces it with output.overwrite = true.
std::string fresh_start_reason(const Assessment& a, Action next) {
  const std::string result = "output file '" + a.result + "'";
  if (a.action == Action::Run)
    return result + " is " + to_string(a.state) + "; output.overwrite = true: replacing it with a run from " +
           "step 0 (and deleting its checkpoint ring)";
  if (next == Action::Resume)
    return result + " is " + to_string(a.state) + " at step " + std::to_string(a.result_step) +
           " and has a checkpoint: continue it with 'fasim resume " + a.checkpoint +
           "' (slurm/run.sbatch does so by itself), or start again with --output.overwrite=true";
  return result + " is complete (" + std::to_string(a.result_step) +
         " steps); continue it to more steps with 'fasim resume " + a.result +
         " --run.steps=N', replace it with --output.overwrite=true, or choose another output.file";
}
} // namespace

namespace {
// Why `fasim status` does `next`, in one line (and what to do when refused).
std::string what_next_reason(const Assessment& a, const Facts& f, Action next, const RunSummary& s,
                             const std::string& holder, const std::string& unreadable,
                             const std::string& differences, const std::string& checkpoint_problem) {
  const std::string result = "result file '" + a.result + "'";
  switch (f.state) {
  case ResultState::Absent:
    return next == Action::Refuse
               ? result + " is missing but its checkpoint '" + a.checkpoint + "' exists: resume it with " +
                     "'fasim resume " + a.checkpoint + "', or delete the checkpoint to start afresh"
               : "no result file yet: start the run";
  case ResultState::Running:
    return result + " is being written by another fasim process (" + holder +
           "); wait for it to end, or choose another output.file";
  case ResultState::Foreign:
    return unreadable + (next == Action::Run ? "; output.overwrite = true: replacing it"
                                             : "; choose another output.file, or set "
                                               "output.overwrite = true to replace it");
  default:
    break;
  }
  switch (next) {
  case Action::Run:
    return result + " was made with another configuration (" + differences +
           "); output.overwrite = true: replacing it";
  case Action::Refuse:
    return result + " (" + to_string(f.state) + ") was made with another configuration (" + differences +
           "); choose another output.file, or set output.overwrite = true to replace it";
  case Action::Nothing:
    return f.all_stopped_early
               ? result + " is complete and every algorithm stopped early (" + s.stop_summary +
                     "): there is nothing to continue"
               : result + " is complete (" + std::to_string(s.last_step) + " steps): nothing to do";
  case Action::Continue:
    return result + " is complete at step " + std::to_string(s.last_step) +
           "; run.steps = " + std::to_string(a.requested_steps) + ": continue it";
  case Action::Resume:
    return result + " is " + to_string(f.state) + "; resume from checkpoint '" + a.checkpoint + "' (step " +
           std::to_string(a.checkpoint_step) + ")";
  case Action::Restart:
    // Without a usable checkpoint the attempt cannot be continued; the same configuration recomputes it
    // exactly.
    return result + " is " + to_string(f.state) + " at step " + std::to_string(s.last_step) + " with " +
           checkpoint_problem + ": start it again from step 0 (same configuration)";
  }
  return {};
}
} // namespace

Assessment assess(const RunConfig& c, bool caller_holds_lock, const std::string& named, Asking asking) {
  Assessment a;
  a.result = c.output.file;
  a.checkpoint = named.empty() ? c.output.checkpoint_file : named;
  a.requested_steps = c.run.steps;
  Facts f;
  f.overwrite = c.output.overwrite;
  f.fresh_start = named.empty() && asking == Asking::FreshStart;
  f.named_result = named.empty() && asking == Asking::NamedResult;
  // The newest usable generation of the checkpoint ring (of the run `run_id`): its step (and a.checkpoint
  // names it), else -1 and checkpoint_problem says why not.
  std::string checkpoint_problem = "no checkpoint";
  const auto usable_checkpoint = [&](const std::string& run_id) -> long long {
    const RingCheckpoint found = newest_usable_checkpoint(c, run_id);
    checkpoint_problem = found.problem;
    if (!found.path.empty()) a.checkpoint = found.path;
    return found.step;
  };

  // The facts, each looked at only when the decision depends on it.
  std::string holder, unreadable, differences;
  RunSummary s;
  if (!exists_as_link_or_file(a.result)) {
    f.state = ResultState::Absent;
    f.usable_checkpoint = usable_checkpoint("") >= 0;
  } else if (holder = caller_holds_lock ? std::string() : lock_holder(a.result); !holder.empty()) {
    f.state = ResultState::Running;
  } else {
    try {
      require_own_regular_file(a.result, "result file");
      s = read_run_summary(a.result);
      a.result_step = s.last_step;
      f.state = s.status == schema::FileStatus::Complete       ? ResultState::Complete
                : s.status == schema::FileStatus::Checkpointed ? ResultState::Checkpointed
                : s.status == schema::FileStatus::Failed       ? ResultState::Failed
                                                               : ResultState::Interrupted;
    } catch (const UsageError& e) {
      f.state = ResultState::Foreign;
      unreadable = e.what();
    }
  }
  if (f.state != ResultState::Absent && f.state != ResultState::Running && f.state != ResultState::Foreign) {
    differences = join(contradicting_keys(s.config_ini, c.resolved_ini));
    f.same_experiment = differences.empty();
    f.more_steps = c.run.steps > s.last_step;
    f.all_stopped_early = s.all_stopped_early;
    if (named.empty() && f.same_experiment && f.state != ResultState::Complete) {
      a.checkpoint_step = usable_checkpoint(s.run_id);
      f.usable_checkpoint = a.checkpoint_step >= 0;
    }
  }
  CheckpointHeader named_header;
  if (!named.empty()) {
    f.named_checkpoint = true;
    named_header = read_checkpoint_header(named, parallel::Communicator::borrow(MPI_COMM_SELF));
    a.checkpoint_step = named_header.step;
    f.named_beyond_steps = c.run.steps < named_header.step; // at run.steps exactly it finishes the run
    f.named_other_run = f.state != ResultState::Absent && f.state != ResultState::Running &&
                        f.state != ResultState::Foreign && !s.run_id.empty() &&
                        !named_header.run_id.empty() && s.run_id != named_header.run_id;
  }
  a.state = f.state;
  a.action = decide(f);
  if (f.named_checkpoint && f.state != ResultState::Running) {
    a.reason = named_checkpoint_reason(a, f, named_header, s, unreadable, c.run.steps);
    return a;
  }

  // What `fasim status` would do: the reason of a fresh start or a named result begins from it.
  Facts asked_next = f;
  asked_next.fresh_start = asked_next.named_result = false;
  const Action next = decide(asked_next);
  if (f.fresh_start && next != a.action) {
    a.reason = fresh_start_reason(a, next);
    return a;
  }
  a.reason = what_next_reason(a, f, next, s, holder, unreadable, differences, checkpoint_problem);
  if (f.named_result && a.action == Action::Refuse)
    a.reason =
        f.state == ResultState::Complete
            ? a.reason +
                  (a.requested_steps <= a.result_step
                       ? "; give --run.steps larger than " + std::to_string(a.result_step) + " to continue it"
                       : std::string()) +
                  "; the file is untouched"
            : "result file '" + a.result + "' is not complete and cannot be resumed: " + a.reason;
  return a;
}

void mark_failed(const std::string& path, const std::string& message) {
  try {
    require_own_regular_file(path, "result file");
    const File f = File::open(path, parallel::Communicator::borrow(MPI_COMM_SELF), false);
    if (!f.has_attribute(schema::kStatus)) return;
    const auto status = schema::parse<schema::FileStatus>(f.read_attribute<std::string>(schema::kStatus));
    if (status == schema::FileStatus::Complete) return; // a failure after completion does not undo it
    f.write_attribute(schema::kStatus, schema::to_string(schema::FileStatus::Failed));
    f.write_attribute(schema::kError, message);
    append_history(f, "failed: " + message);
    f.flush();
  } catch (...) {
    // Best effort: the failure itself is what the user is told about.
  }
}

} // namespace fasim::io
