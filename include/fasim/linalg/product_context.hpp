#pragma once
// The products of one trajectory's step and everything they keep between steps: which path computes them, the
// layout of each pass over Y, the panels gathered during the current step and every workspace. One context
// per trajectory, owned by its step (model/step_context.hpp) and passed explicitly to every product and
// target operation — never a process-wide setting, never a `mutable` member of a const object.
#include "fasim/linalg/coord.hpp"
#include "fasim/linalg/panel_products.hpp"
#include "fasim/linalg/small_matrix.hpp"
#include "fasim/linalg/thin_products.hpp"
#include "fasim/linalg/transpose_leading.hpp"
#include "fasim/parallel/dist_matrix.hpp"

#include <deque>
#include <vector>

namespace fasim::linalg {

/// Panel: local GEMMs on gathered panels and one reduction (the fast path). Pdgemm: PBLAS for every product
/// (the reference the panels are tested against).
enum class ProductPath { Panel, Pdgemm };

class ProductContext {
public:
  ProductPath path = ProductPath::Panel;
  Orientation zt_y = Orientation::ThinFirst; ///< GEMM layout of the ZᵀY pass
  Orientation y_bt = Orientation::YFirst;    ///< GEMM layout of the Y·Bᵀ pass

  /// panel<C>(a), gathered at most once between two forget() calls: a step uses Z's rows (W's columns) in
  /// several products, and a target's product takes the panel the step already gathered. Collective the
  /// first time.
  template <Coord C> PanelView panel_of(const parallel::DistMatrix& a);
  /// Like panel_of, and kept across forget(): for operands that never change (C, a target's factors).
  template <Coord C> PanelView pin(const parallel::DistMatrix& a);
  /// The operands may have changed (a new evaluation): unpinned panels are gathered again when next asked.
  void forget();
  /// Hands over a's panel kept elsewhere (a replica the caller keeps equal to a, model/panel_replica.hpp):
  /// panel_of<C>(a) returns `view` without gathering until the next forget(). Local.
  template <Coord C> void provide(const parallel::DistMatrix& a, PanelView view);
  /// a's panel that the caller forms itself, without a message (FA*'s W solved column by column): storage
  /// in panel<C>'s layout (local_rows × cols, ld local_rows; rows × local_cols, ld rows) for the caller to
  /// fill, which panel_of<C>(a) returns until the next forget(). Local.
  template <Coord C> double* form(const parallel::DistMatrix& a);

  /// Whether panel_of<C>(a) would answer without a message: the panel is held (gathered since the last
  /// forget(), pinned or provided), or the grid has one process along the gather. Local.
  template <Coord C> bool holds(const parallel::DistMatrix& a) const;

  /// A distributed scratch matrix of this shape (reallocated only when the shape changes).
  parallel::DistMatrix& scratch(int slot, const parallel::GridPtr& grid, int rows, int cols, int row_block,
                                int col_block);

  GatherBuffers gather;
  PassBuffers pass;
  ThinWorkspace thin;
  TransposeWorkspace transpose[2];
  SmallMatrix small[3]; ///< r-sized scratch: [0], [1] for a target's products, [2] a Cholesky factor

private:
  struct Entry {
    const parallel::DistMatrix* of = nullptr;
    Coord coord = Coord::Row;
    bool valid = false, pinned = false;
    std::vector<double> storage;
    PanelView view;
  };
  template <Coord C> PanelView lookup(const parallel::DistMatrix& a, bool pinned);
  /// a's entry (its own, or a spare one) made valid with `view`, not pinned.
  template <Coord C> Entry& held(const parallel::DistMatrix& a, PanelView view);
  std::deque<Entry> entries_; ///< a deque: an entry's address (and its storage) never moves
  parallel::DistMatrix scratch_[3];
};

} // namespace fasim::linalg
