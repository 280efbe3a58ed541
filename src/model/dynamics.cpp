#include "fasim/model/dynamics.hpp"

#include "fasim/linalg/panels.hpp"
#include "fasim/linalg/product_path.hpp"
#include "fasim/parallel/error.hpp"
#include "fasim/parallel/pblas.hpp"

#include <cmath>

namespace fasim::model {

using parallel::DistMatrix;
using parallel::Op;

State make_state(const Problem& p) {
  return {DistMatrix(p.grid, p.n, p.r, p.block, p.block), DistMatrix(p.grid, p.r, p.m, p.block, p.block)};
}

VectorField::VectorField(const Problem& problem, const AlgorithmSpec& spec) : problem_(problem), spec_(spec) {
  const auto& g = problem.grid;
  gram_ = DistMatrix(g, problem.r, problem.r, problem.block, problem.block);
  factor_ = DistMatrix::like(gram_);
  small_ = DistMatrix::like(gram_);
  zt_y_ = DistMatrix(g, problem.r, problem.m, problem.block, problem.block);
  if (!problem.target->isotropic()) sz_ = DistMatrix(g, problem.n, problem.r, problem.block, problem.block);
  if (spec.kind == AlgorithmKind::FA && spec.lr_w > 0) w_ratio_ = spec.lr_w / spec.lr;
  if (spec.kind == AlgorithmKind::FAStar && spec.scale_free) {
    const double c_norm = parallel::frobenius_norm(problem.c);
    scale_free_factor_ = 1.0 / (std::sqrt(problem.target->norm2()) * c_norm);
  }
  thin_ = linalg::product_path() == linalg::ProductPath::Panel && problem.target->isotropic();
  if (thin_ && spec.kind != AlgorithmKind::GD) c_panel_ = linalg::col_panel(problem.c, c_cols_, gather_);
}

namespace {
double local_trace(const DistMatrix& a) {
  double t = 0.0;
  for (int lj = 0; lj < a.local_cols(); ++lj)
    for (int li = 0; li < a.local_rows(); ++li)
      if (a.global_row({li}).value == a.global_col({lj}).value) t += a.local({li}, {lj});
  return t;
}
} // namespace

void VectorField::refresh(State& s) {
  if (spec_.kind != AlgorithmKind::FAStar) return;
  input_gram_of(*problem_.target, s.z, sz_, gram_);
  factor_.copy_from(gram_);
  parallel::potrf(factor_);
  problem_.target->zt_y(s.z, s.w);
  parallel::potrs(factor_, s.w);
}

double VectorField::evaluate_thin(State& s, State& d) {
  const int r = problem_.r;
  const linalg::PanelView z_rows = linalg::row_panel(s.z, z_rows_, gather_);
  linalg::tall_gram(s.z, z_rows, gram_small_, thin_ws_); // ZᵀZ, replicated
  const double z_norm2 = linalg::trace(gram_small_);
  if (!std::isfinite(z_norm2)) return z_norm2;
  linalg::PanelView w_cols;
  switch (spec_.kind) {
  case AlgorithmKind::GD:
    w_cols = linalg::col_panel(s.w, w_cols_, gather_);
    problem_.target->y_bt(s.w, d.z);                                          // YWᵀ
    linalg::wide_outer(s.w, w_cols, r, small_small_, thin_ws_);               // WWᵀ
    linalg::tall_times_small(z_rows, small_small_, -1.0, 1.0, d.z, thin_ws_); // − Z(WWᵀ)
    problem_.target->zt_y(s.z, d.w);                                          // ZᵀY
    linalg::small_times_wide(gram_small_, w_cols, -1.0, 1.0, d.w, thin_ws_);  // − (ZᵀZ)W
    break;
  case AlgorithmKind::FA:
    w_cols = linalg::col_panel(s.w, w_cols_, gather_);
    d.z.copy_from(problem_.y_ct);
    linalg::wide_outer(s.w, c_panel_, r, small_small_, thin_ws_); // WCᵀ
    linalg::tall_times_small(z_rows, small_small_, -1.0, 1.0, d.z, thin_ws_);
    problem_.target->zt_y(s.z, d.w);
    linalg::small_times_wide(gram_small_, w_cols, -w_ratio_, w_ratio_, d.w, thin_ws_);
    break;
  case AlgorithmKind::FAStar:
    linalg::distribute(gram_small_, factor_);
    parallel::potrf(factor_);
    problem_.target->zt_y(s.z, s.w);
    parallel::potrs(factor_, s.w); // W = (ZᵀZ)⁻¹ZᵀY
    d.z.copy_from(problem_.y_ct);
    linalg::wide_outer(s.w, c_panel_, r, small_small_, thin_ws_);
    linalg::tall_times_small(z_rows, small_small_, -1.0, 1.0, d.z, thin_ws_);
    if (spec_.scale_free) parallel::geadd(Op::None, 0.0, d.z, std::sqrt(z_norm2) * scale_free_factor_, d.z);
    d.w.set_zero();
    break;
  }
  return z_norm2;
}

double VectorField::evaluate(State& s, State& d) {
  if (thin_) return evaluate_thin(s, d);
  input_gram_of(*problem_.target, s.z, sz_, gram_); // ZᵀZ (ZᵀS Z for a linear network)
  // Where Ŷ = ZW enters, a linear network's dynamics see S·Z (S = XᵀX); S = I otherwise.
  const DistMatrix& zs = problem_.target->isotropic() ? s.z : sz_;
  const double z_norm2 =
      s.z.grid()->active() ? s.z.grid()->grid_comm().allreduce_sum(local_trace(gram_)) : 0.0;
  if (!std::isfinite(z_norm2))
    return z_norm2; // caller stops this trajectory; skip the solves that would throw
  switch (spec_.kind) {
  case AlgorithmKind::GD:
    problem_.target->y_bt(s.w, d.z);                                 // YWᵀ
    parallel::gemm(Op::None, Op::Trans, 1.0, s.w, s.w, 0.0, small_); // WWᵀ
    parallel::gemm(Op::None, Op::None, -1.0, zs, small_, 1.0, d.z);  // − Z(WWᵀ)
    problem_.target->zt_y(s.z, d.w);                                 // ZᵀY
    parallel::gemm(Op::None, Op::None, -1.0, gram_, s.w, 1.0, d.w);  // − (ZᵀZ)W
    break;
  case AlgorithmKind::FA:
    d.z.copy_from(problem_.y_ct);
    parallel::gemm(Op::None, Op::Trans, 1.0, s.w, problem_.c, 0.0, small_); // WCᵀ
    parallel::gemm(Op::None, Op::None, -1.0, zs, small_, 1.0, d.z);
    problem_.target->zt_y(s.z, d.w);
    parallel::gemm(Op::None, Op::None, -w_ratio_, gram_, s.w, w_ratio_, d.w);
    break;
  case AlgorithmKind::FAStar: {
    factor_.copy_from(gram_);
    parallel::potrf(factor_);
    problem_.target->zt_y(s.z, s.w);
    parallel::potrs(factor_, s.w); // W = (ZᵀZ)⁻¹ZᵀY
    d.z.copy_from(problem_.y_ct);
    parallel::gemm(Op::None, Op::Trans, 1.0, s.w, problem_.c, 0.0, small_);
    parallel::gemm(Op::None, Op::None, -1.0, zs, small_, 1.0, d.z);
    if (spec_.scale_free) parallel::geadd(Op::None, 0.0, d.z, std::sqrt(z_norm2) * scale_free_factor_, d.z);
    d.w.set_zero();
    break;
  }
  }
  return z_norm2;
}

void VectorField::evaluate_naive(State& s, State& d, DistMatrix& e) {
  // E = Y − ZW as an explicit n×m matrix, then the products with E: three passes over n×m data.
  const DistMatrix* y = problem_.target->dense();
  if (!y) throw Error("the naive formulation needs a dense target");
  if (spec_.kind == AlgorithmKind::FAStar) refresh(s);
  e.copy_from(*y);
  parallel::gemm(Op::None, Op::None, -1.0, s.z, s.w, 1.0, e);
  const DistMatrix& back = spec_.kind == AlgorithmKind::GD ? s.w : problem_.c;
  parallel::gemm(Op::None, Op::Trans, 1.0, e, back, 0.0, d.z);
  if (spec_.kind == AlgorithmKind::FAStar) {
    d.w.set_zero();
  } else {
    parallel::gemm(Op::Trans, Op::None, w_ratio_, s.z, e, 0.0, d.w);
  }
}

Integrator::Integrator(const Problem& p, IntegratorKind kind) : kind_(kind) {
  k1_ = make_state(p);
  if (kind == IntegratorKind::RK4) {
    k2_ = make_state(p);
    k3_ = make_state(p);
    k4_ = make_state(p);
    tmp_ = make_state(p);
  }
}

namespace {
// out = base + a·k
void axpy_state(State& out, const State& base, double a, const State& k) {
  out.z.copy_from(base.z);
  parallel::geadd(Op::None, a, k.z, 1.0, out.z);
  out.w.copy_from(base.w);
  parallel::geadd(Op::None, a, k.w, 1.0, out.w);
}
} // namespace

double Integrator::step(VectorField& field, State& s, double h) {
  if (kind_ == IntegratorKind::Euler) {
    // Simultaneous update: both increments from the same (Z, W).
    const double health = field.evaluate(s, k1_);
    if (!std::isfinite(health)) return health;
    parallel::geadd(Op::None, h, k1_.z, 1.0, s.z);
    parallel::geadd(Op::None, h, k1_.w, 1.0, s.w);
    return health;
  }
  const double health = field.evaluate(s, k1_);
  if (!std::isfinite(health)) return health;
  axpy_state(tmp_, s, h / 2, k1_);
  field.evaluate(tmp_, k2_);
  axpy_state(tmp_, s, h / 2, k2_);
  field.evaluate(tmp_, k3_);
  axpy_state(tmp_, s, h, k3_);
  field.evaluate(tmp_, k4_);
  for (State* k : {&k1_, &k4_}) {
    parallel::geadd(Op::None, h / 6, k->z, 1.0, s.z);
    parallel::geadd(Op::None, h / 6, k->w, 1.0, s.w);
  }
  for (State* k : {&k2_, &k3_}) {
    parallel::geadd(Op::None, h / 3, k->z, 1.0, s.z);
    parallel::geadd(Op::None, h / 3, k->w, 1.0, s.w);
  }
  return health;
}

} // namespace fasim::model
