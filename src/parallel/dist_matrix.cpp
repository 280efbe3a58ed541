#include "fasim/parallel/dist_matrix.hpp"

#include "fasim/parallel/error.hpp"
#include "scalapack_api.hpp"

#include <algorithm>
#include <string>

namespace fasim::parallel {

int BlockCyclic1D::local_count(int proc) const {
  const int zero = 0;
  return numroc_(&n, &block, &proc, &zero, &procs);
}

DistMatrix::DistMatrix(GridPtr grid, int rows, int cols, int row_block, int col_block)
    : grid_(std::move(grid)) {
  FASIM_REQUIRE(grid_ != nullptr, "DistMatrix needs a process grid");
  FASIM_REQUIRE(rows >= 0 && cols >= 0, "DistMatrix: negative shape");
  if (row_block <= 0 || col_block <= 0)
    throw UsageError("block size must be positive (grid.block); got " + std::to_string(row_block));
  rows_ = {rows, row_block, grid_->rows()};
  cols_ = {cols, col_block, grid_->cols()};
  if (grid_->active()) {
    local_rows_ = rows_.local_count(grid_->my_row());
    local_cols_ = cols_.local_count(grid_->my_col());
    const int lld = std::max(1, local_rows_);
    const int zero = 0, ctx = grid_->context();
    int info = 0;
    descinit_(desc_.data(), &rows, &cols, &row_block, &col_block, &zero, &zero, &ctx, &lld, &info);
    if (info != 0) throw ScalapackError("descinit", info);
    local_.assign(static_cast<std::size_t>(lld) * static_cast<std::size_t>(local_cols_), 0.0);
  } else {
    // Inactive ranks: a descriptor whose context is -1 makes PBLAS skip them.
    desc_ = {1, -1, rows, cols, row_block, col_block, 0, 0, 1};
  }
}

DistMatrix DistMatrix::like(const DistMatrix& o) {
  return DistMatrix(o.grid_, o.rows(), o.cols(), o.row_block(), o.col_block());
}

bool DistMatrix::same_layout(const DistMatrix& o) const {
  return grid_ == o.grid_ && rows() == o.rows() && cols() == o.cols() && row_block() == o.row_block() &&
         col_block() == o.col_block();
}

bool DistMatrix::owns(GlobalIndex i, GlobalIndex j) const {
  return grid_->active() && rows_.owner(i) == grid_->my_row() && cols_.owner(j) == grid_->my_col();
}

void DistMatrix::fill(const std::function<double(int, int)>& f) {
  for (int lj = 0; lj < local_cols_; ++lj) {
    const int gj = global_col({lj}).value;
    for (int li = 0; li < local_rows_; ++li) local({li}, {lj}) = f(global_row({li}).value, gj);
  }
}

void DistMatrix::set_zero() {
  std::fill(local_.begin(), local_.end(), 0.0);
}

void DistMatrix::copy_from(const DistMatrix& other) {
  FASIM_REQUIRE(same_layout(other), "DistMatrix::copy_from: layouts differ");
  local_ = other.local_;
}

std::vector<double> DistMatrix::packed_local() const {
  std::vector<double> out(static_cast<std::size_t>(local_rows_) * local_cols_);
  for (int j = 0; j < local_cols_; ++j)
    std::copy_n(data() + static_cast<std::size_t>(j) * lld(), local_rows_,
                out.data() + static_cast<std::size_t>(j) * local_rows_);
  return out;
}

std::vector<double> DistMatrix::gather(int root) const {
  std::vector<double> whole;
  if (!grid_->active()) return whole;
  const Communicator& gc = grid_->grid_comm();
  const int nprocs = gc.size();
  const std::vector<double> mine = packed_local();
  std::vector<int> counts(nprocs), displs(nprocs);
  for (int r = 0; r < nprocs; ++r) {
    counts[r] = rows_.local_count(r / grid_->cols()) * cols_.local_count(r % grid_->cols());
    displs[r] = r == 0 ? 0 : displs[r - 1] + counts[r - 1];
  }
  const bool am_root = gc.rank() == root;
  std::vector<double> buffer(am_root ? static_cast<std::size_t>(rows()) * cols() : 0);
  check_mpi(MPI_Gatherv(mine.data(), static_cast<int>(mine.size()), MPI_DOUBLE, buffer.data(), counts.data(),
                        displs.data(), MPI_DOUBLE, root, gc.get()),
            "MPI_Gatherv");
  if (!am_root) return whole;
  whole.assign(static_cast<std::size_t>(rows()) * cols(), 0.0);
  for (int r = 0; r < nprocs; ++r) {
    const int pr = r / grid_->cols(), pc = r % grid_->cols();
    const int lr = rows_.local_count(pr), lc = cols_.local_count(pc);
    const double* src = buffer.data() + displs[r];
    for (int j = 0; j < lc; ++j) {
      const int gj = cols_.to_global({j}, pc).value;
      for (int i = 0; i < lr; ++i)
        whole[static_cast<std::size_t>(gj) * rows() + rows_.to_global({i}, pr).value] =
            src[static_cast<std::size_t>(j) * lr + i];
    }
  }
  return whole;
}

void DistMatrix::scatter(const std::vector<double>& whole, int root) {
  if (!grid_->active()) return;
  const Communicator& gc = grid_->grid_comm();
  const int nprocs = gc.size();
  const bool am_root = gc.rank() == root;
  FASIM_REQUIRE(!am_root || whole.size() == static_cast<std::size_t>(rows()) * cols(),
                "DistMatrix::scatter: input has the wrong size");
  std::vector<int> counts(nprocs), displs(nprocs);
  for (int r = 0; r < nprocs; ++r) {
    counts[r] = rows_.local_count(r / grid_->cols()) * cols_.local_count(r % grid_->cols());
    displs[r] = r == 0 ? 0 : displs[r - 1] + counts[r - 1];
  }
  std::vector<double> buffer;
  if (am_root) {
    buffer.resize(static_cast<std::size_t>(rows()) * cols());
    for (int r = 0; r < nprocs; ++r) {
      const int pr = r / grid_->cols(), pc = r % grid_->cols();
      const int lr = rows_.local_count(pr), lc = cols_.local_count(pc);
      double* dst = buffer.data() + displs[r];
      for (int j = 0; j < lc; ++j) {
        const int gj = cols_.to_global({j}, pc).value;
        for (int i = 0; i < lr; ++i)
          dst[static_cast<std::size_t>(j) * lr + i] =
              whole[static_cast<std::size_t>(gj) * rows() + rows_.to_global({i}, pr).value];
      }
    }
  }
  std::vector<double> mine(static_cast<std::size_t>(local_rows_) * local_cols_);
  check_mpi(MPI_Scatterv(buffer.data(), counts.data(), displs.data(), MPI_DOUBLE, mine.data(),
                         static_cast<int>(mine.size()), MPI_DOUBLE, root, gc.get()),
            "MPI_Scatterv");
  for (int j = 0; j < local_cols_; ++j)
    std::copy_n(mine.data() + static_cast<std::size_t>(j) * local_rows_, local_rows_,
                local_.data() + static_cast<std::size_t>(j) * lld());
}

std::vector<double> DistMatrix::allgather() const {
  std::vector<double> whole = gather(0);
  whole.resize(static_cast<std::size_t>(rows()) * cols());
  if (grid_->active()) grid_->grid_comm().broadcast(whole, 0);
  return whole;
}

DistMatrix DistMatrix::redistribute(GridPtr target, int row_block, int col_block) const {
  DistMatrix out(target, rows(), cols(), row_block, col_block);
  if (rows() == 0 || cols() == 0) return out;
  const int one = 1, m = rows(), n = cols(), ctx = grid_->all_context();
  pdgemr2d_(&m, &n, data(), &one, &one, desc(), out.data(), &one, &one, out.desc(), &ctx);
  return out;
}

DistMatrix DistMatrix::redistribute_rows(int first, int count, GridPtr target, int row_block,
                                         int col_block) const {
  FASIM_REQUIRE(first >= 0 && count >= 0 && first + count <= rows(), "redistribute_rows: rows out of range");
  DistMatrix out(target, count, cols(), row_block, col_block);
  if (count == 0 || cols() == 0) return out;
  const int one = 1, ia = first + 1, n = cols(), ctx = grid_->all_context();
  pdgemr2d_(&count, &n, data(), &ia, &one, desc(), out.data(), &one, &one, out.desc(), &ctx);
  return out;
}

} // namespace fasim::parallel
