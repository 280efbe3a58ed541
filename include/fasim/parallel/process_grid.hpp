#pragma once
// A BLACS process grid over any communicator. Owns its BLACS context: the destructor exits the grid.
#include "fasim/parallel/communicator.hpp"

#include <memory>
#include <utility>

namespace fasim::parallel {

class ProcessGrid {
public:
  /// A P×Q grid over the first P·Q ranks of `comm` (row-major rank order); rows = cols = 0 chooses the most
  /// square P×Q with P·Q = size and P <= Q. Ranks beyond P·Q are inactive. Throws UsageError if P·Q > size.
  /// Collective over `comm`.
  static std::shared_ptr<const ProcessGrid> create(const Communicator& comm, int rows = 0, int cols = 0);

  /// Near-square factorisation of `ranks` with rows <= cols; a given non-zero rows or cols is honoured.
  static std::pair<int, int> choose_shape(int ranks, int rows = 0, int cols = 0);

  ~ProcessGrid();
  ProcessGrid(const ProcessGrid&) = delete;
  ProcessGrid& operator=(const ProcessGrid&) = delete;

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  int my_row() const { return my_row_; }
  int my_col() const { return my_col_; }
  /// False on ranks beyond rows·cols: they own no data and call no PBLAS routine.
  bool active() const { return my_row_ >= 0; }
  int context() const { return context_; }
  /// A 1×size BLACS context over the whole communicator, for pdgemr2d between grids.
  int all_context() const { return all_context_; }

  /// The communicator the grid was made on (all ranks, active or not).
  const Communicator& comm() const { return comm_; }
  /// Active ranks only (null on inactive ranks); rank = my_row·cols + my_col.
  const Communicator& grid_comm() const { return grid_comm_; }
  /// Ranks of my process row (ordered by column) and of my process column (ordered by row).
  const Communicator& row_comm() const { return row_comm_; }
  const Communicator& col_comm() const { return col_comm_; }
  /// Rank in grid_comm of process (prow, pcol).
  int grid_rank(int prow, int pcol) const { return prow * cols_ + pcol; }

private:
  ProcessGrid() = default;
  Communicator comm_ = Communicator::world();
  Communicator grid_comm_ = Communicator::world();
  Communicator row_comm_ = Communicator::world();
  Communicator col_comm_ = Communicator::world();
  int rows_ = 0, cols_ = 0, my_row_ = -1, my_col_ = -1;
  int context_ = -1, all_context_ = -1;
  int system_handle_ = -1, all_system_handle_ = -1;
};

using GridPtr = std::shared_ptr<const ProcessGrid>;

} // namespace fasim::parallel
