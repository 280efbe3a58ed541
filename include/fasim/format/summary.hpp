#pragma once
// The HDF5 file `fasim collect --output` writes: one table, a dataset per column under /points, and the root
// attributes that say it is a summary (docs/sweeps.md). The names are the schema's (format/schema.hpp); the
// file is created in the fresh temporary the files layer hands over, which the caller publishes.
#include "fasim/files/fresh_file.hpp"

#include <string>
#include <vector>

namespace fasim::io {

/// One table column: numeric (values) or text.
struct SummaryColumn {
  std::string name;
  std::vector<std::string> text; ///< string columns
  std::vector<double> values;    ///< numeric columns
  bool numeric = true;
};

/// Rank-local: writes the table into `temporary` (created exclusively, a serial file: the MPI-IO driver
/// cannot write variable-length strings, which h5py reads as str) and closes it; `inputs` are the collected
/// files. Messages name the temporary's destination. Throws Error when a write fails; the caller commits.
void write_summary(FreshTemporary& temporary, const std::vector<SummaryColumn>& columns,
                   const std::vector<std::string>& inputs);

/// Rank-local: true when `path` is an HDF5 file whose root attribute kind says it is a collect summary.
bool is_summary(const std::string& path);

} // namespace fasim::io
