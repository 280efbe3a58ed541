#include "fasim/format/hdf5.hpp"

#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/communicator.hpp"
#include "fasim/parallel/storage_faults.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>

namespace fasim::io {

namespace detail {
struct FileState {
  FileHandle handle;
  std::string name;
  parallel::Communicator comm;
};
} // namespace detail

// ---- errors
// -------------------------------------------------------------------------------------------------

void silence_hdf5_errors() {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

namespace {
// HDF5 pushes a stack of errors from the API call down to the cause; the innermost one says what went wrong.
herr_t take_innermost(unsigned n, const H5E_error2_t* error, void* out) {
  if (n == 0 && error->desc) *static_cast<std::string*>(out) = error->desc;
  return 0;
}

std::string innermost_reason() {
  std::string reason;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, take_innermost, &reason);
  H5Eclear2(H5E_DEFAULT);
  std::replace(reason.begin(), reason.end(), '\n', ' ');
  return reason;
}

herr_t gather_all(unsigned, const H5E_error2_t* error, void* out);
std::string cause_in_words(int error, const std::string& stack);

[[noreturn]] void fail(const char* operation, const Where& where) {
  std::string message = std::string(operation) + " failed for '" + where.object + "' in '" + where.file + "'";
  std::string stack;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, gather_all, &stack);
  const std::string reason = innermost_reason();
  // A system call's failure in words (HDF5's own text names the temporary a file is built under, and more).
  const std::string words = cause_in_words(0, stack);
  if (!words.empty())
    message += ": " + words;
  else if (!reason.empty())
    message += ": " + reason;
  throw Hdf5Error(message);
}
} // namespace

// ---- writes that can fail on one rank
// -------------------------------------------------------------------------------

namespace {
std::atomic<bool> abandoned{false}, failed_write{false};

herr_t gather_all(unsigned, const H5E_error2_t* error, void* out) {
  auto& text = *static_cast<std::string*>(out);
  if (error->desc) text += std::string(error->desc) + " | ";
  if (error->func_name) text += std::string(error->func_name) + " | ";
  return 0;
}

// The cause of a failed write in the words of the C library: the errno the failing system call left, else
// what MPI-IO reported up HDF5's error stack (Open MPI's and MPICH's error classes and strings).
std::string cause_in_words(int error, const std::string& stack) {
  if (std::string words = parallel::storage_error_in_words(error); !words.empty()) return words;
  const auto has = [&](const char* text) { return stack.find(text) != std::string::npos; };
  if (has("NO_SPACE") || has("No space") || has("no space")) return "no space left on device";
  if (has("QUOTA") || has("quota")) return "disk quota exceeded";
  if (has("MPI_ERR_IO") || has("I/O error") || has("Input/output error") || has("input/output error"))
    return "I/O error";
  if (error == ENOENT || error == ESTALE || error == EBADF) return std::strerror(error);
  return {};
}
} // namespace

void abandon_open_files() noexcept {
  abandoned = true;
}
bool open_files_abandoned() noexcept {
  return abandoned;
}
bool storage_failed() noexcept {
  return failed_write;
}

void agree_on_write(int status, int error, const char* operation, const Where& where,
                    const parallel::Communicator& comm) {
  // A write MPI-IO failed (recorded, reported to HDF5 as done: parallel/storage_faults.hpp), or HDF5's own.
  const std::optional<parallel::StorageFault> fault = parallel::take_storage_fault();
  std::exception_ptr failure;
  if (status < 0 || fault) {
    std::string stack;
    if (status < 0) H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, gather_all, &stack);
    const std::string innermost = status < 0 ? innermost_reason() : std::string();
    std::string cause = fault ? cause_in_words(fault->error_number, fault->mpi_text) : std::string();
    if (cause.empty()) cause = cause_in_words(error, stack);
    if (cause.empty())
      cause = !innermost.empty() ? innermost : fault ? fault->call + " failed" : "write failed";
    failure = std::make_exception_ptr(Hdf5Error("writing '" + where.file + "' failed: " + cause + " (" +
                                                operation + " of '" + where.object + "')"));
  }
  try {
    parallel::agree(comm, failure);
  } catch (...) {
    failed_write = true;
    // HDF5 itself failed somewhere: its state may differ between the ranks, so nothing of it is closed.
    // A failure only MPI-IO saw left HDF5 alike on every rank: the files close as usual.
    if (comm.allreduce_max(status < 0 ? 1 : 0) > 0) abandon_open_files();
    throw;
  }
}

