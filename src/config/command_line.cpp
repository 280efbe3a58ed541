// The one command-line grammar (fasim/config/command_line.hpp): every verb's words are sorted here.
#include "fasim/config/command_line.hpp"

#include "config/config_keys.hpp"
#include "fasim/config/config_values.hpp"
#include "fasim/parallel/error.hpp"

#include <algorithm>

namespace fasim::io {

bool CommandLine::has(std::string_view flag) const {
  return std::any_of(flags.begin(), flags.end(), [&](const auto& f) { return f.first == flag; });
}

std::optional<std::string> CommandLine::value(std::string_view flag) const {
  for (const auto& [name, value] : flags)
    if (name == flag) return value;
  return std::nullopt;
}

std::vector<std::string> CommandLine::override_words() const {
  std::vector<std::string> out;
  for (const auto& [key, value] : overrides) out.push_back("--" + key + "=" + value);
  return out;
}

bool CommandLine::overrides_key(std::string_view key) const {
  return std::any_of(overrides.begin(), overrides.end(), [&](const auto& o) { return o.first == key; });
}

void refuse_option(std::string_view verb, const std::string& option) {
  const std::string name = "fasim " + std::string(verb);
  throw UsageError("unknown option '" + option + "' for '" + name + "'; run '" + name +
                   " --help' for its options");
}

namespace {
bool is_long_option(const std::string& word) {
  return word.size() > 2 && word.rfind("--", 0) == 0;
}
} // namespace

CommandLine read_command_line(const std::vector<std::string>& args, std::string_view verb,
                              const std::vector<VerbFlag>& flags, bool overrides) {
  CommandLine out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word.empty() || word.front() != '-') {
      out.words.push_back(word);
      continue;
    }
    const auto eq = word.find('=');
    const std::string name = word.substr(0, eq);
    const bool inline_value = eq != std::string::npos;
    const auto flag =
        std::find_if(flags.begin(), flags.end(), [&](const VerbFlag& f) { return f.name == name; });
    if (flag != flags.end()) {
      if (flag->needs.empty() && inline_value) refuse_option(verb, word);
      std::string value;
      if (!flag->needs.empty()) {
        value = inline_value ? word.substr(eq + 1) : i + 1 < args.size() ? args[++i] : "";
        if (value.empty())
          throw UsageError(name + " needs " + std::string(flag->needs) + "; run 'fasim " + std::string(verb) +
                           " --help'");
      }
      if (out.has(name)) throw UsageError(name + " is given twice; give it once");
      out.flags.emplace_back(name, value);
      continue;
    }
    if (!overrides) refuse_option(verb, word);
    if (!is_long_option(word) || eq == 2)
      throw UsageError("unknown option '" + word +
                       "' on the command line; write overrides as --section.key=value");
    const std::string key = name.substr(2);
    std::string value = "true";
    if (inline_value) {
      value = word.substr(eq + 1);
    } else if (const detail::KeyDef* known = detail::find_key(key); known && known->is_bool) {
      // A bare boolean means true; the next word is its value only when it reads as one (else it is, say,
      // the INI path: `--output.overwrite run.ini`).
      if (i + 1 < args.size() && detail::parse_bool(trim(args[i + 1]))) value = args[++i];
    } else if (i + 1 < args.size() && !is_long_option(args[i + 1])) {
      value = args[++i];
    } else if (known) {
      throw UsageError("--" + key + " needs a value on the command line; write --" + key + "=VALUE");
    }
    if (out.overrides_key(key))
      throw UsageError("duplicate key '" + key + "' on the command line; give each override once");
    out.overrides.emplace_back(key, value);
  }
  return out;
}

long long integer_value(std::string_view name, std::string_view text, long long min, long long max) {
  const auto fail = [&](const std::string& problem, const std::string& expected) {
    throw UsageError(std::string(name) + " = '" + std::string(text) + "': " + problem + "; expected " +
                     expected);
  };
  const std::string expected = "an integer >= " + std::to_string(min);
  const auto value = detail::parse_integer(trim(text));
  if (!value) fail("not an integer", expected);
  if (*value < min) fail("out of range", expected);
  if (*value > max) fail("too large", expected + " and <= " + std::to_string(max));
  return *value;
}

} // namespace fasim::io
