#pragma once
// The step's products on the context's path: each is one call whatever the path, so the dynamics and the
// metrics write their formulas once. Panel: thin_products.hpp and panel_products.hpp (r×r results replicated,
// one reduction each); Pdgemm: PBLAS on distributed operands (the reference).
#include "fasim/linalg/product_context.hpp"

namespace fasim::linalg {

/// out (r×r, replicated) = Zᵀ·X for Z and X (n×r) on one layout (X = Z: the Gram matrix). Collective.
void cross(const parallel::DistMatrix& z, const parallel::DistMatrix& x, SmallMatrix& out,
           ProductContext& ctx);
/// out (r₁×r₂, replicated) = A·Bᵀ for A (r₁×m), B (r₂×m) on one column layout. Panel: summed over the
/// process row when the context holds A's columns (ProductContext::holds), over the grid otherwise.
/// Collective.
void outer(const parallel::DistMatrix& a, const parallel::DistMatrix& b, SmallMatrix& out,
           ProductContext& ctx);
/// out (n×r₂) = α·Z·M + β·out for a replicated M (r₁×r₂). Panel: local. Pdgemm: collective.
void times_small(const parallel::DistMatrix& z, const SmallMatrix& m, double alpha, double beta,
                 parallel::DistMatrix& out, ProductContext& ctx);
/// out (r₁×m) = α·M·W + β·out for a replicated M (r₁×r₂). Panel: local. Pdgemm: collective.
void small_times(const SmallMatrix& m, const parallel::DistMatrix& w, double alpha, double beta,
                 parallel::DistMatrix& out, ProductContext& ctx);
/// out (r×m) = Zᵀ·Y for a dense block-cyclic Y (the pass in ctx.zt_y's layout). Collective.
void zt_y(const parallel::DistMatrix& y, const parallel::DistMatrix& z, parallel::DistMatrix& out,
          ProductContext& ctx);
/// out (n×r) = Y·Bᵀ (the pass in ctx.y_bt's layout). Collective.
void y_bt(const parallel::DistMatrix& y, const parallel::DistMatrix& b, parallel::DistMatrix& out,
          ProductContext& ctx);

} // namespace fasim::linalg