hid_t check(hid_t id, const char* operation, const Where& where) {
  if (id < 0) fail(operation, where);
  return id;
}

int check(int status, const char* operation, const Where& where) {
  if (status < 0) fail(operation, where);
  return status;
}

namespace {
const Where kNoObject{"-", "property list"};

PropertyListHandle transfer(H5FD_mpio_collective_opt_t opt) {
  PropertyListHandle dxpl(check(H5Pcreate(H5P_DATASET_XFER), "H5Pcreate(transfer)", kNoObject));
  check(H5Pset_dxpl_mpio(dxpl.get(), H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio", kNoObject);
  check(H5Pset_dxpl_mpio_collective_opt(dxpl.get(), opt), "H5Pset_dxpl_mpio_collective_opt", kNoObject);
  return dxpl;
}
} // namespace

PropertyListHandle collective_transfer() {
  return transfer(H5FD_MPIO_COLLECTIVE_IO);
}
PropertyListHandle single_writer_transfer() {
  return transfer(H5FD_MPIO_INDIVIDUAL_IO);
}

// ---- objects and attributes
// ---------------------------------------------------------------------------------

Object::Object(std::shared_ptr<const detail::FileState> file, std::shared_ptr<const ObjectHandle> handle,
               std::string path)
    : file_(std::move(file)), handle_(std::move(handle)), path_(std::move(path)) {}

hid_t Object::id() const {
  return handle_ ? handle_->get() : file_->handle.get();
}
const std::string& Object::file_name() const {
  return file_->name;
}
const parallel::Communicator& Object::comm() const {
  return file_->comm;
}

std::string Object::child_path(const std::string& child) const {
  if (child.empty()) return path_;
  if (child.front() == '/') return child;
  std::string path = path_ == "/" ? std::string() : path_;
  path += '/';
  path += child;
  return path;
}

Where Object::where(const std::string& child) const {
  return {file_->name, child_path(child)};
}

std::string Object::describe(const std::string& child) const {
  // Built by appending: GCC 12 warns (falsely, -Wrestrict) about "literal" + std::string temporaries.
  std::string text(1, '\'');
  text += child_path(child);
  text += "' in '";
  text += file_->name;
  text += '\'';
  return text;
}

bool Object::has_attribute(const std::string& name) const {
  return check(H5Aexists(id(), name.c_str()), "H5Aexists", where()) > 0;
}

AttributeHandle Object::create_attribute(const std::string& name, hid_t type, hid_t space) const {
  const Where at = attribute_where(name);
  // Replacing rather than rewriting in place: the new value may differ in type, length or shape.
  if (has_attribute(name)) check(H5Adelete(id(), name.c_str()), "H5Adelete", at);
  return AttributeHandle(
      check(H5Acreate2(id(), name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), "H5Acreate", at));
}

namespace {
DatatypeHandle utf8_string_type(const Where& at) {
  DatatypeHandle type(check(H5Tcopy(H5T_C_S1), "H5Tcopy", at));
  check(H5Tset_size(type.get(), H5T_VARIABLE), "H5Tset_size", at);
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset", at);
  return type;
}

DataspaceHandle vector_space(std::size_t n, const Where& at) {
  const hsize_t dims[1] = {n};
  return DataspaceHandle(check(H5Screate_simple(1, dims, nullptr), "H5Screate_simple", at));
}
} // namespace

void Object::write_attribute(const std::string& name, const std::string& value) const {
  const Where at = attribute_where(name);
  const DatatypeHandle type = utf8_string_type(at);
  const DataspaceHandle space(check(H5Screate(H5S_SCALAR), "H5Screate", at));
  const AttributeHandle attr = create_attribute(name, type.get(), space.get());
  const char* text = value.c_str();
  check_write([&] { return H5Awrite(attr.get(), type.get(), &text); }, "H5Awrite", at, comm());
}

void Object::write_numeric_attribute(const std::string& name, hid_t file_type, hid_t memory_type,
                                     const void* data, std::size_t count, bool scalar) const {
  const Where at = attribute_where(name);
  // Scalars get a scalar dataspace so h5py returns a number, not a one-element array.
  const DataspaceHandle space =
      scalar ? DataspaceHandle(check(H5Screate(H5S_SCALAR), "H5Screate", at)) : vector_space(count, at);
  const AttributeHandle attr = create_attribute(name, file_type, space.get());
  check_write([&] { return count > 0 ? H5Awrite(attr.get(), memory_type, data) : herr_t{0}; }, "H5Awrite", at,
              comm());
}

void Object::write_attribute(const std::string& name, double value) const {
  write_numeric_attribute(name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, 1, true);
}
void Object::write_attribute(const std::string& name, long long value) const {
  write_numeric_attribute(name, H5T_STD_I64LE, H5T_NATIVE_LLONG, &value, 1, true);
}
void Object::write_attribute(const std::string& name, const std::vector<double>& value) const {
  write_numeric_attribute(name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, value.data(), value.size(), false);
}
void Object::write_attribute(const std::string& name, const std::vector<long long>& value) const {
  write_numeric_attribute(name, H5T_STD_I64LE, H5T_NATIVE_LLONG, value.data(), value.size(), false);
}

Where Object::attribute_where(const std::string& name) const {
  return {file_->name, path_ + " (attribute " + name + ")"};
}

AttributeHandle Object::open_attribute(const std::string& name) const {
  if (!has_attribute(name)) throw UsageError("attribute '" + name + "' not found on " + describe());
  return AttributeHandle(check(H5Aopen(id(), name.c_str(), H5P_DEFAULT), "H5Aopen", attribute_where(name)));
}

namespace {
// Any integer or float attribute, converted by HDF5 to T.
template <class T> std::vector<T> read_numbers(hid_t attr, hid_t memory_type, const Where& at) {
  const DatatypeHandle type(check(H5Aget_type(attr), "H5Aget_type", at));
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT)
    throw UsageError("attribute " + at.object + " in '" + at.file + "' is not numeric");
  const DataspaceHandle space(check(H5Aget_space(attr), "H5Aget_space", at));
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0) check(-1, "H5Sget_simple_extent_npoints", at);
  std::vector<T> values(static_cast<std::size_t>(n));
  if (n > 0) check(H5Aread(attr, memory_type, values.data()), "H5Aread", at);
  return values;
}

template <class T> T single(std::vector<T> values, const Where& at) {
  if (values.size() != 1)
    throw UsageError("attribute " + at.object + " in '" + at.file + "' holds " +
                     std::to_string(values.size()) + " values, expected one");
  return values.front();
}

// Fixed-length strings are padded with NULs or spaces depending on their pad mode.
std::string trim_padding(std::string text, H5T_str_t pad) {
  const auto end = text.find('\0');
  if (end != std::string::npos) text.resize(end);
  if (pad == H5T_STR_SPACEPAD) text.erase(text.find_last_not_of(' ') + 1);
  return text;
}
} // namespace

