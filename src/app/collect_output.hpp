#pragma once
// The outputs of `fasim collect`: the table as an HDF5 summary and as CSV, written to fresh exclusive
// temporaries and renamed into place, after checking that the destination may be replaced (docs/sweeps.md).
#include "fasim/format/summary.hpp"

#include <string>
#include <vector>

namespace fasim::app {

/// One table column: numeric (values) or text (format/summary.hpp).
using Column = io::SummaryColumn;

/// Refuses (UsageError, one line) a destination that is one of the inputs (same canonical path, or the same
/// device and inode), that exists and is not a summary of this kind (HDF5: root attribute kind; CSV: a first
/// line starting "file,"), or that exists without `overwrite`. A symbolic link at the destination needs
/// `overwrite` and is then replaced itself; its target is never opened for writing. `flag` names the option.
void check_destination(const std::string& destination, const std::string& flag, bool csv,
                       const std::vector<std::string>& inputs, bool overwrite);

/// The HDF5 summary (format/summary.hpp's write_summary) in a fresh temporary published over `path`.
void write_summary_hdf5(const std::string& path, const std::vector<Column>& columns,
                        const std::vector<std::string>& inputs);
void write_summary_csv(const std::string& path, const std::vector<Column>& columns, std::size_t rows);

} // namespace fasim::app
