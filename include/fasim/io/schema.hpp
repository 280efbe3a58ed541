#pragma once
// The names and enumerated values of fasim's files (docs/output-format.md is their documentation; keep both
// in step). Every attribute name a reader or writer uses is a constant here, and every enumerated value
// stored as a string (file status, stop reasons, configuration choices) is written and read through one table
// per enum: to_string() writes the documented word, parse() reads it back, and parse_attribute() refuses an
// unknown word naming the file, the attribute and the value.
#include "fasim/model/specs.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fasim::io::schema {

/// Root attribute of result files, checkpoints and collect summaries: "MAJOR.MINOR". A reader refuses a newer
/// MAJOR; files written before it existed are 1.0.
inline constexpr const char* kSchemaVersionAttribute = "schema_version";
inline constexpr const char* kSchemaVersion = "1.1"; ///< 1.1: /problem's record of completion's Ω

// Root attributes of a result file.
inline constexpr const char* kStatus = "status";
inline constexpr const char* kRunId = "run_id";
inline constexpr const char* kConfig = "config";
inline constexpr const char* kHistory = "history"; ///< one line per run, resume, continuation, failure
inline constexpr const char* kError = "error";     ///< the failure's message (status failed)
inline constexpr const char* kPlan = "plan";       ///< also a checkpoint attribute
inline constexpr const char* kFasimVersion = "fasim_version";
inline constexpr const char* kGitCommit = "git_commit";
inline constexpr const char* kCreated = "created";
inline constexpr const char* kSweepPoint = "sweep_point"; ///< "key=value;..." of a `fasim sweep` point

// Groups of a result file and their attributes.
inline constexpr const char* kProblemGroup = "problem";
inline constexpr const char* kRunsGroup = "runs"; ///< runs/<algorithm>, named by model::to_string
inline constexpr const char* kSummaryGroup = "summary";
inline constexpr const char *kN = "n", *kM = "m", *kK = "k", *kR = "r"; ///< /problem: shapes
inline constexpr const char* kOptimalError = "optimal_error";
inline constexpr const char* kLemma1Error = "lemma1_error";
inline constexpr const char* kSource = "source";
inline constexpr const char* kSpectrum = "spectrum";
/// /problem under problem.observe = completion: Ω (io/mask_io.hpp) and where it came from.
inline constexpr const char* kObserve = "observe";
inline constexpr const char* kObservedDataset = "observed";
inline constexpr const char* kObservedCount = "observed_count";
inline constexpr const char* kMaskSource = "mask_source";
inline constexpr const char* kMaskFraction = "mask_fraction";
inline constexpr const char* kMaskSeed = "mask_seed";
inline constexpr const char* kIntegrator = "integrator";
inline constexpr const char* kStopReason = "stop_reason";
inline constexpr const char* kStopStep = "stop_step";
inline constexpr const char* kStepsDone = "steps_done";
inline constexpr const char* kWallSeconds = "wall_seconds";
inline constexpr const char* kLossSeries = "trajectory/loss";
inline constexpr const char* kStepSeries = "trajectory/step";
inline constexpr const char* kRepresentationOverlap = "representation_overlap";
inline constexpr const char* kElapsedSeconds = "elapsed_seconds"; ///< /summary and checkpoint root

// Checkpoints (besides config, run_id, plan, elapsed_seconds, stop_reason, stop_step, wall_seconds above).
inline constexpr const char* kFormatVersion = "format_version";
inline constexpr const char* kComplete = "complete"; ///< 1, written last
inline constexpr const char* kDigest = "digest";     ///< of config (root) and of each dataset
inline constexpr const char* kStep = "step";
inline constexpr const char* kAlgorithmsGroup = "algorithms"; ///< algorithms/<index in run.algorithms>
inline constexpr const char* kStopped = "stopped";
inline constexpr const char* kSnapshotCount = "snapshots";
inline constexpr const char* kRows = "rows";
inline constexpr const char* kPackedTrajectory = "trajectory";
/// A checkpoint algorithm's completion metrics (model::kCompletionMetrics), rows × 4, under problem.observe =
/// completion only.
inline constexpr const char* kPackedCompletion = "completion";

// `fasim collect` summaries.
inline constexpr const char* kKind = "kind";
inline constexpr const char* kWrittenBy = "written_by";
inline constexpr const char* kInputs = "inputs";      ///< the command line's inputs, ';'-joined
inline constexpr const char* kPointsGroup = "points"; ///< one 1-D dataset per column
inline constexpr const char* kSummaryKind = "fasim-collect-summary"; ///< only a file of this kind is replaced

/// Refuses (UsageError naming `file`) a schema_version whose MAJOR is newer than kSchemaVersion's, or that is
/// not "MAJOR.MINOR".
void check_schema_version(std::string_view version, const std::string& file);

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

/// One enumerated value and the word that stands for it in files and configurations.
template <class E> struct Named {
  const char* text;
  E value;
};

/// The words of enum E (specialised below for every enum stored as a string), in documented order.
template <class E> struct Names;

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
template <> struct Names<model::Observe> {
  static constexpr Named<model::Observe> list[] = {{"full", model::Observe::Full},
                                                   {"completion", model::Observe::Completion}};
};
template <> struct Names<model::Source> {
  static constexpr Named<model::Source> list[] = {{"synthetic", model::Source::Synthetic},
                                                  {"gaussian-product", model::Source::GaussianProduct},
                                                  {"unit-vector", model::Source::UnitVector},
                                                  {"linear-network", model::Source::LinearNetwork}};
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

/// The word of `value` in `list` (any table of Named values, e.g. the words `fasim status` prints).
template <class E, std::size_t N> const char* word_of(const Named<E> (&list)[N], E value) {
  for (const auto& n : list)
    if (n.value == value) return n.text;
  return "?"; // only for a value outside the enum
}

/// The documented word of `value`.
template <class E> const char* to_string(E value) {
  return word_of(Names<E>::list, value);
}

/// The value `text` stands for; nullopt for a word that is not in E's table.
template <class E> std::optional<E> parse(std::string_view text) {
  for (const auto& n : Names<E>::list)
    if (text == n.text) return n.value;
  return std::nullopt;
}

/// E's words joined by `separator` ("running, steps, ...").
template <class E> std::string word_list(std::string_view separator = ", ") {
  std::string out;
  for (const auto& n : Names<E>::list) out += (out.empty() ? "" : std::string(separator)) + n.text;
  return out;
}

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
