#pragma once
// Products on Z's rows held by every rank of its process row, and on W's columns held by every rank of its
// process column (replicas, model/panel_replica.hpp), that give the numbers the distributed products give,
// bit for bit: each owner's share is recomputed here with the very GEMM call (shapes, operands, packing of
// the r×r factor) its owner makes on its own piece, so a rank obtains every column of its rows of dZ (every
// row of its columns of dW) without a message. Local: no communication.
#include "fasim/linalg/panel_products.hpp"
#include "fasim/linalg/small_matrix.hpp"
#include "fasim/linalg/thin_products.hpp"
#include "fasim/parallel/dist_matrix.hpp"

namespace fasim::linalg {

/// rows (local_rows × r, ld) = α·Z_rows·M + β·rows column block by column block, each block as its owning
/// process column computes it in tall_times_small. `like` has out's layout (n×r, Z's layout).
void owners_times_small(const parallel::DistMatrix& like, PanelView z_rows, const SmallMatrix& m,
                        double alpha, double* rows, int ld, ThinWorkspace& ws, double beta = 1.0);

/// After pass_over_y<Col> on a grid with more than one process column (the sum over the process row done):
/// all r columns of this rank's rows of Y·Bᵀ (local_rows × r, ld local_rows) from the pass's buffer.
void pass_rows(const parallel::DistMatrix& y, int r, Orientation orientation, const PassBuffers& buffers,
               double* rows);

/// cols (r × local_cols, ld) = α·M·W_cols + β·cols row block by row block, each block as its owning process
/// row computes it in small_times_wide. `like` has out's layout (r×m, W's layout).
void owners_small_times(const parallel::DistMatrix& like, const SmallMatrix& m, PanelView w_cols,
                        double alpha, double beta, double* cols, int ld, ThinWorkspace& ws);

/// After pass_over_y<Row> on a grid with more than one process row (the sum over the process column done):
/// all r rows of this rank's columns of Zᵀ·Y (r × local_cols, ld r) from the pass's buffer.
void pass_cols(const parallel::DistMatrix& y, int r, Orientation orientation, const PassBuffers& buffers,
               double* cols);

} // namespace fasim::linalg
