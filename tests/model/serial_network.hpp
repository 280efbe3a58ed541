#pragma once
// A straightforward serial network (forward, backward, updates) on gathered matrices, written from the
// definitions in network_dynamics.hpp: the reference the distributed network is checked against.
#include "serial_reference.hpp"

#include "fasim/model/network.hpp"

#include <cmath>
#include <vector>

namespace fasim::testing {

struct SerialNet {
  model::Activation activation = model::Activation::Identity;
  bool identity_input = false;
  Dense x, o;
  std::vector<Dense> c, d; ///< c[l − 1] = C_l (c[0] unused), d[l − 1] = D_l
};

struct SerialNetState {
  std::vector<Dense> w, b; ///< w[l − 1] = W_l; kp: b[l − 1] = B_l (b empty otherwise)
};

inline double serial_sigma(model::Activation f, double a) {
  return f == model::Activation::ReLU ? (a > 0 ? a : 0.0) : f == model::Activation::Tanh ? std::tanh(a) : a;
}
inline double serial_sigma_prime(model::Activation f, double a) {
  if (f == model::Activation::ReLU) return a > 0 ? 1.0 : 0.0;
  if (f == model::Activation::Tanh) return 1.0 - std::tanh(a) * std::tanh(a);
  return 1.0;
}

/// Forward pass: A_l (index l, 1 … L), H_l (index l, 0 … L − 1; H_0 = X), and E = O − A_L.
struct SerialForward {
  std::vector<Dense> a, h;
  Dense e;
};

inline SerialForward serial_forward(const SerialNet& net, const SerialNetState& s) {
  const std::size_t L = s.w.size();
  SerialForward f;
  f.a.resize(L + 1);
  f.h.resize(L);
  f.h[0] = net.x;
  for (std::size_t l = 1; l <= L; ++l) {
    f.a[l] = (l == 1 && net.identity_input) ? s.w[0] : matmul(f.h[l - 1], s.w[l - 1]);
    if (l < L) {
      f.h[l] = f.a[l];
      for (double& v : f.h[l].v) v = serial_sigma(net.activation, v);
    }
  }
  f.e = sub(net.o, f.a[L]);
  return f;
}

inline SerialNetState serial_net_field(model::AlgorithmKind kind, double w_ratio, const SerialNet& net,
                                       const SerialNetState& s, const SerialRule& rule = {}) {
  using K = model::AlgorithmKind;
  const std::size_t L = s.w.size();
  const SerialForward f = serial_forward(net, s);
  std::vector<Dense> delta(L + 1);
  delta[L] = f.e;
  for (std::size_t l = L - 1; l >= 1; --l) {
    if (kind == K::DFA) {
      delta[l] = matmul(f.e, transpose(net.d[l - 1]));
    } else {
      SerialState rs{Dense(), s.w[l], kind == K::KP ? s.b[l] : Dense()};
      delta[l] = matmul(delta[l + 1], transpose(serial_feedback(kind, rule, net.c[l], rs)));
    }
    for (std::size_t i = 0; i < delta[l].v.size(); ++i)
      delta[l].v[i] *= serial_sigma_prime(net.activation, f.a[l].v[i]);
  }
  SerialNetState d;
  for (std::size_t l = 1; l <= L; ++l) {
    const double rho = l == L ? w_ratio : 1.0;
    Dense g = (l == 1 && net.identity_input) ? delta[1] : matmul(transpose(f.h[l - 1]), delta[l]);
    for (double& v : g.v) v *= rho;
    if (kind == K::KP) {
      if (d.b.empty()) d.b.resize(L);
      if (l >= 2) {
        d.b[l - 1] = g;
        for (std::size_t i = 0; i < g.v.size(); ++i) {
          d.b[l - 1].v[i] = g.v[i] - rho * rule.decay * s.b[l - 1].v[i];
          g.v[i] -= rho * rule.decay * s.w[l - 1].v[i];
        }
      }
    }
    d.w.push_back(g);
  }
  return d;
}

inline SerialNetState serial_net_axpy(const SerialNetState& s, double h, const SerialNetState& k) {
  SerialNetState out = s;
  for (std::size_t l = 0; l < s.w.size(); ++l) out.w[l] = axpy(s.w[l], h, k.w[l]);
  for (std::size_t l = 1; l < s.b.size(); ++l) out.b[l] = axpy(s.b[l], h, k.b[l]);
  return out;
}

inline void serial_net_step(model::AlgorithmKind kind, model::IntegratorKind integ, double h, double w_ratio,
                            const SerialNet& net, SerialNetState& s, const SerialRule& rule = {}) {
  const SerialNetState k1 = serial_net_field(kind, w_ratio, net, s, rule);
  if (integ == model::IntegratorKind::Euler) {
    s = serial_net_axpy(s, h, k1);
    return;
  }
  const SerialNetState k2 = serial_net_field(kind, w_ratio, net, serial_net_axpy(s, h / 2, k1), rule);
  const SerialNetState k3 = serial_net_field(kind, w_ratio, net, serial_net_axpy(s, h / 2, k2), rule);
  const SerialNetState k4 = serial_net_field(kind, w_ratio, net, serial_net_axpy(s, h, k3), rule);
  for (auto [k, f] : {std::pair{&k1, h / 6}, {&k2, h / 3}, {&k3, h / 3}, {&k4, h / 6}})
    s = serial_net_axpy(s, f, *k);
}

/// cos∠(A, B) = ⟨A, B⟩ / (‖A‖‖B‖).
inline double serial_cosine(const Dense& a, const Dense& b) {
  double ab = 0;
  for (std::size_t i = 0; i < a.v.size(); ++i) ab += a.v[i] * b.v[i];
  return ab / std::sqrt(norm2(a) * norm2(b));
}

} // namespace fasim::testing
