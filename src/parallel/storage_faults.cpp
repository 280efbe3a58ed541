// MPI's profiling interface: fasim's definitions of the MPI-IO calls that write take the place of the MPI
// library's for HDF5 (the executable's symbols come first), call the library through PMPI_*, and turn a
// failure into a record (parallel/storage_faults.hpp) and a success with every element written.
#include "fasim/parallel/storage_faults.hpp"

#include <mpi.h>

#include <cerrno>
#include <mutex>
#include <utility>

namespace fasim::parallel {

namespace {
std::mutex guard;
std::optional<StorageFault> first;

void record(int error_number, int code, const char* call) {
  std::string text;
  if (code != MPI_SUCCESS) {
    char buffer[MPI_MAX_ERROR_STRING] = {};
    int length = 0;
    if (MPI_Error_string(code, buffer, &length) == MPI_SUCCESS) text.assign(buffer, length);
  }
  const std::lock_guard<std::mutex> lock(guard);
  if (!first) first = StorageFault{error_number, text, call};
}

// A write that failed, or wrote fewer bytes than asked (a short write is a full disk too), is recorded and
// reported as whole: the status says every byte was written (HDF5 compares the bytes written with the bytes
// asked, as MPI_BYTE elements).
int written(int code, int error_number, MPI_Status* status, MPI_Datatype type, int count, const char* call) {
  MPI_Count type_size = 0;
  MPI_Type_size_x(type, &type_size);
  const MPI_Count bytes = type_size * count;
  if (code == MPI_SUCCESS) {
    if (status == MPI_STATUS_IGNORE) return MPI_SUCCESS;
    MPI_Count done_bytes = 0;
    if (MPI_Get_elements_x(status, MPI_BYTE, &done_bytes) == MPI_SUCCESS && done_bytes >= bytes)
      return MPI_SUCCESS;
  }
  record(error_number, code, call);
  if (status != MPI_STATUS_IGNORE) MPI_Status_set_elements_x(status, MPI_BYTE, bytes);
  return MPI_SUCCESS;
}

int done(int code, int error_number, const char* call) {
  if (code == MPI_SUCCESS) return code;
  record(error_number, code, call);
  return MPI_SUCCESS;
}
} // namespace

std::optional<StorageFault> take_storage_fault() {
  const std::lock_guard<std::mutex> lock(guard);
  return std::exchange(first, std::nullopt);
}

} // namespace fasim::parallel

using fasim::parallel::done;
using fasim::parallel::written;

extern "C" {

int MPI_File_write_at(MPI_File fh, MPI_Offset offset, const void* buf, int count, MPI_Datatype type,
                      MPI_Status* status) {
  errno = 0;
  const int code = PMPI_File_write_at(fh, offset, buf, count, type, status);
  return written(code, errno, status, type, count, "MPI_File_write_at");
}

int MPI_File_write_at_all(MPI_File fh, MPI_Offset offset, const void* buf, int count, MPI_Datatype type,
                          MPI_Status* status) {
  errno = 0;
  const int code = PMPI_File_write_at_all(fh, offset, buf, count, type, status);
  return written(code, errno, status, type, count, "MPI_File_write_at_all");
}

int MPI_File_sync(MPI_File fh) {
  errno = 0;
  const int code = PMPI_File_sync(fh);
  return done(code, errno, "MPI_File_sync");
}

int MPI_File_set_size(MPI_File fh, MPI_Offset size) {
  errno = 0;
  const int code = PMPI_File_set_size(fh, size);
  return done(code, errno, "MPI_File_set_size");
}

} // extern "C"
