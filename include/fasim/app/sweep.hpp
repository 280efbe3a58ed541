#pragma once
// `fasim sweep` and `fasim collect`: many runs from one INI file with a [sweep] section, and one table of
// their results. The [sweep] section lists values (`model.r = 10,50,100`) or integer ranges
// (`problem.seed = 0:100`, `a:b:step`, b exclusive) per key; the points are the Cartesian product, the LAST
// listed key varying fastest, numbered from 0. See docs/sweeps.md.
#include "fasim/config/config.hpp"

#include <string>
#include <utility>
#include <vector>

namespace fasim::app {

/// One swept key and its values (as text, exactly as they are passed to the configuration parser).
struct SweepAxis {
  std::string key; ///< "section.key"
  std::vector<std::string> values;
};

/// (key, value) settings of one point, in the order of the axes.
using SweepSettings = std::vector<std::pair<std::string, std::string>>;

struct SweepSpec {
  std::string base_ini;        ///< the INI text with the [sweep] section removed
  std::vector<SweepAxis> axes; ///< in the order listed
  std::string origin;          ///< "sweep file 'X.ini'", for messages

  /// Number of points (the product of the axis sizes; 1 when there are no axes).
  long long count() const;
  /// The settings of point `index` (0 <= index < count()); the last axis varies fastest.
  SweepSettings point(long long index) const;
};

/// Values of one [sweep] entry: `a:b` / `a:b:step` (integers, b exclusive, step > 0) or `x,y,z` (a single
/// value is a one-element list). Throws UsageError naming the key on a malformed or empty entry.
std::vector<std::string> parse_sweep_values(const std::string& key, const std::string& text);

/// Splits INI text into the base configuration and the [sweep] axes. Throws UsageError (naming `origin`) on
/// a malformed [sweep] line, a key without a section, a duplicate key, or a product beyond 10^7 points.
SweepSpec parse_sweep_text(const std::string& ini_text, const std::string& origin);
/// Same, from a file; a missing or unreadable file is a UsageError.
SweepSpec read_sweep_file(const std::string& path);

/// The result file of point `index`: `<dir of output_file>/<stem>-<index zero-padded to the digits of
/// count>.h5`.
std::string point_output_path(const std::string& output_file, long long index, long long count);

/// "key=value;key=value": stored as the root attribute `sweep_point` of each point's result file.
std::string point_label(const SweepSettings& settings);
/// Inverse of point_label (entries without '=' are ignored).
SweepSettings parse_point_label(const std::string& label);

/// `--key=value`, `--key value` and bare `--key` (true) words as (key, value) pairs. Throws UsageError on a
/// word that is not an option or a key given twice.
SweepSettings parse_overrides(const std::vector<std::string>& words);

/// One point's full configuration: the base INI, the point's settings, then `overrides` (a swept key there
/// is a UsageError), with output.file / output.checkpoint_file set to the point's own files.
struct SweepPoint {
  long long index = 0;
  SweepSettings settings;
  std::string output; ///< the point's result file
  io::RunConfig config;
};
SweepPoint make_point(const SweepSpec& spec, long long index, const SweepSettings& overrides,
                      bool overwrite = false);

} // namespace fasim::app
