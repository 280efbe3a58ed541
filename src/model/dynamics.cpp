#include "fasim/model/dynamics.hpp"

#include "fasim/linalg/panels.hpp"
#include "fasim/linalg/products.hpp"
#include "fasim/linalg/replicated_rows.hpp"
#include "fasim/model/entrywise.hpp"
#include "fasim/model/feedback_rules.hpp"
#include "fasim/parallel/error.hpp"
#include "fasim/parallel/pblas.hpp"

#include <cmath>

namespace fasim::model {

using parallel::DistMatrix;
using parallel::Op;

State make_state(const Problem& p) {
  return {DistMatrix(p.grid, p.n, p.r, p.block, p.block), DistMatrix(p.grid, p.r, p.m, p.block, p.block), {}};
}

State make_state(const Problem& p, AlgorithmKind algorithm) {
  State s = make_state(p);
  if (learned_feedback(algorithm)) s.b = DistMatrix::like(s.w);
  return s;
}

State initial_state(const Problem& p, AlgorithmKind algorithm) {
  State s = make_state(p, algorithm);
  s.z.copy_from(p.z0);
  s.w.copy_from(p.w0);
  if (s.has_feedback()) s.b.copy_from(p.c); // B(0) = C
  return s;
}

VectorField::VectorField(const Problem& problem, const AlgorithmSpec& spec)
    : VectorField(problem, spec, estimate_plan(problem, spec.kind)) {}

VectorField::VectorField(const Problem& problem, const AlgorithmSpec& spec, const StepPlan& plan)
    : problem_(problem), spec_(spec) {
  if (!problem.target->isotropic()) ctx_.sz = DistMatrix::like(problem.z0);
  ctx_.factor = DistMatrix(problem.grid, problem.r, problem.r, problem.block, problem.block);
  if (spec.kind != AlgorithmKind::FAStar && spec.lr_w > 0) w_ratio_ = spec.lr_w / spec.lr;
  if (formed_feedback(spec.kind)) formed_feedback_ = DistMatrix::like(problem.w0);
  if (problem.sensing) ctx_.sensing = problem.sensing->workspace(problem.r);
  if (spec.kind == AlgorithmKind::FAStar && spec.scale_free) {
    const double c_norm = parallel::frobenius_norm(problem.c);
    scale_free_factor_ = 1.0 / (std::sqrt(problem.target->norm2()) * c_norm);
  }
  set_plan(plan);
}

void VectorField::set_plan(const StepPlan& plan) {
  if (const std::string why = plan_unsupported(problem_, plan); !why.empty())
    throw UsageError("plan " + plan.str() + ": " + why);
  if (plan.algorithm != spec_.kind)
    throw UsageError("plan " + plan.str() + " is not for " + to_string(spec_.kind));
  ctx_.products = linalg::ProductContext();
  ctx_.set_plan(plan);
  replica_.drop();
  w_replica_.drop();
  b_replica_.drop();
  // C's columns never change: gathered once, here (collective: every rank builds the field). A rule forms
  // its B's columns from W's replicated ones and C's (derivatives).
  if ((constant_feedback(spec_.kind) || (formed_feedback(spec_.kind) && replicates_w())) &&
      problem_.grid->active() && plan.path == linalg::ProductPath::Panel)
    ctx_.products.pin<linalg::Coord::Col>(problem_.c);
}

bool VectorField::replicates_z() const {
  const StepPlan& plan = ctx_.plan;
  if (plan.path != linalg::ProductPath::Panel || problem_.grid->cols() < 2 || !problem_.target->isotropic() ||
      plan.formulation == Formulation::Sensing) // sensing's field takes Z whole (PBLAS), never its row panel
    return false;
  // dZ's rows need Y·Cᵀ's (a constant), or all r columns of Y·Bᵀ's rows (the pass over a dense Y, the
  // factored target's U·Σ(B·V)ᵀ: Target::y_bt_rows), or the residual pass's.
  return constant_feedback(spec_.kind) || problem_.target->full_panels();
}

bool VectorField::replicates_w() const {
  // dW's columns need all r rows of ZᵀY's columns (the pass over a dense Y, summed over the process column;
  // the factored target's (ZᵀU)Σ·Vᵀ: Target::zt_y_cols) and W's own (kp: and its B's, kept by a second
  // replica); FA* solves for W. Sensing's field takes W whole (PBLAS), never its column panel.
  return ctx_.plan.path == linalg::ProductPath::Panel && problem_.grid->rows() > 1 &&
         ctx_.plan.formulation != Formulation::Sensing && problem_.target->isotropic() &&
         problem_.target->full_panels() && spec_.kind != AlgorithmKind::FAStar;
}

double VectorField::begin(const DistMatrix& z) {
  ctx_.products.forget();
  // Z's rows from the replica when it holds them (no gather); the Gram matrix, summed over the process column
  // (linalg::tall_gram), then needs no message on one process row.
  const bool replica = mirrored_ && replicates_z() && replica_.holds(z);
  if (replica) ctx_.products.provide<linalg::Coord::Row>(z, replica_.view(z));
  tracking_ = mirrored_ && replicates_z();
  if (tracking_ && !replica) replica_.adopt(z, ctx_.products.panel_of<linalg::Coord::Row>(z)); // gathered

  if (ctx_.plan.formulation != Formulation::Products && spec_.kind != AlgorithmKind::FAStar) {
    // The residual pass needs no Gram matrix (n·r² flops, a sixth of the step at r = n), nor does sensing's:
    // ‖Z‖²_F directly.
    double local = 0.0;
    for (int lj = 0; lj < z.local_cols(); ++lj) {
      const double* col = z.data() + static_cast<std::size_t>(lj) * z.lld();
      for (int li = 0; li < z.local_rows(); ++li) local += col[li] * col[li];
    }
    zs_ = &z;
    return z.grid()->grid_comm().allreduce_sum(local);
  }
  zs_ = &input_gram_of(*problem_.target, z, ctx_.sz, ctx_.gram, ctx_.products);
  return linalg::trace(ctx_.gram);
}

const DistMatrix& VectorField::feedback(const State& s) {
  switch (spec_.kind) {
  case AlgorithmKind::GD:
    return s.w;
  case AlgorithmKind::FA:
  case AlgorithmKind::FAStar:
  case AlgorithmKind::DFA: // the two-factor model is a network with one hidden layer: D_1 = C
    return problem_.c;
  case AlgorithmKind::KP:
    FASIM_REQUIRE(s.has_feedback(), "kp: the state has no B (make it with make_state(problem, kp))");
    return s.b;
  case AlgorithmKind::USF:
  case AlgorithmKind::FRSF:
  case AlgorithmKind::Mixed:
    form_feedback(spec_.kind, spec_.alpha, s.w, problem_.c, formed_feedback_);
    break;
  }
  return formed_feedback_;
}

void VectorField::derivatives(const State& s, const DistMatrix& b, State& d) {
  linalg::ProductContext& ctx = ctx_.products;
  const DistMatrix &z = s.z, &w = s.w;
  DistMatrix* dw = spec_.kind == AlgorithmKind::FAStar ? nullptr : &d.w;
  // W's columns from their replica when it holds them (no gather along the process column).
  tracking_w_ = mirrored_ && replicates_w();
  if (tracking_w_) {
    if (w_replica_.holds(w))
      ctx.provide<linalg::Coord::Col>(w, w_replica_.view(w));
    else
      w_replica_.adopt(w, ctx.panel_of<linalg::Coord::Col>(w)); // gathered
    if (learned_feedback(spec_.kind)) {                         // kp's learned B: its own replica
      if (b_replica_.holds(b))
        ctx.provide<linalg::Coord::Col>(b, b_replica_.view(b));
      else
        b_replica_.adopt(b, ctx.panel_of<linalg::Coord::Col>(b));
    }
    if (formed_feedback(spec_.kind)) { // a rule's B's columns from W's and C's: no gather of B either
      const int r = std::max(1, w.rows());
      b_cols_.resize(static_cast<std::size_t>(r) * std::max(1, w.local_cols()));
      form_feedback_panel(spec_.kind, spec_.alpha, w.rows(), w.local_cols(),
                          ctx.panel_of<linalg::Coord::Col>(w), ctx.panel_of<linalg::Coord::Col>(problem_.c),
                          b_cols_.data(), r);
      ctx.provide<linalg::Coord::Col>(b, {b_cols_.data(), r});
    }
  }
  if (ctx_.plan.formulation == Formulation::Sensing) {
    // dZ = 𝒜*(r)·Bᵀ, dW = ρ·Zᵀ·𝒜*(r), r = y − 𝒜(ZW) (model/sensing.hpp).
    problem_.sensing->field(z, w, b, d.z, dw, w_ratio_, ctx_.sensing);
  } else if (ctx_.plan.formulation == Formulation::Residual) {
    // dZ = (Y − ZW)·Bᵀ, dW = ρ·Zᵀ(Y − ZW) in one pass.
    linalg::residual_pass(*problem_.target->dense(), ctx.panel_of<linalg::Coord::Row>(z),
                          ctx.panel_of<linalg::Coord::Col>(w), ctx.panel_of<linalg::Coord::Col>(b),
                          problem_.r, d.z, dw, w_ratio_, ctx.pass, problem_.mask.get());
    if (tracking_) // the pass summed all r columns of dZ's rows over the process row
      std::copy_n(ctx.pass.partial.data(), static_cast<std::size_t>(std::max(1, z.local_rows())) * z.cols(),
                  replica_.increment(d.z));
    if (tracking_w_) { // the pass summed all r rows of dW's columns over the process column; the owners' ρ·
      const double* sum = ctx.pass.spare.data();
      double* dw_cols = w_replica_.increment(d.w);
      for (std::size_t i = 0, k = static_cast<std::size_t>(w.local_cols()) * w.rows(); i < k; ++i)
        dw_cols[i] = w_ratio_ * sum[i];
    }
  } else {
    // dZ = Y·Bᵀ − Z(W·Bᵀ), with Y·Cᵀ the problem's constant.
    const double* y_bt_rows = nullptr;
    if (constant_feedback(spec_.kind)) {
      d.z.copy_from(problem_.y_ct);
    } else {
      problem_.target->y_bt(b, d.z, ctx);
      if (tracking_) { // all r columns of Y·Bᵀ's rows, without a message
        y_bt_rows_.resize(static_cast<std::size_t>(std::max(1, z.local_rows())) * z.cols());
        problem_.target->y_bt_rows(d.z, ctx, y_bt_rows_.data());
        y_bt_rows = y_bt_rows_.data();
      }
    }
    // dW needs all r rows of W's columns below: at hand now, W·Bᵀ is summed over the process row only.
    if (dw) ctx.panel_of<linalg::Coord::Col>(w);
    linalg::outer(w, b, ctx_.feedback, ctx);
    linalg::times_small(*zs_, ctx_.feedback, -1.0, 1.0, d.z, ctx);
    if (tracking_) replica_dz_rows(s, b, d, y_bt_rows);
    if (!dw) return;
    // dW = ρ·(ZᵀY − (ZᵀZ)W)
    problem_.target->zt_y(z, *dw, ctx);
    if (tracking_w_) problem_.target->zt_y_cols(*dw, ctx, w_replica_.increment(d.w));
    linalg::small_times(ctx_.gram, w, -w_ratio_, w_ratio_, *dw, ctx);
    if (tracking_w_)
      linalg::owners_small_times(*dw, ctx_.gram, ctx.panel_of<linalg::Coord::Col>(w), -w_ratio_, w_ratio_,
                                 w_replica_.increment(d.w), std::max(1, w.rows()), ctx.thin);
  }
  if (learned_feedback(spec_.kind)) {
    learned_feedback_terms(s, d);
    if (tracking_w_) { // the same terms on the replicas' columns, before dW's columns become dW's
      const double decay = w_ratio_ * spec_.decay;
      double *g = w_replica_.increment(d.w), *db = b_replica_.increment(d.b);
      const double *bc = b_replica_.view(s.b).data, *wc = w_replica_.view(s.w).data;
      for (std::size_t i = 0, k = static_cast<std::size_t>(w.local_cols()) * w.rows(); i < k; ++i) {
        db[i] = g[i] - decay * bc[i];
        g[i] = g[i] - decay * wc[i];
      }
    }
  }
}

void VectorField::replica_dz_rows(const State& s, const DistMatrix&, State& d, const double* y_bt_rows) {
  linalg::ProductContext& ctx = ctx_.products;
  const int rows = std::max(1, s.z.local_rows()), r = s.z.cols();
  double* dz = replica_.increment(d.z);
  // dZ's rows = (Y·Cᵀ or Y·Bᵀ)'s rows − Z_rows·(W·Bᵀ), each column block as its owner computed it into d.z.
  if (y_bt_rows)
    std::copy_n(y_bt_rows, static_cast<std::size_t>(rows) * r, dz);
  else
    std::copy_n(ctx.pin<linalg::Coord::Row>(problem_.y_ct).data, static_cast<std::size_t>(rows) * r, dz);
  linalg::owners_times_small(d.z, ctx.panel_of<linalg::Coord::Row>(s.z), ctx_.feedback, -1.0, dz, rows,
                             ctx.thin);
}

void VectorField::added(double a, const State& x, const State& y) {
  mirrored_ = true;
  replica_.add_scaled(a, x.z, y.z);
  w_replica_.add_scaled(a, x.w, y.w);
  if (y.has_feedback()) b_replica_.add_scaled(a, x.b, y.b);
}

void VectorField::assigned(const State& out, const State& base) {
  mirrored_ = true;
  replica_.assign(out.z, base.z);
  w_replica_.assign(out.w, base.w);
  if (out.has_feedback()) b_replica_.assign(out.b, base.b);
}

void VectorField::forget_increments(const State& d) {
  replica_.forget(d.z);
  w_replica_.forget(d.w);
  if (d.has_feedback()) b_replica_.forget(d.b);
}

void VectorField::learned_feedback_terms(const State& s, State& d) const {
  FASIM_REQUIRE(d.has_feedback(), "kp: the derivative has no dB (make it with make_state(problem, kp))");
  const double decay = w_ratio_ * spec_.decay;
  // Both from the same ρ·Zᵀ(Y − ZW): B − W then obeys d(B − W)/dt = −ρλ(B − W).
  entrywise(d.w, s.b, d.b, [decay](double g, double b) { return g - decay * b; });
  entrywise(d.w, s.w, d.w, [decay](double g, double w) { return g - decay * w; });
}

void VectorField::refresh(State& s) {
  if (spec_.kind != AlgorithmKind::FAStar || !problem_.grid->active()) return;
  begin(s.z);
  solve_optimal_w(*problem_.target, s.z, ctx_.gram, ctx_.factor, s.w, ctx_.products);
}

double VectorField::evaluate(State& s, State& d) {
  if (!problem_.grid->active()) return 0.0;
  forget_increments(d);
  const double z_norm2 = begin(s.z);
  if (!std::isfinite(z_norm2))
    return z_norm2; // caller stops this trajectory; skip the solves that would throw
  if (spec_.kind == AlgorithmKind::FAStar) {
    solve_optimal_w(*problem_.target, s.z, ctx_.gram, ctx_.factor, s.w, ctx_.products); // W = (ZᵀZ)⁻¹ZᵀY
  }
  derivatives(s, feedback(s), d);
  if (spec_.kind == AlgorithmKind::FAStar) {
    if (spec_.scale_free) { // dZ·‖Z‖_F/(‖Y‖_F‖C‖_F): on Z's replicated rows too, the same product per element
      const double f = std::sqrt(z_norm2) * scale_free_factor_;
      parallel::geadd(Op::None, 0.0, d.z, f, d.z);
      if (tracking_) {
        double* dz = replica_.increment(d.z);
        for (std::size_t i = 0, k = static_cast<std::size_t>(std::max(1, s.z.local_rows())) * s.z.cols();
             i < k; ++i)
          dz[i] *= f;
      }
    }
    d.w.set_zero();
  }
  return z_norm2;
}

double VectorField::evaluate_fixed(const State& s, State& d) {
  FASIM_REQUIRE(spec_.kind != AlgorithmKind::FAStar, "evaluate_fixed: FA* changes W");
  if (!problem_.grid->active()) return 0.0;
  forget_increments(d);
  const double z_norm2 = begin(s.z);
  derivatives(s, feedback(s), d);
  return z_norm2;
}

void VectorField::evaluate_naive(State& s, State& d, DistMatrix& e) {
  // E = Y − ZW as an explicit n×m matrix, then the products with E: three passes over n×m data.
  const DistMatrix* y = problem_.target->dense();
  FASIM_REQUIRE(y != nullptr, "the naive formulation needs a dense target");
  if (problem_.mask) throw UsageError("the naive formulation has no masked form: bench completion as fast");
  if (problem_.sensing) throw UsageError("the naive formulation has no sensing form: bench sensing as fast");
  if (spec_.kind == AlgorithmKind::FAStar) refresh(s);
  e.copy_from(*y);
  parallel::gemm(Op::None, Op::None, -1.0, s.z, s.w, 1.0, e);
  parallel::gemm(Op::None, Op::Trans, 1.0, e, feedback(s), 0.0, d.z);
  if (spec_.kind == AlgorithmKind::FAStar) {
    d.w.set_zero();
  } else {
    parallel::gemm(Op::Trans, Op::None, w_ratio_, s.z, e, 0.0, d.w);
    if (learned_feedback(spec_.kind)) learned_feedback_terms(s, d);
  }
}

Integrator::Integrator(const Problem& p, IntegratorKind kind, AlgorithmKind algorithm)
    : BasicIntegrator<State>(kind, [&] { return make_state(p, algorithm); }) {}

void add_scaled(double a, const State& x, State& y) {
  model::add_scaled(a, x.z, y.z);
  model::add_scaled(a, x.w, y.w);
  if (y.has_feedback()) model::add_scaled(a, x.b, y.b);
}

void assign(State& out, const State& base) {
  out.z.copy_from(base.z);
  out.w.copy_from(base.w);
  if (out.has_feedback()) out.b.copy_from(base.b);
}

} // namespace fasim::model
