#include "fasim/format/series.hpp"

#include <algorithm>

namespace fasim::io {

namespace {
constexpr hsize_t kChunkBytes = hsize_t{32} << 10;

const char* type_name(SeriesType type) {
  return type == SeriesType::Double ? "float64" : "int64";
}
hid_t memory_type(SeriesType type) {
  return type == SeriesType::Double ? H5T_NATIVE_DOUBLE : H5T_NATIVE_LLONG;
}
hid_t file_type(SeriesType type) {
  return type == SeriesType::Double ? H5T_IEEE_F64LE : H5T_STD_I64LE;
}

std::vector<hsize_t> row_shape(hsize_t rows, int width, bool one_dimensional) {
  if (one_dimensional) return {rows};
  return {rows, static_cast<hsize_t>(width)};
}
} // namespace

Series Series::create(const Group& location, const std::string& name, int width, SeriesType type) {
  if (width < 0) throw UsageError("series " + location.describe(name) + ": negative width");
  const bool one_dimensional = width == 0;
  const int w = std::max(width, 1);
  const hsize_t chunk_rows = std::max<hsize_t>(1, kChunkBytes / (sizeof(double) * static_cast<hsize_t>(w)));
  auto max_dims = row_shape(H5S_UNLIMITED, w, one_dimensional);
  auto chunk = row_shape(chunk_rows, w, one_dimensional);
  Dataset ds =
      location.create_dataset(name, file_type(type), row_shape(0, w, one_dimensional), max_dims, chunk);
  return Series(std::move(ds), w, one_dimensional, type);
}

Series Series::open(const Group& location, const std::string& name) {
  Dataset ds = location.open_dataset(name);
  const auto dims = ds.shape();
  if (dims.empty() || dims.size() > 2)
    throw UsageError("dataset " + location.describe(name) + " is not a series (T or T×p)");
  SeriesType type{};
  switch (ds.type_class()) {
  case H5T_FLOAT:
    type = SeriesType::Double;
    break;
  case H5T_INTEGER:
    type = SeriesType::Integer;
    break;
  default:
    throw UsageError("dataset " + location.describe(name) + " is neither float nor integer");
  }
  const int width = dims.size() == 1 ? 1 : static_cast<int>(dims[1]);
  return Series(std::move(ds), width, dims.size() == 1, type);
}

long long Series::length() const {
  return static_cast<long long>(dataset_.shape().at(0));
}

void Series::append(const double* rows, long long count) {
  append_raw(rows, count, SeriesType::Double);
}
void Series::append(const long long* rows, long long count) {
  append_raw(rows, count, SeriesType::Integer);
}

void Series::append(std::span<const double> values) {
  if (values.size() % static_cast<std::size_t>(width_) != 0)
    throw UsageError("series " + dataset_.describe() + ": " + std::to_string(values.size()) +
                     " values are not whole rows of " + std::to_string(width_));
  append(values.data(), static_cast<long long>(values.size() / static_cast<std::size_t>(width_)));
}

void Series::append(std::span<const long long> values) {
  if (values.size() % static_cast<std::size_t>(width_) != 0)
    throw UsageError("series " + dataset_.describe() + ": " + std::to_string(values.size()) +
                     " values are not whole rows of " + std::to_string(width_));
  append(values.data(), static_cast<long long>(values.size() / static_cast<std::size_t>(width_)));
}

void Series::append_raw(const void* rows, long long count, SeriesType type) {
  // Silent int<->float conversion would hide a caller writing to the wrong metric.
  if (type != type_)
    throw UsageError("series " + dataset_.describe() + " holds " + type_name(type_) + ", not " +
                     type_name(type));
  if (count < 0) throw UsageError("series " + dataset_.describe() + ": negative row count");
  if (count == 0) return;
  const Where at = dataset_.where();
  const hsize_t old_rows = static_cast<hsize_t>(length()), added = static_cast<hsize_t>(count);
  dataset_.set_extent(row_shape(old_rows + added, width_, one_dimensional_));

  // Rank 0 writes the new rows; the others join the collective call with empty selections.
  const bool writer = dataset_.comm().rank() == 0;
  const DataspaceHandle file_space = dataset_.space();
  const hsize_t start[2] = {old_rows, 0}, extent[2] = {added, static_cast<hsize_t>(width_)};
  if (writer)
    check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, extent, nullptr),
          "H5Sselect_hyperslab", at);
  else
    check(H5Sselect_none(file_space.get()), "H5Sselect_none", at);
  const hsize_t values = added * static_cast<hsize_t>(width_);
  const DataspaceHandle mem_space(check(H5Screate_simple(1, &values, nullptr), "H5Screate_simple", at));
  if (!writer) check(H5Sselect_none(mem_space.get()), "H5Sselect_none", at);
  const PropertyListHandle dxpl = single_writer_transfer();
  check_write(
      [&] {
        return H5Dwrite(dataset_.id(), memory_type(type), mem_space.get(), file_space.get(), dxpl.get(),
                        rows);
      },
      "H5Dwrite", at, dataset_.comm());
}

void Series::truncate(long long length) {
  const long long current = this->length();
  if (length < 0 || length > current)
    throw UsageError("series " + dataset_.describe() + " holds " + std::to_string(current) +
                     " rows; cannot cut it to " + std::to_string(length));
  dataset_.set_extent(row_shape(static_cast<hsize_t>(length), width_, one_dimensional_));
}

void Series::read_raw(void* out, SeriesType type) const {
  static_assert(sizeof(double) == sizeof(long long));
  const std::size_t bytes = static_cast<std::size_t>(length()) * width_ * sizeof(double);
  if (bytes == 0) return;
  if (dataset_.comm().rank() == 0)
    check(H5Dread(dataset_.id(), memory_type(type), H5S_ALL, H5S_ALL, H5P_DEFAULT, out), "H5Dread",
          dataset_.where());
  // One reader and a broadcast: at scale, P ranks reading the same bytes would hammer the file system.
  constexpr std::size_t kPiece = std::size_t{1} << 30; // MPI counts are int
  for (std::size_t offset = 0; offset < bytes; offset += kPiece)
    dataset_.comm().broadcast(static_cast<char*>(out) + offset,
                              static_cast<int>(std::min(kPiece, bytes - offset)), 0);
}

std::vector<double> Series::read() const {
  std::vector<double> values(static_cast<std::size_t>(length()) * width_);
  read_raw(values.data(), SeriesType::Double);
  return values;
}

std::vector<long long> Series::read_integers() const {
  std::vector<long long> values(static_cast<std::size_t>(length()) * width_);
  read_raw(values.data(), SeriesType::Integer);
  return values;
}

} // namespace fasim::io
