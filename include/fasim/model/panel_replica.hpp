#pragma once
// A thin operand's panel kept by every rank that shares it, across Euler steps: Z's rows on every rank of the
// process row (C = Row) and W's columns on every rank of the process column (C = Col). On a grid with Q > 1
// process columns each step's products need all r columns of a rank's rows of Z, which the products gather
// along the process row: (Q−1)·n·r numbers per step; with P > 1 process rows they need all r rows of its
// columns of W, gathered along the process column: (P−1)·r·m. The replica instead advances the panel itself,
// panel += h·increment, from the increment's panel every sharing rank can form without a message
// (linalg/replicated_rows.hpp: the very GEMMs the owners run), so it stays bitwise equal to the gathered
// panel — and each evaluation checks that it does before using it (one small allreduce over the ranks that
// share it), gathering again when not.
#include "fasim/linalg/coord.hpp"
#include "fasim/linalg/panel_products.hpp"
#include "fasim/parallel/dist_matrix.hpp"

#include <vector>

namespace fasim::model {

template <linalg::Coord C> class PanelReplica {
public:
  /// Whether the replica holds a's panel now: it was advanced since a's last evaluation and equals a's own
  /// piece on every rank that shares the panel. Collective over those ranks when the replica was advanced
  /// (every rank of the grid advances alike), local otherwise.
  bool holds(const parallel::DistMatrix& a) const;
  /// The panel as linalg::panel<C> lays it out: local_rows × r (ld local_rows) or r × local_cols (ld r).
  linalg::PanelView view() const { return {panel_.data(), ld_}; }
  /// Starts from the panel gathered this evaluation (panel<C>'s layout at `gathered`).
  void adopt(const parallel::DistMatrix& a, linalg::PanelView gathered);
  /// The buffer for this evaluation's increment (dZ's rows, dW's columns) in view()'s layout; the replica may
  /// be advanced once it is written.
  double* increment() {
    formed_ = true;
    return increment_.data();
  }
  /// After the integrator's a += h·da: the same update of the panel (the same expression, element by
  /// element).
  void advance(const parallel::DistMatrix& a, double h);
  /// Forgets everything (a new plan, another state).
  void drop();
  bool in_use() const { return of_ != nullptr; }

private:
  const parallel::DistMatrix* of_ = nullptr;
  bool formed_ = false;  ///< the increment was formed in the evaluation of of_
  bool current_ = false; ///< advanced with it
  int mine_ = 0, r_ = 0; ///< a's local extent along C, and r (a's extent along the other dimension)
  int ld_ = 1;
  std::vector<double> panel_, increment_;
};

using ZReplica = PanelReplica<linalg::Coord::Row>;
using WReplica = PanelReplica<linalg::Coord::Col>;

} // namespace fasim::model