template <> std::string Object::read_attribute<std::string>(const std::string& name) const {
  const Where at = attribute_where(name);
  const AttributeHandle attr = open_attribute(name);
  const DatatypeHandle type(check(H5Aget_type(attr.get()), "H5Aget_type", at));
  if (H5Tget_class(type.get()) != H5T_STRING)
    throw UsageError("attribute '" + name + "' on " + describe() + " is not a string");
  const DataspaceHandle space(check(H5Aget_space(attr.get()), "H5Aget_space", at));
  if (H5Sget_simple_extent_npoints(space.get()) != 1)
    throw UsageError("attribute '" + name + "' on " + describe() + " is not a single string");
  if (check(H5Tis_variable_str(type.get()), "H5Tis_variable_str", at) > 0) {
    const DatatypeHandle memory = utf8_string_type(at);
    char* text = nullptr;
    check(H5Aread(attr.get(), memory.get(), &text), "H5Aread", at);
    std::string value = text ? text : "";
    H5Dvlen_reclaim(memory.get(), space.get(), H5P_DEFAULT, &text);
    return value;
  }
  const std::size_t size = H5Tget_size(type.get());
  std::string raw(size, '\0');
  check(H5Aread(attr.get(), type.get(), raw.data()), "H5Aread", at);
  return trim_padding(std::move(raw), H5Tget_strpad(type.get()));
}

