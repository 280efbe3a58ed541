#pragma once
// The one command-line grammar of every verb (docs/config.md): the words after `fasim VERB` are
//   - the verb's own flags: a switch (`--json`) or a flag with a value (`--output FILE`, `--output=FILE`);
//   - configuration overrides `--section.key=value` or `--section.key value`; a bare boolean key means true
//     (the next word is its value only when it reads as a boolean);
//   - plain words (an INI path, a file to read, a sub-verb), in order.
// A flag or override given twice, an unknown option and a flag without its value are refused with one line.
// Numbers on the command line go through the same parser and say the same thing when they are malformed
// as a configuration key's value (integer_value below; config_values.hpp parses).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fasim::io {

/// One of a verb's own flags: a switch takes no value, a flag with a value names what it needs in messages.
struct VerbFlag {
  std::string_view name;    ///< "--output"
  std::string_view needs{}; ///< empty: a switch; else what the value is ("a file name")
};

/// The words after the verb, sorted by the grammar.
struct CommandLine {
  std::vector<std::string> words;                             ///< plain words, in order
  std::vector<std::pair<std::string, std::string>> flags;     ///< the verb's own flags given
  std::vector<std::pair<std::string, std::string>> overrides; ///< ("section.key", value), in order

  bool has(std::string_view flag) const;
  /// The value of a flag with a value; nullopt when it was not given.
  std::optional<std::string> value(std::string_view flag) const;
  /// The overrides as words `--section.key=value` (for parse_config_text).
  std::vector<std::string> override_words() const;
  /// Whether an override sets `key`.
  bool overrides_key(std::string_view key) const;
};

/// Splits the words after `fasim <verb>` by the grammar above. With `overrides` false a word starting with
/// '-' that is none of `flags` is refused as an unknown option of the verb; with it true such a word is an
/// override (whether its key exists is checked by the configuration reader). Throws UsageError.
CommandLine read_command_line(const std::vector<std::string>& args, std::string_view verb,
                              const std::vector<VerbFlag>& flags, bool overrides);

/// Throws the UsageError for an option the verb does not know:
/// "unknown option '--jsn' for 'fasim info'; run 'fasim info --help' for its options".
[[noreturn]] void refuse_option(std::string_view verb, const std::string& option);

/// An integer >= min (and <= max) named `name` (a key or a flag), read by the configuration's number parser;
/// a malformed or out-of-range text is the UsageError every key and flag gives:
/// "<name> = '<text>': not an integer; expected an integer >= <min>".
long long integer_value(std::string_view name, std::string_view text, long long min,
                        long long max = 0x7fffffffffffffffLL);

} // namespace fasim::io
