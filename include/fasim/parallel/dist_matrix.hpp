#pragma once
// A dense double matrix distributed block-cyclically over a ProcessGrid: global shape, block sizes, the
// ScaLAPACK descriptor and this rank's column-major local piece.
#include "fasim/parallel/process_grid.hpp"

#include <array>
#include <cstddef>
#include <functional>
#include <vector>

namespace fasim::parallel {

/// Global (whole-matrix) and local (this rank's piece) indices are distinct types so they cannot be mixed.
struct GlobalIndex {
  int value;
};
struct LocalIndex {
  int value;
};

/// One dimension of a block-cyclic layout: n items in blocks of `block` over `procs` processes.
struct BlockCyclic1D {
  int n = 0, block = 1, procs = 1;
  int local_count(int proc) const;
  int owner(GlobalIndex g) const { return (g.value / block) % procs; }
  LocalIndex to_local(GlobalIndex g) const { return {(g.value / (block * procs)) * block + g.value % block}; }
  GlobalIndex to_global(LocalIndex l, int proc) const {
    return {((l.value / block) * procs + proc) * block + l.value % block};
  }
};

class DistMatrix {
public:
  using Descriptor = std::array<int, 9>;

  DistMatrix() = default;
  /// Zero-initialised rows×cols matrix in row_block×col_block blocks. Collective only in the sense that every
  /// rank of the grid must construct it with the same arguments.
  DistMatrix(GridPtr grid, int rows, int cols, int row_block, int col_block);

  /// Same shape, grid and blocks as `like`, zero-filled.
  static DistMatrix like(const DistMatrix& like);

  int rows() const { return rows_.n; }
  int cols() const { return cols_.n; }
  int row_block() const { return rows_.block; }
  int col_block() const { return cols_.block; }
  int local_rows() const { return local_rows_; }
  int local_cols() const { return local_cols_; }
  int lld() const { return desc_[8]; }
  const int* desc() const { return desc_.data(); }
  const GridPtr& grid() const { return grid_; }
  const BlockCyclic1D& row_layout() const { return rows_; }
  const BlockCyclic1D& col_layout() const { return cols_; }
  bool same_layout(const DistMatrix& other) const;

  double* data() { return local_.data(); }
  const double* data() const { return local_.data(); }
  std::size_t local_size() const { return local_.size(); }
  double& local(LocalIndex i, LocalIndex j) {
    return local_[static_cast<std::size_t>(j.value) * lld() + i.value];
  }
  double local(LocalIndex i, LocalIndex j) const {
    return local_[static_cast<std::size_t>(j.value) * lld() + i.value];
  }
  GlobalIndex global_row(LocalIndex i) const { return rows_.to_global(i, grid_->my_row()); }
  GlobalIndex global_col(LocalIndex j) const { return cols_.to_global(j, grid_->my_col()); }
  /// True when this rank holds global element (i, j).
  bool owns(GlobalIndex i, GlobalIndex j) const;

  /// Sets every element to f(global_row, global_col).
  void fill(const std::function<double(int, int)>& f);
  void set_zero();
  void copy_from(const DistMatrix& other); ///< same layout required

  /// This rank's piece without lld padding: local_rows × local_cols, column-major.
  std::vector<double> packed_local() const;
  /// The whole matrix, column-major (rows×cols), on grid rank `root` (empty elsewhere). For tests and small
  /// outputs only: never use it for Y. Collective over the grid's communicator.
  std::vector<double> gather(int root = 0) const;
  /// Inverse of gather: `whole` (column-major) is read on grid rank `root`. Collective.
  void scatter(const std::vector<double>& whole, int root = 0);
  /// The whole matrix on every rank (column-major). Small matrices only. Collective.
  std::vector<double> allgather() const;

  /// A copy on another grid and/or block size (pdgemr2d). Both grids must share a communicator. Collective.
  DistMatrix redistribute(GridPtr target, int row_block, int col_block) const;
  /// Rows [first, first + count) of this matrix, all columns, as a count×cols matrix on `target` (pdgemr2d of
  /// a sub-matrix). Both grids must share a communicator. Collective.
  DistMatrix redistribute_rows(int first, int count, GridPtr target, int row_block, int col_block) const;

private:
  GridPtr grid_;
  BlockCyclic1D rows_, cols_;
  int local_rows_ = 0, local_cols_ = 0;
  Descriptor desc_{};
  std::vector<double> local_;
};

} // namespace fasim::parallel
