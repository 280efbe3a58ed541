#pragma once
// The target Y, seen only through the operations the dynamics need. Algorithms never ask what Y is, so dense,
// factored and diagonal representations can stand behind the same interface.
#include "fasim/parallel/dist_matrix.hpp"

#include <optional>
#include <vector>

namespace fasim::model {

class Target {
public:
  virtual ~Target() = default;
  virtual int rows() const = 0;
  virtual int cols() const = 0;
  /// out (r×m) = Zᵀ·Y for Z (n×r).
  virtual void zt_y(const parallel::DistMatrix& z, parallel::DistMatrix& out) const = 0;
  /// out (n×r) = Y·Bᵀ for a thin B (r×m).
  virtual void y_bt(const parallel::DistMatrix& b, parallel::DistMatrix& out) const = 0;
  /// ‖Y − Z·W‖²_F, exact to machine precision (explicit residual).
  virtual double residual_norm2(const parallel::DistMatrix& z, const parallel::DistMatrix& w) const = 0;
  /// ‖Y‖²_F.
  virtual double norm2() const = 0;
  /// Singular values when known by construction (descending), else empty.
  virtual const std::vector<double>& spectrum() const = 0;
  /// The dense matrix when the target holds one (for saving), else nullptr.
  virtual const parallel::DistMatrix* dense() const = 0;
  /// All singular values, computing them (pdgesvd on a copy) when not known. Expensive for a large dense Y.
  virtual std::vector<double> singular_values() const = 0;
};

/// A dense block-cyclic Y: the reference implementation.
class DenseTarget final : public Target {
public:
  DenseTarget(parallel::DistMatrix y, std::vector<double> known_spectrum);
  int rows() const override { return y_.rows(); }
  int cols() const override { return y_.cols(); }
  void zt_y(const parallel::DistMatrix& z, parallel::DistMatrix& out) const override;
  void y_bt(const parallel::DistMatrix& b, parallel::DistMatrix& out) const override;
  double residual_norm2(const parallel::DistMatrix& z, const parallel::DistMatrix& w) const override;
  double norm2() const override { return norm2_; }
  const std::vector<double>& spectrum() const override { return spectrum_; }
  const parallel::DistMatrix* dense() const override { return &y_; }
  std::vector<double> singular_values() const override;

private:
  parallel::DistMatrix y_;
  std::vector<double> spectrum_;
  double norm2_ = 0.0;
};

} // namespace fasim::model
