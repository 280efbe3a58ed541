#pragma once
// One integrator for every state type: Euler or classical RK4 over a vector field ds/dt = F(s). The state
// type provides, found by argument-dependent lookup:
//   add_scaled(a, x, y)   y += a·x (every matrix of the state)
//   assign(out, base)     out = base (same layout)
//   s.has_feedback()      whether it carries kp's learned B
// and the field `double evaluate(S& s, S& d)` (d = F(s); returns a health value, non-finite: stop) and,
// when it keeps copies of parts of the states across evaluations, `void added(double a, const S& x, const
// S& y)` and `void assigned(const S& out, const S& base)`, called after each y += a·x and out = base the
// integrator does, so that it can repeat them. The operations are done in one fixed order, so a state
// integrated by it is bitwise what it always was.
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
      add(field, h, k1_, s);
      return health;
    }
    advance(field, tmp_, s, h / 2, k1_);
    field.evaluate(tmp_, k2_);
    advance(field, tmp_, s, h / 2, k2_);
    field.evaluate(tmp_, k3_);
    advance(field, tmp_, s, h, k3_);
    field.evaluate(tmp_, k4_);
    for (S* k : {&k1_, &k4_}) add(field, h / 6, *k, s);
    for (S* k : {&k2_, &k3_}) add(field, h / 3, *k, s);
    return health;
  }
  IntegratorKind kind() const { return kind_; }

private:
  /// y += a·x, told to the field
  template <class Field> static void add(Field& field, double a, const S& x, S& y) {
    add_scaled(a, x, y);
    if constexpr (requires { field.added(a, x, y); }) field.added(a, x, y);
  }
  /// out = base + a·k, told to the field
  template <class Field> static void advance(Field& field, S& out, const S& base, double a, const S& k) {
    assign(out, base);
    if constexpr (requires { field.assigned(out, base); }) field.assigned(out, base);
    add(field, a, k, out);
  }

  IntegratorKind kind_;
  S k1_, k2_, k3_, k4_, tmp_;
};

} // namespace fasim::model
