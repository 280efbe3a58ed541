#pragma once
// The replicated plan's products (network_plan.hpp): the weights gathered whole onto every rank, H·W and δ·Bᵀ
// as local GEMMs over the rows (samples) of the activations this rank holds (gathered along its process row
// first when the grid has more than one process column), and the gradient Hᵀ·δ as one local GEMM per rank
// summed onto the owners of its entries (one all-to-all of w_{l−1}×w_l numbers; an allreduce when the grid
// has more than one process column). linalg/thin_products.hpp and replicated_weights.hpp do the arithmetic.
#include "fasim/linalg/panel_products.hpp"
#include "fasim/linalg/replicated_weights.hpp"
#include "fasim/linalg/small_matrix.hpp"
#include "fasim/linalg/thin_products.hpp"
#include "fasim/model/network.hpp"
#include "fasim/parallel/dist_matrix.hpp"

#include <vector>

namespace fasim::model {

class ReplicatedProducts {
public:
  /// Gathers the fixed feedback once: C_l (l ≥ 2) for fa and the formed rules, D_l (l < L) for dfa.
  /// Collective.
  ReplicatedProducts(const Network& net, AlgorithmKind kind);

  /// W_1 … W_L of `weights` (index l − 1) whole on every rank, for the products that follow. Collective.
  void gather_weights(const std::vector<parallel::DistMatrix>& weights);
  /// W_l as last gathered.
  const linalg::SmallMatrix& weight(int l) const { return w_[static_cast<std::size_t>(l - 1)]; }
  /// C_l (fa) or D_l (dfa), gathered at construction.
  const linalg::SmallMatrix& fixed_c(int l) const { return c_[static_cast<std::size_t>(l - 1)]; }
  const linalg::SmallMatrix& fixed_d(int l) const { return d_[static_cast<std::size_t>(l - 1)]; }
  /// A matrix gathered whole (kp's B_l). Collective.
  const linalg::SmallMatrix& gather(const parallel::DistMatrix& a);
  /// usf, frsf, mixed: B_l formed from the whole W_l (as last gathered) and C_l, entry by entry as
  /// feedback_rules forms it on the grid. Local.
  const linalg::SmallMatrix& formed(AlgorithmKind kind, double alpha, int l);

  /// out = H·M (H N×k, M k×w whole; out N×w with H's row layout). Collective along the process row.
  void times(const parallel::DistMatrix& h, const linalg::SmallMatrix& m, parallel::DistMatrix& out);
  /// out = δ·Bᵀ (δ N×w_{l+1}, B w_l×w_{l+1} whole). Collective along the process row.
  void times_transpose(const parallel::DistMatrix& delta, const linalg::SmallMatrix& b,
                       parallel::DistMatrix& out);
  /// out = ρ·Hᵀ·δ (w_{l−1}×w_l) summed over the grid, each rank keeping the entries of out it owns.
  /// Collective.
  void gradient(const parallel::DistMatrix& h, const parallel::DistMatrix& delta, double rho,
                parallel::DistMatrix& out);

private:
  std::vector<linalg::SmallMatrix> w_, c_, d_;
  linalg::SmallMatrix gathered_, transposed_, sum_;
  linalg::ThinWorkspace ws_;
  linalg::GatherBuffers buffers_;
  linalg::OwnerBuffers owners_;
  std::vector<double> rows_;
};

} // namespace fasim::model
