// Writing collect's table: destination checks, then a fresh exclusive temporary renamed over the destination.
#include "collect_output.hpp"

#include "fasim/files/fresh_file.hpp"
#include "fasim/files/path_limits.hpp"
#include "fasim/files/safe_files.hpp"
#include "fasim/format/schema.hpp"
#include "fasim/format/summary.hpp"
#include "fasim/parallel/communicator.hpp"
#include "fasim/parallel/error.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace fasim::app {

namespace fs = std::filesystem;

namespace {

bool is_csv_summary(const std::string& path) {
  std::ifstream in(path);
  std::string first;
  return std::getline(in, first) && first.rfind("file,", 0) == 0;
}

bool same_file(const struct stat& a, const std::string& path) {
  struct stat b {};
  return ::stat(path.c_str(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

} // namespace

void check_destination(const std::string& destination, const std::string& flag, bool csv,
                       const std::vector<std::string>& inputs, bool overwrite) {
  const std::string what = flag + " '" + destination + "'";
  const fs::path dest(destination);
  std::error_code ec;
  // Its temporary's name must fit too (it is written under `<name>.<16 hex>.tmp`), checked before anything is
  // made.
  io::check_name_fits(destination, io::result_suffix_bytes(), flag);
  // Missing directories are made, as for a run's output.file (io/safe_files.hpp).
  io::create_parent_directories(destination, flag);
  const fs::path canonical_dest = fs::weakly_canonical(dest, ec);
  const bool canonical_known = !ec;
  struct stat target {};
  const bool resolves = ::stat(destination.c_str(), &target) == 0; // through a link: where it points
  for (const auto& input : inputs)
    if ((resolves && same_file(target, input)) ||
        (canonical_known && fs::weakly_canonical(input, ec) == canonical_dest && !ec))
      throw UsageError(what + " is one of the inputs ('" + input +
                       "'); write the summary to a new file, e.g. outside the collected directory");
  struct stat here {};
  if (::lstat(destination.c_str(), &here) != 0) return; // nothing there: a new file
  if (S_ISLNK(here.st_mode)) {
    if (!overwrite)
      throw UsageError(what +
                       " is a symbolic link; pass --overwrite to replace the link itself (its target is "
                       "never written), or choose another name");
    return;
  }
  if (!S_ISREG(here.st_mode))
    throw UsageError(what + " exists and is not a regular file; choose another name");
  if (!(csv ? is_csv_summary(destination) : io::is_summary(destination)))
    throw UsageError(what + " exists and is not a summary written by fasim collect" +
                     (csv ? std::string(" (its first line does not start with 'file,')")
                          : " (no root attribute " + std::string(io::schema::kKind) + " = " +
                                io::schema::kSummaryKind + ")") +
                     "; it is never replaced: choose another name");
  if (!overwrite)
    throw UsageError(what + " exists (a summary of an earlier collect); pass --overwrite to replace it");
}

void write_summary_hdf5(const std::string& destination, const std::vector<Column>& columns,
                        const std::vector<std::string>& inputs) {
  io::FreshTemporary temporary(destination);
  io::write_summary(temporary, columns, inputs); // the format layer writes into what the files layer staged
  temporary.commit();
}

namespace {
std::string csv_field(const Column& c, std::size_t row) {
  if (c.numeric) {
    if (std::isnan(c.values[row])) return "nan";
    char buf[40]; // the shortest text that reads back to the same double
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, c.values[row]);
    return ec == std::errc() ? std::string(buf, end) : std::string("nan");
  }
  const std::string& t = c.text[row];
  if (t.find_first_of(",\"\n") == std::string::npos) return t;
  std::string out = "\"";
  for (char ch : t) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}
} // namespace

void write_summary_csv(const std::string& destination, const std::vector<Column>& columns, std::size_t rows) {
  std::string text;
  const auto add_row = [&](auto field) {
    for (std::size_t j = 0; j < columns.size(); ++j) {
      if (j > 0) text += ',';
      text += field(columns[j]);
    }
    text += '\n';
  };
  add_row([](const Column& c) { return c.name; });
  for (std::size_t i = 0; i < rows; ++i) add_row([i](const Column& c) { return csv_field(c, i); });
  io::FreshTemporary temporary(destination);
  const int fd = temporary.create_exclusive();
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      const int error = errno;
      ::close(fd);
      throw Error("writing CSV file '" + destination + "' (--csv) failed: " + std::strerror(error));
    }
    done += static_cast<std::size_t>(wrote);
  }
  if (::close(fd) != 0)
    throw Error("writing CSV file '" + destination + "' (--csv) failed: " + std::strerror(errno));
  temporary.commit();
}

} // namespace fasim::app
