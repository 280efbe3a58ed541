#pragma once
// The run configuration: an INI file plus `--section.key=value` overrides, parsed strictly and validated
// before any heavy work, so a typo costs a one-line UsageError instead of a wasted cluster allocation.
// The reference of every key is docs/config.md (and config_help()).
#include "fasim/linalg/product_context.hpp"
#include "fasim/model/network.hpp"
#include "fasim/model/specs.hpp"
#include "fasim/model/words.hpp"

#include <string>
#include <vector>

namespace fasim::io {

struct CommandLine;

/// BLACS process grid; rows = cols = 0 lets the app choose it (app/run_grid.hpp: by the communication model).
struct GridSpec {
  int rows = 0, cols = 0, block = 64;
  bool operator==(const GridSpec&) const = default;
};

/// An existing input (e.g. a target read from a file); empty = generate the problem.
struct InputSpec {
  std::string file;
  bool operator==(const InputSpec&) const = default;
};

/// output.save_target: whether /problem/Y is stored (auto: when n·m <= 4e6). Words in config/words.hpp.
enum class SaveTarget { Auto, Yes, No };

/// bench.formulation: the update formulation `fasim bench` times. Words in config/words.hpp.
enum class BenchFormulation { Fast, Naive };

struct OutputSpec {
  std::string file = "fasim-results.h5"; ///< relative paths are relative to the working directory
  bool overwrite = false;
  SaveTarget save_target = SaveTarget::Auto;
  long long snapshot_every = 0;     ///< 0: no snapshots
  long long checkpoint_every = 0;   ///< steps between checkpoints; 0: off
  double checkpoint_seconds = 1800; ///< wall seconds between checkpoints (default 30 min); 0: off
  std::string checkpoint_file;      ///< resolved by the parser: default <file>.ckpt
  long long flush_every = 0;        ///< trajectory flush interval in records; 0: auto
  int checkpoint_keep = 2;
  double progress_seconds = 10; ///< 0: no progress lines
  bool operator==(const OutputSpec&) const = default;
};

struct BenchSpec {
  long long steps = 20;
  long long warmup = 3;
  BenchFormulation formulation = BenchFormulation::Fast;
  std::string io_dir; ///< also time HDF5, checkpoint and raw writes in this directory; empty: off
  bool operator==(const BenchSpec&) const = default;
};

/// Everything `fasim run` / `fasim bench` needs. run.algorithms holds one AlgorithmSpec per listed algorithm,
/// in the listed order: gd has lr_w = lr, fa has its resolved lr_w (fa.lr when not given), fastar has
/// lr_w = 0 (its W is re-solved, never stepped) and scale_free from [fastar]; usf, frsf, kp and mixed have
/// their section's lr and resolved lr_w (and kp's decay, mixed's alpha).
struct RunConfig {
  model::ProblemSpec problem;
  model::CompletionSpec completion; ///< problem.observe and [completion]
  model::SensingSpec sensing;       ///< [sensing] (problem.observe = sensing)
  model::NetworkSpec network;       ///< [network] (problem.source = network)
  model::FeedbackSpec feedback;
  model::InitSpec init;
  model::RunSpec run;
  GridSpec grid;
  InputSpec input;
  OutputSpec output;
  BenchSpec bench;
  int blas_threads = 1;
  linalg::ProductPath products = linalg::ProductPath::Panel; ///< system.products (pdgemm: the reference)
  /// system.plan: a word of model::PlanMode (auto, the cost model's estimate, by default; measure) or fixed
  /// plans (model/step_plan.hpp).
  std::string plan = schema::to_string(model::PlanMode::Auto);
  std::string config_path; ///< the INI path as given on the command line; empty when none
  /// The full resolved configuration as INI text, every key with its value; parse_config_text(resolved_ini,
  /// {}) reproduces this configuration (stored in result files and checkpoints).
  std::string resolved_ini;
};

/// run.record_points when neither run.record_every nor run.record_points is given: a log-spaced trajectory.
inline constexpr int kDefaultRecordPoints = 300;

/// Parses the words after the verb: an optional INI file path (the first non-option word) and
/// `--section.key=value` / `--section.key value` overrides; the command line wins over the file. Boolean keys
/// may be given as a bare flag (`--output.overwrite` means true). When `--help` or `-h` is among the words
/// and help_out is given, *help_out receives config_help() and the defaults are returned without further
/// parsing. Throws UsageError (one line naming the key or file) on any unknown, duplicate, malformed or
/// inconsistent setting.
RunConfig parse_config(const std::vector<std::string>& args, std::string* help_out = nullptr);

/// Same, from words already sorted by the command-line grammar (config/command_line.hpp).
RunConfig parse_config_line(const CommandLine& line);

/// Same, from INI text already in memory (e.g. resolved_ini stored in a checkpoint) plus overrides of the
/// form `--section.key=value`; origin names the text in messages. The result's config_path is empty.
RunConfig parse_config_text(const std::string& ini_text, const std::vector<std::string>& overrides,
                            const std::string& origin = "the stored configuration");

/// Every key with its default and meaning, grouped by section (printed by `fasim run --help`).
std::string config_help();

} // namespace fasim::io
