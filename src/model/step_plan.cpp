#include "fasim/model/step_plan.hpp"

#include "fasim/model/problem.hpp"
#include "fasim/model/words.hpp"
#include "fasim/parallel/error.hpp"

#include <sstream>

namespace fasim::model {

using linalg::Orientation;
using linalg::ProductPath;

namespace {
AlgorithmKind algorithm_named(std::string_view name) {
  if (const auto kind = io::schema::parse<AlgorithmKind>(name)) return *kind;
  throw UsageError("plan: unknown algorithm '" + std::string(name) + "' (" +
                   io::schema::word_list<AlgorithmKind>(", ") + ")");
}

template <class E, std::size_t N> std::string alternatives(const io::schema::Named<E> (&list)[N]) {
  std::string out;
  for (const auto& n : list) out += (out.empty() ? "" : "|") + std::string(n.text);
  return out;
}

[[noreturn]] void bad_field(std::string_view field, std::string_view text) {
  throw UsageError("plan '" + std::string(text) + "': cannot read '" + std::string(field) + "' (expected " +
                   io::schema::word_list<Formulation>("|") + ", zt_y=" + alternatives(io::schema::kZtYWords) +
                   ", y_bt=" + alternatives(io::schema::kYBtWords) +
                   ", path=" + io::schema::word_list<ProductPath>("|") + ")");
}

std::vector<std::string> split(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}
} // namespace

const char* to_string(Formulation f) {
  return io::schema::to_string(f);
}

std::string StepPlan::str() const {
  using io::schema::word_of;
  return std::string(to_string(algorithm)) + ":" + to_string(formulation) +
         ",zt_y=" + word_of(io::schema::kZtYWords, zt_y) + ",y_bt=" + word_of(io::schema::kYBtWords, y_bt) +
         ",path=" + io::schema::to_string(path);
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
    // A formulation alone, or name=word for the passes' layouts and the product path (model/words.hpp).
    const auto eq = field.find('=');
    const std::string_view name = field.substr(0, eq),
                           word = eq == std::string_view::npos ? "" : field.substr(eq + 1);
    if (const auto f = io::schema::parse<Formulation>(field))
      plan.formulation = *f;
    else if (const auto zt_y =
                 name == "zt_y" ? io::schema::value_of(io::schema::kZtYWords, word) : std::nullopt)
      plan.zt_y = *zt_y;
    else if (const auto y_bt =
                 name == "y_bt" ? io::schema::value_of(io::schema::kYBtWords, word) : std::nullopt)
      plan.y_bt = *y_bt;
    else if (const auto path = name == "path" ? io::schema::parse<ProductPath>(word) : std::nullopt)
      plan.path = *path;
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
  if (io::schema::parse<PlanMode>(request)) return {};
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
  const std::optional<PlanMode> mode = io::schema::parse<PlanMode>(request);
  if (mode == PlanMode::Measure) return measure_plan(p, spec, steps);
  StepPlan plan = estimate_plan(p, spec.kind);
  if (!mode) // fixed plans
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
