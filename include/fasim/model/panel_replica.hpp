#pragma once
// A thin operand's panel kept by every rank that shares it, across steps: Z's rows on every rank of the
// process row (C = Row) and W's columns on every rank of the process column (C = Col). On a grid with Q > 1
// process columns each evaluation's products need all r columns of a rank's rows of Z, which the products
// gather along the process row: (Q−1)·n·r numbers per evaluation; with P > 1 process rows they need all r
// rows of its columns of W, gathered along the process column: (P−1)·r·m. The replica instead keeps one panel
// per matrix the integrator touches (the state, RK4's stage state, each stage's increment) and repeats on the
// panels what the integrator does to the matrices (y += h·x, out = base: the same expressions, element by
// element), with each increment's panel formed by every sharing rank without a message
// (linalg/replicated_rows.hpp: the very GEMMs the owners run). So it stays bitwise equal to the gathered
// panel — and each evaluation checks that it does before using it (one small allreduce over the ranks that
// share it), gathering again when not.
#include "fasim/linalg/coord.hpp"
#include "fasim/linalg/panel_products.hpp"
#include "fasim/parallel/dist_matrix.hpp"

#include <deque>
#include <vector>

namespace fasim::model {

template <linalg::Coord C> class PanelReplica {
public:
  /// Whether the replica holds a's panel now: a's panel was adopted or repeated from panels that were (the
  /// integrator's updates, below) and equals a's own piece on every rank that shares the panel. Collective
  /// over those ranks when a's panel is current (every rank of the grid repeats alike), local otherwise.
  bool holds(const parallel::DistMatrix& a) const;
  /// a's panel as linalg::panel<C> lays it out: local_rows × r (ld local_rows) or r × local_cols (ld r).
  linalg::PanelView view(const parallel::DistMatrix& a) const;
  /// Starts a's panel from the one gathered this evaluation (panel<C>'s layout at `gathered`).
  void adopt(const parallel::DistMatrix& a, linalg::PanelView gathered);
  /// The buffer for da's panel (dZ's rows, dW's columns) formed this evaluation, in view()'s layout; current
  /// once the caller has written it.
  double* increment(const parallel::DistMatrix& da);
  /// a's panel is no longer current (an evaluation that will not form it, a matrix changed elsewhere).
  void forget(const parallel::DistMatrix& a);
  /// The integrator's y += h·x (model::add_scaled's expression) on the panels; y's panel stays current only
  /// when both were.
  void add_scaled(double h, const parallel::DistMatrix& x, const parallel::DistMatrix& y);
  /// The integrator's out = base on the panels.
  void assign(const parallel::DistMatrix& out, const parallel::DistMatrix& base);
  /// Forgets everything (a new plan, another state).
  void drop();

private:
  struct Slot {
    const parallel::DistMatrix* of = nullptr;
    bool current = false;
    std::vector<double> panel;
  };
  const Slot* find(const parallel::DistMatrix& a) const;
  Slot* find(const parallel::DistMatrix& a) { return const_cast<Slot*>(std::as_const(*this).find(a)); }
  /// a's slot, made (sized for a's panel) when a has none; a panel of another shape drops every slot.
  Slot& slot(const parallel::DistMatrix& a);

  int mine_ = -1, r_ = 0; ///< the panels' local extent along C, and r (the extent along the other dimension)
  int ld_ = 1;
  std::deque<Slot> slots_; ///< a deque: a slot's address never moves
};

using ZReplica = PanelReplica<linalg::Coord::Row>;
using WReplica = PanelReplica<linalg::Coord::Col>;

} // namespace fasim::model
