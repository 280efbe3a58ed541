#pragma once
// Local views that line up with a block-cyclic n×m matrix Y on the same grid and block size: the rows of an
// n×r matrix Z that match my local rows of Y, and the columns of an r×m matrix W that match my local columns.
// With them, products with Y become local GEMMs plus a reduction over a process row or column.
#include "fasim/linalg/coord.hpp"
#include "fasim/linalg/small_matrix.hpp"
#include "fasim/parallel/dist_matrix.hpp"

namespace fasim::linalg {

/// C = Row: Z (n×r) → the local_rows × r block of Z's rows that this rank's piece of Y touches (allgather
/// over the process row; ld local_rows). C = Col: W (r×m) → the r × local_cols block of W's columns
/// (allgather over the process column). A fresh copy: for one-off uses (the per-step path keeps its panels in
/// a context).
template <Coord C> SmallMatrix gathered(const parallel::DistMatrix& a);
/// The whole (small) matrix on every active rank of its grid.
SmallMatrix replicate(const parallel::DistMatrix& a);
/// Writes a replicated small matrix into a distributed one of the same shape (each rank keeps its part).
void distribute(const SmallMatrix& a, parallel::DistMatrix& out);

/// ‖Y − Z·W‖²_F computed exactly from the explicit residual, one local column panel at a time: no n×m
/// temporary, no cancellation (the expanded ‖Y‖² − 2tr + tr form cannot show losses below ~1e-16·‖Y‖²).
/// Valid on active ranks. Y, Z, W on one grid with one block size.
double residual_norm2(const parallel::DistMatrix& y, const parallel::DistMatrix& z,
                      const parallel::DistMatrix& w);

} // namespace fasim::linalg
