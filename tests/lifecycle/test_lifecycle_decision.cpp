// The one decision (io::decide) against the table of docs/lifecycle.md, "What `fasim status` /
// `slurm/run.sbatch` do from each state": for every combination of the facts assess() finds, the first row of
// the table that fits names the action decide() takes, without and with output.overwrite, for `fasim
// status`'s question (what next), for `fasim run`'s (a fresh start) and for `fasim resume`'s (a named
// checkpoint or result). A row the test does not know, a row
// no facts reach and a combination no row covers fail too, so the table and the code cannot drift apart.
#include "fasim/lifecycle/lifecycle.hpp"
#include "source_dir.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using fasim::io::Action;
using fasim::io::decide;
using fasim::io::Facts;
using fasim::io::ResultState;
using fasim::testing::source_dir;

namespace {

std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream in(line.substr(1));
  for (std::string cell; std::getline(in, cell, '|');) {
    const auto first = cell.find_first_not_of(' '), last = cell.find_last_not_of(' ');
    out.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
  }
  return out;
}

struct Row {
  std::string state, same, action;
};

/// The rows of the decision table, as written.
std::vector<Row> decision_table() {
  const std::string path = source_dir() + "/docs/lifecycle.md";
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::vector<Row> rows;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| state | same experiment | action |", 0) == 0) {
      inside = true;
      continue;
    }
    if (!inside || line.rfind("|---", 0) == 0) continue;
    if (line.empty() || line.front() != '|') break;
    const auto c = cells(line);
    REQUIRE_MESSAGE(c.size() >= 3, "a row of the decision table with fewer than 3 cells: " << line);
    rows.push_back({c[0], c[1], c[2]});
  }
  REQUIRE_MESSAGE(!rows.empty(), "no decision table (| state | same experiment | action | ...) in " << path);
  return rows;
}

/// The action words of a cell: "`refuse` (`run` with `output.overwrite = true`)" → refuse, and run with
/// overwrite; a cell without the parenthesis names one action for both.
std::pair<Action, Action> actions(const std::string& cell) {
  const auto word = [&](std::size_t from) {
    const auto open = cell.find('`', from), close = cell.find('`', open + 1);
    REQUIRE_MESSAGE(close != std::string::npos, "no `action` in '" << cell << "'");
    const std::string w = cell.substr(open + 1, close - open - 1);
    for (Action a :
         {Action::Run, Action::Restart, Action::Resume, Action::Continue, Action::Nothing, Action::Refuse})
      if (w == fasim::io::to_string(a)) return std::pair{a, close + 1};
    FAIL("'" << w << "' in '" << cell << "' is not an action word of fasim status");
    return std::pair{Action::Refuse, close + 1};
  };
  const auto [plain, next] = word(0);
  if (cell.find("(`", next) == std::string::npos) return {plain, plain};
  REQUIRE_MESSAGE(cell.find("with `output.overwrite = true`)", next) != std::string::npos,
                  "the parenthesis of '" << cell << "' is not (`ACTION` with `output.overwrite = true`)");
  return {plain, word(next).first};
}

bool one_of(ResultState s, std::initializer_list<ResultState> states) {
  for (ResultState t : states)
    if (s == t) return true;
  return false;
}

constexpr auto kCheckpointed = ResultState::Checkpointed, kInterrupted = ResultState::Interrupted,
               kFailed = ResultState::Failed;

