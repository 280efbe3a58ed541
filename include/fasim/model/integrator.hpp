#pragma once
// One integrator for every state type: Euler or classical RK4 over a vector field ds/dt = F(s). The state
// type provides, found by argument-dependent lookup:
//   add_scaled(a, x, y)   y += a·x (every matrix of the state)
//   assign(out, base)     out = base (same layout)
//   s.has_feedback()      whether it carries kp's learned B
// and the field `double evaluate(S& s, S& d)` (d = F(s); returns a health value, non-finite: stop) and,
// when it keeps state across Euler steps, `void advanced(const S& s, double h)` (called after s += h·d). The
// operations are done in one fixed order, so a state integrated by it is bitwise what it always was.
#include "fasim/model/specs.hpp"
#include "fasim/parallel/error.hpp"

#include <cmath>

namespace fasim::model {

template <class S> class BasicIntegrator {
public:
  /// `make()` returns a state of the trajectory's shapes (values unused): the workspace, allocated once.
  template <class Make> BasicIntegrator(IntegratorKind kind, Make&& make) : kind_(kind), k1_(make()) {
    if (kind == IntegratorKind::RK4) {
      k2_ = make();
      k3_ = make();
      k4_ = make();
      tmp_ = make();
    }
  }
  /// Advances s by one step of size h. Returns the health value of the first field evaluation (at the start
  /// of the step); when it is not finite the state is left as it was.
  template <class Field> double step(Field& field, S& s, double h) {
    FASIM_REQUIRE(s.has_feedback() == k1_.has_feedback(), "Integrator: made for another algorithm (kp's B)");
    const double health = field.evaluate(s, k1_);
    if (!std::isfinite(health)) return health;
    if (kind_ == IntegratorKind::Euler) { // simultaneous update: every increment from the same state
      add_scaled(h, k1_, s);
      if constexpr (requires { field.advanced(s, h); }) field.advanced(s, h);
      return health;
    }
    advance(tmp_, s, h / 2, k1_);
    field.evaluate(tmp_, k2_);
    advance(tmp_, s, h / 2, k2_);
    field.evaluate(tmp_, k3_);
    advance(tmp_, s, h, k3_);
    field.evaluate(tmp_, k4_);
    for (S* k : {&k1_, &k4_}) add_scaled(h / 6, *k, s);
    for (S* k : {&k2_, &k3_}) add_scaled(h / 3, *k, s);
    return health;
  }
  IntegratorKind kind() const { return kind_; }

private:
  /// out = base + a·k
  static void advance(S& out, const S& base, double a, const S& k) {
    assign(out, base);
    add_scaled(a, k, out);
  }

  IntegratorKind kind_;
  S k1_, k2_, k3_, k4_, tmp_;
};

} // namespace fasim::model
