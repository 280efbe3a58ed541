#pragma once
// A feed-forward network of depth L >= 2 (issue 26): input X (N×n, or the identity when absent: N = n, deep
// matrix factorisation of O), target O (N×m), weights W_1 (n×w_1), W_l (w_{l−1}×w_l), W_L (w_{L−1}×m).
// Forward: H_0 = X, A_l = H_{l−1}·W_l, H_l = σ(A_l) for l < L, Ŷ = A_L (linear output); E = O − Ŷ and the
// loss is ‖E‖²_F. X, O and every activation are block-cyclic over the grid (N can be 10⁶ and more); the
// weights are distributed on the same grid and every product is a PDGEMM (network_dynamics.hpp says why).
// With L = 2, σ = identity and no X this is the paper's two-factor model (Z = W_1, W = W_2, C = C_2), which
// fasim runs through the paper model's own code path (problem.hpp, dynamics.hpp) so it stays bitwise.
#include "fasim/model/specs.hpp"
#include "fasim/parallel/dist_matrix.hpp"

#include <optional>
#include <string>
#include <vector>

namespace fasim::model {

enum class Activation { Identity, ReLU, Tanh };
const char* to_string(Activation activation);

/// [network]: depth L and the hidden widths w_1 … w_{L−1} (for L = 2 the width is model.r).
struct NetworkSpec {
  int depth = 2;
  std::vector<int> widths;
  Activation activation = Activation::Identity;
};

/// Matrices supplied by the user ([input] file); each one present replaces the generated one. Indices are
/// the layer's: w[l − 1] is W_l, c[l − 1] is C_l (c[0] unused), d[l − 1] is D_l (l < L).
struct NetworkInputs {
  std::optional<parallel::DistMatrix> x, o;
  std::vector<std::optional<parallel::DistMatrix>> w, c, d;
};

struct Network {
  parallel::GridPtr grid;
  int block = 64;
  int depth = 2;
  /// Layer sizes: sizes[0] = n, sizes[l] = w_l for 0 < l < L, sizes[L] = m.
  std::vector<int> sizes;
  int samples = 0; ///< N
  Activation activation = Activation::Identity;
  bool identity_input = false;          ///< no X: H_0 = I (N = n)
  parallel::DistMatrix x;               ///< N×n (not allocated when identity_input)
  parallel::DistMatrix o;               ///< N×m
  std::vector<parallel::DistMatrix> w0; ///< W_l(0), l = 1 … L at index l − 1
  std::vector<parallel::DistMatrix> c;  ///< C_l, W_l's shape, l = 2 … L at index l − 1 (index 0 empty)
  std::vector<parallel::DistMatrix> d;  ///< D_l (w_l×m), l = 1 … L − 1 at index l − 1; D_{L−1} = C_L
  double o_norm2 = 0.0;                 ///< ‖O‖²_F

  int n() const { return sizes.front(); }
  int m() const { return sizes.back(); }
  /// w_l for 0 < l < L (sizes[l]).
  int width(int l) const { return sizes[static_cast<std::size_t>(l)]; }
  const parallel::DistMatrix& feedback_c(int l) const { return c[static_cast<std::size_t>(l - 1)]; }
  const parallel::DistMatrix& feedback_d(int l) const { return d[static_cast<std::size_t>(l - 1)]; }
};

/// True when the network is the paper's two-factor model (L = 2, σ = identity, no X): fasim then runs the
/// paper model's code path, where FA* exists too.
bool is_paper_model(const NetworkSpec& spec, bool has_inputs);

/// Why `algorithm` cannot train this network ("" when it can): FA* exists only for the paper's model.
std::string network_algorithm_unsupported(AlgorithmKind algorithm);

/// The sizes vector of a spec: n, w_1 … w_{L−1}, m; `r` stands for w_1 when L = 2 and widths is empty.
/// Throws UsageError on a depth below 2, a widths list of the wrong length or a width below 1.
std::vector<int> network_sizes(const NetworkSpec& spec, int n, int m, int r);

/// Generates (or takes from `inputs`) X, O, W_l(0), C_l and D_l. Without X in `inputs`: problem.samples = 0
/// means no X (H_0 = I, O = the problem's synthetic Y, n×m); samples = N > 0 an X (N×n) with orthonormal
/// columns and O = X·Y, as for the linear-network source. W_l(0) for l < L is Gaussian with init.z_std, W_L
/// with init.w_std; C_l and D_l Gaussian with feedback.std (or C_l = −W_l(0) for feedback.source =
/// minus-w0). W_1, W_L, C_L are drawn from the streams of Z(0), W(0), C, so a depth-2 network starts where
/// the paper's model starts. Collective over the grid.
Network build_network(const NetworkSpec& net, const ProblemSpec& problem, const FeedbackSpec& feedback,
                      const InitSpec& init, int r, parallel::GridPtr grid, int block,
                      NetworkInputs inputs = {});

} // namespace fasim::model
