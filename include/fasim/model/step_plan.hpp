#pragma once
// How one trajectory's step is computed — chosen once, then executed every step, as FFTW plans a transform.
// No formulation or GEMM layout is fastest on every CPU and size: at r ≈ n the residual formulation does less
// work than the products one, and which of Zᵀ·Y and Yᵀ·Z the BLAS runs faster depends on its kernels. The
// plan is data: printed, stored with results and checkpoints (a resume runs the same plan, so it stays
// bitwise identical), and parsed back.
#include "fasim/linalg/product_context.hpp"
#include "fasim/model/specs.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace fasim::model {

struct Problem;

/// Products: dZ = Y·Bᵀ − Z(W·Bᵀ), dW = ZᵀY − (ZᵀZ)W, one pass over Y for FA/FA* (Y·Cᵀ is a constant), two for
/// GD and the feedback rules (B changes every step), plus O((n+m)·r²) r-sized products. Residual: E = Y − ZW
/// one cache-sized panel at a time, dZ = E·Bᵀ, dW = Zᵀ·E — three GEMMs over Y's size and no r-sized products
/// (needs a dense Y). Sensing: matrix sensing's products through the measurements (model/sensing.hpp), the
/// only formulation of problem.observe = sensing.
enum class Formulation { Products, Residual, Sensing };

struct StepPlan {
  AlgorithmKind algorithm = AlgorithmKind::FA;
  Formulation formulation = Formulation::Products;
  linalg::Orientation zt_y = linalg::Orientation::ThinFirst; ///< the ZᵀY pass: zt_y (r×m) or yt_z (m×r)
  linalg::Orientation y_bt = linalg::Orientation::YFirst; ///< Y·Bᵀ pass (GD, rules): y_bt (n×r) or b_yt (r×n)
  linalg::ProductPath path = linalg::ProductPath::Panel;

  /// Stable text form, every field in a fixed order: "fa:products,zt_y=yt_z,y_bt=y_bt,path=panel".
  std::string str() const;
  /// Inverse of str(); fields after the algorithm may come in any order or be left out (then defaults).
  /// Throws UsageError naming the bad part.
  static StepPlan parse(std::string_view text);
  bool operator==(const StepPlan&) const = default;
};

/// Whether the problem can run this plan (the residual formulation needs a dense, isotropic target and the
/// panel path); the reason when not, else empty.
std::string plan_unsupported(const Problem& problem, const StepPlan& plan);

/// The plans worth trying for this algorithm on this problem, the cost model's choice first.
std::vector<StepPlan> candidate_plans(const Problem& problem, AlgorithmKind algorithm);

/// The cost model (`system.plan = auto`): flops of each formulation, the GEMM layout measured fastest.
StepPlan estimate_plan(const Problem& problem, AlgorithmKind algorithm);

/// `system.plan = measure`: times each candidate's field evaluation at the problem's starting point and keeps
/// the fastest; bounded by min(2 s, 2 % of `steps` estimated steps) — beyond that the estimate stands.
/// Collective over the grid's communicator; every rank returns the same plan.
StepPlan measure_plan(const Problem& problem, const AlgorithmSpec& spec, long long steps);

/// The two words system.plan takes besides fixed plans (their table: model/words.hpp): the cost model's
/// estimate, or a measurement.
enum class PlanMode { Auto, Measure };

/// `system.plan`: "auto", "measure", or fixed plans (str() forms, separated by spaces; an algorithm not
/// listed gets the estimate). Throws UsageError for a plan the problem cannot run. Collective for "measure".
StepPlan choose_plan(const Problem& problem, const AlgorithmSpec& spec, const std::string& request,
                     long long steps);

/// The PBLAS reference (system.products = pdgemm): the products formulation on the PDGEMM path.
StepPlan reference_plan(AlgorithmKind algorithm);

/// Checks a system.plan value without a problem (config validation): "" when it parses, else why not.
std::string plan_request_error(const std::string& request);

const char* to_string(Formulation formulation);

/// Flops per field evaluation of each formulation (at n = m = 100, r = 99 the products cost ≈ 8.8 MFLOP,
/// the residual ≈ 5.9).
double evaluation_flops(const Problem& problem, AlgorithmKind algorithm, Formulation formulation);
double evaluation_flops(double n, double m, double r, AlgorithmKind algorithm, Formulation formulation);

} // namespace fasim::model
