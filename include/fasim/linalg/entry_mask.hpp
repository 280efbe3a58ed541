#pragma once
// The observed entries Ω of a block-cyclic n×m matrix (matrix completion): one byte per entry of this rank's
// local piece, in the piece's column-major order. Never a dense double matrix, never communicated: a
// Bernoulli mask is a pure function of (seed, i, j), so every grid and block size sees the same Ω.
#include "fasim/parallel/dist_matrix.hpp"

#include <cstdint>
#include <vector>

namespace fasim::linalg {

class EntryMask {
public:
  EntryMask() = default;
  /// Each entry (i, j) of a matrix laid out like `like` is observed independently with probability
  /// `fraction`: uniform(seed, i, j) < fraction on the CompletionMask stream. Local.
  static EntryMask bernoulli(const parallel::DistMatrix& like, double fraction, std::uint64_t seed);
  /// From a 0/1 matrix (an input file's dataset M); `what` names it in the error for any other value. Local.
  static EntryMask from_matrix(const parallel::DistMatrix& m, const std::string& what);

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  int local_rows() const { return local_rows_; }
  int local_cols() const { return local_cols_; }
  /// This rank's column lj of the piece: local_rows() bytes, 1 = observed.
  const std::uint8_t* column(int lj) const {
    return bits_.data() + static_cast<std::size_t>(lj) * local_rows_;
  }
  /// Same global shape and the same local piece as `y` (so the mask's bytes line up with y's entries).
  bool lines_up(const parallel::DistMatrix& y) const;
  /// |Ω| over the whole matrix. Collective over the grid.
  long long observed_count(const parallel::DistMatrix& like) const;

private:
  /// All unobserved, laid out like the local piece of `like`.
  static EntryMask shaped_like(const parallel::DistMatrix& like);
  int rows_ = 0, cols_ = 0, local_rows_ = 0, local_cols_ = 0;
  std::vector<std::uint8_t> bits_;
};

/// Zeroes the unobserved entries of local columns [j0, j0 + width) of a panel e (local_rows × width, ld lde):
/// E becomes P_Ω(E) there. Local.
void keep_observed(const EntryMask& mask, int j0, int width, double* e, int lde);

/// ‖P_Ω(Y − Z·W)‖²_F and ‖P_Ωᶜ(Y − Z·W)‖²_F from the explicit residual, one local panel at a time (no n×m
/// temporary). Y, Z, W on one grid with one block size, `mask` lined up with Y. Collective; valid on active
/// ranks.
struct SplitNorms {
  double observed = 0.0, unobserved = 0.0;
};
SplitNorms split_residual_norm2(const parallel::DistMatrix& y, const parallel::DistMatrix& z,
                                const parallel::DistMatrix& w, const EntryMask& mask);
/// ‖P_Ω Y‖²_F and ‖P_Ωᶜ Y‖²_F. Collective.
SplitNorms split_norm2(const parallel::DistMatrix& y, const EntryMask& mask);

} // namespace fasim::linalg