/// What each row's state cell means, in the facts assess() gathers (the text must match the table's).
const std::map<std::string, std::function<bool(const Facts&)>> kStateCells = {
    {"`fasim resume CHECKPOINT`: the result `foreign`",
     [](const Facts& f) { return f.named_checkpoint && f.state == ResultState::Foreign; }},
    {"`fasim resume CHECKPOINT`: the result `complete`, `run.steps` ≤ its last step",
     [](const Facts& f) { return f.named_checkpoint && f.state == ResultState::Complete && !f.more_steps; }},
    {"`fasim resume CHECKPOINT`: the checkpoint's step beyond `run.steps`",
     [](const Facts& f) { return f.named_checkpoint && f.named_beyond_steps; }},
    {"`fasim resume CHECKPOINT`: the checkpoint of another run than the result's",
     [](const Facts& f) { return f.named_checkpoint && f.named_other_run; }},
    {"`fasim resume CHECKPOINT`: the result `complete`, `run.steps` > its last step, some algorithm ran to "
     "the "
     "end",
     [](const Facts& f) {
       return f.named_checkpoint && f.state == ResultState::Complete && f.more_steps && !f.all_stopped_early;
     }},
    {"`fasim resume CHECKPOINT`: otherwise", [](const Facts& f) { return f.named_checkpoint; }},
    {"`fasim resume RESULT`: the result `complete`, `run.steps` > its last step, some algorithm ran to the "
     "end",
     [](const Facts& f) {
       return f.named_result && f.state == ResultState::Complete && f.more_steps && !f.all_stopped_early;
     }},
    {"`fasim resume RESULT`: the result `checkpointed`, `interrupted`, `failed` with a usable checkpoint",
     [](const Facts& f) {
       return f.named_result && one_of(f.state, {kCheckpointed, kInterrupted, kFailed}) &&
              f.usable_checkpoint;
     }},
    {"`fasim resume RESULT`: otherwise", [](const Facts& f) { return f.named_result; }},
    {"`fasim run CONFIG` with `output.overwrite = true`: an existing result",
     [](const Facts& f) { return f.fresh_start && f.overwrite && f.state != ResultState::Absent; }},
    {"`fasim run CONFIG`: the result `complete`",
     [](const Facts& f) { return f.fresh_start && f.state == ResultState::Complete; }},
    {"`fasim run CONFIG`: the result `checkpointed`, `interrupted`, `failed` with a usable checkpoint",
     [](const Facts& f) {
       return f.fresh_start && one_of(f.state, {kCheckpointed, kInterrupted, kFailed}) && f.usable_checkpoint;
     }},
    {"`absent`", [](const Facts& f) { return f.state == ResultState::Absent && !f.usable_checkpoint; }},
    {"`absent`, but a usable checkpoint exists",
     [](const Facts& f) { return f.state == ResultState::Absent && f.usable_checkpoint; }},
    {"`running`", [](const Facts& f) { return f.state == ResultState::Running; }},
    {"`checkpointed`, `interrupted`, `failed` with a usable checkpoint",
     [](const Facts& f) {
       return one_of(f.state, {kCheckpointed, kInterrupted, kFailed}) && f.usable_checkpoint;
     }},
    {"`checkpointed`, `interrupted`, `failed` without one",
     [](const Facts& f) {
       return one_of(f.state, {kCheckpointed, kInterrupted, kFailed}) && !f.usable_checkpoint;
     }},
    {"`complete`, `run.steps` > its last step, some algorithm ran to the end",
     [](const Facts& f) { return f.state == ResultState::Complete && f.more_steps && !f.all_stopped_early; }},
    {"`complete`, otherwise (or every algorithm stopped early)",
     [](const Facts& f) {
       return f.state == ResultState::Complete && !(f.more_steps && !f.all_stopped_early);
     }},
    {"any existing state", [](const Facts& f) { return f.state != ResultState::Absent; }},
    {"`foreign`", [](const Facts& f) { return f.state == ResultState::Foreign; }},
};

bool fits(const Row& row, const Facts& f) {
  const auto state = kStateCells.find(row.state);
  REQUIRE_MESSAGE(state != kStateCells.end(),
                  "docs/lifecycle.md has a decision row this test does not know: '"
                      << row.state << "'; say here what it means");
  if (row.same == "yes" && !f.same_experiment) return false;
  if (row.same == "no" && f.same_experiment) return false;
  REQUIRE_MESSAGE((row.same == "yes" || row.same == "no" || row.same == "—"),
                  "same-experiment cell '" << row.same << "' is none of yes, no, —");
  return state->second(f);
}

/// Every combination of the facts.
std::vector<Facts> all_facts() {
  std::vector<Facts> out;
  for (ResultState s : {ResultState::Absent, ResultState::Running, kCheckpointed, kInterrupted, kFailed,
                        ResultState::Complete, ResultState::Foreign})
    for (int bits = 0; bits < 1024; ++bits)
      out.push_back({s, (bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0, (bits & 16) != 0,
                     (bits & 32) != 0, (bits & 64) != 0, (bits & 128) != 0, (bits & 256) != 0,
                     (bits & 512) != 0});
  return out;
}

std::string describe(const Facts& f) {
  return std::string(fasim::io::to_string(f.state)) + (f.same_experiment ? ", same experiment" : ", other") +
         (f.usable_checkpoint ? ", usable checkpoint" : "") + (f.more_steps ? ", more steps" : "") +
         (f.all_stopped_early ? ", all stopped early" : "") + (f.overwrite ? ", overwrite" : "") +
         (f.named_checkpoint ? ", named checkpoint" : "") + (f.named_other_run ? " of another run" : "") +
         (f.named_beyond_steps ? " beyond run.steps" : "") +
         (f.fresh_start ? ", fasim run (fresh start)" : "") + (f.named_result ? ", named result" : "");
}

} // namespace

