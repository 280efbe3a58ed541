#include "fasim/model/step_plan.hpp"

#include "fasim/model/problem.hpp"
#include "fasim/parallel/error.hpp"

#include <sstream>

namespace fasim::model {

using linalg::Orientation;
using linalg::ProductPath;

namespace {
AlgorithmKind algorithm_named(std::string_view name) {
  for (auto kind : kAlgorithmKinds)
    if (name == to_string(kind)) return kind;
  throw UsageError("plan: unknown algorithm '" + std::string(name) +
                   "' (gd, fa, fastar, usf, frsf, kp or mixed)");
}

[[noreturn]] void bad_field(std::string_view field, std::string_view text) {
  throw UsageError(
      "plan '" + std::string(text) + "': cannot read '" + std::string(field) +
      "' (expected products|residual|sensing, zt_y=zt_y|yt_z, y_bt=y_bt|b_yt, path=panel|pdgemm)");
}

std::vector<std::string> split(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}
} // namespace

const char* to_string(Formulation f) {
  switch (f) {
  case Formulation::Products:
    return "products";
  case Formulation::Residual:
    return "residual";
  case Formulation::Sensing:
    break;
  }
  return "sensing";
}

std::string StepPlan::str() const {
  return std::string(to_string(algorithm)) + ":" + to_string(formulation) +
         ",zt_y=" + (zt_y == Orientation::ThinFirst ? "zt_y" : "yt_z") +
         ",y_bt=" + (y_bt == Orientation::YFirst ? "y_bt" : "b_yt") +
         ",path=" + (path == ProductPath::Panel ? "panel" : "pdgemm");
}

StepPlan StepPlan::parse(std::string_view text) {
  const auto colon = text.find(':');
  StepPlan plan;
  plan.algorithm = algorithm_named(text.substr(0, colon));
  if (colon == std::string_view::npos) return plan;
  std::string_view rest = text.substr(colon + 1);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view field = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (field == "products")
      plan.formulation = Formulation::Products;
    else if (field == "residual")
      plan.formulation = Formulation::Residual;
    else if (field == "sensing")
      plan.formulation = Formulation::Sensing;
    else if (field == "zt_y=zt_y")
      plan.zt_y = Orientation::ThinFirst;
    else if (field == "zt_y=yt_z")
      plan.zt_y = Orientation::YFirst;
    else if (field == "y_bt=y_bt")
      plan.y_bt = Orientation::YFirst;
    else if (field == "y_bt=b_yt")
      plan.y_bt = Orientation::ThinFirst;
    else if (field == "path=panel")
      plan.path = ProductPath::Panel;
    else if (field == "path=pdgemm")
      plan.path = ProductPath::Pdgemm;
    else
      bad_field(field, text);
  }
  return plan;
}

std::string plan_unsupported(const Problem& p, const StepPlan& plan) {
  // Sensing's field goes through the measurements, never through Y: it has one formulation of its own.
  if (p.sensing && plan.formulation != Formulation::Sensing)
    return "matrix sensing (problem.observe = sensing) runs on the sensing formulation only";
  if (plan.formulation == Formulation::Sensing) {
    if (!p.sensing) return "the sensing formulation needs problem.observe = sensing";
    if (plan.algorithm == AlgorithmKind::FAStar)
      return "fastar's W = (ZᵀZ)⁻¹ZᵀY has no closed form on measurements (problem.observe = sensing)";
    return {};
  }
  // Completion's E = P_Ω(Y − ZW) exists only panel by panel: the products formulation's Y·Bᵀ − Z(W·Bᵀ)
  // has no masked form.
  if (p.mask && plan.formulation != Formulation::Residual)
    return "matrix completion (problem.observe = completion) runs on the residual formulation only";
  if (plan.formulation != Formulation::Residual) return {};
  if (!p.target->dense() || !p.target->isotropic())
    return "the residual formulation needs a dense target with isotropic inputs";
  if (plan.path != ProductPath::Panel) return "the residual formulation runs on the panel path only";
  return {};
}

double evaluation_flops(const Problem& p, AlgorithmKind kind, Formulation f) {
  return evaluation_flops(p.n, p.m, p.r, kind, f);
}

