#include "fasim/linalg/entry_mask.hpp"

#include "fasim/linalg/panel_products.hpp"
#include "fasim/linalg/panels.hpp"
#include "fasim/parallel/communicator.hpp"
#include "fasim/parallel/error.hpp"
#include "fasim/parallel/random.hpp"

#include <algorithm>
#include <string>

namespace fasim::linalg {

using parallel::DistMatrix;

EntryMask EntryMask::shaped_like(const DistMatrix& like) {
  EntryMask mask;
  mask.rows_ = like.rows();
  mask.cols_ = like.cols();
  mask.local_rows_ = like.local_rows();
  mask.local_cols_ = like.local_cols();
  mask.bits_.resize(static_cast<std::size_t>(mask.local_rows_) * mask.local_cols_);
  return mask;
}

EntryMask EntryMask::bernoulli(const DistMatrix& like, double fraction, std::uint64_t seed) {
  const parallel::CounterRng rng(seed, parallel::Stream::CompletionMask);
  EntryMask mask = shaped_like(like);
  for (int lj = 0; lj < mask.local_cols_; ++lj) {
    const auto gj = static_cast<std::uint64_t>(like.global_col({lj}).value);
    std::uint8_t* col = mask.bits_.data() + static_cast<std::size_t>(lj) * mask.local_rows_;
    for (int li = 0; li < mask.local_rows_; ++li)
      col[li] = rng.uniform(static_cast<std::uint64_t>(like.global_row({li}).value), gj) < fraction;
  }
  return mask;
}

EntryMask EntryMask::from_matrix(const DistMatrix& m, const std::string& what) {
  EntryMask mask = shaped_like(m);
  for (int lj = 0; lj < mask.local_cols_; ++lj)
    for (int li = 0; li < mask.local_rows_; ++li) {
      const double v = m.local({li}, {lj});
      if (v != 0.0 && v != 1.0)
        throw UsageError(what + " holds " + std::to_string(v) + " at (" +
                         std::to_string(m.global_row({li}).value) + ", " +
                         std::to_string(m.global_col({lj}).value) +
                         "); a mask holds only 0 (unobserved) and 1 (observed)");
      mask.bits_[static_cast<std::size_t>(lj) * mask.local_rows_ + li] = v == 1.0;
    }
  return mask;
}

bool EntryMask::lines_up(const DistMatrix& y) const {
  return y.rows() == rows_ && y.cols() == cols_ && y.local_rows() == local_rows_ &&
         y.local_cols() == local_cols_;
}

long long EntryMask::observed_count(const DistMatrix& like) const {
  const long long mine = std::count(bits_.begin(), bits_.end(), std::uint8_t{1});
  return like.grid()->grid_comm().allreduce_sum(mine);
}

void keep_observed(const EntryMask& mask, int j0, int width, double* e, int lde) {
  const int rows = mask.local_rows();
  for (int j = 0; j < width; ++j) {
    const std::uint8_t* seen = mask.column(j0 + j);
    double* col = e + static_cast<std::size_t>(j) * lde;
    // A select, not a product: an unobserved entry is exactly 0 even where Y − ZW is not finite.
    for (int i = 0; i < rows; ++i) col[i] = seen[i] ? col[i] : 0.0;
  }
}

namespace {
/// Adds the squares of local columns [j0, j0 + width) of e (ld lde) to `out`, split by the mask.
void accumulate(const EntryMask& mask, int j0, int width, const double* e, std::size_t lde, SplitNorms& out) {
  for (int j = 0; j < width; ++j) {
    const std::uint8_t* seen = mask.column(j0 + j);
    const double* col = e + static_cast<std::size_t>(j) * lde;
    for (int i = 0; i < mask.local_rows(); ++i) (seen[i] ? out.observed : out.unobserved) += col[i] * col[i];
  }
}

SplitNorms summed(const parallel::Communicator& comm, SplitNorms local) {
  double both[2] = {local.observed, local.unobserved};
  comm.allreduce_sum(both, 2);
  return {both[0], both[1]};
}
} // namespace

SplitNorms split_residual_norm2(const DistMatrix& y, const DistMatrix& z, const DistMatrix& w,
                                const EntryMask& mask) {
  const auto& g = *y.grid();
  if (!g.active()) return {};
  FASIM_REQUIRE(mask.lines_up(y) && z.rows() == y.rows() && w.cols() == y.cols() && z.cols() == w.rows() &&
                    z.row_block() == y.row_block() && w.col_block() == y.col_block(),
                "split_residual_norm2: Y, Z, W and the mask do not line up");
  const SmallMatrix zr = gathered<Coord::Row>(z), wc = gathered<Coord::Col>(w);
  const int nloc = y.local_rows(), mloc = y.local_cols(), r = z.cols(), lde = std::max(1, nloc);
  constexpr int kPanel = 256;
  std::vector<double> panel(static_cast<std::size_t>(lde) * kPanel);
  SplitNorms local;
  for (int j0 = 0; j0 < mloc; j0 += kPanel) {
    const int width = std::min(kPanel, mloc - j0);
    residual_panel(y, {zr.v.data(), lde}, {wc.v.data(), std::max(1, r)}, r, j0, width, panel.data());
    accumulate(mask, j0, width, panel.data(), static_cast<std::size_t>(lde), local);
  }
  return summed(g.grid_comm(), local);
}

SplitNorms split_norm2(const DistMatrix& y, const EntryMask& mask) {
  const auto& g = *y.grid();
  if (!g.active()) return {};
  FASIM_REQUIRE(mask.lines_up(y), "split_norm2: the mask does not line up with Y");
  SplitNorms local;
  accumulate(mask, 0, y.local_cols(), y.data(), static_cast<std::size_t>(y.lld()), local);
  return summed(g.grid_comm(), local);
}

} // namespace fasim::linalg
