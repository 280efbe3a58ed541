// The one decision of the lifecycle (docs/lifecycle.md, "What `fasim status` / `slurm/run.sbatch` do from
// each state"): what to do from the facts assess() found. tests/lifecycle checks it against that table for
// every combination of the facts.
#include "fasim/lifecycle/lifecycle.hpp"

namespace fasim::io {

namespace {
bool resumable(ResultState s) {
  return s == ResultState::Checkpointed || s == ResultState::Interrupted || s == ResultState::Failed;
}
} // namespace

Action decide(const Facts& f) {
  if (f.state == ResultState::Running) return Action::Refuse; // never replaced under a live writer
  if (f.named_checkpoint) {
    // output.overwrite plays no part: a resume never replaces what is not its own run's.
    if (f.state == ResultState::Foreign) return Action::Refuse;
    if (f.state == ResultState::Complete && !f.more_steps) return Action::Refuse; // never a shorter run
    if (f.named_beyond_steps || f.named_other_run) return Action::Refuse;
    // A complete result asked to go further is continued in place rather than rebuilt from an older
    // checkpoint, so that an interruption never leaves fewer steps on disk than the complete result held.
    if (f.state == ResultState::Complete && f.same_experiment && !f.all_stopped_early)
      return Action::Continue;
    return Action::Resume;
  }
  if (f.named_result) {
    // `fasim resume RESULT` carries the result on, or refuses: a complete one asked to go further is
    // continued in place, one that stopped short resumes from its ring. output.overwrite plays no part.
    if (f.same_experiment && f.state == ResultState::Complete && f.more_steps && !f.all_stopped_early)
      return Action::Continue;
    if (f.same_experiment && resumable(f.state) && f.usable_checkpoint) return Action::Resume;
    return Action::Refuse;
  }
  if (f.fresh_start) {
    // `fasim run` starts from step 0: with output.overwrite = true over whatever is there (a live writer
    // aside); otherwise never over a complete result, nor over one that a checkpoint of its run resumes.
    if (f.overwrite && f.state != ResultState::Absent) return Action::Run;
    if (!f.overwrite && (f.state == ResultState::Complete || (resumable(f.state) && f.usable_checkpoint)))
      return Action::Refuse;
  }
  switch (f.state) {
  case ResultState::Absent:
    return f.usable_checkpoint && !f.overwrite ? Action::Refuse : Action::Run;
  case ResultState::Foreign:
    return f.overwrite ? Action::Run : Action::Refuse;
  default:
    break;
  }
  if (!f.same_experiment) return f.overwrite ? Action::Run : Action::Refuse;
  if (f.state == ResultState::Complete)
    return f.more_steps && !f.all_stopped_early ? Action::Continue : Action::Nothing;
  return f.usable_checkpoint ? Action::Resume : Action::Restart;
}

} // namespace fasim::io
