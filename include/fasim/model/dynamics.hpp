#pragma once
// The three learning dynamics as vector fields F(Z, W) -> (dZ/dt, dW/dt), and the integrators that advance
// them. Time is measured in units of the Z learning rate: one Euler step of size h = lr is the paper's
// update.
#include "fasim/linalg/panel_products.hpp"
#include "fasim/linalg/thin_products.hpp"
#include "fasim/model/problem.hpp"
#include "fasim/model/specs.hpp"

#include <string>

namespace fasim::model {

struct State {
  parallel::DistMatrix z; ///< n×r
  parallel::DistMatrix w; ///< r×m
};

/// The vector field of one algorithm. Holds the workspace it needs, allocated once: evaluating it allocates
/// nothing and does no I/O.
///   GD:  dZ = (Y−ZW)Wᵀ = YWᵀ − Z(WWᵀ)        dW = Zᵀ(Y−ZW) = ZᵀY − (ZᵀZ)W
///   FA:  dZ = (Y−ZW)Cᵀ = YCᵀ − Z(WCᵀ)        dW = ρ·(ZᵀY − (ZᵀZ)W), ρ = lr_w/lr
///   FA*: W = (ZᵀZ)⁻¹ZᵀY (Cholesky), then dZ = YCᵀ − Z(WCᵀ) [× ‖Z‖_F/(‖Y‖_F‖C‖_F) when scale-free], dW = 0
/// Y·Cᵀ is the problem's constant: FA and FA* make one pass over Y per evaluation (ZᵀY), GD two.
class VectorField {
public:
  VectorField(const Problem& problem, const AlgorithmSpec& spec);
  VectorField(const VectorField&) = delete; // c_panel_ may point into c_cols_
  VectorField& operator=(const VectorField&) = delete;
  VectorField(VectorField&&) = default; // a moved vector keeps its buffer
  /// Evaluates the field at `s` into `d`. For FA*, s.w is first set to W(s.z). Returns tr(ZᵀZ) = ‖Z‖²_F, a
  /// by-product used as a cheap health check (non-finite or exploding).
  double evaluate(State& s, State& d);
  /// For FA*: sets s.w = W(s.z). A no-op for GD and FA.
  void refresh(State& s);
  const AlgorithmSpec& spec() const { return spec_; }
  /// Naive formulation (form E = Y − ZW explicitly, n×m temporary): kept only to benchmark against.
  void evaluate_naive(State& s, State& d, parallel::DistMatrix& residual);

private:
  /// The r-sized products on replicated r×r matrices (linalg/thin_products.hpp); the PDGEMM reference below
  /// serves system.products = pdgemm and the linear network's S·Z.
  double evaluate_thin(State& s, State& d);

  const Problem& problem_;
  AlgorithmSpec spec_;
  bool thin_ = false;
  std::vector<double> z_rows_, w_cols_, c_cols_; ///< gathered panels (C's is constant)
  linalg::PanelView c_panel_;
  linalg::GatherBuffers gather_;
  linalg::ThinWorkspace thin_ws_;
  linalg::SmallMatrix gram_small_, small_small_;
  double w_ratio_ = 1.0;
  double scale_free_factor_ = 0.0;
  parallel::DistMatrix gram_, factor_, small_, zt_y_, sz_;
};

/// Advances a state by one step of size h (Euler or classical RK4). Workspace allocated once.
class Integrator {
public:
  Integrator(const Problem& problem, IntegratorKind kind);
  /// Returns the health value of the first field evaluation (‖Z‖²_F at the start of the step).
  double step(VectorField& field, State& s, double h);
  IntegratorKind kind() const { return kind_; }

private:
  IntegratorKind kind_;
  State k1_, k2_, k3_, k4_, tmp_;
};

State make_state(const Problem& problem);

} // namespace fasim::model
