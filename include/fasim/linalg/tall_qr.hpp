#pragma once
// The R factor of a tall, thin distributed matrix by a communication-avoiding QR (TSQR): every rank factors a
// contiguous slice of the rows it holds, the small R's are stacked and factored once more. ScaLAPACK's
// pdgeqrf on the same shapes (n = 10⁶ rows, tens of columns, split over process columns) walks the matrix one
// Householder column at a time with a broadcast each, and was measured minutes per call at n = 10⁶.
#include "fasim/linalg/small_matrix.hpp"
#include "fasim/parallel/dist_matrix.hpp"

namespace fasim::linalg {

/// R (c×c, upper triangular, replicated on every active rank) of a thin QR A = Q·R of A (rows × c, rows >=
/// c). Householder throughout, so backward stable like pdgeqrf's; R may differ from pdgeqrf's by the signs of
/// its rows. A is not modified. Collective over A's grid; an empty matrix on inactive ranks.
SmallMatrix tall_r_factor(const parallel::DistMatrix& a);

} // namespace fasim::linalg
