#include "fasim/parallel/process_grid.hpp"

#include "fasim/parallel/error.hpp"
#include "scalapack_api.hpp"

#include <cmath>
#include <string>

namespace fasim::parallel {

std::pair<int, int> ProcessGrid::choose_shape(int ranks, int rows, int cols) {
  if (rows > 0 && cols > 0) return {rows, cols};
  if (rows > 0) return {rows, std::max(1, ranks / rows)};
  if (cols > 0) return {std::max(1, ranks / cols), cols};
  int p = static_cast<int>(std::sqrt(static_cast<double>(ranks)));
  while (p > 1 && ranks % p != 0) --p;
  return {p, ranks / p};
}

std::shared_ptr<const ProcessGrid> ProcessGrid::create(const Communicator& comm, int rows, int cols) {
  const int size = comm.size();
  if (rows < 0 || cols < 0)
    throw UsageError("grid.rows and grid.cols must be >= 0 (0 = automatic); got " + std::to_string(rows) +
                     "x" + std::to_string(cols));
  auto [p, q] = choose_shape(size, rows, cols);
  if (static_cast<long long>(p) * q > size)
    throw UsageError("process grid " + std::to_string(p) + "x" + std::to_string(q) + " needs " +
                     std::to_string(p * q) + " ranks but only " + std::to_string(size) +
                     " were started; lower grid.rows/grid.cols or start more ranks (mpirun -n)");
  std::shared_ptr<ProcessGrid> grid(new ProcessGrid());
  grid->comm_ = comm;
  grid->rows_ = p;
  grid->cols_ = q;
  const int rank = comm.rank();
  const bool active = rank < p * q;

  grid->system_handle_ = Csys2blacs_handle(comm.get());
  int ctx = grid->system_handle_;
  Cblacs_gridinit(&ctx, "Row", p, q);
  // Both contexts are made from the one system handle of the communicator (BLACS hands out one per
  // communicator; freeing a second copy triggers its "non-existent system context handle" warning).
  int all = grid->system_handle_;
  Cblacs_gridinit(&all, "Row", 1, size);
  grid->all_context_ = all;
  if (active) {
    grid->context_ = ctx;
    int np = 0, nq = 0;
    Cblacs_gridinfo(ctx, &np, &nq, &grid->my_row_, &grid->my_col_);
    if (grid->my_row_ != rank / q || grid->my_col_ != rank % q)
      throw Error("BLACS placed rank " + std::to_string(rank) + " at an unexpected grid position");
  }
  grid->grid_comm_ = comm.split(active ? 0 : MPI_UNDEFINED, rank);
  grid->row_comm_ = comm.split(active ? grid->my_row_ : MPI_UNDEFINED, rank);
  grid->col_comm_ = comm.split(active ? grid->my_col_ : MPI_UNDEFINED, rank);
  return grid;
}

ProcessGrid::~ProcessGrid() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  if (context_ >= 0) Cblacs_gridexit(context_);
  if (all_context_ >= 0) Cblacs_gridexit(all_context_);
  if (system_handle_ >= 0) Cfree_blacs_system_handle(system_handle_);
  if (all_system_handle_ >= 0) Cfree_blacs_system_handle(all_system_handle_);
}

} // namespace fasim::parallel
