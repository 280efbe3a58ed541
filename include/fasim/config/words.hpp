#pragma once
// The enum <-> word tables: every enumerated value fasim stores or reads as a word (file status, stop
// reasons, configuration choices) is written and read through one table per enum: to_string() writes the
// documented word, parse() reads it back, and parse_attribute() refuses an unknown word naming the file, the
// attribute and the value. docs/output-format.md and docs/config.md document the words (tests/format/
// test_output_format_docs.py checks them against these tables). The HDF5 names live in
// fasim/format/schema.hpp; these tables sit in the config layer because configuration keys parse the same
// words. The mechanism (Named, Names<E>, to_string, parse) and the tables of the enums the model itself
// prints and reads (algorithms, step plans, activations, product paths) are one layer down, in
// fasim/model/words.hpp: one template, one namespace, every table found by the same schema::to_string.
#include "fasim/config/config.hpp"
#include "fasim/model/network.hpp"
#include "fasim/model/specs.hpp"
#include "fasim/model/words.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fasim::io {

/// The lifecycle's states and actions (fasim/lifecycle/lifecycle.hpp): `fasim status` prints their words and
/// slurm/run.sbatch reads them.
enum class ResultState {
  Absent,       ///< no result file
  Running,      ///< a live process holds the result's lock
  Checkpointed, ///< stopped by a signal after a checkpoint
  Interrupted,  ///< status running but nobody holds the lock: the process was killed
  Failed,       ///< the run failed (status failed, `error` says why)
  Complete,     ///< finished
  Foreign       ///< something at the path that is not a fasim result (or not a regular file)
};

enum class Action {
  Run,      ///< start the run (a fresh result)
  Restart,  ///< start again from step 0: the previous attempt left no usable checkpoint (same configuration)
  Resume,   ///< fasim resume CHECKPOINT
  Continue, ///< fasim resume RESULT --run.steps=N: continue a complete result to more steps
  Nothing,  ///< already done
  Refuse    ///< a person must decide (the reason says what to do)
};

} // namespace fasim::io

