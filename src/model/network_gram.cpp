#include "fasim/model/network_gram.hpp"

#include "fasim/parallel/error.hpp"
#include "fasim/parallel/pblas.hpp"

namespace fasim::model {

using linalg::SmallMatrix;
using parallel::DistMatrix;

std::string network_gram_unsupported(const Network& net) {
  if (net.activation != Activation::Identity)
    return std::string("the network plan gram needs network.activation = identity (this network's is ") +
           to_string(net.activation) + "); resume with the plan the run was started with";
  if (net.identity_input)
    return "the network plan gram needs an input X (problem.samples > 0 or X in input.file); resume with the "
           "plan the run was started with";
  return "";
}

GramProducts::GramProducts(const Network& net, AlgorithmKind kind) : net_(net), whole_(net, kind) {
  FASIM_REQUIRE(!net.identity_input, "GramProducts: the Gram plan needs an input X");
  FASIM_REQUIRE(net.activation == Activation::Identity, "GramProducts: the Gram plan needs σ = identity");
  const auto L = static_cast<std::size_t>(net.depth);
  p_.resize(L + 1);
  q_.resize(L + 1);
  if (!net.grid->active()) return;
  DistMatrix s(net.grid, net.n(), net.n(), net.block, net.block),
      r(net.grid, net.n(), net.m(), net.block, net.block);
  parallel::gemm(parallel::Op::Trans, parallel::Op::None, 1.0, net.x, net.x, 0.0, s);
  parallel::gemm(parallel::Op::Trans, parallel::Op::None, 1.0, net.x, net.o, 0.0, r);
  s_ = whole_.gather(s);
  r_ = whole_.gather(r);
}

double GramProducts::forward(const std::vector<DistMatrix>& weights) {
  whole_.gather_weights(weights);
  const int L = net_.depth;
  p_[1] = whole_.weight(1);
  for (int l = 2; l <= L; ++l)
    p_[static_cast<std::size_t>(l)] = linalg::multiply(p_[static_cast<std::size_t>(l - 1)], whole_.weight(l));
  const SmallMatrix& p = p_[static_cast<std::size_t>(L)];
  m_ = linalg::subtract(r_, linalg::multiply(s_, p)); // XᵀE = XᵀO − XᵀX·P
  double cross = 0; // ⟨P, R + M⟩ = 2⟨P, XᵀO⟩ − ⟨P, XᵀX·P⟩
  for (std::size_t i = 0; i < p.v.size(); ++i) cross += p.v[i] * (r_.v[i] + m_.v[i]);
  return net_.o_norm2 - cross;
}

void GramProducts::backward(AlgorithmKind kind, double alpha, const std::vector<DistMatrix>& learned) {
  const int L = net_.depth;
  q_[static_cast<std::size_t>(L)] = m_;
  for (int l = L - 1; l >= 1; --l) {
    const auto i = static_cast<std::size_t>(l);
    switch (kind) {
    case AlgorithmKind::DFA:
      q_[i] = linalg::multiply(m_, whole_.fixed_d(l), false, true);
      break;
    case AlgorithmKind::GD:
      q_[i] = linalg::multiply(q_[i + 1], whole_.weight(l + 1), false, true);
      break;
    case AlgorithmKind::FA:
      q_[i] = linalg::multiply(q_[i + 1], whole_.fixed_c(l + 1), false, true);
      break;
    case AlgorithmKind::KP:
      q_[i] = linalg::multiply(q_[i + 1], whole_.gather(learned.at(i)), false, true);
      break;
    case AlgorithmKind::USF:
    case AlgorithmKind::FRSF:
    case AlgorithmKind::Mixed:
      q_[i] = linalg::multiply(q_[i + 1], whole_.formed(kind, alpha, l + 1), false, true);
      break;
    case AlgorithmKind::FAStar:
      FASIM_UNREACHABLE("GramProducts: fastar trains no network");
    }
  }
}

void GramProducts::gradient(int l, double rho, DistMatrix& out) const {
  const auto i = static_cast<std::size_t>(l);
  const SmallMatrix g = l == 1 ? q_[1] : linalg::multiply(p_[i - 1], q_[i], true, false);
  FASIM_REQUIRE(out.rows() == g.rows && out.cols() == g.cols,
                "GramProducts::gradient: shapes do not conform");
  for (int lj = 0; lj < out.local_cols(); ++lj) {
    const int j = out.global_col({lj}).value;
    for (int li = 0; li < out.local_rows(); ++li)
      out.local({li}, {lj}) = rho * g(out.global_row({li}).value, j);
  }
}

} // namespace fasim::model