double evaluation_flops(double n, double m, double r, AlgorithmKind kind, Formulation f) {
  const double pass = 2 * n * m * r, gram = n * r * r;
  if (f == Formulation::Residual) return 3 * pass + gram + (kind == AlgorithmKind::FAStar ? pass : 0.0);
  const double common = pass + gram + 2 * m * r * r + 2 * n * r * r; // ZᵀY, ZᵀZ, W·Bᵀ, Z·(W·Bᵀ)
  if (kind == AlgorithmKind::FAStar) return common;
  if (constant_feedback(kind)) return common + 2 * m * r * r; // FA: + (ZᵀZ)·W
  return common + pass + 2 * m * r * r; // GD and the rules: + Y·Bᵀ (B changes every step), (ZᵀZ)·W
}

StepPlan estimate_plan(const Problem& p, AlgorithmKind kind) {
  StepPlan plan;
  plan.algorithm = kind;
  // The layouts with Y first (Yᵀ·Z and Y·Bᵀ, an m×r and an n×r result) ran fastest in the measurements behind
  // issue 18 on SkylakeX kernels and are no slower on Zen (BENCHMARKS.md); `measure` checks on the machine.
  plan.zt_y = Orientation::YFirst;
  plan.y_bt = Orientation::YFirst;
  if (p.sensing) {
    plan.formulation = Formulation::Sensing;
    return plan;
  }
  StepPlan residual = plan;
  residual.formulation = Formulation::Residual;
  if (plan_unsupported(p, residual).empty() &&
      (p.mask ||
       evaluation_flops(p, kind, Formulation::Residual) < evaluation_flops(p, kind, Formulation::Products)))
    return residual;
  return plan;
}

std::vector<StepPlan> candidate_plans(const Problem& p, AlgorithmKind kind) {
  const StepPlan first = estimate_plan(p, kind);
  std::vector<StepPlan> plans{first};
  for (auto f : {Formulation::Products, Formulation::Residual})
    for (auto a : {Orientation::YFirst, Orientation::ThinFirst})
      for (auto b : {Orientation::YFirst, Orientation::ThinFirst}) {
        StepPlan plan;
        plan.algorithm = kind;
        plan.formulation = f;
        plan.zt_y = a;
        // Only the products of a changing B (GD, the rules) make a Y·Bᵀ pass; elsewhere its layout is left at
        // the default.
        const bool has_y_bt = !constant_feedback(kind) && f == Formulation::Products;
        plan.y_bt = has_y_bt ? b : first.y_bt;
        // The residual pass has one layout; only FA*'s ZᵀY (for W) uses zt_y there.
        if (f == Formulation::Residual && kind != AlgorithmKind::FAStar) plan.zt_y = first.zt_y;
        if (!plan_unsupported(p, plan).empty()) continue;
        bool seen = false;
        for (const auto& q : plans) seen = seen || q == plan;
        if (!seen) plans.push_back(plan);
      }
  return plans;
}

StepPlan reference_plan(AlgorithmKind kind) {
  StepPlan plan;
  plan.algorithm = kind;
  plan.path = ProductPath::Pdgemm;
  return plan;
}

std::string plan_request_error(const std::string& request) {
  if (request == "auto" || request == "measure") return {};
  const auto words = split(request);
  if (words.empty()) return "system.plan is empty (auto, measure, or plans such as fa:residual,path=panel)";
  try {
    for (const auto& w : words) StepPlan::parse(w);
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

StepPlan choose_plan(const Problem& p, const AlgorithmSpec& spec, const std::string& request,
                     long long steps) {
  if (request == "measure") return measure_plan(p, spec, steps);
  StepPlan plan = estimate_plan(p, spec.kind);
  if (request != "auto")
    for (const auto& w : split(request)) {
      const StepPlan fixed = StepPlan::parse(w);
      if (fixed.algorithm == spec.kind) plan = fixed;
    }
  if (const std::string why = plan_unsupported(p, plan); !why.empty())
    throw UsageError("system.plan: " + plan.str() + " cannot run here: " + why +
                     "; choose the products formulation or system.plan = auto");
  return plan;
}

} // namespace fasim::model
