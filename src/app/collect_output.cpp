// Writing collect's table: destination checks, then a fresh exclusive temporary renamed over the destination.
#include "collect_output.hpp"

#include "fasim/files/fresh_file.hpp"
#include "fasim/files/path_limits.hpp"
#include "fasim/files/safe_files.hpp"
#include "fasim/format/hdf5.hpp"
#include "fasim/format/schema.hpp"
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

bool is_hdf5_summary(const std::string& path) {
  try {
    const io::File f = io::File::open(path, parallel::Communicator::borrow(MPI_COMM_SELF), true);
    return f.has_attribute(io::schema::kKind) &&
           f.read_attribute<std::string>(io::schema::kKind) == io::schema::kSummaryKind;
  } catch (const Error&) {
    return false;
  }
}

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
  if (!(csv ? is_csv_summary(destination) : is_hdf5_summary(destination)))
    throw UsageError(what + " exists and is not a summary written by fasim collect" +
                     (csv ? std::string(" (its first line does not start with 'file,')")
                          : " (no root attribute " + std::string(io::schema::kKind) + " = " +
                                io::schema::kSummaryKind + ")") +
                     "; it is never replaced: choose another name");
  if (!overwrite)
    throw UsageError(what + " exists (a summary of an earlier collect); pass --overwrite to replace it");
}

// A serial (sec2) file: the MPI-IO driver cannot write variable-length strings, which h5py reads as str.
// H5F_ACC_EXCL creates the temporary with O_CREAT | O_EXCL: a file or link planted at its name fails it.
void write_summary_hdf5(const std::string& destination, const std::vector<Column>& columns,
                        const std::vector<std::string>& inputs) {
  io::silence_hdf5_errors();
  const parallel::Communicator self = parallel::Communicator::borrow(MPI_COMM_SELF);
  io::FreshTemporary temporary(destination);
  const std::string& path = temporary.path();
  const io::Where file{destination, "/"};
  {
    // Without HDF5's own file lock: the temporary's name is fresh and unpredictable, so no other process has
    // it open, and on a file system without locks (ENOLCK: NFS without lockd) the lock would fail the
    // summary.
    io::PropertyListHandle fapl(io::check(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate(file access)", file));
#if H5_VERSION_GE(1, 10, 7)
    io::check(H5Pset_file_locking(fapl.get(), false, true), "H5Pset_file_locking", file);
#endif
    struct stat before {};
    const bool was_there = ::lstat(path.c_str(), &before) == 0;
    const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, fapl.get());
    // A create that failed writing its first bytes made the file: it goes too (never what was there).
    if (id >= 0 || !was_there) temporary.created();
    io::FileHandle f(io::check(id, "H5Fcreate", file));
    io::DatatypeHandle str(io::check(H5Tcopy(H5T_C_S1), "H5Tcopy", file));
    io::check(H5Tset_size(str.get(), H5T_VARIABLE), "H5Tset_size", file);
    io::check(H5Tset_cset(str.get(), H5T_CSET_UTF8), "H5Tset_cset", file);
    std::string joined;
    for (const auto& in : inputs) joined += (joined.empty() ? "" : ";") + in;
    for (const auto& [name, value] : {std::pair<std::string, std::string>{io::schema::kInputs, joined},
                                      {io::schema::kWrittenBy, "fasim collect"},
                                      {io::schema::kKind, io::schema::kSummaryKind},
                                      {io::schema::kSchemaVersionAttribute, io::schema::kSchemaVersion}}) {
      io::DataspaceHandle scalar(io::check(H5Screate(H5S_SCALAR), "H5Screate", file));
      io::AttributeHandle attr(
          io::check(H5Acreate2(f.get(), name.c_str(), str.get(), scalar.get(), H5P_DEFAULT, H5P_DEFAULT),
                    "H5Acreate2", io::Where{destination, "/@" + name}));
      const char* text = value.c_str();
      io::check_write([&] { return H5Awrite(attr.get(), str.get(), &text); }, "H5Awrite",
                      io::Where{destination, "/@" + name}, self);
    }
    io::GroupHandle points(
        io::check(H5Gcreate2(f.get(), io::schema::kPointsGroup, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                  "H5Gcreate2", {destination, io::schema::path("", io::schema::kPointsGroup)}));
    for (const auto& c : columns) {
      const io::Where where{destination, io::schema::path("", io::schema::kPointsGroup, c.name)};
      const hsize_t rows = c.numeric ? c.values.size() : c.text.size();
      io::DataspaceHandle space(io::check(H5Screate_simple(1, &rows, nullptr), "H5Screate_simple", where));
      const hid_t type = c.numeric ? H5T_IEEE_F64LE : str.get();
      io::DatasetHandle d(io::check(
          H5Dcreate2(points.get(), c.name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
          "H5Dcreate2", where));
      std::vector<const char*> ptrs;
      for (const auto& t : c.text) ptrs.push_back(t.c_str());
      const void* data = c.numeric ? static_cast<const void*>(c.values.data()) : ptrs.data();
      io::check_write(
          [&] {
            return H5Dwrite(d.get(), c.numeric ? H5T_NATIVE_DOUBLE : str.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                            data);
          },
          "H5Dwrite", where, self);
    }
    io::check_write([&] { return H5Fflush(f.get(), H5F_SCOPE_GLOBAL); }, "H5Fflush", file, self);
    points.reset(), str.reset();
    // Closing writes the last of the file: a close that fails is a summary that is not whole.
    io::check_write([&] { return f.close(); }, "H5Fclose", file, self);
  } // closed before the rename
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
