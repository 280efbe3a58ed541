#pragma once
// The target Y, seen only through the operations the dynamics need. Algorithms never ask what Y is, so dense,
// factored and diagonal representations can stand behind the same interface.
#include "fasim/linalg/product_context.hpp"
#include "fasim/parallel/dist_matrix.hpp"

#include <optional>
#include <vector>

namespace fasim::model {

class Target {
public:
  virtual ~Target() = default;
  virtual int rows() const = 0;
  virtual int cols() const = 0;
  /// out (r×m) = Zᵀ·Y for Z (n×r), on the context's path with its workspace (and Z's panel when the caller
  /// already gathered it). Collective.
  virtual void zt_y(const parallel::DistMatrix& z, parallel::DistMatrix& out,
                    linalg::ProductContext& ctx) const = 0;
  /// out (n×r) = Y·Bᵀ for a thin B (r×m). Collective.
  virtual void y_bt(const parallel::DistMatrix& b, parallel::DistMatrix& out,
                    linalg::ProductContext& ctx) const = 0;
  /// The same with a context of their own, for one-off uses (set-up, reference errors, tests).
  void zt_y(const parallel::DistMatrix& z, parallel::DistMatrix& out) const;
  void y_bt(const parallel::DistMatrix& b, parallel::DistMatrix& out) const;
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
  /// Y = U·diag(σ)·Vᵀ held as factors (for saving): U (n×k), V (m×k), σ (= spectrum()), else nullptr.
  virtual const parallel::DistMatrix* left_factor() const { return nullptr; }
  virtual const parallel::DistMatrix* right_factor() const { return nullptr; }
  /// Linear networks (Section 5) train on inputs X: the dynamics see Y as XᵀO and Z through S·Z with
  /// S = XᵀX. For every plain target S = I (isotropic) and no product is made.
  virtual bool isotropic() const { return true; }
  /// out (n×r) = S·Z. Only called when !isotropic().
  virtual void input_gram(const parallel::DistMatrix& z, parallel::DistMatrix& out,
                          linalg::ProductContext&) const {
    out.copy_from(z);
  }
  /// The network's inputs X (N×n), for saving, else nullptr.
  virtual const parallel::DistMatrix* network_inputs() const { return nullptr; }
  /// Whether y_bt_rows and zt_y_cols answer, so that the dynamics may keep Z's rows and W's columns
  /// replicated (model/panel_replica.hpp): a dense Y (the passes' sums hold them) and a factored one (the
  /// replicated r×k products do). Default: whether the target holds a dense Y.
  virtual bool full_panels() const { return dense() != nullptr; }
  /// Right after y_bt(b, out, ctx) on the panel path of a grid with more than one process column: all r
  /// columns of this rank's rows of Y·Bᵀ (local_rows × r, ld local_rows), each column block as its owner
  /// computed it into `out`. Local: no message. Only when full_panels().
  virtual void y_bt_rows(const parallel::DistMatrix& out, linalg::ProductContext& ctx, double* rows) const;
  /// Right after zt_y(z, out, ctx) on the panel path of a grid with more than one process row: all r rows of
  /// this rank's columns of ZᵀY (r × local_cols, ld r), each row block as its owner computed it into `out`.
  /// Local: no message. Only when full_panels().
  virtual void zt_y_cols(const parallel::DistMatrix& out, linalg::ProductContext& ctx, double* cols) const;
};

/// The Gram matrix the dynamics use, ZᵀS Z (= ZᵀZ for isotropic targets), into `out` (r×r, replicated).
/// `sz` receives S·Z (n×r) in the non-isotropic case. Returns what stands for Z where Ŷ = ZW enters: Z, or
/// S·Z. Collective.
const parallel::DistMatrix& input_gram_of(const Target& target, const parallel::DistMatrix& z,
                                          parallel::DistMatrix& sz, linalg::SmallMatrix& out,
                                          linalg::ProductContext& ctx);

/// A dense block-cyclic Y: the reference implementation.
class DenseTarget final : public Target {
public:
  DenseTarget(parallel::DistMatrix y, std::vector<double> known_spectrum);
  int rows() const override { return y_.rows(); }
  int cols() const override { return y_.cols(); }
  void zt_y(const parallel::DistMatrix& z, parallel::DistMatrix& out,
            linalg::ProductContext& ctx) const override;
  void y_bt(const parallel::DistMatrix& b, parallel::DistMatrix& out,
            linalg::ProductContext& ctx) const override;
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

/// Y = U·diag(σ)·Vᵀ, never multiplied out: every product costs O((n+m)·r·k). Held as a thin SVD (orthonormal
/// U, V; σ descending), so spectrum() is exact. U, V and every operand share one grid and one block size.
class FactoredTarget final : public Target {
public:
  /// `orthonormal`: U and V have orthonormal columns (then σ are the singular values, only sorted here).
  /// Otherwise U·diag(σ)·Vᵀ is converted to its thin SVD (thin QRs of U and V, SVD of a k×k core).
  /// `normalise` divides Y by ‖Y‖_F (gaussian-product).
  FactoredTarget(parallel::DistMatrix u, parallel::DistMatrix v, std::vector<double> sigma, bool orthonormal,
                 bool normalise = false);
  int rows() const override { return u_.rows(); }
  int cols() const override { return v_.rows(); }
  void zt_y(const parallel::DistMatrix& z, parallel::DistMatrix& out,
            linalg::ProductContext& ctx) const override;
  void y_bt(const parallel::DistMatrix& b, parallel::DistMatrix& out,
            linalg::ProductContext& ctx) const override;
  /// Exact: Y − ZW = [UΣ, −Z]·[V, Wᵀ]ᵀ, reduced to a (k+r)×(k+r) product by thin QRs (no Gram matrices).
  double residual_norm2(const parallel::DistMatrix& z, const parallel::DistMatrix& w) const override;
  double norm2() const override { return norm2_; }
  const std::vector<double>& spectrum() const override { return sigma_; }
  const parallel::DistMatrix* dense() const override { return nullptr; }
  std::vector<double> singular_values() const override;
  const parallel::DistMatrix* left_factor() const override { return &u_; }
  const parallel::DistMatrix* right_factor() const override { return &v_; }
  bool full_panels() const override { return true; }
  /// U's rows times the replicated Σ·(B·V)ᵀ of the last y_bt, every column block as its owner computes it.
  void y_bt_rows(const parallel::DistMatrix& out, linalg::ProductContext& ctx, double* rows) const override;
  /// The replicated (ZᵀU)·Σ of the last zt_y times Vᵀ's columns, every row block as its owner computes it.
  void zt_y_cols(const parallel::DistMatrix& out, linalg::ProductContext& ctx, double* cols) const override;