TEST_CASE("lifecycle: decide() takes the action docs/lifecycle.md's table names, for every combination") {
  const auto rows = decision_table();
  std::vector<int> reached(rows.size(), 0);
  for (const Facts& f : all_facts()) {
    std::size_t row = 0;
    while (row < rows.size() && !fits(rows[row], f)) ++row;
    REQUIRE_MESSAGE(row < rows.size(), "no row of the decision table covers: " << describe(f));
    const auto [plain, overwritten] = actions(rows[row].action);
    INFO("facts: " << describe(f) << "; row: " << rows[row].state << " | " << rows[row].same);
    CHECK(fasim::io::to_string(decide(f)) ==
          std::string(fasim::io::to_string(f.overwrite ? overwritten : plain)));
    ++reached[row];
  }
  for (std::size_t row = 0; row < rows.size(); ++row)
    CHECK_MESSAGE(reached[row] > 0, "the row '" << rows[row].state << "' is never the first that fits");
  CHECK(rows.size() == kStateCells.size()); // no meaning left here for a row the table lost
}

TEST_CASE("lifecycle: what decide() weighs") {
  Facts f;
  f.state = ResultState::Running;
  f.overwrite = true;
  CHECK(decide(f) == Action::Refuse); // a live writer is never replaced
  f.state = ResultState::Complete;
  CHECK(decide(f) == Action::Nothing); // overwrite does not redo the same experiment
  f.more_steps = true;
  CHECK(decide(f) == Action::Continue);
  f.all_stopped_early = true;
  CHECK(decide(f) == Action::Nothing);
  f.state = ResultState::Checkpointed;
  CHECK(decide(f) == Action::Restart);
  f.usable_checkpoint = true;
  CHECK(decide(f) == Action::Resume);
  f.same_experiment = false;
  CHECK(decide(f) == Action::Run);
  f.overwrite = false;
  CHECK(decide(f) == Action::Refuse);
  // A named checkpoint (fasim resume CHECKPOINT): never a shorter run over a complete result, never beyond
  // run.steps, never into another run; a complete result asked to go further is continued in place.
  f = Facts{};
  f.named_checkpoint = true;
  f.state = ResultState::Complete;
  CHECK(decide(f) == Action::Refuse);
  f.more_steps = true;
  CHECK(decide(f) == Action::Continue);
  f.named_other_run = true;
  CHECK(decide(f) == Action::Refuse);
  f.named_other_run = false;
  f.state = ResultState::Interrupted;
  CHECK(decide(f) == Action::Resume);
  f.named_beyond_steps = true;
  f.overwrite = true;
  CHECK(decide(f) == Action::Refuse);
  f.named_beyond_steps = false;
  f.state = ResultState::Foreign;
  CHECK(decide(f) == Action::Refuse);
  // `fasim resume RESULT` (a named result): continued when complete and asked for more, resumed from its ring
  // when it stopped short, nothing else; output.overwrite plays no part.
  f = Facts{};
  f.named_result = true;
  f.state = ResultState::Complete;
  f.overwrite = true;
  CHECK(decide(f) == Action::Refuse); // not more steps: never a shorter run, never nothing-to-do
  f.more_steps = true;
  CHECK(decide(f) == Action::Continue);
  f.all_stopped_early = true;
  CHECK(decide(f) == Action::Refuse);
  f.state = ResultState::Failed;
  CHECK(decide(f) == Action::Refuse); // no usable checkpoint: never a restart from step 0
  f.usable_checkpoint = true;
  CHECK(decide(f) == Action::Resume);
  f.same_experiment = false;
  CHECK(decide(f) == Action::Refuse);
  f.same_experiment = true;
  f.state = ResultState::Running;
  CHECK(decide(f) == Action::Refuse);
  // `fasim run CONFIG` (a fresh start): never over a complete result or one its checkpoint resumes, unless
  // output.overwrite = true; then over anything but a live writer.
  f = Facts{};
  f.fresh_start = true;
  f.state = ResultState::Complete;
  f.more_steps = true;
  CHECK(decide(f) == Action::Refuse);
  f.state = ResultState::Checkpointed;
  f.usable_checkpoint = true;
  CHECK(decide(f) == Action::Refuse);
  f.usable_checkpoint = false;
  CHECK(decide(f) == Action::Restart);
  f.overwrite = true;
  CHECK(decide(f) == Action::Run);
  f.state = ResultState::Complete;
  CHECK(decide(f) == Action::Run);
  f.state = ResultState::Running;
  CHECK(decide(f) == Action::Refuse);
  f.state = ResultState::Absent;
  f.usable_checkpoint = true;
  CHECK(decide(f) == Action::Run);
  f.overwrite = false;
  CHECK(decide(f) == Action::Refuse);
}
