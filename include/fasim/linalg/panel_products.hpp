#pragma once
// Passes over a block-cyclic Y written on its layout: the thin operand's rows (Z for ZᵀY) or columns (B for
// Y·Bᵀ) that meet this rank's piece of Y are gathered once, one local GEMM runs over the local piece of Y,
// and one reduction over the other process dimension completes the sum. Compared with PDGEMM on these skinny
// shapes this moves only O((n+m)·r) data and lets the plan pick the GEMM's layout. Each row/column twin is
// one template over a Coord (coord.hpp).
#include "fasim/linalg/coord.hpp"
#include "fasim/linalg/entry_mask.hpp"
#include "fasim/parallel/dist_matrix.hpp"

#include <vector>

namespace fasim::linalg {

/// Reusable buffers of the gathers.
struct GatherBuffers {
  std::vector<double> packed, gathered;
  std::vector<int> counts, displs;
};

/// A column-major local block: all r columns of my rows of Z (local_rows × r, C = Row), or all r rows of my
/// columns of W (r × local_cols, C = Col).
struct PanelView {
  const double* data = nullptr;
  int ld = 1;
};

/// C = Row: Z (n×r) → `out` = all r columns of the rows of Z this rank's rows of any matrix with Z's row
/// layout meet (local_rows × r, ld local_rows), allgathered along the process row. C = Col: W (r×m) → all r
/// rows of my columns (r × local_cols, ld r), allgathered along the process column. Collective over those.
template <Coord C>
void gather_into(const parallel::DistMatrix& a, std::vector<double>& out, GatherBuffers& buffers);

/// gather_into's block, or a's own local piece (no copy) when the grid has one process along the gather.
template <Coord C>
PanelView panel(const parallel::DistMatrix& a, std::vector<double>& storage, GatherBuffers& buffers);

/// The layout of a pass's local GEMM result: the thin operand first (r × local: Zᵀ·Y_loc, B·Y_locᵀ) or Y
/// first (local × r: Y_locᵀ·Z, Y_loc·Bᵀ). The same numbers; which one the BLAS does faster depends on the CPU
/// and the shapes, so the plan chooses.
enum class Orientation { ThinFirst, YFirst };

/// Scratch of the passes, kept between calls.
struct PassBuffers {
  std::vector<double> partial, spare, panel;
};

/// C = Row: out (r×m) = Zᵀ·Y, `thin` = panel<Row>(Z). C = Col: out (n×r) = Y·Bᵀ, `thin` = panel<Col>(B).
/// Y, the thin operand and out on one grid with one block size. Collective over the grid.
template <Coord C>
void pass_over_y(const parallel::DistMatrix& y, PanelView thin, int r, parallel::DistMatrix& out,
                 Orientation orientation, PassBuffers& buffers);

/// The residual formulation's single pass: with E = Y − Z·W formed one cache-sized column panel at a time
/// (never as a whole), dz = E·Bᵀ (n×r) and, when dw is given, dw = ρ·Zᵀ·E (r×m). `z_rows` = panel<Row>(Z),
/// `w_cols` = panel<Col>(W), `b_cols` = panel<Col>(B). Costs three GEMMs over Y's size instead of one, and
/// saves every r-sized product: it wins when r is comparable to n. With a `mask` (matrix completion) each
/// panel of E is replaced by P_Ω(E) before it is used. Collective over the grid.
void residual_pass(const parallel::DistMatrix& y, PanelView z_rows, PanelView w_cols, PanelView b_cols, int r,
                   parallel::DistMatrix& dz, parallel::DistMatrix* dw, double rho, PassBuffers& buffers,
                   const EntryMask* mask = nullptr);

/// E's columns [j0, j0 + width) of this rank's piece: Y_loc(:, j0..) − z_rows·w_cols(:, j0..) into `e`
/// (local_rows × width, ld max(1, local_rows)). Local. Shared by the residual pass and the exact loss.
void residual_panel(const parallel::DistMatrix& y, PanelView z_rows, PanelView w_cols, int r, int j0,
                    int width, double* e);

} // namespace fasim::linalg
