#include "fasim/format/matrix_io.hpp"

#include "fasim/parallel/error.hpp"
#include "fasim/parallel/process_grid.hpp"

#include <algorithm>
#include <climits>
#include <cmath>

namespace fasim::io {

namespace {
using parallel::BlockCyclic1D;
using parallel::DistMatrix;

// One regular hyperslab dimension in global indices: `count` blocks of `block` items, `stride` apart.
struct Strided {
  hsize_t start, stride, count, block;
};

// The global indices process `proc` owns along one dimension, in local (= ascending global) order, limited
// to its local blocks [first, last): the full blocks p, p+P, p+2P, ... form one regular pattern; a trailing
// partial block, if this process owns it, is a second one.
std::vector<Strided> owned_pieces(const BlockCyclic1D& layout, int proc, long long first = 0,
                                  long long last = LLONG_MAX) {
  std::vector<Strided> pieces;
  const long long full = layout.n / layout.block, ragged = layout.n % layout.block;
  const long long my_full = full > proc ? (full - proc - 1) / layout.procs + 1 : 0; // my full blocks
  const long long begin = std::min(first, my_full), end = std::min(last, my_full);
  if (end > begin)
    pieces.push_back({static_cast<hsize_t>((begin * layout.procs + proc) * layout.block),
                      static_cast<hsize_t>(layout.procs) * layout.block, static_cast<hsize_t>(end - begin),
                      static_cast<hsize_t>(layout.block)});
  // The ragged block is my local block number my_full.
  if (ragged > 0 && full % layout.procs == proc && first <= my_full && my_full < last)
    pieces.push_back({static_cast<hsize_t>(full * layout.block), 1, 1, static_cast<hsize_t>(ragged)});
  return pieces;
}

bool owns_nothing(const DistMatrix& a) {
  return !a.grid()->active() || a.local_rows() == 0 || a.local_cols() == 0;
}

// Selects this rank's elements of the matrix in `space` (2-D, or 3-D at leading index `slice`) as the union
// of at most 4 regular hyperslabs — of its local row blocks [first, last) only, when given. HDF5 visits a
// selection in row-major order of the file dataspace, which is the row-major order of the local piece
// because local order follows global order in both dimensions.
void select_owned(hid_t space, const DistMatrix& a, std::optional<hsize_t> slice, const Where& at,
                  long long first_block = 0, long long last_block = LLONG_MAX) {
  check(H5Sselect_none(space), "H5Sselect_none", at);
  if (owns_nothing(a)) return;
  const int lead = slice ? 1 : 0;
  bool first = true;
  for (const Strided& r : owned_pieces(a.row_layout(), a.grid()->my_row(), first_block, last_block))
    for (const Strided& c : owned_pieces(a.col_layout(), a.grid()->my_col())) {
      hsize_t start[3] = {}, stride[3] = {1, 1, 1}, count[3] = {1, 1, 1}, block[3] = {1, 1, 1};
      if (slice) start[0] = *slice;
      start[lead] = r.start, stride[lead] = r.stride, count[lead] = r.count, block[lead] = r.block;
      start[lead + 1] = c.start, stride[lead + 1] = c.stride, count[lead + 1] = c.count,
                   block[lead + 1] = c.block;
      check(H5Sselect_hyperslab(space, first ? H5S_SELECT_SET : H5S_SELECT_OR, start, stride, count, block),
            "H5Sselect_hyperslab", at);
      first = false;
    }
}

// The memory side: a dense vector of this rank's elements, or an empty selection.
DataspaceHandle memory_space(const DistMatrix& a, const Where& at) {
  const hsize_t n = owns_nothing(a) ? 1 : static_cast<hsize_t>(a.local_rows()) * a.local_cols();
  DataspaceHandle space(check(H5Screate_simple(1, &n, nullptr), "H5Screate_simple", at));
  if (owns_nothing(a)) check(H5Sselect_none(space.get()), "H5Sselect_none", at);
  return space;
}

constexpr int kTile = 64; // transpose in tiles so both sides stay in cache

// Rows [i0, i1) of a column-major local piece (leading dimension lld, cols columns) into `out`, row-major
// (row i0 first), in tiles.
void rows_to_row_major(const double* in, int lld, int i0, int i1, int cols, double* out) {
  for (int j0 = 0; j0 < cols; j0 += kTile)
    for (int r0 = i0; r0 < i1; r0 += kTile)
      for (int j = j0; j < std::min(cols, j0 + kTile); ++j)
        for (int i = r0; i < std::min(i1, r0 + kTile); ++i)
          out[static_cast<std::size_t>(i - i0) * cols + j] = in[static_cast<std::size_t>(j) * lld + i];
}

void from_row_major(const std::vector<double>& in, DistMatrix& a) {
  const int lr = a.local_rows(), lc = a.local_cols(), lld = a.lld();
  for (int j0 = 0; j0 < lc; j0 += kTile)
    for (int i0 = 0; i0 < lr; i0 += kTile)
      for (int j = j0; j < std::min(lc, j0 + kTile); ++j)
        for (int i = i0; i < std::min(lr, i0 + kTile); ++i)
          a.data()[static_cast<std::size_t>(j) * lld + i] = in[static_cast<std::size_t>(i) * lc + j];
}

// The file may be open on all ranks of the grid's communicator (inactive ranks then join with nothing) or on
// its active ranks only; any other communicator would leave HDF5 collectives waiting for the wrong ranks.
void require_same_communicator(const Object& location, const DistMatrix& a) {
  const auto& grid = *a.grid();
  if (location.comm().congruent(grid.comm())) return;
  if (grid.active() && location.comm().congruent(grid.grid_comm())) return;
  throw UsageError(
      "matrix I/O on " + location.describe() +
      ": the file must be open on the communicator of the matrix's process grid (all or active ranks)");
}

// Rows of the local piece per write: whole row blocks, about kPanelBytes of row-major data on the rank with
// the most columns (the same number on every rank, so all make the same number of collective writes).
constexpr long long kPanelBytes = 8LL << 20;

bool writes_in_row_slabs(const DistMatrix& a, const WriteLayout& layout) {
  const auto& grid = *a.grid();
  return grid.cols() > 1 && grid.rows() * grid.cols() == grid.comm().size() &&
         8LL * a.rows() * a.cols() >= layout.row_slab_min_bytes;
}

// With several process columns every row of the dataset is interleaved among them in `block`-wide runs, so
// writing the block-cyclic pieces as they lie makes each rank write runs of a few hundred bytes: at n = m =
// 16384 on 1×2 that ran at 0.14 × dd (BENCHMARKS.md). Each slab of rows is first moved (pdgemr2d, a memory
// copy between ranks) so that every rank holds a run of whole rows — one contiguous range of the row-major
// dataset — and then written as that one range.
void write_row_slabs(const Dataset& ds, const DistMatrix& a, std::optional<hsize_t> slice,
                     const WriteLayout& layout) {
  const Where at = ds.where();
  const parallel::Communicator& comm = a.grid()->comm();
  const int ranks = comm.size();
  const parallel::GridPtr row_grid = parallel::ProcessGrid::create(comm, ranks, 1);
  const long long rows_per_rank = std::max(1LL, layout.row_slab_bytes / (8LL * a.cols()));
  const int slab = static_cast<int>(std::min<long long>(a.rows(), rows_per_rank * ranks));
  const int lead = slice ? 1 : 0;
  // Each rank writes its own contiguous range: nothing for a two-phase collective write to rearrange.
  const PropertyListHandle dxpl = single_writer_transfer();
  std::vector<double> buffer;
  for (int g0 = 0; g0 < a.rows(); g0 += slab) {
    const int count = std::min(slab, a.rows() - g0), block = (count + ranks - 1) / ranks;
    const DistMatrix piece = a.redistribute_rows(g0, count, row_grid, block, a.cols());
    const int lr = piece.local_rows(), lc = piece.local_cols(), lld = piece.lld();
    const hsize_t n = std::max<hsize_t>(1, static_cast<hsize_t>(lr) * lc);
    buffer.resize(n);
    rows_to_row_major(piece.data(), lld, 0, lr, lc, buffer.data());
    const DataspaceHandle file_space = ds.space();
    const DataspaceHandle mem_space(check(H5Screate_simple(1, &n, nullptr), "H5Screate_simple", at));
    if (lr == 0 || lc == 0) {
      check(H5Sselect_none(file_space.get()), "H5Sselect_none", at);
      check(H5Sselect_none(mem_space.get()), "H5Sselect_none", at);
    } else {
      hsize_t start[3] = {}, count3[3] = {1, 1, 1};
      if (slice) start[0] = *slice;
      start[lead] = static_cast<hsize_t>(g0) + static_cast<hsize_t>(row_grid->my_row()) * block;
      count3[lead] = static_cast<hsize_t>(lr), count3[lead + 1] = static_cast<hsize_t>(lc);
      check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count3, nullptr),
            "H5Sselect_hyperslab", at);
    }
    check_write(
        [&] {
          return H5Dwrite(ds.id(), H5T_NATIVE_DOUBLE, mem_space.get(), file_space.get(), dxpl.get(),
                          buffer.data());
        },
        "H5Dwrite", at, ds.comm());
  }
}

