// The file schema (io/schema.hpp): every enumerated word round-trips through its one table, an unknown word
// or a newer schema_version is refused naming file, attribute and value, and the typed readers
// (read_run_summary, read_checkpoint_header) read back what the writers wrote.
#include "hdf5_test_support.hpp"
#include "test_support.hpp"

#include "fasim/format/checkpoint.hpp"
#include "fasim/format/hdf5.hpp"
#include "fasim/format/result_state.hpp"
#include "fasim/format/schema.hpp"
#include "fasim/format/series.hpp"
#include "fasim/parallel/error.hpp"
#include "fasim/parallel/process_grid.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace fasim;
namespace schema = fasim::io::schema;
using fasim::testing::ScratchDir;

namespace {
bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Every value of E maps to a distinct word that parses back to it; a word outside the table does not parse.
template <class E> void check_round_trip() {
  std::set<std::string> words;
  for (const auto& [word, value] : schema::Names<E>::list) {
    CHECK(std::string(schema::to_string(value)) == word);
    CHECK(schema::parse<E>(word) == value);
    words.insert(word);
  }
  CHECK(words.size() == std::size(schema::Names<E>::list));
  CHECK_FALSE(schema::parse<E>("no-such-word").has_value());
  CHECK_FALSE(schema::parse<E>("").has_value());
}

// The message of the usage error `call` throws (a collective reader throws it as a CollectiveError).
std::string refusal(auto&& call) {
  try {
    call();
  } catch (const UsageError& e) {
    return e.what();
  } catch (const CollectiveError& e) {
    return e.what();
  }
  return "(accepted)";
}

// A result file as ResultsFile writes one, reduced to what read_run_summary reads.
void write_result(const std::string& path, const std::string& status, const std::string& fa_stop) {
  const auto world = parallel::Communicator::world();
  io::File f = io::File::create(path, world, io::TruncatePolicy::Truncate);
  f.write_attribute(schema::kSchemaVersionAttribute, schema::kSchemaVersion);
  f.write_attribute(schema::kStatus, status);
  f.write_attribute(schema::kConfig, std::string("[run]\nsteps = 30\n"));
  f.write_attribute(schema::kRunId, std::string("feedfeedfeedfeedfeedfeedfeedfeed"));
  const io::Group p = f.create_group(schema::kProblemGroup);
  p.write_attribute(schema::kN, 12LL);
  p.write_attribute(schema::kR, 3LL);
  p.write_attribute(schema::kSource, std::string(schema::to_string(model::Source::Synthetic)));
  p.write_attribute(schema::kOptimalError, 0.25);
  for (const auto& [name, stop, steps] :
       {std::tuple{"gd", std::string("steps"), 30LL}, {"fa", fa_stop, 20LL}}) {
    const io::Group g = f.create_group(std::string(schema::kRunsGroup) + "/" + name);
    g.write_attribute(schema::kStopReason, stop);
    g.write_attribute(schema::kStepsDone, steps);
    io::Series step = io::Series::create(g, schema::kStepSeries);
    io::Series loss = io::Series::create(g, schema::kLossSeries);
    const double steps_recorded[] = {0.0, 10.0, static_cast<double>(steps)};
    const double losses[] = {1.0, 0.5, 0.125};
    step.append(steps_recorded, 3);
    loss.append(losses, 3);
  }
}
} // namespace

TEST_CASE("every enumerated word of the schema round-trips through its one table") {
  check_round_trip<schema::FileStatus>();
  check_round_trip<schema::StopReason>();
  check_round_trip<model::Source>();
  check_round_trip<model::Representation>();
  check_round_trip<model::Spectrum>();
  check_round_trip<model::FeedbackSource>();
  check_round_trip<model::InitZ>();
  check_round_trip<model::InitW>();
  check_round_trip<model::IntegratorKind>();
  // The documented words (docs/output-format.md).
  CHECK(schema::word_list<schema::StopReason>() ==
        "running, steps, stop_loss, stop_stationarity, non-finite, diverged");
  CHECK(schema::word_list<schema::FileStatus>() == "running, checkpointed, failed, complete");
  CHECK(std::string(schema::to_string(model::Spectrum::TwoLevel)) == "two-level");
  CHECK(std::string(schema::to_string(model::IntegratorKind::RK4)) == "rk4");
}

