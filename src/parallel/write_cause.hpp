#pragma once
// Why a write through MPI-IO came up short or failed without an errno (private to the parallel layer; used by
// storage_faults.cpp). A full disk or an exhausted quota first shows as a short write: write(2) returns the
// bytes that fitted and sets no errno; only the next write would say ENOSPC or EDQUOT. Open MPI's MPI-IO
// reports the short count as success (and a failure on its aggregator as MPI_ERR_OTHER, errno lost on the
// way), so the cause is asked of the file system itself.
#include <string>

namespace fasim::parallel::detail {

/// The errno a write of `missing` bytes beside `path` fails with now (ENOSPC, EDQUOT, EIO, ...): written into
/// an unnamed file in the same directory (O_TMPFILE: it never appears and is gone when closed); where the
/// file system has no unnamed files, ENOSPC when statvfs shows fewer than `missing` bytes free. 0 when the
/// write succeeds (no cause found). Never creates a visible file.
int cause_of_failed_write(const std::string& path, long long missing);

} // namespace fasim::parallel::detail
