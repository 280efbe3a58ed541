#pragma once
// The HDF5 names of fasim's files (docs/output-format.md is their documentation; keep both in step): every
// group, dataset and attribute name a reader or writer uses is a constant here, with the schema version. The
// words of enumerated values stored as strings are in fasim/config/words.hpp (included here, same namespace).
#include "fasim/config/words.hpp" // the enumerated words stored in these files

#include <string>
#include <string_view>

namespace fasim::io::schema {

/// Root attribute of result files, checkpoints and collect summaries: "MAJOR.MINOR". A reader refuses a newer
/// MAJOR; files written before it existed are 1.0. A change of the written layout bumps it (MINOR when older
/// readers can still read what they know of the file), and kCheckpointFormat when checkpoints change;
/// tests/format/test_layout_fingerprint.py fails on a layout change that keeps its version.
/// 1.0: the first versioned layout, 10 trajectory metrics; later 1.0 files hold 13 (feedback_loss,
/// feedback_cos, feedback_gap; a 1.0 result continued now gets those it lacks NaN-filled) and kp's B.
/// 1.1: /problem's record of completion's Ω (observed, observe, observed_count, mask_*).
/// 1.2: /summary's communication per algorithm (step_bytes_per_rank, step_messages_per_rank,
/// model_step_bytes_per_rank, floor_step_bytes_per_rank).
/// 1.3: /problem's record of sensing's measurements (A, B, sensing_kind, measurements, sensing_source,
/// sensing_seed, measured_norm2) and the completion columns of the trajectory under problem.observe =
/// sensing.
/// 1.4: a network run's `plan` (results and checkpoints) names the plan each algorithm ran,
/// "<alg>:network=pdgemm|replicated" (model::network_plan_word), where 1.3 wrote "<alg>:network"; a resume or
/// continuation runs the stored plan (1.3 files: the rule's).
/// 1.5: /summary's communication per algorithm in network results too, and model_step_exact (1 where the
/// model's bytes are exact, 0 where they are an estimate or a lower bound) in both kinds of result.
/// 1.6: a network's `plan` word may be "<alg>:network=gram" (σ = identity with an X: n-sized products of XᵀX
/// and XᵀO, model/network_gram.hpp); the layout is 1.5's. A fasim before 1.6 refuses to resume such a file.
inline constexpr const char* kSchemaVersionAttribute = "schema_version";
inline constexpr const char* kSchemaVersion = "1.6";

/// The root attribute `format_version` of checkpoints (kFormatVersion) holds this. A reader accepts 1 to
/// kCheckpointFormat. 1: the first format; 2: digests, run_id, schema_version (rows of 10 metrics, later 13
/// without a bump); 3: rows of 13 metrics and kp's learned B; 4: blas_library and blas_core (the run's BLAS);
/// 5: network runs' checkpoints (root attribute depth; per algorithm W1 … WL, kp's B2 … BL, and rows of step,
/// time, loss, align_1 … align_{L−1}); the paper's model's as in 4; 6: the root attribute grid ([rows,
/// columns] of the process grid that wrote it: a resume with an automatic grid keeps it).
inline constexpr long long kCheckpointFormat = 6;

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
// Provenance (root attributes of a result file).
inline constexpr const char* kMpiSize = "mpi_size";
inline constexpr const char* kGrid = "grid";   ///< [rows, columns] of the process grid (also a checkpoint's)
inline constexpr const char* kBlock = "block"; ///< the block-cyclic block size
// The BLAS of a result (the run that created it; each run's history line names its kernel) and of a
// checkpoint (checkpoint format 4): bitwise equality holds only for the same build, BLAS kernel and grid
// (docs/determinism.md).
inline constexpr const char* kBlasLibrary = "blas_library";
inline constexpr const char* kBlasCore = "blas_core"; ///< the kernel: Haswell, SkylakeX, Zen, ...
inline constexpr const char* kBlasThreads = "blas_threads";
inline constexpr const char* kHost = "host";

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
/// /problem under problem.observe = sensing (format/sensing_io.hpp): observe, and these.
inline constexpr const char* kSensingKind = "sensing_kind";
inline constexpr const char* kMeasurementCount = "measurements";
inline constexpr const char* kSensingSource = "sensing_source";
inline constexpr const char* kSensingSeed = "sensing_seed";
inline constexpr const char* kMeasuredNorm2 = "measured_norm2"; ///< Σ_i y_i²
/// /problem of a network result (problem.source = network beyond the paper's model,
/// format/network_results.hpp).
inline constexpr const char* kSamples = "samples";
inline constexpr const char* kDepth = "depth";
inline constexpr const char* kWidths = "widths";
inline constexpr const char* kActivation = "activation";
inline constexpr const char* kIdentityInput = "identity_input";
inline constexpr const char* kONorm2 = "o_norm2";
/// A network's per-layer datasets (input files, /init and /runs/<alg> of network results): the prefix and the
/// layer's index, W1 … WL, C2 … CL, D1 … D{L−1}, kp's B2 … BL (layer_dataset()).
inline constexpr char kLayerWeights = 'W', kLayerFeedback = 'C', kLayerDirectFeedback = 'D',
                      kLayerLearnedFeedback = 'B';
/// "W3", "C2", "D1": the dataset of layer l (appended, not operator+: GCC 12 warns falsely on that form).
inline std::string layer_dataset(char prefix, long long l) {
  std::string s(1, prefix);
  s.append(std::to_string(l));
  return s;
}
inline constexpr const char *kFirstWeights = "W1", *kSecondWeights = "W2", *kSecondFeedback = "C2",
                            *kFirstDirectFeedback = "D1";
inline constexpr const char* kIntegrator = "integrator";
inline constexpr const char* kStopReason = "stop_reason";
inline constexpr const char* kStopStep = "stop_step";
inline constexpr const char* kStepsDone = "steps_done";
inline constexpr const char* kWallSeconds = "wall_seconds";
inline constexpr const char* kLossSeries = "trajectory/loss";
inline constexpr const char* kStepSeries = "trajectory/step";
// Datasets of /problem and /init (also where an input file may hold fasim's inputs, input.file).
inline constexpr const char* kTarget = "Y";         ///< n×m, when output.save_target says so
inline constexpr const char* kTargetLeft = "U";     ///< n×k, a factored target's left factor
inline constexpr const char* kTargetRight = "V";    ///< m×k, its right factor
inline constexpr const char* kNetworkInputs = "X";  ///< N×n, a linear network's inputs
inline constexpr const char* kNetworkOutputs = "O"; ///< N×m, its outputs (input files only)
inline constexpr const char* kObservedMask = "M";   ///< n×m, completion's observed entries (input files)
inline constexpr const char* kSensingA = "A";       ///< n×M, rank-one sensing's a_i as columns
inline constexpr const char* kSensingB = "B";       ///< m×M, rank-one sensing's b_i as columns
inline constexpr const char* kFeedback = "C";       ///< r×m, the feedback matrix
inline constexpr const char* kSingularValues = "singular_values";
inline constexpr const char* kTargetNorm2 = "y_norm2";
inline constexpr const char* kInitGroup = "init";
inline constexpr const char* kInitialZ = "Z0";
inline constexpr const char* kInitialW = "W0";
// /runs/<algorithm>: attributes, the final state, the trajectory and snapshots; a checkpoint's algorithms
// hold the same Z, W and B.
inline constexpr const char* kLr = "lr";
inline constexpr const char* kLrW = "lr_w";
inline constexpr const char* kDecay = "decay"; ///< kp only
inline constexpr const char* kAlpha = "alpha"; ///< mixed only
inline constexpr const char* kScaleFree = "scale_free";
inline constexpr const char* kSecondsPerStep = "seconds_per_step";
inline constexpr const char* kZ = "Z";
inline constexpr const char* kW = "W";
inline constexpr const char* kB = "B";                        ///< kp's learned feedback
inline constexpr const char* kTrajectoryGroup = "trajectory"; ///< one series per model::kScalarMetrics name
inline constexpr const char* kProbeSeries = "probe_xAx";      ///< T×p
inline constexpr const char* kSnapshotsGroup = "snapshots";   ///< Z, W (S×rows×cols) and step (S)
inline constexpr const char* kSnapshotStep = "step";
// Dimension scales of a trajectory group (docs/output-format.md, "Dimension scales").
inline constexpr const char* kRowScale = "step";
inline constexpr const char* kColumnScale = "probe";
inline constexpr const char* kTimeCoordinate = "time";
inline constexpr const char* kCoordinates = "coordinates";
inline constexpr const char* kRepresentationOverlap = "representation_overlap";
inline constexpr const char* kElapsedSeconds = "elapsed_seconds"; ///< /summary and checkpoint root
// /summary: one value per algorithm (run.algorithms order) for the steps the last process ran.
inline constexpr const char* kStepBytesPerRank = "step_bytes_per_rank";
inline constexpr const char* kStepMessagesPerRank = "step_messages_per_rank";
inline constexpr const char* kModelStepBytesPerRank = "model_step_bytes_per_rank";
inline constexpr const char* kFloorStepBytesPerRank = "floor_step_bytes_per_rank";
inline constexpr const char* kModelStepExact = "model_step_exact"; // since 1.5

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
// A summary's columns under /points (docs/sweeps.md), besides one per configuration key that differs and
// kOptimalError, kLemma1Error and kStatus.
inline constexpr const char* kPointFile = "file";                   ///< the collected result's path
inline constexpr const char* kPointOverlap = "overlap";             ///< representation_overlap's first cosine
inline constexpr const char* kPointFinalLossSuffix = "_final_loss"; ///< <algorithm>_final_loss
inline constexpr const char* kPointStopReasonPrefix = "stop_reason_"; ///< stop_reason_<algorithm>

/// "a/b/c": `names` joined by '/'; path("", "a", "b") is the absolute "/a/b".
template <class... Names> std::string path(const Names&... names) {
  std::string out;
  bool first = true;
  ((out += first ? "" : "/", out += std::string_view(names), first = false), ...);
  return out;
}

/// Refuses (UsageError naming `file`) a schema_version whose MAJOR is newer than kSchemaVersion's, or that is
/// not "MAJOR.MINOR".
void check_schema_version(std::string_view version, const std::string& file);

} // namespace fasim::io::schema
