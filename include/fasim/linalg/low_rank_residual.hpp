#pragma once
// The exact loss of a target held as factors (Y = A₀·B₀ᵀ): ‖Y − Z·W‖² without forming any n×m matrix.
#include "fasim/parallel/dist_matrix.hpp"

namespace fasim::linalg {

/// ‖A·Bᵀ‖²_F where A = [A₀, −Z] (n×(k+r)) and B = [B₀, Wᵀ] (m×(k+r)): the caller fills the first k columns
/// (Y = A₀·B₀ᵀ) and this fills the rest, so the result is ‖Y − ZW‖²_F. Each tall side is replaced by the R of
/// its thin QR and a short side is replicated as it is: the small product that remains carries the residual
/// to machine precision relative to ‖A‖·‖B‖ (a Gram-matrix expansion would lose it). A, B, Z, W on one grid
/// and block size. A and B are overwritten. Collective; valid on active ranks.
double low_rank_residual_norm2(parallel::DistMatrix a, parallel::DistMatrix b, const parallel::DistMatrix& z,
                               const parallel::DistMatrix& w);

} // namespace fasim::linalg