void write_slab(const Dataset& ds, const DistMatrix& a, std::optional<hsize_t> slice,
                const WriteLayout& layout = {}) {
  if (a.rows() == 0 || a.cols() == 0) return; // nothing to write, on every rank alike
  if (writes_in_row_slabs(a, layout)) {
    write_row_slabs(ds, a, slice, layout);
    return;
  }
  const Where at = ds.where();
  // Row panels: the layout copy of panel t + 1 runs while the kernel writes panel t back from the page cache,
  // and the copy is one panel, not the whole local piece (Y's size again, for a dense Y).
  const BlockCyclic1D &rows = a.row_layout(), &cols = a.col_layout();
  const long long widest = std::max(1, cols.local_count(0)); // process column 0 holds the most columns
  const long long per_panel = std::max(1LL, kPanelBytes / (8LL * widest * rows.block)); // row blocks
  const long long most_blocks = (rows.local_count(0) + rows.block - 1) / rows.block;    // process row 0's
  const long long panels = std::max(1LL, (most_blocks + per_panel - 1) / per_panel);
  const int lr = owns_nothing(a) ? 0 : a.local_rows(), lc = owns_nothing(a) ? 0 : a.local_cols(),
            lld = a.lld();
  std::vector<double> buffer(static_cast<std::size_t>(
      std::max(1LL, std::min<long long>(lr, per_panel * rows.block) * static_cast<long long>(lc))));
  const PropertyListHandle dxpl = collective_transfer();
  for (long long t = 0; t < panels; ++t) {
    const long long b0 = t * per_panel, b1 = b0 + per_panel;
    const int i0 = static_cast<int>(std::min<long long>(lr, b0 * rows.block)),
              i1 = static_cast<int>(std::min<long long>(lr, b1 * rows.block));
    const DataspaceHandle file_space = ds.space();
    select_owned(file_space.get(), a, slice, at, b0, b1);
    const hsize_t n = std::max<hsize_t>(1, static_cast<hsize_t>(i1 - i0) * lc);
    const DataspaceHandle mem_space(check(H5Screate_simple(1, &n, nullptr), "H5Screate_simple", at));
    if (i1 == i0 || lc == 0) check(H5Sselect_none(mem_space.get()), "H5Sselect_none", at);
    rows_to_row_major(a.data(), lld, i0, i1, lc, buffer.data());
    check_write(
        [&] {
          return H5Dwrite(ds.id(), H5T_NATIVE_DOUBLE, mem_space.get(), file_space.get(), dxpl.get(),
                          buffer.data());
        },
        "H5Dwrite", at, ds.comm());
  }
}