template <> std::vector<double> Object::read_attribute<std::vector<double>>(const std::string& name) const {
  return read_numbers<double>(open_attribute(name).get(), H5T_NATIVE_DOUBLE, attribute_where(name));
}
template <>
std::vector<long long> Object::read_attribute<std::vector<long long>>(const std::string& name) const {
  return read_numbers<long long>(open_attribute(name).get(), H5T_NATIVE_LLONG, attribute_where(name));
}
template <> double Object::read_attribute<double>(const std::string& name) const {
  return single(read_attribute<std::vector<double>>(name), attribute_where(name));
}
template <> long long Object::read_attribute<long long>(const std::string& name) const {
  return single(read_attribute<std::vector<long long>>(name), attribute_where(name));
}

// ---- groups
// -------------------------------------------------------------------------------------------------

namespace {
PropertyListHandle intermediate_groups(const Where& at) {
  PropertyListHandle lcpl(check(H5Pcreate(H5P_LINK_CREATE), "H5Pcreate(link)", at));
  check(H5Pset_create_intermediate_group(lcpl.get(), 1), "H5Pset_create_intermediate_group", at);
  return lcpl;
}
} // namespace

Group Group::create_group(const std::string& path) const {
  const Where at = where(path);
  const PropertyListHandle lcpl = intermediate_groups(at);
  auto handle = std::make_shared<const ObjectHandle>(
      check(H5Gcreate2(id(), path.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), "H5Gcreate", at));
  return Group(file_state(), std::move(handle), child_path(path));
}

Group Group::open_group(const std::string& path) const {
  if (!exists(path)) throw UsageError("group " + describe(path) + " not found");
  auto handle = std::make_shared<const ObjectHandle>(
      check(H5Gopen2(id(), path.c_str(), H5P_DEFAULT), "H5Gopen", where(path)));
  return Group(file_state(), std::move(handle), child_path(path));
}

Group Group::require_group(const std::string& path) const {
  return exists(path) ? open_group(path) : create_group(path);
}

