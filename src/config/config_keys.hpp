#pragma once
// The table of configuration keys: each key knows how to read its text into the settings (refusing bad values
// with a message that names it), how to write its current value back as text, and what it means. The INI
// writer, the help text and the command-line options are all generated from this one table so they cannot
// drift apart.
#include "fasim/config/config.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace fasim::io::detail {

/// Everything a key can set. The per-algorithm rates live here (not only in RunSpec::algorithms) because an
/// algorithm that is not listed still has its section's values, which resolved_ini must keep.
struct Settings {
  RunConfig cfg;
  model::AlgorithmSpec gd{model::AlgorithmKind::GD, 1.0, 0.0, false};
  model::AlgorithmSpec fa{model::AlgorithmKind::FA, 0.1, 0.0, false};
  model::AlgorithmSpec fastar{model::AlgorithmKind::FAStar, 0.1, 0.0, false};
  model::AlgorithmSpec usf{model::AlgorithmKind::USF, 0.1, 0.0, false};
  model::AlgorithmSpec frsf{model::AlgorithmKind::FRSF, 0.1, 0.0, false};
  model::AlgorithmSpec kp{model::AlgorithmKind::KP, 0.1, 0.0, false};
  model::AlgorithmSpec mixed{model::AlgorithmKind::Mixed, 0.1, 0.0, false};
  model::AlgorithmSpec dfa{model::AlgorithmKind::DFA, 0.1, 0.0, false};
  std::vector<model::AlgorithmKind> algorithms{model::AlgorithmKind::GD, model::AlgorithmKind::FA,
                                               model::AlgorithmKind::FAStar};
  std::vector<std::string> notes; ///< what resolve_defaults changed, as comment lines of resolved_ini
};

struct KeyDef {
  std::string name; ///< "section.key"
  std::string help; ///< meaning, choices and units, one line
  bool is_bool = false;
  std::string default_note; ///< shown instead of the default value in help when the default is derived
  std::function<void(Settings&, const std::string&)> set; ///< throws UsageError naming the key
  std::function<std::string(const Settings&)> get;        ///< text that set() reads back to the same value

  std::string section() const { return name.substr(0, name.find('.')); }
};

/// All keys, grouped by section in the order sections appear in resolved INI text and in help.
const std::vector<KeyDef>& config_keys();
const KeyDef* find_key(std::string_view name);
std::vector<std::string> config_key_names();
std::vector<std::string> config_sections();

/// Cross-key checks (shapes against rank, spectrum against k, ...); throws UsageError naming the keys.
void check_consistency(const Settings& settings);

/// Fills the derived defaults (fa.lr_w = fa.lr and the same for the feedback rules, output.checkpoint_file =
/// output.file + ".ckpt") and clamps grid.block to the largest matrix dimension (a larger block only pads),
/// noting that in settings.notes.
void resolve_defaults(Settings& settings);

/// The RunConfig these settings describe (algorithm list expanded into RunSpec::algorithms).
RunConfig build_run_config(const Settings& settings);

} // namespace fasim::io::detail
