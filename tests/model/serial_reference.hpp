#pragma once
// A straightforward serial implementation of the paper's updates on gathered matrices: the reference the
// distributed code is checked against. Written for clarity, not speed: it forms Y − ZW explicitly.
#include "test_support.hpp"

#include "fasim/model/specs.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace fasim::testing {

inline Dense sub(const Dense& a, const Dense& b) {
  Dense c = a;
  for (size_t i = 0; i < c.v.size(); ++i) c.v[i] -= b.v[i];
  return c;
}
inline Dense axpy(const Dense& a, double s, const Dense& b) { // a + s·b
  Dense c = a;
  for (size_t i = 0; i < c.v.size(); ++i) c.v[i] += s * b.v[i];
  return c;
}
inline double norm2(const Dense& a) {
  double s = 0;
  for (double x : a.v) s += x * x;
  return s;
}

/// Solves the SPD system G X = B by Gauss-Jordan on a copy (small r only).
inline Dense solve(Dense g, Dense b) {
  const int n = g.rows;
  for (int k = 0; k < n; ++k) {
    const double piv = g(k, k);
    for (int j = 0; j < n; ++j) g(k, j) /= piv;
    for (int j = 0; j < b.cols; ++j) b(k, j) /= piv;
    for (int i = 0; i < n; ++i)
      if (i != k) {
        const double f = g(i, k);
        for (int j = 0; j < n; ++j) g(i, j) -= f * g(k, j);
        for (int j = 0; j < b.cols; ++j) b(i, j) -= f * b(k, j);
      }
  }
  return b;
}

struct SerialState {
  Dense z, w;
  Dense b = {}; ///< kp's learned feedback (empty for the others)
};

/// The feedback rules' parameters (kp's decay λ, mixed's α).
struct SerialRule {
  double decay = 0.0, alpha = 0.5;
};

/// The feedback matrix B that replaces W in Z's update, entry by entry from its definition.
inline Dense serial_feedback(model::AlgorithmKind kind, const SerialRule& rule, const Dense& c,
                             const SerialState& s) {
  using K = model::AlgorithmKind;
  if (kind == K::GD) return s.w;
  if (kind == K::KP) return s.b;
  if (kind == K::FA || kind == K::FAStar) return c;
  Dense b = s.w;
  for (size_t i = 0; i < b.v.size(); ++i) {
    const double sign = s.w.v[i] >= 0 ? 1.0 : -1.0; // sign(0) = +1
    b.v[i] = kind == K::USF    ? sign
             : kind == K::FRSF ? std::abs(c.v[i]) * sign
                               : rule.alpha * s.w.v[i] + (1 - rule.alpha) * c.v[i];
  }
  return b;
}

/// (dZ, dW[, dB]) of the paper's equations (2)-(4) and the feedback rules, formed literally from E = Y − ZW.
inline SerialState serial_field(model::AlgorithmKind kind, double w_ratio, const Dense& y, const Dense& c,
                                SerialState& s, const SerialRule& rule = {}) {
  if (kind == model::AlgorithmKind::FAStar)
    s.w = solve(matmul(transpose(s.z), s.z), matmul(transpose(s.z), y));
  const Dense e = sub(y, matmul(s.z, s.w));
  SerialState d;
  d.z = matmul(e, transpose(serial_feedback(kind, rule, c, s)));
  const Dense zte = matmul(transpose(s.z), e);
  d.w = zte;
  if (kind == model::AlgorithmKind::KP) {
    // dW = ρ(ZᵀE − λW), dB = ρ(ZᵀE − λB)
    d.b = zte;
    for (size_t i = 0; i < d.w.v.size(); ++i) {
      d.w.v[i] = w_ratio * (zte.v[i] - rule.decay * s.w.v[i]);
      d.b.v[i] = w_ratio * (zte.v[i] - rule.decay * s.b.v[i]);
    }
    return d;
  }
  for (double& x : d.w.v) x *= kind == model::AlgorithmKind::FAStar ? 0.0 : w_ratio;
  return d;
}

inline SerialState serial_axpy(const SerialState& s, double h, const SerialState& k) {
  return {axpy(s.z, h, k.z), axpy(s.w, h, k.w), s.b.v.empty() ? s.b : axpy(s.b, h, k.b)};
}

inline void serial_step(model::AlgorithmKind kind, model::IntegratorKind integ, double h, double w_ratio,
                        const Dense& y, const Dense& c, SerialState& s, const SerialRule& rule = {}) {
  if (integ == model::IntegratorKind::Euler) {
    const SerialState d = serial_field(kind, w_ratio, y, c, s, rule);
    s = serial_axpy(s, h, d);
    return;
  }
  SerialState t = s;
  const SerialState k1 = serial_field(kind, w_ratio, y, c, s, rule);
  t = serial_axpy(s, h / 2, k1);
  const SerialState k2 = serial_field(kind, w_ratio, y, c, t, rule);
  t = serial_axpy(s, h / 2, k2);
  const SerialState k3 = serial_field(kind, w_ratio, y, c, t, rule);
  t = serial_axpy(s, h, k3);
  const SerialState k4 = serial_field(kind, w_ratio, y, c, t, rule);
  for (auto [k, f] : {std::pair{&k1, h / 6}, {&k2, h / 3}, {&k3, h / 3}, {&k4, h / 6}})
    s = serial_axpy(s, f, *k);
}

/// Singular values of a small dense matrix by one-sided Jacobi (Hestenes): columns are rotated until
/// orthogonal, then their norms are the singular values, accurate also for the zero ones (serial reference:
/// no LAPACK).
inline std::vector<double> serial_singular_values(Dense a) {
  const int n = a.cols;
  for (int sweep = 0; sweep < 60; ++sweep) {
    bool rotated = false;
    for (int p = 0; p < n; ++p)
      for (int q = p + 1; q < n; ++q) {
        double alpha = 0, beta = 0, gamma = 0;
        for (int i = 0; i < a.rows; ++i) {
          alpha += a(i, p) * a(i, p);
          beta += a(i, q) * a(i, q);
          gamma += a(i, p) * a(i, q);
        }
        if (std::abs(gamma) <= 1e-17 * std::sqrt(alpha * beta) || gamma == 0) continue;
        rotated = true;
        const double zeta = (beta - alpha) / (2 * gamma);
        const double t = (zeta >= 0 ? 1 : -1) / (std::abs(zeta) + std::sqrt(1 + zeta * zeta));
        const double cs = 1 / std::sqrt(1 + t * t), sn = cs * t;
        for (int i = 0; i < a.rows; ++i) {
          const double x = a(i, p), y = a(i, q);
          a(i, p) = cs * x - sn * y;
          a(i, q) = sn * x + cs * y;
        }
      }
    if (!rotated) break;
  }
  std::vector<double> s;
  for (int j = 0; j < n; ++j) {
    double norm = 0;
    for (int i = 0; i < a.rows; ++i) norm += a(i, j) * a(i, j);
    s.push_back(std::sqrt(norm));
  }
  std::sort(s.begin(), s.end(), std::greater<>());
  return s;
}
} // namespace fasim::testing