void read_slab(const Dataset& ds, DistMatrix& a, std::optional<hsize_t> slice) {
  if (a.rows() == 0 || a.cols() == 0) return;
  const Where at = ds.where();
  const DataspaceHandle file_space = ds.space();
  select_owned(file_space.get(), a, slice, at);
  const DataspaceHandle mem_space = memory_space(a, at);
  std::vector<double> buffer(owns_nothing(a) ? 1 : static_cast<std::size_t>(a.local_rows()) * a.local_cols());
  const PropertyListHandle dxpl = collective_transfer();
  check(H5Dread(ds.id(), H5T_NATIVE_DOUBLE, mem_space.get(), file_space.get(), dxpl.get(), buffer.data()),
        "H5Dread", at);
  if (!owns_nothing(a)) from_row_major(buffer, a);
}

std::string shape_text(const std::vector<hsize_t>& dims) {
  std::string text;
  for (std::size_t d = 0; d < dims.size(); ++d) text += (d ? "×" : "") + std::to_string(dims[d]);
  return dims.empty() ? "scalar" : text;
}

// Opens `name` and checks it is a float dataset (or, with `indicators`, an integer or enum one) of `rank`
// dimensions whose last two fit an int matrix.
Dataset open_float_dataset(const Group& location, const std::string& name, int rank, const char* what,
                           bool indicators = false) {
  Dataset ds = location.open_dataset(name);
  const auto dims = ds.shape();
  if (static_cast<int>(dims.size()) != rank)
    throw UsageError("dataset " + location.describe(name) + " has shape " + shape_text(dims) + "; expected " +
                     what);
  const H5T_class_t type = ds.type_class();
  if (indicators && type != H5T_FLOAT && type != H5T_INTEGER && type != H5T_ENUM)
    throw UsageError("dataset " + location.describe(name) + " is neither numbers nor booleans; expected " +
                     what + " of 0/1 (float, integer or bool)");
  if (!indicators && type != H5T_FLOAT)
    throw UsageError("dataset " + location.describe(name) + " is not floating point; expected " + what);
  for (int d = rank - 2; d < rank; ++d)
    if (dims[d] > static_cast<hsize_t>(INT_MAX))
      throw UsageError("dataset " + location.describe(name) + " is too large (" + shape_text(dims) + ")");
  return ds;
}
} // namespace

