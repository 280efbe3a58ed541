#pragma once
// One trajectory's step context: its plan and everything the plan needs between steps — the product context
// (path, GEMM layouts, the panels gathered this step, every buffer) and the r-sized results the formulas
// share. Owned by the trajectory's vector field and passed explicitly to the target's operations.
#include "fasim/linalg/product_context.hpp"
#include "fasim/model/sensing.hpp"
#include "fasim/model/step_plan.hpp"
#include "fasim/parallel/dist_matrix.hpp"

namespace fasim::model {

struct StepContext {
  StepPlan plan;
  linalg::ProductContext products;
  linalg::SmallMatrix gram;     ///< ZᵀZ (ZᵀS Z for a linear network) of the last evaluation, replicated
  linalg::SmallMatrix feedback; ///< W·Bᵀ of the last evaluation (products formulation)
  parallel::DistMatrix sz;      ///< S·Z (non-isotropic targets)
  parallel::DistMatrix factor;  ///< Cholesky factor of the Gram matrix (FA*)
  SensingWork sensing;          ///< the sensing formulation's scratch (problem.observe = sensing)

  /// Sets the plan and the product context's path and layouts from it.
  void set_plan(const StepPlan& p) {
    plan = p;
    products.path = p.path;
    products.zt_y = p.zt_y;
    products.y_bt = p.y_bt;
  }
};

} // namespace fasim::model
