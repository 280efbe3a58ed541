#pragma once
// One experiment's data: the target Y, the feedback matrix C and the common starting point Z(0), W(0), all
// generated from counter-based random streams (identical on every grid) or supplied by an input file.
#include "fasim/linalg/entry_mask.hpp"
#include "fasim/model/specs.hpp"
#include "fasim/model/target.hpp"
#include "fasim/parallel/dist_matrix.hpp"
#include "fasim/parallel/random.hpp"

#include <limits>
#include <memory>
#include <optional>

namespace fasim::model {

class Measurements; // model/sensing.hpp

/// Matrices supplied by the user ([input] file); each one present replaces the generated one.
struct ProblemInputs {
  std::optional<parallel::DistMatrix> y, c, z0, w0;
  std::optional<parallel::DistMatrix> x, o; ///< linear-network inputs X (N×n) and outputs O (N×m)
  std::optional<parallel::DistMatrix> mask; ///< completion: the observed entries M (n×m, 0/1)
  std::optional<parallel::DistMatrix> sensing_a, sensing_b; ///< sensing: rank-one a_i (n×M), b_i (m×M)
};

struct Problem {
  parallel::GridPtr grid;
  int block = 64;
  int n = 0, m = 0, k = 0, r = 0;
  std::unique_ptr<Target> target;
  parallel::DistMatrix c;    ///< r×m feedback
  parallel::DistMatrix z0;   ///< n×r
  parallel::DistMatrix w0;   ///< r×m (FA* replaces it by the optimal W)
  parallel::DistMatrix y_ct; ///< Y·Cᵀ (n×r): constant, computed once
  double optimal_error = std::numeric_limits<double>::quiet_NaN(); ///< Σ_{i>r} σ_i²
  double lemma1_error = std::numeric_limits<double>::quiet_NaN();  ///< ‖Y − P_{YCᵀ}Y‖²_F
  /// Matrix completion: the observed entries Ω, lined up with the dense Y (model/completion.hpp); null when
  /// every entry is observed. Shared: the mask is read-only once made.
  std::shared_ptr<const linalg::EntryMask> mask;
  bool mask_from_input = false; ///< the mask is the input file's M (else a Bernoulli draw)
  /// Matrix sensing: the measurement operator 𝒜 and y = 𝒜(Y) (model/sensing.hpp); null unless
  /// problem.observe = sensing. Shared: read-only once made.
  std::shared_ptr<const Measurements> sensing;
  bool sensing_from_input = false; ///< A and B are the input file's (else drawn from sensing.seed)
};

/// rows×cols of independent N(0, std_dev²) entries from `stream` (the same on every grid and block size).
parallel::DistMatrix gaussian(parallel::GridPtr g, int rows, int cols, int block, std::uint64_t seed,
                              parallel::Stream stream, double std_dev);
/// The Q of a thin QR of a standard Gaussian rows×cols matrix (orthonormal columns). Collective.
parallel::DistMatrix orthonormal(parallel::GridPtr g, int rows, int cols, int block, std::uint64_t seed,
                                 parallel::Stream stream);
/// The target a problem spec describes when no file gives Y (not linear-network). Collective.
std::unique_ptr<Target> build_target(const ProblemSpec& spec, int r, const parallel::GridPtr& grid,
                                     int block);

/// The singular values a spectrum spec describes (length k, descending for the built-in shapes).
std::vector<double> make_spectrum(const ProblemSpec& spec, int r);

/// Generates (or takes from `inputs`) Y, C, Z(0), W(0) and Y·Cᵀ. Collective over the grid.
Problem build_problem(const ProblemSpec& problem, const FeedbackSpec& feedback, const InitSpec& init, int r,
                      parallel::GridPtr grid, int block, ProblemInputs inputs = {});

/// Computes optimal_error (from the known spectrum, else from pdgesvd when n·m <= svd_limit) and
/// lemma1_error (explicit residual of Y's projection on col(Y·Cᵀ)).
void compute_reference_errors(Problem& problem, double svd_limit = 16e6);

/// W = (ZᵀZ)⁻¹ZᵀY (Cholesky of the Gram matrix). Collective.
void optimal_w(const Target& y, const parallel::DistMatrix& z, parallel::DistMatrix& w);
/// The same given the replicated Gram matrix (ZᵀS Z for a linear network): FA*'s W, written once. `factor`
/// (r×r) receives the Cholesky factor; throws ScalapackError when the Gram matrix is not positive definite.
/// Collective.
void solve_optimal_w(const Target& y, const parallel::DistMatrix& z, const linalg::SmallMatrix& gram,
                     parallel::DistMatrix& factor, parallel::DistMatrix& w, linalg::ProductContext& ctx);

} // namespace fasim::model
