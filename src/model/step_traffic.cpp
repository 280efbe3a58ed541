#include "fasim/model/step_traffic.hpp"

#include "fasim/model/problem.hpp"

namespace fasim::model {

namespace {
constexpr double kDouble = 8.0;

/// Totals over all P·Q ranks of one step, divided by P·Q at the end.
struct Totals {
  double bytes = 0, messages = 0;
  bool exact = true;
  int ranks = 1;

  /// One allreduce of `doubles` numbers (summed over the groups that run it side by side) in every group of
  /// `p` ranks; `groups` groups take part.
  void allreduce(int p, double doubles, int groups, double element = kDouble) {
    if (p < 2) return;
    bytes += 2.0 * (p - 1) * element * doubles;
    messages += static_cast<double>(p) * groups;
  }
  /// An allgatherv in every group of `p` ranks (all ranks take part) of pieces that add up to `doubles`.
  void allgather(int p, double doubles) {
    if (p < 2) return;
    bytes += (p - 1) * kDouble * doubles;
    messages += ranks;
  }
};

/// One field evaluation of the plan as fasim runs it today (see the products and passes in src/linalg):
/// Z's rows are gathered along the process row when Q > 1, W's (B's) columns along the process column when
/// P > 1 — unless the steps keep them replicated (model/panel_replica.hpp) — ZᵀZ is summed over the
/// process column and W·Bᵀ over the process row (over the grid for FA* on P > 1), passes over Y over the
/// dimension they contract.
void evaluation(const TrafficShape& p, const StepPlan& plan, Totals& t) {
  const int P = p.rows, Q = p.cols;
  const double n = p.n, m = p.m, r = p.r, rr = r * r;
  const AlgorithmKind kind = plan.algorithm;
  const bool fastar = kind == AlgorithmKind::FAStar, gd = kind == AlgorithmKind::GD;
  const bool constant = constant_feedback(kind);
  const bool residual = plan.formulation == Formulation::Residual;
  // Euler and RK4 steps keep Z's rows on every rank of the process row (model/panel_replica.hpp; the
  // conditions of VectorField::replicates_z): no gather, one int per evaluation to check the replica, and on
  // one process row the Gram matrix without a message.
  const bool replica = Q > 1 && p.isotropic && !(fastar && p.scale_free);
  // And W's columns on every rank of the process column (VectorField::replicates_w): no gather of W, one int
  // per evaluation over each process column.
  const bool w_replica = P > 1 && p.isotropic && !fastar;
  bool z_rows = replica, w_cols = w_replica;
  if (replica) t.allreduce(Q, P, P, 4.0);   // ZReplica::holds: one int over each process row
  if (w_replica) t.allreduce(P, Q, Q, 4.0); // WReplica::holds: one int over each process column
  if (w_replica && learned_feedback(kind)) t.allreduce(P, Q, Q, 4.0); // and kp's B's
  auto gather_z = [&] {
    if (!z_rows) t.allgather(Q, n * r);
    z_rows = true;
  };
  auto gather_w = [&] {
    if (!w_cols) t.allgather(P, r * m);
    w_cols = true;
  };
  // begin(): the Gram matrix ZᵀZ, or only ‖Z‖² for the residual formulation (FA* needs the Gram matrix).
  if (residual && !fastar) {
    t.allreduce(P * Q, 1, 1);
  } else { // SYRK on all r columns of my rows, summed over the process column (Q groups of P)
    if (Q > 1) gather_z();
    t.allreduce(P, rr * Q, Q);
  }
  if (fastar) { // W = (ZᵀZ)⁻¹·ZᵀY: one pass summed over the process column, then the solve
    t.allreduce(P, r * m, Q);
    // On P > 1 each rank solves for all r rows of its columns of W itself (model/problem.cpp's
    // solve_optimal_w): W's columns at hand without a message. Without isotropic inputs PDPOTRF + PDPOTRS of
    // the r×r Gram matrix: ScaLAPACK's own messages.
    if (P > 1 && p.isotropic) w_cols = true;
    if (P > 1 && !p.isotropic) t.exact = false;
  }
  // The feedback's columns: C is gathered once (pinned), W is the step's own, a rule's B is formed anew.
  auto gather_b = [&] {
    if (constant) return;
    if (gd)
      gather_w();
    else if (!w_replica) // with W's columns replicated a rule forms B's from them (and C's, pinned)
      t.allgather(P, r * m);
  };
  if (residual) {
    gather_z();
    if (!fastar) gather_w();
    gather_b();
    t.allreduce(Q, n * r, P);              // dZ's partial rows, summed over the process row
    if (!fastar) t.allreduce(P, r * m, Q); // dW's partial columns, summed over the process column
    return;
  }
  gather_b();
  // W·Bᵀ: with all r rows of W's columns (which dW needs anyway, FA*'s solve forms) summed over the process
  // row (P groups of Q); FA* without them sums its own rows of W over the grid instead of gathering W's
  // columns.
  if (P > 1 && fastar && !w_cols) {
    t.allreduce(P * Q, rr, 1);
  } else {
    gather_w();
    t.allreduce(Q, rr * P, P);
  }
  if (!constant) t.allreduce(Q, n * r, P); // Y·Bᵀ over the process row
  if (fastar) return;
  t.allreduce(P, r * m, Q); // ZᵀY over the process column
  gather_w();               // (ZᵀZ)·W needs W's columns
}

int evaluations(IntegratorKind integrator) {
  return integrator == IntegratorKind::RK4 ? 4 : 1;
}
} // namespace

TrafficShape TrafficShape::of(const Problem& p) {
  TrafficShape s;
  s.n = p.n;
  s.m = p.m;
  s.r = p.r;
  s.rows = p.grid->rows();
  s.cols = p.grid->cols();
  s.dense = p.target && p.target->dense() != nullptr;
  s.isotropic = p.target && p.target->isotropic();
  return s;
}

StepTraffic step_traffic(const Problem& p, const StepPlan& plan, IntegratorKind integrator, bool scale_free) {
  TrafficShape shape = TrafficShape::of(p);
  shape.scale_free = scale_free;
  return step_traffic(shape, plan, integrator);
}

StepTraffic traffic_floor(const Problem& p, AlgorithmKind kind, IntegratorKind integrator) {
  return traffic_floor(TrafficShape::of(p), kind, integrator);
}

StepTraffic step_traffic(const TrafficShape& p, const StepPlan& plan, IntegratorKind integrator) {
  StepTraffic out;
  if (!p.dense || plan.path != linalg::ProductPath::Panel) {
    out.modelled = false;
    return out;
  }
  Totals t;
  t.ranks = p.rows * p.cols;
  evaluation(p, plan, t);
  const double k = evaluations(integrator);
  out.bytes = k * t.bytes / t.ranks;
  out.messages = k * t.messages / t.ranks;
  out.exact = t.exact;
  return out;
}

StepTraffic traffic_floor(const TrafficShape& p, AlgorithmKind kind, IntegratorKind integrator) {
  // Z (n×r) held by every rank of its process row, W (r×m) by every rank of its process column, Y·Cᵀ formed
  // once: each rank then computes its rows of dZ and its columns of dW itself once these are summed.
  //   Products: W·Bᵀ (r×r) over the process row (P groups), ZᵀZ (r×r) and ZᵀY (r×m/Q) over the process
  //   column (Q groups), and for GD and the rules Y·Bᵀ (n/P×r) over the process row. A rule's B is formed
  //   from W where W is, so it moves nothing. Residual (E = Y − ZW never leaves its rank): E·Bᵀ (n/P×r) over
  //   the process row and Zᵀ·E (r×m/Q) over the process column — for FA*, whose W = (ZᵀZ)⁻¹·ZᵀY, ZᵀZ and
  //   ZᵀY instead (so its floor is the products one).
  // The floor is the smaller of the two.
  const int P = p.rows, Q = p.cols;
  const double n = p.n, m = p.m, r = p.r;
  Totals products, residual;
  products.ranks = residual.ranks = P * Q;
  products.allreduce(Q, r * r * P, P);
  products.allreduce(P, (r * r + r * m / Q) * Q, Q); // ZᵀZ and ZᵀY in one message
  if (!constant_feedback(kind)) products.allreduce(Q, n * r, P);
  residual.allreduce(Q, n * r, P);
  if (kind != AlgorithmKind::FAStar)
    residual.allreduce(P, r * m, Q);
  else
    residual.allreduce(P, (r * r + r * m / Q) * Q, Q);
  const Totals& t = residual.bytes < products.bytes ? residual : products;
  StepTraffic out;
  const double k = evaluations(integrator);
  out.bytes = k * t.bytes / t.ranks;
  out.messages = k * t.messages / t.ranks;
  return out;
}

double projected_step_seconds(const TrafficShape& p, const StepPlan& plan, IntegratorKind integrator,
                              int ranks_per_node, const StepTimeModel& machine) {
  const int ranks = p.rows * p.cols;
  const double flops =
      evaluations(integrator) * evaluation_flops(p.n, p.m, p.r, plan.algorithm, plan.formulation);
  const StepTraffic traffic = step_traffic(p, plan, integrator);
  const double compute = flops / ranks / (machine.gflops_per_rank * 1e9);
  const double nodes = static_cast<double>(ranks) / ranks_per_node;
  // The ranks of one node share its link; with one node nothing crosses a link.
  const double wire = nodes > 1 ? traffic.bytes * ranks_per_node / (machine.link_gbits * 1e9 / 8) +
                                      traffic.messages * machine.latency_s
                                : 0.0;
  return compute + wire;
}

} // namespace fasim::model
