#pragma once
// Writes through MPI-IO that fail on this rank (a full disk, a quota, an I/O error) are recorded here instead
// of being returned to the library that made them (HDF5). A collective HDF5 call whose write failed on one
// rank only would otherwise go on differently on that rank (an error path) than on the others (the success
// path) and leave them in different collectives for ever; recorded, every rank leaves the call alike, and the
// caller agrees on the record before the next collective call (io::check_write). The file is not trusted
// after that: it is closed, marked failed or removed, never reported as written.
#include <optional>
#include <string>

namespace fasim::parallel {

/// A write through MPI-IO that failed on this rank.
struct StorageFault {
  int error_number = 0; ///< errno right after the failed call (0 when MPI left none)
  std::string mpi_text; ///< MPI's own error string ("" for a short write)
  std::string call;     ///< "MPI_File_write_at_all", ...
};

/// The first write that failed on this rank since the last call, and forgets it. Rank-local.
std::optional<StorageFault> take_storage_fault();

/// A storage errno in the words fasim's messages use (ENOSPC: "no space left on device", EDQUOT: "disk quota
/// exceeded", EIO: "I/O error", EFBIG: "file too large", EROFS: "read-only file system"); "" for any other.
std::string storage_error_in_words(int error_number);

} // namespace fasim::parallel
