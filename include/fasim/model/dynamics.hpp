#pragma once
// The three learning dynamics as vector fields F(Z, W) -> (dZ/dt, dW/dt), and the integrators that advance
// them. Time is measured in units of the Z learning rate: one Euler step of size h = lr is the paper's
// update.
#include "fasim/model/integrator.hpp"
#include "fasim/model/panel_replica.hpp"
#include "fasim/model/problem.hpp"
#include "fasim/model/specs.hpp"
#include "fasim/model/step_context.hpp"

#include <string>

namespace fasim::model {

struct State {
  parallel::DistMatrix z; ///< n×r
  parallel::DistMatrix w; ///< r×m
  parallel::DistMatrix b; ///< kp's learned feedback B (r×m, W's layout); not allocated for the others
  bool has_feedback() const { return b.grid() != nullptr; }
};

/// The vector field of one algorithm, written once for every plan (step_plan.hpp). Holds its step context,
/// allocated once: evaluating it allocates nothing and does no I/O.
///   GD:  dZ = (Y−ZW)Wᵀ = YWᵀ − Z(WWᵀ)        dW = Zᵀ(Y−ZW) = ZᵀY − (ZᵀZ)W
///   FA:  dZ = (Y−ZW)Cᵀ = YCᵀ − Z(WCᵀ)        dW = ρ·(ZᵀY − (ZᵀZ)W), ρ = lr_w/lr
///   FA*: W = (ZᵀZ)⁻¹ZᵀY (Cholesky), then dZ = YCᵀ − Z(WCᵀ) [× ‖Z‖_F/(‖Y‖_F‖C‖_F) when scale-free], dW = 0
///   rules (usf, frsf, kp, mixed): GD's formulas with a feedback matrix B(t) for W: dZ = YBᵀ − Z(WBᵀ),
///   dW = ρ·(ZᵀY − (ZᵀZ)W); kp also dB = ρ·(ZᵀY − (ZᵀZ)W − λB) and its dW gets −ρλW.
/// The products formulation uses the right-hand forms (Y·Cᵀ is the problem's constant: FA and FA* make one
/// pass over Y, GD two); the residual formulation the left-hand ones, with Y − ZW formed panel by panel.
class VectorField {
public:
  /// With the cost model's plan (system.plan = auto).
  VectorField(const Problem& problem, const AlgorithmSpec& spec);
  VectorField(const Problem& problem, const AlgorithmSpec& spec, const StepPlan& plan);
  VectorField(const VectorField&) = delete; // the context's panels may point into its own storage
  VectorField& operator=(const VectorField&) = delete;
  VectorField(VectorField&&) = default; // moved storage keeps its buffers
  /// Evaluates the field at `s` into `d`. For FA*, s.w is first set to W(s.z). Returns tr(ZᵀZ) = ‖Z‖²_F, a
  /// by-product used as a cheap health check (non-finite or exploding). Collective.
  double evaluate(State& s, State& d);
  /// evaluate() for GD and FA, whose evaluation leaves the state as it is (the metrics use FA's terms).
  double evaluate_fixed(const State& s, State& d);
  /// For FA*: sets s.w = W(s.z). A no-op for the others.
  void refresh(State& s);
  /// The feedback matrix B at s: W (gd), C (fa, fastar), s.b (kp), or formed from s.w into the field's buffer
  /// (usf: sign(W) with sign(0) = +1; frsf: |C|∘sign(W); mixed: α·W + (1−α)·C). Local, no communication.
  const parallel::DistMatrix& feedback(const State& s);
  const AlgorithmSpec& spec() const { return spec_; }
  const StepPlan& plan() const { return ctx_.plan; }
  /// Replaces the plan (a resume runs the checkpoint's). Collective.
  void set_plan(const StepPlan& plan);
  /// ZᵀZ and W·Bᵀ of the last evaluation, replicated: under the products formulation (and ZᵀZ for FA*); the
  /// residual formulation of GD and FA forms neither.
  const linalg::SmallMatrix& gram() const { return ctx_.gram; }
  const linalg::SmallMatrix& feedback_product() const { return ctx_.feedback; }
  /// Naive formulation (form E = Y − ZW explicitly, n×m temporary): kept only to benchmark against.
  void evaluate_naive(State& s, State& d, parallel::DistMatrix& residual);
  /// Called by the integrator after each y += a·x and out = base it does on states (integrator.hpp): the same
  /// on the replicas of Z's rows and W's columns (panel_replica.hpp), which are kept from then on.
  void added(double a, const State& x, const State& y);
  void assigned(const State& out, const State& base);

private:
  /// The Gram matrix of z into ctx_.gram (after forgetting last evaluation's panels); returns ‖Z‖²_F.
  double begin(const parallel::DistMatrix& z);
  /// dZ, dW (and kp's dB) at s with feedback b, given begin(s.z); dW is skipped for FA*.
  void derivatives(const State& s, const parallel::DistMatrix& b, State& d);
  /// kp: d.b = d.w − ρλ·B and d.w −= ρλ·W, given d.w = ρ·Zᵀ(Y − ZW). Local.
  void learned_feedback_terms(const State& s, State& d) const;

  /// Whether Z's rows (W's columns) are kept replicated across steps for this plan (panel_replica.hpp).
  bool replicates_z() const;
  bool replicates_w() const;
  /// d's panels are not current until this evaluation forms them.
  void forget_increments(const State& d);
  /// This evaluation's dZ rows into the replica, given d.z's derivation just done (products formulation).
  void replica_dz_rows(const State& s, const parallel::DistMatrix& b, State& d, const double* y_bt_rows);

  const Problem& problem_;
  AlgorithmSpec spec_;
  StepContext ctx_;
  const parallel::DistMatrix* zs_ = nullptr; ///< Z, or S·Z for a linear network, as begin() left it
  double w_ratio_ = 1.0;
  double scale_free_factor_ = 0.0;
  parallel::DistMatrix formed_feedback_; ///< B of usf, frsf and mixed (r×m, W's layout)
  ZReplica replica_;
  WReplica w_replica_;
  WReplica b_replica_;      ///< kp's learned B's columns, beside W's
  bool mirrored_ = false;   ///< an integrator repeats its updates on the replicas (added() was called)
  bool tracking_ = false;   ///< this evaluation forms dZ's rows for the replica
  bool tracking_w_ = false; ///< this evaluation forms dW's columns for W's replica
  std::vector<double> y_bt_rows_;
  std::vector<double> b_cols_; ///< a rule's B's columns formed from W's replica (r × local_cols)
};

/// y += a·x for Z, W (and kp's B).
void add_scaled(double a, const State& x, State& y);
/// out = base, matrix by matrix (same layouts).
void assign(State& out, const State& base);

/// Advances a state by one step of size h (Euler or classical RK4; integrator.hpp). Workspace allocated once.
class Integrator : public BasicIntegrator<State> {
public:
  /// `algorithm` tells whether the state carries a learned B (kp) to integrate with Z and W.
  Integrator(const Problem& problem, IntegratorKind kind, AlgorithmKind algorithm = AlgorithmKind::GD);
};

/// Z and W of the problem's shapes (and B for kp), uninitialised.
State make_state(const Problem& problem);
State make_state(const Problem& problem, AlgorithmKind algorithm);
/// The common starting point Z(0), W(0), and B(0) = C for kp.
State initial_state(const Problem& problem, AlgorithmKind algorithm);

} // namespace fasim::model