  FactoredTarget(const FactoredTarget&) = delete; // the panel views point into members
  FactoredTarget& operator=(const FactoredTarget&) = delete;

private:
  parallel::DistMatrix u_, v_;
  std::vector<double> sigma_;
  double norm2_ = 0.0;
  /// Constants of the panel path, made once with the target: U's rows with all k columns, and Vᵀ (k×m, on
  /// W's layout) with its columns' k rows.
  parallel::DistMatrix vt_;
  std::vector<double> u_rows_, vt_cols_;
  linalg::PanelView u_view_, vt_view_;
};

/// Y = diag(σ) (n×m, σ_i at (i, i) for i < k): the problem expressed in Y's singular bases. O((n+m)·r) per
/// product; nothing of size n×m or k×k is ever formed.
class DiagonalTarget final : public Target {
public:
  DiagonalTarget(parallel::GridPtr grid, int n, int m, std::vector<double> sigma);
  int rows() const override { return n_; }
  int cols() const override { return m_; }
  void zt_y(const parallel::DistMatrix& z, parallel::DistMatrix& out,
            linalg::ProductContext& ctx) const override;
  void y_bt(const parallel::DistMatrix& b, parallel::DistMatrix& out,
            linalg::ProductContext& ctx) const override;
  /// Exact (thin QRs of [E_kΣ, −Z] and [E_k, Wᵀ]) while k + r <= kExactColumns; beyond, the diagonal part
  /// exactly plus the off-diagonal mass ‖ZW‖² − Σ(ZW)_ii² from r×r Gram matrices (see the .cpp).
  double residual_norm2(const parallel::DistMatrix& z, const parallel::DistMatrix& w) const override;
  double norm2() const override { return norm2_; }
  const std::vector<double>& spectrum() const override { return spectrum_; }
  const parallel::DistMatrix* dense() const override { return nullptr; }
  std::vector<double> singular_values() const override;
  const std::vector<double>& sigma() const { return sigma_; }
  static constexpr int kExactColumns = 512;

private:
  parallel::GridPtr grid_;
  int n_ = 0, m_ = 0;
  std::vector<double> sigma_, spectrum_;
  double norm2_ = 0.0;
};

} // namespace fasim::model

namespace fasim::model {

/// Section 5's two-layer linear network: training inputs X (N×n) and outputs O (N×m). Its training error
/// ‖XZW − O‖² is the loss; the dynamics are dZ = Xᵀ(O − XZW)Cᵀ, dW = ZᵀXᵀ(O − XZW) (FA), i.e. Y → M = XᵀO and
/// Z → S·Z with S = XᵀX in the products. With XᵀX = I (the paper's isotropic case) this is matrix
/// factorisation of Y = XᵀO exactly; other X go beyond the paper.
class LinearNetworkTarget final : public Target {
public:
  /// `isotropic`: X has orthonormal columns by construction (then S·Z = Z is not formed, and Y's known
  /// spectrum, if any, is the problem's).
  LinearNetworkTarget(parallel::DistMatrix x, parallel::DistMatrix o, bool isotropic,
                      std::vector<double> known_spectrum);
  int rows() const override { return m_.rows(); }
  int cols() const override { return m_.cols(); }
  void zt_y(const parallel::DistMatrix& z, parallel::DistMatrix& out,
            linalg::ProductContext& ctx) const override {
    m_.zt_y(z, out, ctx);
  }
  void y_bt(const parallel::DistMatrix& b, parallel::DistMatrix& out,
            linalg::ProductContext& ctx) const override {
    m_.y_bt(b, out, ctx);
  }
  /// The network's training error ‖X·Z·W − O‖²_F, from the explicit residual.
  double residual_norm2(const parallel::DistMatrix& z, const parallel::DistMatrix& w) const override;
  double norm2() const override { return o_norm2_; }
  const std::vector<double>& spectrum() const override { return m_.spectrum(); }
  const parallel::DistMatrix* dense() const override { return m_.dense(); }
  std::vector<double> singular_values() const override;
  bool isotropic() const override { return isotropic_; }
  /// S·Z = Xᵀ(X·Z), X·Z in the context's scratch.
  void input_gram(const parallel::DistMatrix& z, parallel::DistMatrix& out,
                  linalg::ProductContext& ctx) const override;
  const parallel::DistMatrix* network_inputs() const override { return &x_; }

private:
  parallel::DistMatrix x_, o_;
  DenseTarget m_; ///< M = XᵀO
  bool isotropic_;
  double o_norm2_ = 0.0;
};

} // namespace fasim::model
