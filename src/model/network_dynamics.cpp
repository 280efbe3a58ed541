#include "fasim/model/network_dynamics.hpp"

#include "fasim/model/entrywise.hpp"
#include "fasim/model/feedback_rules.hpp"
#include "fasim/parallel/error.hpp"
#include "fasim/parallel/pblas.hpp"

#include <cmath>

namespace fasim::model {

using parallel::DistMatrix;
using parallel::Op;

NetworkState make_network_state(const Network& net, AlgorithmKind algorithm) {
  NetworkState s;
  for (const DistMatrix& w : net.w0) s.w.push_back(DistMatrix::like(w));
  if (learned_feedback(algorithm)) {
    s.b.emplace_back();
    for (std::size_t l = 1; l < net.w0.size(); ++l) s.b.push_back(DistMatrix::like(net.w0[l]));
  }
  return s;
}

NetworkState initial_network_state(const Network& net, AlgorithmKind algorithm) {
  NetworkState s = make_network_state(net, algorithm);
  for (std::size_t l = 0; l < s.w.size(); ++l) s.w[l].copy_from(net.w0[l]);
  for (std::size_t l = 1; l < s.b.size(); ++l) s.b[l].copy_from(net.c[l]); // B_l(0) = C_l
  return s;
}

NetworkPlanCost network_plan_cost(const Network& net, AlgorithmKind algorithm) {
  return network_plan_cost(net.sizes, net.samples, net.identity_input, net.grid->rows(), net.grid->cols(),
                           algorithm, net.activation == Activation::Identity);
}

namespace {
double activate(Activation f, double a) {
  switch (f) {
  case Activation::Identity:
    return a;
  case Activation::ReLU:
    return a > 0 ? a : 0.0;
  case Activation::Tanh:
    return std::tanh(a);
  }
  return a;
}
} // namespace

NetworkField::NetworkField(const Network& net, const AlgorithmSpec& spec, NetworkPlan plan)
    : net_(net), spec_(spec) {
  if (const std::string why = network_algorithm_unsupported(spec.kind); !why.empty()) throw UsageError(why);
  if (plan == NetworkPlan::Gram) {
    if (const std::string why = network_gram_unsupported(net); !why.empty()) throw UsageError(why);
    gram_ = std::make_unique<GramProducts>(net, spec.kind);
  }
  if (plan == NetworkPlan::Replicated) replicated_ = std::make_unique<ReplicatedProducts>(net, spec.kind);
  if (spec.lr_w > 0) w_ratio_ = spec.lr_w / spec.lr;
  const int L = net.depth;
  a_.resize(static_cast<std::size_t>(L));
  delta_.resize(static_cast<std::size_t>(L) + 1);
  // Two N×w_l matrices per hidden layer (A_l, overwritten by H_l = σ(A_l), and δ_l) and one for the output
  // (Ŷ, overwritten by E = O − Ŷ): σ'(A_l) is read from H_l (ReLU: A_l > 0 exactly when H_l > 0; tanh:
  // 1 − H_l²), and nothing reads A_l or Ŷ after.
  // The Gram plan has no sample-sized matrix: every product is n-sized.
  for (int l = 1; l <= L && !gram_; ++l) {
    delta_[l] = DistMatrix(net.grid, net.samples, net.sizes[l], net.block, net.block);
    if (l < L) a_[l] = DistMatrix::like(delta_[l]);
  }
  if (formed_feedback(spec.kind)) {
    formed_.emplace_back();
    for (int l = 2; l <= L; ++l) formed_.push_back(DistMatrix::like(net.w0[l - 1]));
  }
}

const DistMatrix& NetworkField::hidden(int l) const {
  return l == 0 ? net_.x : a_[l]; // σ(A_l) in place of A_l
}

const DistMatrix& NetworkField::feedback(const NetworkState& s, int l) {
  FASIM_REQUIRE(l >= 2 && l <= net_.depth, "NetworkField::feedback: no layer " + std::to_string(l));
  const std::size_t i = static_cast<std::size_t>(l - 1);
  switch (spec_.kind) {
  case AlgorithmKind::GD:
    return s.w[i];
  case AlgorithmKind::FA:
    return net_.c[i];
  case AlgorithmKind::KP:
    FASIM_REQUIRE(s.has_feedback(), "kp: the state has no B (make it with make_network_state(net, kp))");
    return s.b[i];
  case AlgorithmKind::USF:
  case AlgorithmKind::FRSF:
  case AlgorithmKind::Mixed:
    form_feedback(spec_.kind, spec_.alpha, s.w[i], net_.c[i], formed_[i]);
    return formed_[i];
  case AlgorithmKind::FAStar:
  case AlgorithmKind::DFA:
    break;
  }
  FASIM_UNREACHABLE(std::string("NetworkField::feedback: ") + to_string(spec_.kind) +
                    " has no layer feedback");
}

void NetworkField::forward_product(const NetworkState& s, int l) {
  const std::size_t i = static_cast<std::size_t>(l - 1);
  DistMatrix& out = l == net_.depth ? delta_[i + 1] : a_[i + 1]; // Ŷ into E's matrix
  if (replicated_)
    replicated_->times(hidden(l - 1), replicated_->weight(l), out);
  else
    parallel::gemm(Op::None, Op::None, 1.0, hidden(l - 1), s.w[i], 0.0, out);
}

void NetworkField::backward_product(const NetworkState& s, int l) {
  DistMatrix& delta = delta_[static_cast<std::size_t>(l)];
  if (spec_.kind == AlgorithmKind::DFA) { // E·D_lᵀ
    if (replicated_)
      replicated_->times_transpose(delta_.back(), replicated_->fixed_d(l), delta);
    else
      parallel::gemm(Op::None, Op::Trans, 1.0, delta_.back(), net_.feedback_d(l), 0.0, delta);
    return;
  }
  const DistMatrix& next = delta_[static_cast<std::size_t>(l + 1)];
  if (!replicated_) {
    parallel::gemm(Op::None, Op::Trans, 1.0, next, feedback(s, l + 1), 0.0, delta);
    return;
  }
  const linalg::SmallMatrix& b = spec_.kind == AlgorithmKind::GD   ? replicated_->weight(l + 1)
                                 : spec_.kind == AlgorithmKind::FA ? replicated_->fixed_c(l + 1)
                                 : spec_.kind == AlgorithmKind::KP
                                     ? replicated_->gather(s.b[static_cast<std::size_t>(l)])
                                     : replicated_->formed(spec_.kind, spec_.alpha, l + 1);
  replicated_->times_transpose(next, b, delta);
}

NetworkPlan NetworkField::plan() const {
  return gram_ ? NetworkPlan::Gram : replicated_ ? NetworkPlan::Replicated : NetworkPlan::Distributed;
}

double NetworkField::forward(const NetworkState& s) {
  if (!net_.grid->active()) return 0.0;
  if (gram_) return gram_->forward(s.w);
  const int L = net_.depth;
  if (replicated_) replicated_->gather_weights(s.w);
  for (int l = 1; l <= L; ++l) {
    if (l == 1 && net_.identity_input)
      a_[1].copy_from(s.w[0]); // A_1 = I·W_1 (L >= 2)
    else
      forward_product(s, l);
    if (l < L && net_.activation != Activation::Identity) // H_l = σ(A_l), in place
      entrywise(a_[l], a_[l], a_[l], [f = net_.activation](double x, double) { return activate(f, x); });
  }
  // E = O − Ŷ, in place of Ŷ in δ_L.
  DistMatrix& e = delta_[L];
  entrywise(net_.o, e, e, [](double o, double y) { return o - y; });
  return net_.grid->grid_comm().allreduce_sum(local_sum_of_squares(e));
}

void NetworkField::weight_increment(int l, const DistMatrix& delta, double rho, DistMatrix& out) {
  if (l == 1 && net_.identity_input) { // H_0ᵀ·δ_1 = δ_1
    out.copy_from(delta);
    if (rho != 1.0)
      for (std::size_t i = 0; i < out.local_size(); ++i) out.data()[i] *= rho;
    return;
  }
  if (replicated_)
    replicated_->gradient(hidden(l - 1), delta, rho, out);
  else
    parallel::gemm(Op::Trans, Op::None, rho, hidden(l - 1), delta, 0.0, out);
}

double NetworkField::evaluate(const NetworkState& s, NetworkState& d) {
  if (!net_.grid->active()) return 0.0;
  const double loss = forward(s);
  if (!std::isfinite(loss)) return loss;
  const int L = net_.depth;
  if (gram_) gram_->backward(spec_.kind, spec_.alpha, s.b);
  for (int l = L - 1; l >= 1 && !gram_; --l) {
    DistMatrix& delta = delta_[l];
    backward_product(s, l);
    switch (net_.activation) {
    case Activation::Identity:
      break;
    case Activation::ReLU:
      entrywise(delta, a_[l], delta, [](double g, double h) { return h > 0 ? g : 0.0; }); // h > 0 ⇔ a > 0
      break;
    case Activation::Tanh:
      entrywise(delta, a_[l], delta, [](double g, double h) { return g * (1 - h * h); });
      break;
    }
  }
  for (int l = 1; l <= L; ++l) {
    const double rho = l == L ? w_ratio_ : 1.0;
    DistMatrix& dw = d.w[static_cast<std::size_t>(l - 1)];
    if (gram_)
      gram_->gradient(l, rho, dw);
    else
      weight_increment(l, delta_[l], rho, dw);
    if (learned_feedback(spec_.kind) && l >= 2) {
      // kp, as for the paper's W: dB_l = dW_l − ρλB_l and dW_l −= ρλW_l, both from the same ρ·H_{l−1}ᵀδ_l.
      FASIM_REQUIRE(d.has_feedback(),
                    "kp: the derivative has no dB (make it with make_network_state(net, kp))");
      const double decay = rho * spec_.decay;
      const std::size_t i = static_cast<std::size_t>(l - 1);
      entrywise(dw, s.b[i], d.b[i], [decay](double g, double b) { return g - decay * b; });
      entrywise(dw, s.w[i], dw, [decay](double g, double w) { return g - decay * w; });
    }
  }
  return loss;
}

NetworkIntegrator::NetworkIntegrator(const Network& net, IntegratorKind kind, AlgorithmKind algorithm)
    : BasicIntegrator<NetworkState>(kind, [&] { return make_network_state(net, algorithm); }) {}

void add_scaled(double a, const NetworkState& x, NetworkState& y) {
  for (std::size_t l = 0; l < y.w.size(); ++l) model::add_scaled(a, x.w[l], y.w[l]);
  for (std::size_t l = 1; l < y.b.size(); ++l) model::add_scaled(a, x.b[l], y.b[l]);
}

void assign(NetworkState& out, const NetworkState& base) {
  for (std::size_t l = 0; l < out.w.size(); ++l) out.w[l].copy_from(base.w[l]);
  for (std::size_t l = 1; l < out.b.size(); ++l) out.b[l].copy_from(base.b[l]);
}

} // namespace fasim::model