std::vector<std::string> Group::dataset_paths() const {
  struct Visit {
    std::string base;
    std::vector<std::string> found;
  } visit{path() == "/" ? "/" : path() + "/", {}};
  // HDF5 1.12 changed the visitor's info type and added a field mask; both forms name the object type.
#if H5_VERSION_GE(1, 12, 0)
  const auto callback = [](hid_t, const char* name, const H5O_info2_t* info, void* data) -> herr_t {
#else
  const auto callback = [](hid_t, const char* name, const H5O_info_t* info, void* data) -> herr_t {
#endif
    auto* v = static_cast<Visit*>(data);
    if (info->type == H5O_TYPE_DATASET) v->found.push_back(v->base + name);
    return 0;
  };
#if H5_VERSION_GE(1, 12, 0)
  check(H5Ovisit3(id(), H5_INDEX_NAME, H5_ITER_INC, callback, &visit, H5O_INFO_BASIC), "H5Ovisit", where());
#else
  check(H5Ovisit(id(), H5_INDEX_NAME, H5_ITER_INC, callback, &visit), "H5Ovisit", where());
#endif
  return visit.found;
}

bool Group::exists(const std::string& path) const {
  // H5Lexists fails (rather than answering false) when an intermediate group is missing: walk the components.
  std::string prefix = path.starts_with('/') ? "/" : "";
  std::size_t begin = path.find_first_not_of('/');
  while (begin != std::string::npos) {
    const std::size_t end = std::min(path.find('/', begin), path.size());
    if (!prefix.empty() && prefix.back() != '/') prefix += '/';
    prefix += path.substr(begin, end - begin);
    const Where at = where(prefix);
    if (check(H5Lexists(id(), prefix.c_str(), H5P_DEFAULT), "H5Lexists", at) <= 0) return false;
    // A dangling soft link has a link but no object.
    if (check(H5Oexists_by_name(id(), prefix.c_str(), H5P_DEFAULT), "H5Oexists_by_name", at) <= 0)
      return false;
    begin = path.find_first_not_of('/', end);
    if (begin == std::string::npos) break;
    const ObjectHandle object(check(H5Oopen(id(), prefix.c_str(), H5P_DEFAULT), "H5Oopen", at));
    if (H5Iget_type(object.get()) != H5I_GROUP) return false;
  }
  return true;
}

Dataset Group::create_dataset(const std::string& path, hid_t file_type, const std::vector<hsize_t>& dims,
                              const std::vector<hsize_t>& max_dims, const std::vector<hsize_t>& chunk,
                              int deflate) const {
  const Where at = where(path);
  const int rank = static_cast<int>(dims.size());
  if ((!max_dims.empty() && max_dims.size() != dims.size()) ||
      (!chunk.empty() && chunk.size() != dims.size()) || (deflate > 0 && chunk.empty()))
    throw Hdf5Error("create_dataset " + describe(path) +
                    ": dims, max_dims and chunk differ in rank, or deflate without chunks");
  const DataspaceHandle space(
      check(H5Screate_simple(rank, dims.data(), max_dims.empty() ? nullptr : max_dims.data()),
            "H5Screate_simple", at));
  const PropertyListHandle dcpl(check(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate(dataset)", at));
  if (!chunk.empty()) check(H5Pset_chunk(dcpl.get(), rank, chunk.data()), "H5Pset_chunk", at);
  if (deflate > 0) check(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(deflate)), "H5Pset_deflate", at);
  // Every element is written right after creation (or after growing): filling first would write twice. Not
  // for variable-length types (VL strings): HDF5 1.10 refuses them when no fill value is ever written
  // ("Dataset doesn't support VL datatype when fill value is not defined"); they keep the default (fill if
  // set).
  const bool variable_length = check(H5Tdetect_class(file_type, H5T_VLEN), "H5Tdetect_class", at) > 0 ||
                               check(H5Tis_variable_str(file_type), "H5Tis_variable_str", at) > 0;
  if (!variable_length) check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), "H5Pset_fill_time", at);
  const PropertyListHandle lcpl = intermediate_groups(at);
  auto handle = std::make_shared<const ObjectHandle>(
      check(H5Dcreate2(id(), path.c_str(), file_type, space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT),
            "H5Dcreate", at));
  return Dataset(file_state(), std::move(handle), child_path(path));
}

Dataset Group::open_dataset(const std::string& path) const {
  if (!exists(path)) throw UsageError("dataset " + describe(path) + " not found");
  auto handle = std::make_shared<const ObjectHandle>(
      check(H5Dopen2(id(), path.c_str(), H5P_DEFAULT), "H5Dopen", where(path)));
  return Dataset(file_state(), std::move(handle), child_path(path));
}

void Group::remove(const std::string& path) const {
  check(H5Ldelete(id(), path.c_str(), H5P_DEFAULT), "H5Ldelete", where(path));
}

// ---- datasets
// -----------------------------------------------------------------------------------------------

DataspaceHandle Dataset::space() const {
  return DataspaceHandle(check(H5Dget_space(id()), "H5Dget_space", where()));
}

std::vector<hsize_t> Dataset::shape() const {
  const DataspaceHandle s = space();
  const int rank = check(H5Sget_simple_extent_ndims(s.get()), "H5Sget_simple_extent_ndims", where());
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  check(H5Sget_simple_extent_dims(s.get(), dims.data(), nullptr), "H5Sget_simple_extent_dims", where());
  return dims;
}

H5T_class_t Dataset::type_class() const {
  const DatatypeHandle type(check(H5Dget_type(id()), "H5Dget_type", where()));
  return H5Tget_class(type.get());
}

void Dataset::set_extent(const std::vector<hsize_t>& dims) const {
  check_write([&] { return H5Dset_extent(id(), dims.data()); }, "H5Dset_extent", where(), comm());
}

