#pragma once
// Local views that line up with a block-cyclic n×m matrix Y on the same grid and block size: the rows of an
// n×r matrix Z that match my local rows of Y, and the columns of an r×m matrix W that match my local columns.
// With them, products with Y become local GEMMs plus a reduction over a process row or column.
#include "fasim/linalg/small_matrix.hpp"
#include "fasim/parallel/dist_matrix.hpp"

namespace fasim::linalg {

/// Z (n×r) → the local_rows(Y) × r block of Z's rows that this rank's piece of Y touches (allgather over the
/// process row). Column-major, leading dimension local_rows.
SmallMatrix gather_rows(const parallel::DistMatrix& z);
/// W (r×m) → the r × local_cols(Y) block of W's columns this rank's piece of Y touches (allgather over the
/// process column).
SmallMatrix gather_cols(const parallel::DistMatrix& w);
/// The whole (small) matrix on every active rank of its grid.
SmallMatrix replicate(const parallel::DistMatrix& a);
/// Writes a replicated small matrix into a distributed one of the same shape (each rank keeps its part).
void distribute(const SmallMatrix& a, parallel::DistMatrix& out);

/// ‖Y − Z·W‖²_F computed exactly from the explicit residual, one local column panel at a time: no n×m
/// temporary, no cancellation (the expanded ‖Y‖² − 2tr + tr form cannot show losses below ~1e-16·‖Y‖²).
/// Valid on active ranks. Y, Z, W on one grid with one block size.
double residual_norm2(const parallel::DistMatrix& y, const parallel::DistMatrix& z, const parallel::DistMatrix& w);

} // namespace fasim::linalg
