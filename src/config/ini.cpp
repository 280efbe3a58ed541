// The INI tokenizer (include/fasim/config/ini.hpp) and the guarded read of a configuration input.
#include "fasim/config/ini.hpp"

#include "fasim/parallel/error.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace fasim::io {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

/// Where an unquoted value's inline comment starts: a '#' or ';' after a blank; npos when there is none.
std::size_t inline_comment(std::string_view text) {
  for (std::size_t i = 1; i < text.size(); ++i)
    if ((text[i] == '#' || text[i] == ';') && is_blank(text[i - 1])) return i;
  return std::string_view::npos;
}

bool is_comment_or_blank(std::string_view rest) {
  const std::string t = trim(rest);
  return t.empty() || t.front() == '#' || t.front() == ';';
}

class LineError {
public:
  LineError(const std::string& origin, int line) : where_("line " + std::to_string(line) + " of " + origin) {}
  [[noreturn]] void operator()(const std::string& what) const { throw UsageError(where_ + ": " + what); }

private:
  std::string where_;
};

/// The value part of `key = value` (everything after '='): unquoted, comment removed, trimmed.
std::string parse_value(std::string_view raw, const LineError& refuse) {
  const std::string text = trim(raw);
  if (text.empty() || (text.front() != '"' && text.front() != '\'')) {
    const auto comment = inline_comment(text);
    return trim(std::string_view(text).substr(0, comment));
  }
  const char quote = text.front();
  const auto close = text.find(quote, 1);
  if (close == std::string::npos)
    refuse(std::string("the value ") + text + " has no closing " + quote + "; close the quote or remove it");
  if (!is_comment_or_blank(std::string_view(text).substr(close + 1)) ||
      (close + 1 < text.size() && !is_blank(text[close + 1])))
    refuse("text after the closing quote of " + text.substr(0, close + 1) +
           "; put the whole value in quotes, or start a comment with ' #'");
  return text.substr(1, close - 1);
}

} // namespace

std::string trim(std::string_view text) {
  const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return std::string(text);
}

std::vector<IniEntry> parse_ini(std::string_view text, const std::string& origin) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3); // UTF-8 byte order mark (Windows editors)
  std::vector<IniEntry> entries;
  std::string section;
  int number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++number;
    const LineError refuse(origin, number);
    if (line.ends_with('\r')) line.remove_suffix(1); // CRLF
    if (line.find('\0') != std::string_view::npos) refuse("a NUL byte; this is not a text INI file");
    if (line.find('\r') != std::string_view::npos)
      refuse("a carriage return inside the line; save the file with LF or CRLF line ends");
    const std::string t = trim(line);
    if (is_comment_or_blank(t)) continue;
    if (t.front() == '[') {
      const auto close = t.find(']');
      if (close == std::string::npos) refuse("'" + t + "' has no closing ']'; write '[section]'");
      if (!is_comment_or_blank(std::string_view(t).substr(close + 1)))
        refuse("text after the section header '" + t.substr(0, close + 1) + "'; put it on its own line");
      section = trim(std::string_view(t).substr(1, close - 1));
      if (section.empty()) refuse("an empty section header '[]'; name the section, e.g. [run]");
      continue;
    }
    const auto eq = t.find('=');
    if (eq == std::string::npos) refuse("'" + t + "' is neither a [section] header nor a 'key = value' line");
    IniEntry entry{section, trim(std::string_view(t).substr(0, eq)), "", number};
    if (entry.key.empty()) refuse("'" + t + "' has no key before '='; write 'key = value'");
    entry.value = parse_value(std::string_view(t).substr(eq + 1), refuse);
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::optional<std::string> find_ini_value(const std::vector<IniEntry>& entries, std::string_view name) {
  std::optional<std::string> found;
  for (const auto& e : entries)
    if (e.name() == name) found = e.value;
  return found;
}

std::string read_config_file(const std::string& path, const std::string& what) {
  const std::string file = what + " '" + path + "'";
  // O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting; fstat then refuses it.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR)
      throw UsageError(file + " not found; give the path of an existing INI file");
    throw UsageError(file + " cannot be opened for reading (" + std::strerror(error) +
                     "); check its permissions");
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw UsageError(file + ": cannot be examined (" + std::strerror(errno) + ")");
  if (!S_ISREG(st.st_mode)) {
    const char* kind = S_ISDIR(st.st_mode)                          ? "a directory"
                       : S_ISFIFO(st.st_mode)                       ? "a FIFO"
                       : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                                                                    : "not a regular file";
    throw UsageError(file + " is " + kind + "; give the path of a regular INI file");
  }
  const std::string too_large = file + " is larger than " + std::to_string(kMaxConfigBytes / 1024) +
                                " KiB; a configuration is a small INI text file";
  if (static_cast<unsigned long long>(st.st_size) > kMaxConfigBytes) throw UsageError(too_large);
  std::string text(kMaxConfigBytes + 1, '\0');
  std::size_t used = 0;
  while (used < text.size()) { // the file may still grow while we read: never read past the limit
    const ssize_t got = ::read(fd, text.data() + used, text.size() - used);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw UsageError(file + " cannot be read (" + std::strerror(errno) + ")");
    if (got == 0) break;
    used += static_cast<std::size_t>(got);
  }
  if (used > kMaxConfigBytes) throw UsageError(too_large);
  text.resize(used);
  return text;
}

std::string quote_ini_value(std::string_view value) {
  const std::string v(value);
  const bool safe =
      trim(v) == v && inline_comment(v) == std::string::npos &&
      (v.empty() || (v.front() != '"' && v.front() != '\'' && v.front() != '#' && v.front() != ';'));
  if (safe) return v;
  const char quote = v.find('"') == std::string::npos ? '"' : '\'';
  return quote + v + quote;
}

} // namespace fasim::io
