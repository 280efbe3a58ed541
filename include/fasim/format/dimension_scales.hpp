#pragma once
// Makes a trajectory group a netCDF-4 group that xarray (engine "h5netcdf") opens as one Dataset: the group's
// `step` series becomes the HDF5 dimension scale "step" attached to dimension 0 of every other series, the
// columns of a T×p series get their own scale (0 … p−1, beside the group so that every series in it keeps the
// length T), and every metric names `time` (= step × lr) as its coordinate, the netCDF/CF way. Scales and
// attachments are attributes, so appending rows keeps them valid.
#include "fasim/format/hdf5.hpp"
#include "fasim/format/schema.hpp"

#include <string>

namespace fasim::io {

/// The names the scales and the coordinate take (docs/output-format.md, "Dimension scales").
struct TrajectoryDimensions {
  std::string rows =
      schema::kRowScale; ///< the 1-D series that indexes the rows; becomes the dimension "step"
  std::string columns =
      schema::kColumnScale; ///< the scale created beside the group for the columns of T×p series
  std::string time = schema::kTimeCoordinate; ///< a 1-D series named as each metric's auxiliary coordinate
};

/// Turns `trajectory`'s series, as created (rows may be appended afterwards), into a netCDF-4 group. A T×p
/// series wider than the first one found is a UsageError (one column scale serves them all). Collective.
void write_dimension_scales(const Group& trajectory, const TrajectoryDimensions& names = {});

/// Attaches one 1-D series added to an existing netCDF-4 trajectory group (a metric a later fasim records) to
/// the group's row scale and names its time coordinate, as write_dimension_scales does for the others.
void attach_to_rows(const Group& trajectory, const Dataset& series, const TrajectoryDimensions& names = {});

} // namespace fasim::io