// ---- files
// --------------------------------------------------------------------------------------------------

namespace {
// MPI-IO hints for every parallel file. ROMIO (MPICH's MPI-IO) locks byte ranges for data sieving — its
// read-modify-write of strided pieces — and aborts the job where the file system has no locks (NFS without
// lockd, Lustre mounted without flock). fasim's parallel writes are collective or contiguous slabs, which
// sieving does not speed up; with it off ROMIO takes no lock. Open MPI's own MPI-IO (ompio) ignores romio_*
// hints.
class MpioHints {
public:
  MpioHints() {
    parallel::check_mpi(MPI_Info_create(&info_), "MPI_Info_create");
    for (const char* key : {"romio_ds_write", "romio_ds_read"})
      if (const int rc = MPI_Info_set(info_, key, "disable"); rc != MPI_SUCCESS) {
        MPI_Info_free(&info_);
        parallel::check_mpi(rc, "MPI_Info_set");
      }
  }
  ~MpioHints() { MPI_Info_free(&info_); }
  MpioHints(const MpioHints&) = delete;
  MpioHints& operator=(const MpioHints&) = delete;
  MPI_Info get() const { return info_; }

private:
  MPI_Info info_ = MPI_INFO_NULL;
};

PropertyListHandle mpio_access(const parallel::Communicator& comm, const Where& at) {
  PropertyListHandle fapl(check(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate(file access)", at));
  const MpioHints hints; // H5Pset_fapl_mpio keeps its own duplicate
  check(H5Pset_fapl_mpio(fapl.get(), comm.get(), hints.get()), "H5Pset_fapl_mpio", at);
  // The 1.8 format at least: attributes larger than 64 KiB (the run's configuration text) need dense storage.
  check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST), "H5Pset_libver_bounds", at);
  // Metadata is flushed by one collective write instead of many small independent ones.
  check(H5Pset_coll_metadata_write(fapl.get(), 1), "H5Pset_coll_metadata_write", at);
  return fapl;
}

// Rank 0 looks and tells everyone, so all ranks throw the same UsageError (or none does).
} // namespace

bool exists_on_rank0(const std::string& path, const parallel::Communicator& comm) {
  int found = 0;
  if (comm.rank() == 0) found = std::filesystem::exists(path) ? 1 : 0;
  comm.broadcast(&found, sizeof found, 0);
  return found != 0;
}

File File::create(const std::string& path, const parallel::Communicator& comm, TruncatePolicy policy,
                  const std::string& shown_as) {
  silence_hdf5_errors();
  const std::string& name = shown_as.empty() ? path : shown_as;
  const Where at{name, "/"};
  if (policy == TruncatePolicy::FailIfExists && exists_on_rank0(path, comm))
    throw UsageError("HDF5 file '" + path + "' already exists; refusing to overwrite it");
  const PropertyListHandle fapl = mpio_access(comm, at);
  const unsigned flags = policy == TruncatePolicy::Truncate ? H5F_ACC_TRUNC : H5F_ACC_EXCL;
  auto state = std::make_shared<detail::FileState>(detail::FileState{
      FileHandle(check(H5Fcreate(path.c_str(), flags, H5P_DEFAULT, fapl.get()), "H5Fcreate", at)), name,
      comm});
  return File(std::move(state), nullptr, "/");
}

File File::open(const std::string& path, const parallel::Communicator& comm, bool read_only) {
  silence_hdf5_errors();
  const Where at{path, "/"};
  if (!exists_on_rank0(path, comm)) throw UsageError("HDF5 file '" + path + "' not found");
  const PropertyListHandle fapl = mpio_access(comm, at);
  const unsigned flags = read_only ? H5F_ACC_RDONLY : H5F_ACC_RDWR;
  auto state = std::make_shared<detail::FileState>(detail::FileState{
      FileHandle(check(H5Fopen(path.c_str(), flags, fapl.get()), "H5Fopen", at)), path, comm});
  return File(std::move(state), nullptr, "/");
}

void File::flush() const {
  check_write([&] { return H5Fflush(id(), H5F_SCOPE_GLOBAL); }, "H5Fflush", where(), comm());
}

} // namespace fasim::io
