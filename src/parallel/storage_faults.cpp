// MPI's profiling interface: fasim's definitions of the MPI-IO calls that write take the place of the MPI
// library's for HDF5 (the executable's symbols come first), call the library through PMPI_*, and turn a
// failure into a record (parallel/storage_faults.hpp) and a success with every element written. The files'
// names are kept from MPI_File_open, so that a failure without an errno can be asked of the file system
// (write_cause.hpp).
#include "fasim/parallel/storage_faults.hpp"

#include "write_cause.hpp"

#include <mpi.h>

#include <cerrno>
#include <map>
#include <mutex>
#include <utility>

namespace fasim::parallel {

namespace {
std::mutex guard;
std::optional<StorageFault> first;
std::map<MPI_File, std::string> names; // of the files open through MPI-IO

bool in_words(int error_number) {
  return !storage_error_in_words(error_number).empty();
}

// `missing`: the bytes the call did not write.
void record(MPI_File fh, int error_number, int code, const char* call, long long missing) {
  std::string text;
  if (code != MPI_SUCCESS) {
    char buffer[MPI_MAX_ERROR_STRING] = {};
    int length = 0;
    if (MPI_Error_string(code, buffer, &length) == MPI_SUCCESS) text.assign(buffer, length);
  }
  const std::lock_guard<std::mutex> lock(guard);
  if (first) return;
  if (!in_words(error_number)) {
    const auto name = names.find(fh);
    const int asked =
        detail::cause_of_failed_write(name == names.end() ? std::string() : name->second, missing);
    if (asked != 0) error_number = asked;
  }
  first = StorageFault{error_number, text, call};
}

// A write that failed, or wrote fewer bytes than asked (a short write is a full disk too), is recorded and
// reported as whole: the status says every byte was written (HDF5 compares the bytes written with the bytes
// asked, as MPI_BYTE elements).
int written(MPI_File fh, int code, int error_number, MPI_Status* status, MPI_Datatype type, int count,
            const char* call) {
  MPI_Count type_size = 0;
  MPI_Type_size_x(type, &type_size);
  const MPI_Count bytes = type_size * count;
  MPI_Count done_bytes = 0;
  if (code == MPI_SUCCESS) {
    if (status == MPI_STATUS_IGNORE) return MPI_SUCCESS;
    if (MPI_Get_elements_x(status, MPI_BYTE, &done_bytes) == MPI_SUCCESS && done_bytes >= bytes)
      return MPI_SUCCESS;
  }
  record(fh, error_number, code, call, static_cast<long long>(bytes - done_bytes));
  if (status != MPI_STATUS_IGNORE) MPI_Status_set_elements_x(status, MPI_BYTE, bytes);
  return MPI_SUCCESS;
}

void remember(MPI_File fh, const char* name) {
  const std::lock_guard<std::mutex> lock(guard);
  names[fh] = name;
}

void forget(MPI_File fh) {
  const std::lock_guard<std::mutex> lock(guard);
  names.erase(fh);
}

int done(MPI_File fh, int code, int error_number, const char* call) {
  if (code == MPI_SUCCESS) return code;
  record(fh, error_number, code, call, 1);
  return MPI_SUCCESS;
}
} // namespace

std::string storage_error_in_words(int error_number) {
  switch (error_number) {
  case ENOSPC:
    return "no space left on device";
  case EDQUOT:
    return "disk quota exceeded";
  case EIO:
    return "I/O error";
  case EFBIG:
    return "file too large";
  case EROFS:
    return "read-only file system";
  default:
    return {};
  }
}

std::optional<StorageFault> take_storage_fault() {
  const std::lock_guard<std::mutex> lock(guard);
  return std::exchange(first, std::nullopt);
}

} // namespace fasim::parallel

using fasim::parallel::done;
using fasim::parallel::forget;
using fasim::parallel::remember;
using fasim::parallel::written;

extern "C" {

int MPI_File_open(MPI_Comm comm, const char* name, int amode, MPI_Info info, MPI_File* fh) {
  const int code = PMPI_File_open(comm, name, amode, info, fh);
  if (code == MPI_SUCCESS) remember(*fh, name);
  return code;
}

int MPI_File_close(MPI_File* fh) {
  forget(*fh);
  return PMPI_File_close(fh);
}

int MPI_File_write_at(MPI_File fh, MPI_Offset offset, const void* buf, int count, MPI_Datatype type,
                      MPI_Status* status) {
  errno = 0;
  const int code = PMPI_File_write_at(fh, offset, buf, count, type, status);
  return written(fh, code, errno, status, type, count, "MPI_File_write_at");
}

int MPI_File_write_at_all(MPI_File fh, MPI_Offset offset, const void* buf, int count, MPI_Datatype type,
                          MPI_Status* status) {
  errno = 0;
  const int code = PMPI_File_write_at_all(fh, offset, buf, count, type, status);
  return written(fh, code, errno, status, type, count, "MPI_File_write_at_all");
}

int MPI_File_sync(MPI_File fh) {
  errno = 0;
  const int code = PMPI_File_sync(fh);
  return done(fh, code, errno, "MPI_File_sync");
}

int MPI_File_set_size(MPI_File fh, MPI_Offset size) {
  errno = 0;
  const int code = PMPI_File_set_size(fh, size);
  return done(fh, code, errno, "MPI_File_set_size");
}

} // extern "C"