void select_local_piece(hid_t space, const DistMatrix& a, const Where& at) {
  select_owned(space, a, std::nullopt, at);
}

void write_matrix(const Group& location, const std::string& name, const DistMatrix& a,
                  const WriteLayout& layout) {
  require_same_communicator(location, a);
  const std::vector<hsize_t> dims{static_cast<hsize_t>(a.rows()), static_cast<hsize_t>(a.cols())};
  if (!location.exists(name)) {
    write_slab(location.create_dataset(name, H5T_IEEE_F64LE, dims), a, std::nullopt, layout);
    return;
  }
  const Dataset ds = location.open_dataset(name);
  if (ds.shape() != dims || ds.type_class() != H5T_FLOAT)
    throw UsageError("dataset " + location.describe(name) + " already exists with shape " +
                     shape_text(ds.shape()) + "; cannot overwrite it with a " + shape_text(dims) + " matrix");
  write_slab(ds, a, std::nullopt, layout);
}

namespace {
DistMatrix read_2d(const Group& location, const std::string& name, parallel::GridPtr grid, int block,
                   std::optional<MatrixShape> expected, bool indicators) {
  const Dataset ds = open_float_dataset(location, name, 2, "a 2-D matrix", indicators);
  const auto dims = ds.shape();
  const MatrixShape found{static_cast<long long>(dims[0]), static_cast<long long>(dims[1])};
  if (expected && *expected != found)
    throw UsageError("dataset " + location.describe(name) + ": expected shape " +
                     std::to_string(expected->rows) + "×" + std::to_string(expected->cols) + ", found " +
                     shape_text(dims));
  DistMatrix a(std::move(grid), static_cast<int>(found.rows), static_cast<int>(found.cols), block, block);
  require_same_communicator(location, a);
  read_slab(ds, a, std::nullopt);
  return a;
}
} // namespace

DistMatrix read_matrix(const Group& location, const std::string& name, parallel::GridPtr grid, int block,
                       std::optional<MatrixShape> expected) {
  return read_2d(location, name, std::move(grid), block, expected, false);
}

DistMatrix read_indicator_matrix(const Group& location, const std::string& name, parallel::GridPtr grid,
                                 int block, MatrixShape expected) {
  return read_2d(location, name, std::move(grid), block, expected, true);
}

