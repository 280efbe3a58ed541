#pragma once
// The HDF5 names of fasim's files (docs/output-format.md is their documentation; keep both in step): every
// group, dataset and attribute name a reader or writer uses is a constant here, with the schema version. The
// words of enumerated values stored as strings are in fasim/config/words.hpp (included here, same namespace).
#include "fasim/config/words.hpp" // the enumerated words stored in these files

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
/// /problem under problem.observe = completion: Ω (format/mask_io.hpp) and where it came from.
inline constexpr const char* kObserve = "observe";
inline constexpr const char* kObservedDataset = "observed";
inline constexpr const char* kObservedCount = "observed_count";
inline constexpr const char* kMaskSource = "mask_source";
inline constexpr const char* kMaskFraction = "mask_fraction";
inline constexpr const char* kMaskSeed = "mask_seed";
/// /problem of a network result (problem.source = network beyond the paper's model,
/// format/network_results.hpp).
inline constexpr const char* kSamples = "samples";
inline constexpr const char* kDepth = "depth";
inline constexpr const char* kWidths = "widths";
inline constexpr const char* kActivation = "activation";
inline constexpr const char* kIdentityInput = "identity_input";
inline constexpr const char* kONorm2 = "o_norm2";
inline constexpr const char* kInitGroup = "init";
inline constexpr const char* kTrajectoryGroup = "trajectory";
inline constexpr const char* kSnapshotsGroup = "snapshots";
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

} // namespace fasim::io::schema
