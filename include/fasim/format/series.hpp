#pragma once
// A trajectory in an HDF5 file: an extendible, chunked dataset that grows by whole rows as a run goes. One
// value per row gives a 1-D dataset of length T; p values per row give T×p (fixed width p).
//
// Values are replicated (identical on every rank), so only rank 0's data is written: every rank makes the
// same collective calls, rank 0 selects the new rows and the others select nothing. Each append is one
// collective H5Dset_extent plus one collective H5Dwrite, so callers should buffer many steps per append.
#include "fasim/format/hdf5.hpp"

#include <span>
#include <string>
#include <vector>

namespace fasim::io {

enum class SeriesType {
  Double, ///< float64
  Integer ///< int64 (step numbers, counters)
};

class Series {
public:
  /// Creates an empty series `name` under `location`: width 0 is 1-D (T), width p > 0 is 2-D (T×p). Chunks
  /// hold about 32 KiB of rows. Collective.
  static Series create(const Group& location, const std::string& name, int width = 0,
                       SeriesType type = SeriesType::Double);
  /// Opens an existing series (e.g. to resume a run); its type and width are read from the file.
  static Series open(const Group& location, const std::string& name);

  /// Rows currently held (T).
  long long length() const;
  /// Values per row (1 for a 1-D series).
  int width() const { return width_; }
  bool one_dimensional() const { return one_dimensional_; }
  SeriesType type() const { return type_; }
  const Dataset& dataset() const { return dataset_; }

  /// Appends `count` rows, row-major (count·width values). Rank 0's values are the ones written. Collective.
  void append(const double* rows, long long count);
  void append(const long long* rows, long long count);
  /// Appends values.size()/width rows.
  void append(std::span<const double> values);
  void append(std::span<const long long> values);

  /// Cuts the series back to its first `length` rows (resume from a checkpoint). Collective.
  void truncate(long long length);

  /// All rows, row-major, on every rank: rank 0 reads and broadcasts. Collective.
  std::vector<double> read() const;
  std::vector<long long> read_integers() const;

private:
  Series(Dataset dataset, int width, bool one_dimensional, SeriesType type)
      : dataset_(std::move(dataset)), width_(width), one_dimensional_(one_dimensional), type_(type) {}
  void append_raw(const void* rows, long long count, SeriesType type);
  void read_raw(void* out, SeriesType type) const;

  Dataset dataset_;
  int width_;
  bool one_dimensional_;
  SeriesType type_;
};

} // namespace fasim::io
