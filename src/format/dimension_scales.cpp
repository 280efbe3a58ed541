#include "fasim/format/dimension_scales.hpp"

#include "fasim/format/schema.hpp"
#include "fasim/format/series.hpp"

#include <hdf5_hl.h>

#include <algorithm>
#include <numeric>
#include <optional>
#include <vector>

namespace fasim::io {

namespace {
/// The names of the group's datasets in name order: the same on every rank, as collective calls need.
std::vector<std::string> dataset_names(const Group& group) {
  const Where at = group.where();
  H5G_info_t info{};
  check(H5Gget_info(group.id(), &info), "H5Gget_info", at);
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t length =
        H5Lget_name_by_idx(group.id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    check(length < 0 ? -1 : 0, "H5Lget_name_by_idx", at);
    std::string name(static_cast<std::size_t>(length), '\0');
    check(H5Lget_name_by_idx(group.id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size() + 1,
                             H5P_DEFAULT) < 0
              ? -1
              : 0,
          "H5Lget_name_by_idx", at);
    // H5Oopen + H5Iget_type rather than H5Oget_info, whose signature differs between HDF5 1.10 and 1.12.
    const ObjectHandle object(
        check(H5Oopen(group.id(), name.c_str(), H5P_DEFAULT), "H5Oopen", group.where(name)));
    if (H5Iget_type(object.get()) == H5I_DATASET) names.push_back(std::move(name));
  }
  return names;
}

std::string column_scale_path(const Group& trajectory, const std::string& name) {
  const std::string& path = trajectory.path();
  return path.substr(0, path.find_last_of('/') + 1) + name;
}

void attach(const Dataset& data, const Dataset& scale, unsigned dimension) {
  check(H5DSattach_scale(data.id(), scale.id(), dimension), "H5DSattach_scale", data.where());
}
} // namespace

void write_dimension_scales(const Group& trajectory, const TrajectoryDimensions& names) {
  const std::vector<std::string> datasets = dataset_names(trajectory);
  const Dataset rows = trajectory.open_dataset(names.rows);
  check(H5DSset_scale(rows.id(), names.rows.c_str()), "H5DSset_scale", rows.where());

  const bool has_time = std::find(datasets.begin(), datasets.end(), names.time) != datasets.end();
  std::optional<Dataset> columns;
  for (const std::string& name : datasets) {
    if (name == names.rows) continue;
    const Dataset data = trajectory.open_dataset(name);
    const auto shape = data.shape();
    attach(data, rows, 0);
    if (shape.size() == 2) {
      if (!columns) {
        // The column index (0 … p−1) lives beside the trajectory group, not in it, so that every dataset of
        // the group keeps one length T; netCDF readers find a dimension in an enclosing group.
        Series index =
            Series::create(trajectory, column_scale_path(trajectory, names.columns), 0, SeriesType::Integer);
        std::vector<long long> values(shape[1]);
        std::iota(values.begin(), values.end(), 0LL);
        index.append(values);
        columns = index.dataset();
        check(H5DSset_scale(columns->id(), names.columns.c_str()), "H5DSset_scale", columns->where());
      } else if (columns->shape().at(0) != shape[1]) {
        throw UsageError("dataset " + data.describe() + " has " + std::to_string(shape[1]) +
                         " columns; the column scale " + columns->describe() + " has " +
                         std::to_string(columns->shape().at(0)));
      }
      attach(data, *columns, 1);
    }
    if (has_time && name != names.time) data.write_attribute(schema::kCoordinates, names.time);
  }
}

void attach_to_rows(const Group& trajectory, const Dataset& series, const TrajectoryDimensions& names) {
  attach(series, trajectory.open_dataset(names.rows), 0);
  if (trajectory.exists(names.time)) series.write_attribute(schema::kCoordinates, names.time);
}

} // namespace fasim::io
