#pragma once
// The feedback matrix B that a rule forms from the forward weights W it stands for and the fixed C of W's
// shape (issue 15): usf: sign(W) with sign(0) = +1; frsf: |C|∘sign(W); mixed: α·W + (1−α)·C. Local.
#include "fasim/linalg/panel_products.hpp"
#include "fasim/model/specs.hpp"
#include "fasim/parallel/dist_matrix.hpp"

namespace fasim::model {

/// True for the rules whose B is formed from W every evaluation (usf, frsf, mixed).
bool formed_feedback(AlgorithmKind kind);
/// out = the rule's B for W = w and fixed feedback c (w, c, out share a layout). Local, no communication.
void form_feedback(AlgorithmKind kind, double alpha, const parallel::DistMatrix& w,
                   const parallel::DistMatrix& c, parallel::DistMatrix& out);
/// The same B on panels (rows × cols each, column-major with their own ld): `out` (ld) from W's panel `w`
/// and C's `c` entry by entry — bitwise the entries form_feedback gives. Local.
void form_feedback_panel(AlgorithmKind kind, double alpha, int rows, int cols, linalg::PanelView w,
                         linalg::PanelView c, double* out, int ld);

} // namespace fasim::model
