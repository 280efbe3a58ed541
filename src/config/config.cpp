// Reading the configuration: the INI file through fasim's one tokenizer (config/ini.hpp), the command line
// through fasim's one grammar (config/command_line.hpp); every value is then checked by its key's parser.
#include "fasim/config/config.hpp"

#include "config/config_keys.hpp"
#include "fasim/config/command_line.hpp"
#include "fasim/config/config_values.hpp"
#include "fasim/config/ini.hpp"
#include "fasim/parallel/error.hpp"

#include <algorithm>
#include <set>
#include <sstream>

namespace fasim::io {

namespace {

using namespace detail;

/// One `key = value` from one place; origin names the place for messages ("at line 3 of config file
/// 'a.ini'").
struct Assignment {
  std::string key, value, origin;
};

bool is_section(const std::string& name) {
  const auto sections = config_sections();
  return std::find(sections.begin(), sections.end(), name) != sections.end();
}

/// Refuses a key the table does not know, suggesting the closest known key or section.
void check_known(const std::string& key, const std::string& origin) {
  if (find_key(key)) return;
  const std::string help = "; run 'fasim run --help' for the list of keys";
  const auto dot = key.find('.');
  if (dot == std::string::npos) {
    // A key above any [section]: suggest the section that has a key of this name.
    for (const auto& known : config_keys())
      if (known.name.substr(known.name.find('.') + 1) == key)
        throw UsageError("unknown key '" + key + "' (did you mean '" + known.name + "'?) " + origin +
                         "; keys belong to a [section]" + help);
    throw UsageError("unknown key '" + key + "' " + origin + "; keys belong to a [section]" + help);
  }
  const std::string section = key.substr(0, dot);
  if (!is_section(section)) {
    const auto guess = closest_match(section, config_sections());
    std::string all;
    for (const auto& name : config_sections()) append(all, ", ", name);
    throw UsageError("unknown section '" + section + "' (key '" + key + "') " + origin +
                     (guess.empty() ? "" : " (did you mean '" + guess + "'?)") + "; sections are " + all);
  }
  const auto guess = closest_match(key, config_key_names());
  throw UsageError("unknown key '" + key + "'" + (guess.empty() ? "" : " (did you mean '" + guess + "'?)") +
                   " " + origin + help);
}

std::vector<Assignment> read_ini(std::string_view text, const std::string& where) {
  std::vector<Assignment> assignments;
  std::set<std::string> seen;
  for (const auto& entry : parse_ini(text, where)) {
    const std::string origin = "at line " + std::to_string(entry.line) + " of " + where;
    check_known(entry.name(), origin);
    if (!seen.insert(entry.name()).second)
      throw UsageError("duplicate key '" + entry.name() + "' " + origin +
                       "; each key may appear once, remove all but one");
    assignments.push_back({entry.name(), entry.value, origin});
  }
  return assignments;
}

std::vector<Assignment> read_ini_file(const std::string& path) {
  return read_ini(read_config_file(path), "config file '" + path + "'");
}

/// The overrides of a command line (read by the one grammar, config/command_line.hpp); its first plain word
/// is the INI path when ini_path is given.
std::vector<Assignment> command_line_assignments(const CommandLine& line, std::string* ini_path) {
  const std::string origin = "on the command line";
  for (const auto& word : line.words) {
    if (!ini_path)
      throw UsageError("unexpected word '" + word +
                       "' on the command line; write overrides as --section.key=value");
    if (!ini_path->empty())
      throw UsageError("second config file '" + word + "' on the command line (already given '" + *ini_path +
                       "'); give one INI file and --section.key=value overrides");
    *ini_path = word;
  }
  std::vector<Assignment> assignments;
  for (const auto& [key, value] : line.overrides) {
    check_known(key, origin);
    assignments.push_back({key, value, origin});
  }
  return assignments;
}

void apply(Settings& settings, const std::vector<Assignment>& assignments) {
  for (const auto& a : assignments) {
    try {
      find_key(a.key)->set(settings, trim(a.value));
    } catch (const UsageError& e) {
      throw UsageError(std::string(e.what()) + " (" + a.origin + ")");
    }
  }
}

std::string render_ini(const Settings& settings) {
  std::ostringstream out;
  out << "# fasim resolved configuration: every key with its value; run it again with `fasim run FILE`.\n";
  for (const auto& note : settings.notes) out << "# " << note << '\n';
  std::string section;
  for (const auto& key : config_keys()) {
    if (key.section() != section) {
      section = key.section();
      out << "\n[" << section << "]\n";
    }
    const std::string value = key.get(settings);
    out << key.name.substr(section.size() + 1) << (value.empty() ? " =" : " = " + quote_ini_value(value))
        << '\n';
  }
  return out.str();
}

RunConfig assemble(const std::vector<Assignment>& file, const std::vector<Assignment>& command_line,
                   const std::string& config_path) {
  Settings settings;
  apply(settings, file);
  apply(settings, command_line); // later assignments win: the command line overrides the file
  const auto given = [&](const std::string& key) {
    const auto named = [&](const Assignment& a) { return a.key == key; };
    return std::any_of(file.begin(), file.end(), named) ||
           std::any_of(command_line.begin(), command_line.end(), named);
  };
  // Dynamics span decades: unless told otherwise, record a log-spaced trajectory (resolved_ini then states
  // it).
  if (!given("run.record_every") && !given("run.record_points"))
    settings.cfg.run.record_points = kDefaultRecordPoints;
  check_consistency(settings);
  resolve_defaults(settings);
  RunConfig cfg = build_run_config(settings);
  cfg.config_path = config_path;
  cfg.resolved_ini = render_ini(settings);
  return cfg;
}

} // namespace

RunConfig parse_config(const std::vector<std::string>& args, std::string* help_out) {
  if (help_out &&
      std::any_of(args.begin(), args.end(), [](const auto& a) { return a == "--help" || a == "-h"; })) {
    *help_out = config_help();
    return assemble({}, {}, "");
  }
  return parse_config_line(read_command_line(args, "run", {}, true));
}

RunConfig parse_config_line(const CommandLine& line) {
  std::string path;
  const auto command_line = command_line_assignments(line, &path);
  const auto file = path.empty() ? std::vector<Assignment>{} : read_ini_file(path);
  return assemble(file, command_line, path);
}

RunConfig parse_config_text(const std::string& ini_text, const std::vector<std::string>& overrides,
                            const std::string& origin) {
  const auto file = read_ini(ini_text, origin);
  return assemble(file, command_line_assignments(read_command_line(overrides, "run", {}, true), nullptr), "");
}

std::string config_help() {
  Settings defaults;
  std::ostringstream out;
  out << "Configuration keys (run, bench, resume, status and sweep points). Set them in the INI file as\n"
         "`key = value` under `[section]` (a value may be quoted; ` #` or ` ;` starts a comment), or on the\n"
         "command line as --section.key=value (or --section.key value), which wins over the file. Boolean\n"
         "keys accept true/false/yes/no/1/0, and a bare --section.key means true. Defaults follow the paper\n"
         "(Appendix F).\n";
  std::string section;
  for (const auto& key : config_keys()) {
    if (key.section() != section) {
      section = key.section();
      out << "\n[" << section << "]\n";
    }
    std::string value = key.default_note.empty() ? key.get(defaults) : "(" + key.default_note + ")";
    if (value.empty()) value = "(empty)";
    std::string left = "  " + key.name.substr(section.size() + 1) + " = " + value;
    if (left.size() < 32)
      left.resize(32, ' ');
    else
      left += "  ";
    out << left << key.help << '\n';
  }
  return out.str();
}

} // namespace fasim::io
