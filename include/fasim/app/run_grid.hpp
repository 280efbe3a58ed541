#pragma once
// The process grid a run, a dry run, a resume and `fasim bench` take (docs/config.md, "[grid]"): grid.rows
// and grid.cols when given; a resume's or continuation's recorded grid; else the automatic choice — a network
// beyond the paper's model ranks×1, the paper's model the factorisation of the rank count whose step the
// communication model prices lowest (model/grid_choice.hpp) among those that fit in memory.
#include "fasim/config/config.hpp"
#include "fasim/model/grid_choice.hpp"
#include "fasim/parallel/communicator.hpp"

#include <string>

namespace fasim::app {

struct RunGrid {
  int rows = 1, cols = 1;
  std::string
      reason; ///< for the dry run and the resume's line: "automatic: …", "grid.rows = 2", "recorded …"
  bool moved = false; ///< a resume that cannot keep the grid its file records (fewer ranks): said on stdout
};

/// The model's view of the run: its sizes and target (dense as the dry run's projection counts it) and, per
/// algorithm, the plan the run is expected to take — system.products = pdgemm's reference plan, a fixed
/// plan of system.plan, sensing's formulation, else the cost model's formulation (system.plan = auto, and
/// measure's starting estimate: measuring is by the clock and cannot be known before the run).
model::GridCostInputs grid_cost_inputs(const io::RunConfig& config);

/// The grid of a run from step 0 (and of `fasim bench`) on `ranks` ranks. `memory_per_rank` (0: unknown) is
/// what each rank may use: an automatic shape whose estimate (estimate_bytes_per_rank) exceeds it is not
/// taken. Rank-local and deterministic: the same inputs give the same grid on every rank.
RunGrid choose_run_grid(const io::RunConfig& config, int ranks, bool network, double memory_per_rank);

/// The grid of a resume or continuation of `file` on `ranks` ranks, whose recorded grid is recorded_rows ×
/// recorded_cols (0 × 0: the file records none, a checkpoint before format 6). grid.rows/grid.cols given win;
/// otherwise the recorded grid when the ranks hold it (so the run stays bitwise the uninterrupted one), the
/// rule of the fasim that wrote a file without a record (near-square; a network ranks×1), or — fewer ranks
/// than the recorded grid needs — choose_run_grid, saying so.
RunGrid resumed_run_grid(const io::RunConfig& config, int ranks, bool network, double memory_per_rank,
                         int recorded_rows, int recorded_cols, const std::string& file);

/// The grid of `fasim run`/`resume` on `ranks` ranks (the ranks started, or a dry run's FASIM_PROJECT_RANKS):
/// resumed_run_grid with the grid recorded in `resume_from` (a checkpoint) or `continue_from` (a result) when
/// one is given, else choose_run_grid. Rank 0 reads the record (a file it cannot read records none: reading
/// it for the run refuses it then); every rank returns rank 0's grid. Collective over comm.
RunGrid run_grid(const io::RunConfig& config, const std::string& resume_from,
                 const std::string& continue_from, const parallel::Communicator& comm, int ranks,
                 bool network, double memory_per_rank);

/// The smallest positive memory budget per rank over `comm` (0 when no rank knows one): every rank chooses
/// the grid from the same number. Collective over comm.
double agreed_memory_per_rank(const parallel::Communicator& comm, double per_rank);

} // namespace fasim::app
