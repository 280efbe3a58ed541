#include "fasim/linalg/panels.hpp"
#include "fasim/linalg/products.hpp"
#include "fasim/model/target.hpp"
#include "fasim/parallel/pblas.hpp"

namespace fasim::model {

using parallel::DistMatrix;
using parallel::Op;

namespace {
DistMatrix inputs_times_outputs(const DistMatrix& x, const DistMatrix& o) {
  DistMatrix m(x.grid(), x.cols(), o.cols(), x.row_block(), x.col_block());
  parallel::gemm(Op::Trans, Op::None, 1.0, x, o, 0.0, m);
  return m;
}
} // namespace

const DistMatrix& input_gram_of(const Target& target, const DistMatrix& z, DistMatrix& sz,
                                linalg::SmallMatrix& out, linalg::ProductContext& ctx) {
  if (target.isotropic()) {
    linalg::cross(z, z, out, ctx);
    return z;
  }
  target.input_gram(z, sz, ctx);
  linalg::cross(z, sz, out, ctx);
  return sz;
}

LinearNetworkTarget::LinearNetworkTarget(DistMatrix x, DistMatrix o, bool isotropic,
                                         std::vector<double> known_spectrum)
    : x_(std::move(x)), o_(std::move(o)),
      m_(inputs_times_outputs(x_, o_), isotropic ? std::move(known_spectrum) : std::vector<double>{}),
      isotropic_(isotropic) {
  const double f = parallel::frobenius_norm(o_);
  o_norm2_ = f * f;
}

double LinearNetworkTarget::residual_norm2(const DistMatrix& z, const DistMatrix& w) const {
  DistMatrix xz(x_.grid(), x_.rows(), z.cols(), x_.row_block(), x_.col_block());
  parallel::gemm(Op::None, Op::None, 1.0, x_, z, 0.0, xz);
  return linalg::residual_norm2(o_, xz, w);
}

std::vector<double> LinearNetworkTarget::singular_values() const {
  // Only with isotropic inputs is the training problem the factorisation of M = XᵀO (and min error its tail).
  return isotropic_ ? m_.singular_values() : std::vector<double>{};
}

void LinearNetworkTarget::input_gram(const DistMatrix& z, DistMatrix& out,
                                     linalg::ProductContext& ctx) const {
  DistMatrix& xz = ctx.scratch(2, x_.grid(), x_.rows(), z.cols(), x_.row_block(), x_.col_block());
  parallel::gemm(Op::None, Op::None, 1.0, x_, z, 0.0, xz);
  parallel::gemm(Op::Trans, Op::None, 1.0, x_, xz, 0.0, out);
}

} // namespace fasim::model