void check_finite(const DistMatrix& a, const std::string& what) {
  // Inactive ranks hold nothing; agreeing over the active ranks only means callers may leave them out.
  if (!a.grid()->active()) return;
  long long first = LLONG_MAX; // row-major index of the first non-finite element this rank holds
  for (int lj = 0; lj < a.local_cols(); ++lj)
    for (int li = 0; li < a.local_rows(); ++li)
      if (!std::isfinite(a.local({li}, {lj})))
        first = std::min(first, static_cast<long long>(a.global_row({li}).value) * a.cols() +
                                    a.global_col({lj}).value);
  first = -a.grid()->grid_comm().allreduce_max(-first); // a min-reduction through the max Communicator offers
  if (first == LLONG_MAX) return;
  throw UsageError(what + " holds a non-finite value (NaN or Inf) at (" + std::to_string(first / a.cols()) +
                   ", " + std::to_string(first % a.cols()) + ")");
}

namespace {
constexpr hsize_t kSnapshotChunkBytes = hsize_t{4} << 20;
} // namespace

Dataset create_snapshot_series(const Group& location, const std::string& name, long long rows,
                               long long cols) {
  if (rows <= 0 || cols <= 0)
    throw UsageError("snapshot series " + location.describe(name) + ": matrices must not be empty");
  const hsize_t r = static_cast<hsize_t>(rows), c = static_cast<hsize_t>(cols);
  // One snapshot per chunk (appends touch one chunk row), halving the larger side until a chunk fits the
  // budget.
  std::vector<hsize_t> chunk{1, r, c};
  while (chunk[1] * chunk[2] * sizeof(double) > kSnapshotChunkBytes) {
    hsize_t& larger = chunk[1] >= chunk[2] ? chunk[1] : chunk[2];
    larger = (larger + 1) / 2;
  }
  return location.create_dataset(name, H5T_IEEE_F64LE, {0, r, c}, {H5S_UNLIMITED, r, c}, chunk);
}

long long snapshot_count(const Dataset& series) {
  const auto dims = series.shape();
  if (dims.size() != 3)
    throw UsageError("dataset " + series.describe() + " is not a snapshot series (S×rows×cols)");
  return static_cast<long long>(dims[0]);
}

long long append_snapshot(const Dataset& series, const DistMatrix& a, const WriteLayout& layout) {
  require_same_communicator(series, a);
  auto dims = series.shape();
  if (dims.size() != 3 || dims[1] != static_cast<hsize_t>(a.rows()) ||
      dims[2] != static_cast<hsize_t>(a.cols()))
    throw UsageError("snapshot series " + series.describe() + " has shape " + shape_text(dims) +
                     "; cannot append a " + std::to_string(a.rows()) + "×" + std::to_string(a.cols()) +
                     " matrix");
  const hsize_t s = dims[0]++;
  series.set_extent(dims);
  write_slab(series, a, s, layout);
  return static_cast<long long>(s);
}

void truncate_snapshots(const Dataset& series, long long count) {
  auto dims = series.shape();
  if (dims.size() != 3 || count < 0 || static_cast<hsize_t>(count) > dims[0])
    throw UsageError("snapshot series " + series.describe() + " (" + shape_text(dims) +
                     ") cannot be cut to " + std::to_string(count) + " snapshots");
  dims[0] = static_cast<hsize_t>(count);
  series.set_extent(dims);
}

DistMatrix read_snapshot(const Group& location, const std::string& name, long long s, parallel::GridPtr grid,
                         int block) {
  const Dataset ds = open_float_dataset(location, name, 3, "a snapshot series (S×rows×cols)");
  const auto dims = ds.shape();
  if (s < 0 || static_cast<hsize_t>(s) >= dims[0])
    throw UsageError("snapshot " + std::to_string(s) + " of " + location.describe(name) +
                     " does not exist (it holds " + std::to_string(dims[0]) + ")");
  DistMatrix a(std::move(grid), static_cast<int>(dims[1]), static_cast<int>(dims[2]), block, block);
  require_same_communicator(location, a);
  read_slab(ds, a, static_cast<hsize_t>(s));
  return a;
}

} // namespace fasim::io
