#pragma once
// The one INI tokenizer of fasim: configuration files, sweep files and the configuration text stored in
// result files and checkpoints are all read through it, so a quoted value or an inline comment means the same
// to every verb. It only splits text into entries; what a key means is the configuration reader's business.
//
// Syntax: `[section]` headers and `key = value` lines; blank lines and lines starting with `#` or `;` are
// comments. A value may be quoted with "..." or '...' (the quotes are removed, nothing inside is special, and
// there are no escapes); an unquoted value ends at a `#` or `;` that follows a space or tab (an inline
// comment). Surrounding spaces and tabs are trimmed. A UTF-8 byte order mark at the start and CRLF line ends
// are accepted. Anything else (a line that is neither, an unterminated quote, text after a closing quote, a
// NUL byte, a lone carriage return) is refused with a UsageError naming the line.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fasim::io {

/// One `key = value` line; section is "" for a key above every [section] header.
struct IniEntry {
  std::string section, key, value;
  int line = 0; ///< 1-based line number in the text

  /// "section.key" ("key" when there is no section): the name the configuration reader and overrides use.
  std::string name() const { return section.empty() ? key : section + "." + key; }
};

/// Largest configuration input read_config_file accepts; a real configuration is a few KiB.
inline constexpr std::size_t kMaxConfigBytes = 1024 * 1024;

/// The entries of INI text in order. origin names the text in messages ("config file 'a.ini'"); a refusal
/// reads "line 3 of config file 'a.ini': ...".
std::vector<IniEntry> parse_ini(std::string_view text, const std::string& origin);

/// The value of the last entry named `name` ("section.key"), if any.
std::optional<std::string> find_ini_value(const std::vector<IniEntry>& entries, std::string_view name);

/// The text of a configuration input: a regular file of at most kMaxConfigBytes. A missing file, a directory,
/// a FIFO, a device (/dev/zero) or a larger file is a one-line UsageError naming `what` and the path; the
/// file is opened without blocking, so a FIFO with no writer cannot hang the caller.
std::string read_config_file(const std::string& path, const std::string& what = "config file");

/// value written so that parse_ini reads it back unchanged: as is when that is safe, else in quotes.
std::string quote_ini_value(std::string_view value);

/// text without leading and trailing white space.
std::string trim(std::string_view text);

} // namespace fasim::io
