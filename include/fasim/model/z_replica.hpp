#pragma once
// Z's rows kept by every rank of its process row across Euler steps. On a grid with Q > 1 process columns
// each step's products need all r columns of a rank's rows of Z, which the products gather along the process
// row: (Q−1)·n·r numbers per step, on 1×Q grids nearly all of the step's traffic. The replica instead
// advances those rows itself, Z_rows += h·dZ_rows, from dZ's rows every rank of the row can form without a
// message (linalg/replicated_rows.hpp: the very GEMMs the owners run), so it stays bitwise equal to the
// gathered panel — and each evaluation checks that it does before using it (one small allreduce over the
// process row), gathering again when not.
#include "fasim/linalg/panel_products.hpp"
#include "fasim/parallel/dist_matrix.hpp"

#include <vector>

namespace fasim::model {

class ZReplica {
public:
  /// Whether the replica holds z's rows now: it was advanced since z's last evaluation and equals z's own
  /// columns on every rank of the process row. Collective over the process row when the replica was advanced
  /// (every rank of the grid advances alike), local otherwise.
  bool holds(const parallel::DistMatrix& z) const;
  linalg::PanelView view() const { return {panel_.data(), std::max(1, rows_)}; }
  /// Starts from rows gathered this evaluation (local_rows × r at `gathered`).
  void adopt(const parallel::DistMatrix& z, linalg::PanelView gathered);
  /// The buffer for this evaluation's dZ rows (local_rows × r, ld local_rows); the replica may be advanced
  /// once they are written.
  double* dz_rows() {
    formed_ = true;
    return dz_.data();
  }
  /// After the integrator's z += h·dz: the same update of the rows (the same expression, element by element).
  void advance(const parallel::DistMatrix& z, double h);
  /// Forgets everything (a new plan, another state).
  void drop();
  bool in_use() const { return of_ != nullptr; }

private:
  const parallel::DistMatrix* of_ = nullptr;
  bool formed_ = false;  ///< dZ's rows were formed in the evaluation of of_
  bool current_ = false; ///< advanced with them
  int rows_ = 0, r_ = 0;
  std::vector<double> panel_, dz_;
};

} // namespace fasim::model