TEST_CASE("an unknown word is refused naming the file, the attribute and the value") {
  const std::string what = refusal(
      [] { schema::parse_attribute<schema::StopReason>("stoped_loss", "out.h5", "/runs/fa/stop_reason"); });
  CHECK_MESSAGE(contains(what, "'out.h5'"), what);
  CHECK_MESSAGE(contains(what, "/runs/fa/stop_reason"), what);
  CHECK_MESSAGE(contains(what, "'stoped_loss'"), what);
  CHECK_MESSAGE(contains(what, "stop_loss"), what); // the words it does know
  CHECK(schema::parse_attribute<schema::StopReason>("diverged", "out.h5", "x") ==
        schema::StopReason::Diverged);
}

TEST_CASE("a newer schema_version major is refused, an older or equal one is read") {
  CHECK_NOTHROW(schema::check_schema_version("1.0", "a.h5"));
  CHECK_NOTHROW(schema::check_schema_version("1.9", "a.h5"));
  CHECK_NOTHROW(schema::check_schema_version("0.3", "a.h5"));
  const std::string newer = refusal([] { schema::check_schema_version("2.0", "a.h5"); });
  CHECK_MESSAGE((contains(newer, "'a.h5'") && contains(newer, "2.0")), newer);
  const std::string garbled = refusal([] { schema::check_schema_version("one", "a.h5"); });
  CHECK_MESSAGE((contains(garbled, "'one'") && contains(garbled, "MAJOR.MINOR")), garbled);
  CHECK(refusal([] { schema::check_schema_version("2", "a.h5"); }) != "(accepted)");
}

TEST_CASE("read_run_summary reads status, problem and each algorithm's stop reason, steps and final loss") {
  ScratchDir scratch;
  const auto world = parallel::Communicator::world();
  const std::string path = scratch.file("r.h5");
  write_result(path, "complete", "stop_loss");
  const io::RunSummary s = io::read_run_summary(path);
  CHECK(s.path == path);
  CHECK(s.status == schema::FileStatus::Complete);
  CHECK(s.run_id == "feedfeedfeedfeedfeedfeedfeedfeed");
  CHECK(s.n == 12);
  CHECK(s.r == 3);
  CHECK(s.source == "synthetic");
  CHECK(s.optimal_error == 0.25);
  REQUIRE(s.algorithms.size() == 2);
  const io::AlgorithmSummary* gd = s.algorithm("gd");
  const io::AlgorithmSummary* fa = s.algorithm("fa");
  REQUIRE(gd);
  REQUIRE(fa);
  CHECK(s.algorithm("fastar") == nullptr);
  CHECK(gd->stop_reason == schema::StopReason::Steps);
  CHECK(fa->stop_reason == schema::StopReason::StopLoss);
  CHECK(fa->steps_done == 20);
  CHECK(fa->records == 3);
  CHECK(fa->last_step == 20);
  CHECK(fa->final_loss == 0.125);
  CHECK(s.last_step == 30);
  CHECK_FALSE(s.all_stopped_early); // gd ran to its last step
  CHECK(s.stop_summary == "gd steps at step 30, fa stop_loss at step 20");
  world.barrier();

  // An unknown stop reason or status, and a newer schema, are refused naming file, attribute and value.
  write_result(path, "complete", "stoped_loss");
  std::string what = refusal([&] { io::read_run_summary(path); });
  CHECK_MESSAGE(
      (contains(what, path) && contains(what, "/runs/fa/stop_reason") && contains(what, "'stoped_loss'")),
      what);
  world.barrier();
  write_result(path, "finished", "steps");
  what = refusal([&] { io::read_run_summary(path); });
  CHECK_MESSAGE((contains(what, path) && contains(what, "status") && contains(what, "'finished'")), what);
  world.barrier();
  write_result(path, "complete", "steps");
  {
    io::File f = io::File::open(path, world, false);
    f.write_attribute(schema::kSchemaVersionAttribute, std::string("2.0"));
  }
  what = refusal([&] { io::read_run_summary(path); });
  CHECK_MESSAGE((contains(what, path) && contains(what, "2.0")), what);
  world.barrier();
}

