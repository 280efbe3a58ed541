#include "fasim/model/target.hpp"

#include "fasim/linalg/panels.hpp"
#include "fasim/linalg/product_path.hpp"
#include "fasim/parallel/pblas.hpp"

namespace fasim::model {

using parallel::DistMatrix;
using parallel::Op;

DenseTarget::DenseTarget(DistMatrix y, std::vector<double> known_spectrum)
    : y_(std::move(y)), spectrum_(std::move(known_spectrum)) {
  const double f = parallel::frobenius_norm(y_);
  norm2_ = f * f;
}

void DenseTarget::zt_y(const DistMatrix& z, DistMatrix& out) const {
  if (linalg::product_path() == linalg::ProductPath::Pdgemm)
    parallel::gemm(Op::Trans, Op::None, 1.0, z, y_, 0.0, out);
  else
    panels_.zt_y(y_, z, out);
}

void DenseTarget::y_bt(const DistMatrix& b, DistMatrix& out) const {
  if (linalg::product_path() == linalg::ProductPath::Pdgemm)
    parallel::gemm(Op::None, Op::Trans, 1.0, y_, b, 0.0, out);
  else
    panels_.y_bt(y_, b, out);
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
