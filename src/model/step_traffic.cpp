#include "fasim/model/step_traffic.hpp"

#include "fasim/model/problem.hpp"
#include "fasim/model/target.hpp"

#include <algorithm>
#include <cmath>

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
  /// One alltoallv over the grid in which `doubles` numbers in all leave their rank.
  void alltoall(double doubles) {
    if (ranks < 2) return;
    bytes += kDouble * doubles;
    messages += ranks;
  }
};

/// The numbers a diagonal target's product moves (linalg::transpose_leading): the leading k rows of Z (n×r)
/// to ZᵀY's r×k corner, or B's (r×m) leading k columns to Y·Bᵀ's — element (i, j), i < k, j < r, in block (I,
/// J) = (i/b, j/b) on process (I mod P, J mod Q), lands on (J mod P, I mod Q). Counted block by block.
double leading_moved(double k, double r, int block, int P, int Q) {
  const double b = block;
  double moved = 0;
  for (long I = 0; I * b < k; ++I)
    for (long J = 0; J * b < r; ++J)
      if (I % P != J % P || J % Q != I % Q) moved += std::min(b, k - I * b) * std::min(b, r - J * b);
  return moved;
}

/// One field evaluation of the plan as fasim runs it today (see the products and passes in src/linalg):
/// Z's rows are gathered along the process row when Q > 1, W's (B's) columns along the process column when
/// P > 1 — unless the steps keep them replicated (model/panel_replica.hpp) — ZᵀZ is summed over the
/// process column and W·Bᵀ over the process row (over the grid for FA* on P > 1), passes over Y over the
/// dimension they contract. A factored Y = UΣVᵀ (model/factored_target.cpp) replaces the passes by r×k
/// products: ZᵀU from Z's rows summed over the process column (ZᵀY's rows of my columns are then (ZᵀU)Σ·Vᵀ,
/// local), B·V from B's columns summed over the process row (Y·Bᵀ's columns of my rows U·Σ(B·V)ᵀ, local).
void evaluation(const TrafficShape& p, const StepPlan& plan, Totals& t) {
  const int P = p.rows, Q = p.cols;
  const double n = p.n, m = p.m, r = p.r, rr = r * r;
  // What one process column's sum of ZᵀY holds (r × its columns; factored: ZᵀU, r×k), and one process row's
  // of Y·Bᵀ (its rows × r; factored: B·V, r×k), summed over the groups. A diagonal Y's are transposes of
  // Z's leading k rows and B's leading k columns instead: one all-to-all each, no sum.
  const double zt_y = p.factored ? r * p.k * Q : r * m, y_bt = p.factored ? r * p.k * P : n * r;
  const double moved = p.diagonal ? leading_moved(p.k, r, p.block, P, Q) : 0.0;
  auto sum_zt_y = [&] { p.diagonal ? t.alltoall(moved) : t.allreduce(P, zt_y, Q); };
  auto sum_y_bt = [&] { p.diagonal ? t.alltoall(moved) : t.allreduce(Q, y_bt, P); };
  const AlgorithmKind kind = plan.algorithm;
  const bool fastar = kind == AlgorithmKind::FAStar, gd = kind == AlgorithmKind::GD;
  const bool constant = constant_feedback(kind);
  const bool residual = plan.formulation == Formulation::Residual;
  // Euler and RK4 steps keep Z's rows on every rank of the process row (model/panel_replica.hpp; the
  // conditions of VectorField::replicates_z): no gather, one int per evaluation to check the replica, and on
  // one process row the Gram matrix without a message. A diagonal Y gives no rows of Y·Bᵀ nor columns of ZᵀY
  // without a message (Target::full_panels): Z's rows only under a constant feedback, W's columns never.
  const bool full = !p.diagonal;
  const bool replica = Q > 1 && p.isotropic && (full || constant);
  // And W's columns on every rank of the process column (VectorField::replicates_w): no gather of W, one int
  // per evaluation over each process column.
  const bool w_replica = P > 1 && p.isotropic && !fastar && full;
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
    sum_zt_y();
    // On P > 1 each rank solves for all r rows of its columns of W itself (model/problem.cpp's
    // solve_optimal_w): W's columns at hand without a message. Without isotropic inputs (or with a diagonal
    // Y) PDPOTRF + PDPOTRS of the r×r Gram matrix: ScaLAPACK's own messages.
    if (P > 1 && p.isotropic && full) w_cols = true;
    if (P > 1 && !(p.isotropic && full)) t.exact = false;
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
  if (!constant) sum_y_bt(); // Y·Bᵀ (factored: B·V) over the process row
  if (fastar) return;
  sum_zt_y(); // ZᵀY (factored: ZᵀU) over the process column
  gather_w(); // (ZᵀZ)·W needs W's columns
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
  s.factored = p.target && p.target->left_factor() != nullptr;
  const auto* diagonal = dynamic_cast<const DiagonalTarget*>(p.target.get());
  s.diagonal = diagonal != nullptr;
  s.k = s.factored ? p.target->left_factor()->cols()
        : diagonal ? static_cast<double>(diagonal->sigma().size())
                   : 0;
  s.block = p.block;
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
  // A factored or diagonal Y runs the products formulation only (plan_unsupported); a diagonal one's
  // all-to-alls are counted on its block layout.
  const bool covered =
      p.dense || ((p.factored || (p.diagonal && p.block > 0)) && plan.formulation == Formulation::Products);
  if (!covered || plan.path != linalg::ProductPath::Panel) {
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
  // A factored Y = UΣVᵀ: ZᵀU (r×k) over the process column gives every column of ZᵀY = (ZᵀU)ΣVᵀ, and B·V
  // (r×k) over the process row every row of Y·Bᵀ = UΣ(B·V)ᵀ, where k is below a rank's m/Q columns (n/P
  // rows); else the dense sums are smaller. A diagonal Y (neither dense nor factored) needs no sum for them:
  // (ZᵀY)_ij = σ_j·Z_ji, formed in place by a layout that keeps Z's row j beside W's column j (the step's
  // all-to-alls, transpose_leading, are not modelled).
  const int P = p.rows, Q = p.cols;
  const double n = p.n, m = p.m, r = p.r;
  Totals products, residual;
  products.ranks = residual.ranks = P * Q;
  products.allreduce(Q, r * r * P, P);
  if (p.factored) {
    products.allreduce(P, (r * r + r * std::min(p.k, m / Q)) * Q, Q); // ZᵀZ and ZᵀU in one message
    if (!constant_feedback(kind)) products.allreduce(Q, r * std::min(p.k, n / P) * P, P);
  } else if (!p.dense) { // diagonal: ZᵀY's and Y·Bᵀ's entries are Z's and B's own, scaled; no sum
    products.allreduce(P, r * r * Q, Q);
  } else {
    products.allreduce(P, (r * r + r * m / Q) * Q, Q); // ZᵀZ and ZᵀY in one message
    if (!constant_feedback(kind)) products.allreduce(Q, n * r, P);
  }
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

double step_flops_per_rank(const TrafficShape& p, const StepPlan& plan, IntegratorKind integrator) {
  const int P = p.rows, Q = p.cols;
  if (!p.factored && !p.diagonal)
    return evaluations(integrator) * evaluation_flops(p.n, p.m, p.r, plan.algorithm, plan.formulation) /
           (P * Q);
  // Per evaluation on the busiest rank (process row and column 0: block-cyclic shares round up to whole
  // blocks, and with r <= grid.block all r columns of Z and rows of W are theirs): an owner's product on its
  // own piece, and with a replica the same product on all r columns of its rows (rows of its columns), block
  // by block (linalg/replicated_rows.hpp).
  const auto share = [&](double size, int procs) {
    return p.block > 0 ? std::min(size, std::ceil(std::ceil(size / p.block) / procs) * p.block)
                       : size / procs;
  };
  const AlgorithmKind kind = plan.algorithm;
  const bool fastar = kind == AlgorithmKind::FAStar;
  // A diagonal Y's products are transposes (no flops worth counting) and it keeps Z's rows only under a
  // constant feedback, W's columns never.
  const bool z_rep = Q > 1 && (p.factored || constant_feedback(kind)), w_rep = P > 1 && !fastar && p.factored;
  const double r = p.r, k = p.factored ? p.k : 0.0, rows = share(p.n, P), cols = share(p.m, Q),
               zc = share(r, Q), wr = share(r, P);
  double f = rows * r * r;               // ZᵀZ: SYRK on all r columns of my rows
  const double cross = 2 * rows * r * k; // ZᵀU from my rows
  if (fastar) {                          // W = (ZᵀZ)⁻¹(ZᵀU)ΣVᵀ, solved for all r rows of my columns
    f += r * r * r / 3 + cross + 2 * wr * cols * k + (P > 1 ? 2 * r * cols * k : 0.0) + 2 * r * r * cols;
  } else {
    f += cross + 2 * wr * cols * k + (w_rep ? 2 * r * cols * k : 0.0); // ZᵀY = (ZᵀU)Σ·Vᵀ
    f += 2 * wr * r * cols + (w_rep ? 2 * r * r * cols : 0.0);         // (ZᵀZ)·W
  }
  if (!constant_feedback(kind)) // Y·Bᵀ = U·Σ(B·V)ᵀ: B·V from my columns, then my rows
    f += 2 * r * cols * k + 2 * rows * zc * k + (z_rep ? 2 * rows * r * k : 0.0);
  f += 2 * r * r * cols;                                     // W·Bᵀ from all r rows of my columns
  f += 2 * rows * zc * r + (z_rep ? 2 * rows * r * r : 0.0); // Z·(W·Bᵀ)
  return evaluations(integrator) * f;
}

double projected_step_seconds(const TrafficShape& p, const StepPlan& plan, IntegratorKind integrator,
                              int ranks_per_node, const StepTimeModel& machine) {
  const int ranks = p.rows * p.cols;
  const StepTraffic traffic = step_traffic(p, plan, integrator);
  const double compute = step_flops_per_rank(p, plan, integrator) / (machine.gflops_per_rank * 1e9);
  const double nodes = static_cast<double>(ranks) / ranks_per_node;
  // The ranks of one node share its link; with one node nothing crosses a link.
  const double wire = nodes > 1 ? traffic.bytes * ranks_per_node / (machine.link_gbits * 1e9 / 8) +
                                      traffic.messages * machine.latency_s
                                : 0.0;
  return compute + wire;
}

} // namespace fasim::model
