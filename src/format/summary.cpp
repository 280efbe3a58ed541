// The HDF5 table of `fasim collect --output` (format/summary.hpp).
#include "fasim/format/summary.hpp"

#include "fasim/format/hdf5.hpp"
#include "fasim/format/schema.hpp"
#include "fasim/parallel/communicator.hpp"
#include "fasim/parallel/error.hpp"

#include <hdf5.h>
#include <sys/stat.h>

namespace fasim::io {

bool is_summary(const std::string& path) {
  try {
    const File f = File::open(path, parallel::Communicator::borrow(MPI_COMM_SELF), true);
    return f.has_attribute(schema::kKind) &&
           f.read_attribute<std::string>(schema::kKind) == schema::kSummaryKind;
  } catch (const Error&) {
    return false;
  }
}

// H5F_ACC_EXCL creates the temporary with O_CREAT | O_EXCL: a file or link planted at its name fails it.
void write_summary(FreshTemporary& temporary, const std::vector<SummaryColumn>& columns,
                   const std::vector<std::string>& inputs) {
  silence_hdf5_errors();
  const parallel::Communicator self = parallel::Communicator::borrow(MPI_COMM_SELF);
  const std::string &path = temporary.path(), &destination = temporary.destination();
  const Where file{destination, "/"};
  {
    // Without HDF5's own file lock: the temporary's name is fresh and unpredictable, so no other process has
    // it open, and on a file system without locks (ENOLCK: NFS without lockd) the lock would fail the
    // summary.
    PropertyListHandle fapl(check(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate(file access)", file));
#if H5_VERSION_GE(1, 10, 7)
    check(H5Pset_file_locking(fapl.get(), false, true), "H5Pset_file_locking", file);
#endif
    struct stat before {};
    const bool was_there = ::lstat(path.c_str(), &before) == 0;
    const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, fapl.get());
    // A create that failed writing its first bytes made the file: it goes too (never what was there).
    if (id >= 0 || !was_there) temporary.created();
    FileHandle f(check(id, "H5Fcreate", file));
    DatatypeHandle str(check(H5Tcopy(H5T_C_S1), "H5Tcopy", file));
    check(H5Tset_size(str.get(), H5T_VARIABLE), "H5Tset_size", file);
    check(H5Tset_cset(str.get(), H5T_CSET_UTF8), "H5Tset_cset", file);
    std::string joined;
    for (const auto& in : inputs) joined += (joined.empty() ? "" : ";") + in;
    for (const auto& [name, value] : {std::pair<std::string, std::string>{schema::kInputs, joined},
                                      {schema::kWrittenBy, "fasim collect"},
                                      {schema::kKind, schema::kSummaryKind},
                                      {schema::kSchemaVersionAttribute, schema::kSchemaVersion}}) {
      DataspaceHandle scalar(check(H5Screate(H5S_SCALAR), "H5Screate", file));
      AttributeHandle attr(
          check(H5Acreate2(f.get(), name.c_str(), str.get(), scalar.get(), H5P_DEFAULT, H5P_DEFAULT),
                "H5Acreate2", Where{destination, "/@" + name}));
      const char* text = value.c_str();
      check_write([&] { return H5Awrite(attr.get(), str.get(), &text); }, "H5Awrite",
                  Where{destination, "/@" + name}, self);
    }
    GroupHandle points(check(H5Gcreate2(f.get(), schema::kPointsGroup, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                             "H5Gcreate2", {destination, schema::path("", schema::kPointsGroup)}));
    for (const auto& c : columns) {
      const Where where{destination, schema::path("", schema::kPointsGroup, c.name)};
      const hsize_t rows = c.numeric ? c.values.size() : c.text.size();
      DataspaceHandle space(check(H5Screate_simple(1, &rows, nullptr), "H5Screate_simple", where));
      const hid_t type = c.numeric ? H5T_IEEE_F64LE : str.get();
      DatasetHandle d(check(
          H5Dcreate2(points.get(), c.name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
          "H5Dcreate2", where));
      std::vector<const char*> ptrs;
      for (const auto& t : c.text) ptrs.push_back(t.c_str());
      const void* data = c.numeric ? static_cast<const void*>(c.values.data()) : ptrs.data();
      check_write(
          [&] {
            return H5Dwrite(d.get(), c.numeric ? H5T_NATIVE_DOUBLE : str.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                            data);
          },
          "H5Dwrite", where, self);
    }
    check_write([&] { return H5Fflush(f.get(), H5F_SCOPE_GLOBAL); }, "H5Fflush", file, self);
    points.reset(), str.reset();
    // Closing writes the last of the file: a close that fails is a summary that is not whole.
    check_write([&] { return f.close(); }, "H5Fclose", file, self);
  } // closed before the rename
}

} // namespace fasim::io
