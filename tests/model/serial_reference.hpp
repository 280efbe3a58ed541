#pragma once
// A straightforward serial implementation of the paper's updates on gathered matrices: the reference the
// distributed code is checked against. Written for clarity, not speed: it forms Y − ZW explicitly.
#include "test_support.hpp"

#include "fasim/model/specs.hpp"

#include <cmath>

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
};

/// (dZ, dW) of the paper's equations (2)-(4), formed literally from E = Y − ZW.
inline SerialState serial_field(model::AlgorithmKind kind, double w_ratio, const Dense& y, const Dense& c,
                                SerialState& s) {
  if (kind == model::AlgorithmKind::FAStar)
    s.w = solve(matmul(transpose(s.z), s.z), matmul(transpose(s.z), y));
  const Dense e = sub(y, matmul(s.z, s.w));
  SerialState d;
  d.z = matmul(e, transpose(kind == model::AlgorithmKind::GD ? s.w : c));
  d.w = matmul(transpose(s.z), e);
  for (double& x : d.w.v) x *= kind == model::AlgorithmKind::FAStar ? 0.0 : w_ratio;
  return d;
}

inline void serial_step(model::AlgorithmKind kind, model::IntegratorKind integ, double h, double w_ratio,
                        const Dense& y, const Dense& c, SerialState& s) {
  if (integ == model::IntegratorKind::Euler) {
    const SerialState d = serial_field(kind, w_ratio, y, c, s);
    s.z = axpy(s.z, h, d.z);
    s.w = axpy(s.w, h, d.w);
    return;
  }
  SerialState t = s;
  const SerialState k1 = serial_field(kind, w_ratio, y, c, s);
  t = {axpy(s.z, h / 2, k1.z), axpy(s.w, h / 2, k1.w)};
  const SerialState k2 = serial_field(kind, w_ratio, y, c, t);
  t = {axpy(s.z, h / 2, k2.z), axpy(s.w, h / 2, k2.w)};
  const SerialState k3 = serial_field(kind, w_ratio, y, c, t);
  t = {axpy(s.z, h, k3.z), axpy(s.w, h, k3.w)};
  const SerialState k4 = serial_field(kind, w_ratio, y, c, t);
  for (auto [k, f] : {std::pair{&k1, h / 6}, {&k2, h / 3}, {&k3, h / 3}, {&k4, h / 6}}) {
    s.z = axpy(s.z, f, k->z);
    s.w = axpy(s.w, f, k->w);
  }
}

} // namespace fasim::testing
