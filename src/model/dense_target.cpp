#include "fasim/model/target.hpp"

#include "fasim/linalg/panels.hpp"
#include "fasim/linalg/products.hpp"
#include "fasim/linalg/replicated_rows.hpp"
#include "fasim/parallel/error.hpp"
#include "fasim/parallel/pblas.hpp"

namespace fasim::model {

using parallel::DistMatrix;
using parallel::Op;

DenseTarget::DenseTarget(DistMatrix y, std::vector<double> known_spectrum)
    : y_(std::move(y)), spectrum_(std::move(known_spectrum)) {
  const double f = parallel::frobenius_norm(y_);
  norm2_ = f * f;
}

void Target::zt_y(const DistMatrix& z, DistMatrix& out) const {
  linalg::ProductContext ctx;
  zt_y(z, out, ctx);
}

void Target::y_bt(const DistMatrix& b, DistMatrix& out) const {
  linalg::ProductContext ctx;
  y_bt(b, out, ctx);
}

void Target::y_bt_rows(const DistMatrix& out, linalg::ProductContext& ctx, double* rows) const {
  FASIM_REQUIRE(dense() != nullptr, "y_bt_rows: the target holds no dense Y and has no rows of its own");
  linalg::pass_rows(*dense(), out.cols(), ctx.y_bt, ctx.pass, rows);
}

void Target::zt_y_cols(const DistMatrix& out, linalg::ProductContext& ctx, double* cols) const {
  FASIM_REQUIRE(dense() != nullptr, "zt_y_cols: the target holds no dense Y and has no columns of its own");
  linalg::pass_cols(*dense(), out.rows(), ctx.zt_y, ctx.pass, cols);
}

void DenseTarget::zt_y(const DistMatrix& z, DistMatrix& out, linalg::ProductContext& ctx) const {
  linalg::zt_y(y_, z, out, ctx);
}

void DenseTarget::y_bt(const DistMatrix& b, DistMatrix& out, linalg::ProductContext& ctx) const {
  linalg::y_bt(y_, b, out, ctx);
}

double DenseTarget::residual_norm2(const DistMatrix& z, const DistMatrix& w) const {
  return linalg::residual_norm2(y_, z, w);
}

std::vector<double> DenseTarget::singular_values() const {
  if (!spectrum_.empty()) {
    std::vector<double> s = spectrum_;
    s.resize(static_cast<std::size_t>(std::min(rows(), cols())), 0.0);
    return s;
  }
  DistMatrix copy = DistMatrix::like(y_);
  copy.copy_from(y_);
  return parallel::gesvd(copy);
}

} // namespace fasim::model
