#pragma once
// Distributed matrices in HDF5 files: every rank reads or writes only its own block-cyclic pieces, in one
// collective call; no matrix passes whole through one rank.
//
// Orientation: a dataset holds the mathematical matrix in HDF5's row-major order, so h5py's f[name][i, j] is
// A(i, j) (and a snapshot series' f[name][s, i, j] is snapshot s's A(i, j)). The local column-major piece is
// transposed into a row-major buffer of the same size on the way out and back on the way in.
#include "fasim/format/hdf5.hpp"
#include "fasim/parallel/dist_matrix.hpp"

#include <optional>
#include <string>

namespace fasim::io {

struct MatrixShape {
  long long rows = 0, cols = 0;
  bool operator==(const MatrixShape&) const = default;
};

/// How a large matrix goes to the file. With several process columns each row of the dataset is interleaved
/// among them in block-wide runs, so a matrix of at least row_slab_min_bytes on a fully active grid is first
/// moved, about row_slab_bytes per rank at a time, so that every rank holds whole rows and writes one
/// contiguous range (small matrices are written from their block-cyclic pieces directly). Tests shrink both.
struct WriteLayout {
  long long row_slab_min_bytes = 16LL << 20;
  long long row_slab_bytes = 32LL << 20;
};

/// Writes `a` as the rows×cols float64 dataset `name` under `location`. An existing dataset of the same shape
/// is overwritten in place (checkpoints rewrite their matrices); another shape is a UsageError. Collective
/// over location.comm(), which must be a's grid communicator (inactive ranks then take part with nothing) or
/// its active ranks, grid_comm() (inactive ranks then stay out). read_matrix and the snapshot calls likewise.
void write_matrix(const Group& location, const std::string& name, const parallel::DistMatrix& a,
                  const WriteLayout& layout = {});

/// Selects, in the 2-D dataspace `space` of a dataset shaped like `a`, the elements this rank's local piece
/// of `a` holds (none on an inactive rank); HDF5 visits them in the row-major order of the local piece.
/// Local.
void select_local_piece(hid_t space, const parallel::DistMatrix& a, const Where& at);

/// Reads the 2-D floating-point dataset `name` into a matrix on `grid` in block×block blocks; the layout it
/// was written with does not matter. A missing dataset, another number of dimensions, a non-float type or a
/// shape other than `expected` (when given) is a UsageError naming the file and the dataset. Collective.
parallel::DistMatrix read_matrix(const Group& location, const std::string& name, parallel::GridPtr grid,
                                 int block, std::optional<MatrixShape> expected = std::nullopt);

/// read_matrix for a dataset of 0/1 indicators (completion's mask M): integer and boolean (an HDF5 enum of
/// an integer, as h5py stores numpy's bool) datasets are accepted besides floating-point ones, their values
/// converted to double by HDF5.
parallel::DistMatrix read_indicator_matrix(const Group& location, const std::string& name,
                                           parallel::GridPtr grid, int block, MatrixShape expected);

/// Throws UsageError "<what> holds a non-finite value (NaN or Inf) at (i, j)" on every rank when any element
/// on any rank is NaN or ±Inf (the first such element in row-major order). Collective over the grid's active
/// ranks; inactive ranks hold nothing and return at once, so they may call it or not.
void check_finite(const parallel::DistMatrix& a, const std::string& what);

/// Creates an empty extendible S×rows×cols float64 dataset (S = 0 now, unlimited) for matrix snapshots,
/// chunked one snapshot deep and at most 4 MiB per chunk. Collective.
Dataset create_snapshot_series(const Group& location, const std::string& name, long long rows,
                               long long cols);
/// Number of snapshots S held by a snapshot series.
long long snapshot_count(const Dataset& series);
/// Grows the series by one and writes `a` as its last snapshot, collectively; returns its index s.
long long append_snapshot(const Dataset& series, const parallel::DistMatrix& a,
                          const WriteLayout& layout = {});
/// Cuts the series back to its first `count` snapshots (resume after a checkpoint). Collective.
void truncate_snapshots(const Dataset& series, long long count);
/// Reads snapshot s of the series `name` into a matrix on `grid` in block×block blocks. Collective.
parallel::DistMatrix read_snapshot(const Group& location, const std::string& name, long long s,
                                   parallel::GridPtr grid, int block);

} // namespace fasim::io
