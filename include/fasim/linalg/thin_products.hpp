#pragma once
// The r-sized products of the dynamics (ZᵀZ, W·Cᵀ, W·Wᵀ, Z·M, M·W) written on the block-cyclic layout of the
// thin operands, with the r×r results replicated on every rank. PDGEMM on these shapes spends most of its
// time in buffer set-up and broadcasts of the r-wide panels; here each product is one local GEMM on the rows
// of Z (columns of W) this rank already has or has gathered, plus at most one allreduce of r·r numbers. At
// small n (Fig 3b's n = m = 100, r = 99) and for the diagonal and factored targets, whose passes over Y cost
// no more than these products, they are the step.
#include "fasim/linalg/panel_products.hpp"
#include "fasim/linalg/small_matrix.hpp"
#include "fasim/parallel/dist_matrix.hpp"

#include <vector>

namespace fasim::linalg {

/// Scratch kept between calls so that no product allocates after its first use.
struct ThinWorkspace {
  std::vector<double> part, packed;
};

/// out (r×k, replicated) = Zᵀ·U for Z (n×r) and U (n×k) with one row layout; `u_rows` = panel<Row>(U).
/// Collective.
void tall_cross(const parallel::DistMatrix& z, PanelView u_rows, int k, SmallMatrix& out, ThinWorkspace& ws);
/// out (r×k, replicated) = Zᵀ·U like tall_cross, given all r columns of my rows of Z (`z_rows` =
/// panel<Row>(Z), which the step holds anyway for its Gram matrix): one GEMM, summed over the process column
/// only (r·k numbers over P ranks; tall_cross sums over the grid). Collective over the process column.
void panel_cross(const parallel::DistMatrix& z, PanelView z_rows, PanelView u_rows, int k, SmallMatrix& out);
/// out (r×r, replicated) = Zᵀ·Z for Z (n×r); `z_rows` = panel<Row>(z): one SYRK on the rows, summed over
/// the process column (r² numbers over P ranks, not over the grid). Collective over the process column.
void tall_gram(const parallel::DistMatrix& z, PanelView z_rows, SmallMatrix& out, ThinWorkspace& ws);
/// out (n×r₂) = α·Z·M + β·out for Z (n×r₁) given by `z_rows` = panel<Row>(Z) and a replicated M (r₁×r₂). out
/// shares Z's row layout. Local: no communication.
void tall_times_small(PanelView z_rows, const SmallMatrix& m, double alpha, double beta,
                      parallel::DistMatrix& out, ThinWorkspace& ws);
/// out (r₁×r₂, replicated) = A·Bᵀ for A (r₁×m) and B (r₂×m) on one layout of columns; `b_cols` =
/// panel<Col>(B). Collective.
void wide_outer(const parallel::DistMatrix& a, PanelView b_cols, int b_rows, SmallMatrix& out,
                ThinWorkspace& ws);
/// out (r₁×r₂, replicated) = A·Bᵀ for A (r₁×m) and B (r₂×m) on one layout of columns, given all r₁ rows of
/// my columns of A (`a_cols` = panel<Col>(A), which the step holds anyway when it needs W's columns): one
/// GEMM, summed over the process row only (r₁·r₂ numbers over Q ranks; wide_outer sums over the grid).
/// Collective over the process row.
void panel_outer(const parallel::DistMatrix& a, PanelView a_cols, PanelView b_cols, int b_rows,
                 SmallMatrix& out);
/// out (r₁×m) = α·M·W + β·out for a replicated M (r₁×r₂) and W (r₂×m) given by `w_cols` = panel<Col>(W). out
/// shares W's column layout. Local: no communication.
void small_times_wide(const SmallMatrix& m, PanelView w_cols, double alpha, double beta,
                      parallel::DistMatrix& out, ThinWorkspace& ws);

} // namespace fasim::linalg