namespace fasim::io::schema {

/// The root attribute `status` of a result file.
enum class FileStatus {
  Running,      ///< a process is writing it, or one was killed while writing it
  Checkpointed, ///< stopped by a signal after writing a checkpoint: resume it
  Failed,       ///< the run failed; `error` says why
  Complete      ///< every algorithm ran to its last step or stopped early
};

/// The attribute `stop_reason` of /runs/<algorithm> and of a checkpoint's algorithms.
enum class StopReason {
  Running,          ///< not stopped (the run is going on, was checkpointed, or was killed)
  Steps,            ///< ran all its steps
  StopLoss,         ///< loss <= run.stop_loss
  StopStationarity, ///< stationarity <= run.stop_stationarity
  NonFinite,        ///< the loss or Z became non-finite
  Diverged          ///< the loss exceeded run.divergence_factor·max(‖Y‖², loss(0))
};

/// /problem's attribute `mask_source`: where completion's Ω came from.
enum class MaskSource {
  Bernoulli, ///< drawn entry by entry from (mask_seed, mask_fraction): fasim_post regenerates it exactly
  InputFile  ///< the dataset M of the run's input.file
};

template <> struct Names<FileStatus> {
  static constexpr Named<FileStatus> list[] = {{"running", FileStatus::Running},
                                               {"checkpointed", FileStatus::Checkpointed},
                                               {"failed", FileStatus::Failed},
                                               {"complete", FileStatus::Complete}};
};
template <> struct Names<StopReason> {
  static constexpr Named<StopReason> list[] = {
      {"running", StopReason::Running},      {"steps", StopReason::Steps},
      {"stop_loss", StopReason::StopLoss},   {"stop_stationarity", StopReason::StopStationarity},
      {"non-finite", StopReason::NonFinite}, {"diverged", StopReason::Diverged}};
};
template <> struct Names<MaskSource> {
  static constexpr Named<MaskSource> list[] = {{"bernoulli", MaskSource::Bernoulli},
                                               {"input-file", MaskSource::InputFile}};
};
template <> struct Names<model::SensingKind> {
  static constexpr Named<model::SensingKind> list[] = {{"rank-one", model::SensingKind::RankOne},
                                                       {"gaussian", model::SensingKind::Gaussian}};
};
/// /problem's attribute `sensing_source`: where sensing's measurement vectors came from.
template <> struct Names<model::SensingSource> {
  static constexpr Named<model::SensingSource> list[] = {{"generated", model::SensingSource::Generated},
                                                         {"input-file", model::SensingSource::InputFile}};
};
template <> struct Names<model::Source> {
  static constexpr Named<model::Source> list[] = {{"synthetic", model::Source::Synthetic},
                                                  {"gaussian-product", model::Source::GaussianProduct},
                                                  {"unit-vector", model::Source::UnitVector},
                                                  {"linear-network", model::Source::LinearNetwork},
                                                  {"network", model::Source::Network}};
};
template <> struct Names<model::Representation> {
  static constexpr Named<model::Representation> list[] = {{"dense", model::Representation::Dense},
                                                          {"factored", model::Representation::Factored},
                                                          {"diagonal", model::Representation::Diagonal}};
};
template <> struct Names<model::Spectrum> {
  static constexpr Named<model::Spectrum> list[] = {{"flat", model::Spectrum::Flat},
                                                    {"two-level", model::Spectrum::TwoLevel},
                                                    {"spiked", model::Spectrum::Spiked},
                                                    {"list", model::Spectrum::List},
                                                    {"power", model::Spectrum::Power}};
};
template <> struct Names<model::FeedbackSource> {
  static constexpr Named<model::FeedbackSource> list[] = {{"gaussian", model::FeedbackSource::Gaussian},
                                                          {"minus-w0", model::FeedbackSource::MinusW0}};
};
template <> struct Names<model::InitZ> {
  static constexpr Named<model::InitZ> list[] = {{"gaussian", model::InitZ::Gaussian},
                                                 {"orthonormal", model::InitZ::Orthonormal}};
};
template <> struct Names<model::InitW> {
  static constexpr Named<model::InitW> list[] = {{"gaussian", model::InitW::Gaussian},
                                                 {"optimal", model::InitW::Optimal}};
};
template <> struct Names<model::IntegratorKind> {
  static constexpr Named<model::IntegratorKind> list[] = {{"euler", model::IntegratorKind::Euler},
                                                          {"rk4", model::IntegratorKind::RK4}};
};
template <> struct Names<ResultState> {
  static constexpr Named<ResultState> list[] = {{"absent", ResultState::Absent},
                                                {"running", ResultState::Running},
                                                {"checkpointed", ResultState::Checkpointed},
                                                {"interrupted", ResultState::Interrupted},
                                                {"failed", ResultState::Failed},
                                                {"complete", ResultState::Complete},
                                                {"foreign", ResultState::Foreign}};
};
template <> struct Names<Action> {
  static constexpr Named<Action> list[] = {{"run", Action::Run},         {"restart", Action::Restart},
                                           {"resume", Action::Resume},   {"continue", Action::Continue},
                                           {"nothing", Action::Nothing}, {"refuse", Action::Refuse}};
};
template <> struct Names<SaveTarget> {
  static constexpr Named<SaveTarget> list[] = {
      {"auto", SaveTarget::Auto}, {"yes", SaveTarget::Yes}, {"no", SaveTarget::No}};
};
template <> struct Names<BenchFormulation> {
  static constexpr Named<BenchFormulation> list[] = {{"fast", BenchFormulation::Fast},
                                                     {"naive", BenchFormulation::Naive}};
};

/// Throws UsageError: attribute `attribute` of file `file` holds `text`, which is none of `words`.
[[noreturn]] void refuse_unknown_word(const std::string& file, const std::string& attribute,
                                      std::string_view text, const std::string& words);

/// parse(), refusing (UsageError naming the file, the attribute and the value) a word that is not in E's
/// table.
template <class E>
E parse_attribute(std::string_view text, const std::string& file, const std::string& attribute) {
  if (const auto value = parse<E>(text)) return *value;
  refuse_unknown_word(file, attribute, text, word_list<E>());
}

} // namespace fasim::io::schema
