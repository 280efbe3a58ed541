#pragma once
// A thin RAII layer over the HDF5 C API for files opened in parallel (MPI-IO) on a communicator. Every HDF5
// return code is checked and becomes an Hdf5Error with one line naming the operation, the file and the
// object.
//
// Parallel HDF5 rule: every call that changes the file's structure or metadata (create a group, dataset or
// attribute; write an attribute; set a dataset's extent; flush; close) is collective: all ranks of the file's
// communicator make it with identical arguments, in the same order. The functions below say which they are.
#include "fasim/parallel/communicator.hpp"
#include "fasim/parallel/error.hpp"

#include <hdf5.h>

#include <cerrno>

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace fasim::io {

/// An HDF5 library call failed (the message names the operation, the object and the file).
class Hdf5Error : public Error {
public:
  using Error::Error;
};

/// After a write failed on some rank (a full disk, a quota, an I/O error), the files open in this process are
/// abandoned: their handles are never closed, since closing flushes collectively and a file that cannot be
/// written can leave its ranks in different collectives (a hang) or HDF5's shutdown in a crash. A process
/// that abandoned its files ends without shutting HDF5 down (app::main does so after its message).
void abandon_open_files() noexcept;
bool open_files_abandoned() noexcept;
/// True once a write agreed on by check_write failed in this process (a storage fault).
bool storage_failed() noexcept;

/// Owns one HDF5 identifier and releases it with `Close` on destruction. Move-only.
template <herr_t (*Close)(hid_t)> class Handle {
public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  ~Handle() { reset(); }
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  /// Closes now and returns HDF5's status (a file's close writes: check it); the handle is empty after.
  herr_t close() noexcept { return Close(std::exchange(id_, H5I_INVALID_HID)); }
  /// Closing can fail only on a corrupt handle; a destructor cannot report it, so the status is dropped.
  /// Abandoned files (abandon_open_files) are left open.
  void reset() noexcept {
    if (id_ >= 0 && !open_files_abandoned()) (void)Close(id_);
    id_ = H5I_INVALID_HID;
  }

private:
  hid_t id_ = H5I_INVALID_HID;
};

using FileHandle = Handle<H5Fclose>;
using GroupHandle = Handle<H5Gclose>;
using DatasetHandle = Handle<H5Dclose>;
using ObjectHandle = Handle<H5Oclose>; ///< a group or dataset opened generically
using DataspaceHandle = Handle<H5Sclose>;
using PropertyListHandle = Handle<H5Pclose>;
using AttributeHandle = Handle<H5Aclose>;
using DatatypeHandle = Handle<H5Tclose>;

/// Where an HDF5 call happened, for error messages: the file name and the object's path inside it.
struct Where {
  std::string file;
  std::string object;
};

/// Turns off HDF5's automatic error-stack printing for this thread, so a failure is reported only as our
/// one-line exception. Idempotent; File::create/open call it.
void silence_hdf5_errors();

/// Throws Hdf5Error "<operation> failed for '<object>' in '<file>': <HDF5's innermost reason>" when id < 0.
hid_t check(hid_t id, const char* operation, const Where& where);
/// Same for herr_t/htri_t results (negative means failure); returns the value (htri_t: > 0 means true).
int check(int status, const char* operation, const Where& where);

/// Agrees over `comm` (the file's ranks) on the outcome of a call that writes to the file system (raw data,
/// an extent, an attribute, a flush), made by every rank of `comm`: when it failed on any rank, every rank
/// throws the same error, naming the cause in words (`no space left on device`, `disk quota exceeded`,
/// `I/O error`, ...), the file and the object, and the open files are abandoned. Collective.
template <class Call>
int check_write(Call&& call, const char* operation, const Where& where, const parallel::Communicator& comm);
/// The part of check_write after the call: `status` < 0 is a failure with `error` the errno it left.
void agree_on_write(int status, int error, const char* operation, const Where& where,
                    const parallel::Communicator& comm);

/// A dataset transfer property list for collective I/O (H5FD_MPIO_COLLECTIVE).
PropertyListHandle collective_transfer();
/// Collective at the HDF5 level but with each rank's MPI-IO done independently underneath: for writes where
/// only one rank selects data (replicated values such as trajectories), avoiding a two-phase exchange.
PropertyListHandle single_writer_transfer();

namespace detail {
struct FileState; // the open file id, its name and communicator; shared by every object opened from it
} // namespace detail

class Dataset;

/// A file's root group, a group or a dataset: anything that carries attributes. Copies share the open HDF5
/// object; the file stays open until the File and every object opened from it are gone.
class Object {
public:
  hid_t id() const;
  /// Absolute path inside the file ("/" for the root).
  const std::string& path() const { return path_; }
  const std::string& file_name() const;
  const parallel::Communicator& comm() const;
  /// Where `child` (a path relative to this object, or empty for the object itself) is, for messages.
  Where where(const std::string& child = {}) const;
  /// "'/runs/gd/Z' in 'out.h5'": names an object in user-facing messages.
  std::string describe(const std::string& child = {}) const;
  /// The absolute path of `child` relative to this object (absolute paths are returned unchanged).
  std::string child_path(const std::string& child) const;

  bool has_attribute(const std::string& name) const;
  /// Writes (or replaces) an attribute. Collective: every rank passes the same value. Strings are stored as
  /// variable-length UTF-8 so h5py reads them as str.
  void write_attribute(const std::string& name, const std::string& value) const;
  void write_attribute(const std::string& name, const char* value) const {
    write_attribute(name, std::string(value));
  }
  void write_attribute(const std::string& name, double value) const;
  void write_attribute(const std::string& name, long long value) const;
  template <class Int>
  requires std::is_integral_v<Int>
  void write_attribute(const std::string& name, Int value) const {
    write_attribute(name, static_cast<long long>(value));
  }
  void write_attribute(const std::string& name, const std::vector<double>& value) const;
  void write_attribute(const std::string& name, const std::vector<long long>& value) const;

  /// Reads an attribute as T: std::string (variable or fixed length), double, long long, std::vector<double>
  /// or std::vector<long long>. Numbers are converted by HDF5; a scalar may be read from a one-element array.
  /// Local (not collective).
  template <class T> T read_attribute(const std::string& name) const;

protected:
  Object(std::shared_ptr<const detail::FileState> file, std::shared_ptr<const ObjectHandle> handle,
         std::string path);
  const std::shared_ptr<const detail::FileState>& file_state() const { return file_; }

private:
  AttributeHandle create_attribute(const std::string& name, hid_t type, hid_t space) const;
  void write_numeric_attribute(const std::string& name, hid_t file_type, hid_t memory_type, const void* data,
                               std::size_t count, bool scalar) const;
  /// Opens an attribute for reading; a missing one is a UsageError.
  AttributeHandle open_attribute(const std::string& name) const;
  Where attribute_where(const std::string& name) const;

  std::shared_ptr<const detail::FileState> file_;
  std::shared_ptr<const ObjectHandle> handle_; ///< null for the root group, which is the file id itself
  std::string path_;
};

template <> std::string Object::read_attribute<std::string>(const std::string& name) const;
template <> double Object::read_attribute<double>(const std::string& name) const;
template <> long long Object::read_attribute<long long>(const std::string& name) const;
template <> std::vector<double> Object::read_attribute<std::vector<double>>(const std::string& name) const;
template <>
std::vector<long long> Object::read_attribute<std::vector<long long>>(const std::string& name) const;

/// A group (or a file's root group). Paths are relative to the group, or absolute when they start with '/'.
class Group : public Object {
public:
  /// Creates `path` and any missing intermediate groups. Collective.
  Group create_group(const std::string& path) const;
  /// Opens `path` if it exists, otherwise creates it (with intermediates). Collective.
  Group require_group(const std::string& path) const;
  Group open_group(const std::string& path) const;
  /// True when every component of `path` exists (a missing intermediate group is simply false).
  bool exists(const std::string& path) const;

  /// Creates a dataset of `file_type` (e.g. H5T_IEEE_F64LE). `max_dims` (H5S_UNLIMITED allowed) and `chunk`
  /// make it extendible; both empty means fixed-size and contiguous. No fill values are written: the caller
  /// writes every element. `deflate` > 0 (needs `chunk`) compresses each chunk with zlib at that level (then
  /// every write to it must be collective). Collective.
  Dataset create_dataset(const std::string& path, hid_t file_type, const std::vector<hsize_t>& dims,
                         const std::vector<hsize_t>& max_dims = {}, const std::vector<hsize_t>& chunk = {},
                         int deflate = 0) const;
  /// Opens a dataset; a missing one is a UsageError naming it and the file.
  Dataset open_dataset(const std::string& path) const;
  /// The absolute paths of every dataset below this group ("/problem/Y", ...), in name order. Local.
  std::vector<std::string> dataset_paths() const;
  /// Unlinks `path` (its space is not reclaimed until h5repack). Collective.
  void remove(const std::string& path) const;

protected:
  using Object::Object;
};

/// A dataset: its shape, element class and (for chunked datasets) a resizable extent.
class Dataset : public Object {
public:
  /// Current extent, slowest dimension first (h5py's shape).
  std::vector<hsize_t> shape() const;
  /// Element class: H5T_FLOAT, H5T_INTEGER, ...
  H5T_class_t type_class() const;
  /// Resizes a chunked dataset within its maximum dimensions (growing or cutting back). Collective.
  void set_extent(const std::vector<hsize_t>& dims) const;
  /// A fresh copy of the file dataspace (current extent).
  DataspaceHandle space() const;

private:
  friend class Group;
  using Object::Object;
};

/// Whether `path` exists, as rank 0 sees it, on every rank of `comm` (one answer for all). Collective.
bool exists_on_rank0(const std::string& path, const parallel::Communicator& comm);

/// What File::create does when the file already exists.
enum class TruncatePolicy {
  FailIfExists, ///< UsageError: never overwrite a result file by accident
  Truncate      ///< replace it
};

/// An HDF5 file opened with the MPI-IO driver on a communicator; its root group. Closing is collective and
/// happens when the File and all objects opened from it are destroyed, so destroy them on every rank alike.
class File : public Group {
public:
  /// Creates `path`. Collective over `comm`. Messages name the file `shown_as` (default `path`): a file built
  /// under a temporary name is named by the path it is published at.
  static File create(const std::string& path, const parallel::Communicator& comm,
                     TruncatePolicy policy = TruncatePolicy::FailIfExists, const std::string& shown_as = {});
  /// Opens an existing file; a missing file is a UsageError. Collective over `comm`.
  static File open(const std::string& path, const parallel::Communicator& comm, bool read_only = true);
  /// Pushes cached metadata and raw data to the file system, so a crash later keeps what is written and a
  /// reader sees it. Collective and agreed (check_write).
  void flush() const;

private:
  using Group::Group;
};

template <class Call>
int check_write(Call&& call, const char* operation, const Where& where, const parallel::Communicator& comm) {
  errno = 0;
  const int status = static_cast<int>(call());
  agree_on_write(status, errno, operation, where, comm);
  return status;
}

} // namespace fasim::io
