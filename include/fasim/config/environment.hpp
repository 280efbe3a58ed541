#pragma once
// fasim's settings from the environment, read by the configuration's one number parser and handed down as
// explicit settings (the layers below read no environment): FASIM_AGREE_TIMEOUT and FASIM_DEBUG, for the
// parallel layer's agreement on failure (docs/bad-inputs.md, docs/architecture.md), and FASIM_PROJECT_*, the
// machine `fasim run --dry-run` projects step times for (docs/cluster.md), and FASIM_PROGRESS, the progress
// lines' style (docs/config.md). A bad value is refused, never replaced by a default.
#include "fasim/parallel/collective.hpp"

#include <functional>

namespace fasim::io {

/// The environment's value of a variable, or nullptr when it is not set (std::getenv by default).
using EnvironmentLookup = std::function<const char*(const char*)>;

/// FASIM_AGREE_TIMEOUT: seconds a failed rank waits for its peers (a finite number > 0; unset or empty: 20).
/// FASIM_DEBUG: set and neither empty nor "0": failed internal checks name their condition and file:line.
/// A bad value is refused (UsageError: the variable, its value, what to set instead).
parallel::FailureSettings failure_settings_from_environment(const EnvironmentLookup& lookup = nullptr);

/// The machine a dry run projects for; 0 for what is measured here.
struct ProjectionSettings {
  int ranks_per_node = 0; ///< FASIM_PROJECT_RANKS_PER_NODE: ranks sharing a node's link (a whole number > 0)
  double gflops = 0;      ///< FASIM_PROJECT_GFLOPS: one rank's DGEMM rate in GFLOP/s (a finite number > 0)
  /// FASIM_PROJECT_RANKS: the rank count whose automatic grid the dry run chooses and projects (a whole
  /// number from 1 to 2^24; the ranks started otherwise).
  int ranks = 0;
};

/// FASIM_PROJECT_RANKS_PER_NODE, FASIM_PROJECT_GFLOPS and FASIM_PROJECT_RANKS (unset or empty: 0, measured
/// here). A bad value is refused (UsageError: the variable, its value, what to set instead).
ProjectionSettings projection_settings_from_environment(const EnvironmentLookup& lookup = nullptr);

/// How progress lines are written: chosen by fasim (Auto: in place only on the terminal of a process started
/// without a launcher), or as asked by FASIM_PROGRESS=bar (in place) or FASIM_PROGRESS=lines (plain lines).
enum class ProgressStyle { Auto, Bar, Lines };

/// FASIM_PROGRESS (unset or empty: Auto). Any other value than bar or lines is refused (UsageError).
ProgressStyle progress_style_from_environment(const EnvironmentLookup& lookup = nullptr);

} // namespace fasim::io