TEST_CASE("read_checkpoint_header reads what write_checkpoint wrote, and shows an incomplete one as such") {
  ScratchDir scratch;
  const auto world = parallel::Communicator::world();
  const auto grid = parallel::ProcessGrid::create(world, 1, 1);
  const std::string path = scratch.file("h.ckpt");
  if (grid->active()) {
    io::Checkpoint ck;
    ck.config_ini = "[run]\nsteps = 10\n";
    ck.run_id = "0123456789abcdef0123456789abcdef";
    ck.step = 7;
    ck.elapsed_seconds = 1.5;
    ck.plans = "gd:products fa:residual";
    for (const auto reason : {schema::StopReason::Running, schema::StopReason::StopStationarity}) {
      io::CheckpointAlgorithm alg;
      alg.state.z = testing::random_matrix(grid, 6, 2, 4, 1);
      alg.state.w = testing::random_matrix(grid, 2, 5, 4, 2);
      alg.status = {reason != schema::StopReason::Running, reason, 5, 0.25};
      alg.snapshots = 2;
      model::MetricRow row;
      row.scalars.fill(0.5);
      alg.rows = {row, row};
      alg.rows.back().scalars[model::scalar_column("loss")] = 0.0625; // the last row's loss
      ck.algorithms.push_back(std::move(alg));
    }
    io::write_checkpoint(path, grid->grid_comm(), ck, 0, 1);
  }
  world.barrier();
  const auto self = parallel::Communicator::borrow(MPI_COMM_SELF);
  {
    const io::File f = io::File::open(path, self, true);
    const io::CheckpointHeader h = io::read_checkpoint_header(f, path, true);
    CHECK(h.format_version == io::schema::kCheckpointFormat);
    CHECK(h.complete);
    CHECK(h.config_ini == "[run]\nsteps = 10\n");
    CHECK(h.config_digest.size() == 16);
    CHECK(h.run_id == "0123456789abcdef0123456789abcdef");
    CHECK(h.step == 7);
    CHECK(h.elapsed_seconds == 1.5);
    CHECK(h.plans == "gd:products fa:residual");
    REQUIRE(h.algorithms.size() == 2);
    CHECK_FALSE(h.algorithms[0].status.stopped);
    CHECK(h.algorithms[0].status.stop_reason == schema::StopReason::Running);
    CHECK(h.algorithms[1].status.stopped);
    CHECK(h.algorithms[1].status.stop_reason == schema::StopReason::StopStationarity);
    CHECK(h.algorithms[1].status.stop_step == 5);
    CHECK(h.algorithms[1].snapshots == 2);
    CHECK(h.algorithms[1].rows == 2);
    CHECK(h.algorithms[1].last_loss == 0.0625);
  }
  CHECK(io::read_checkpoint_header(path, self).step == 7); // the collective reader agrees
  world.barrier();
  // A checkpoint cut short: the rank-local header says so; the collective reader refuses it.
  if (world.rank() == 0) {
    const io::File f = io::File::open(path, self, false);
    f.write_attribute(schema::kComplete, 0LL);
    f.open_group(std::string(schema::kAlgorithmsGroup) + "/1")
        .write_attribute(schema::kStopReason, std::string());
  }
  world.barrier();
  {
    const io::File f = io::File::open(path, self, true);
    const io::CheckpointHeader h = io::read_checkpoint_header(f, path);
    CHECK_FALSE(h.complete);
    // Checkpoints written before the stop reasons had one table hold "" for a running algorithm.
    CHECK(h.algorithms[1].status.stop_reason == schema::StopReason::Running);
  }
  const std::string what = refusal([&] { io::read_checkpoint_header(path, self); });
  CHECK_MESSAGE((contains(what, path) && contains(what, "incomplete")), what);
  world.barrier();
}
