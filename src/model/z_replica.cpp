#include "fasim/model/z_replica.hpp"

#include <algorithm>
#include <cstring>

namespace fasim::model {

using parallel::DistMatrix;

bool ZReplica::holds(const DistMatrix& z) const {
  if (!current_) return false; // the same on every rank: every rank advanced, or none did
  bool same = of_ == &z && z.local_rows() == rows_ && z.cols() == r_;
  for (int lj = 0; same && lj < z.local_cols(); ++lj)
    same = std::memcmp(z.data() + static_cast<std::size_t>(lj) * z.lld(),
                       panel_.data() + static_cast<std::size_t>(z.global_col({lj}).value) * rows_,
                       sizeof(double) * static_cast<std::size_t>(rows_)) == 0;
  return z.grid()->row_comm().allreduce_min(same ? 1 : 0) == 1;
}

void ZReplica::adopt(const DistMatrix& z, linalg::PanelView gathered) {
  of_ = &z;
  rows_ = z.local_rows();
  r_ = z.cols();
  const auto size = static_cast<std::size_t>(std::max(1, rows_)) * r_;
  panel_.resize(size);
  dz_.assign(size, 0.0);
  for (int j = 0; j < r_; ++j)
    std::copy_n(gathered.data + static_cast<std::size_t>(j) * gathered.ld, rows_,
                panel_.data() + static_cast<std::size_t>(j) * rows_);
  formed_ = current_ = false;
}

void ZReplica::advance(const DistMatrix& z, double h) {
  if (of_ != &z || !formed_) {
    current_ = false;
    return;
  }
  // add_scaled's expression (model/dynamics.cpp): out[i] += a * in[i].
  double* out = panel_.data();
  const double* in = dz_.data();
  for (std::size_t i = 0, n = static_cast<std::size_t>(rows_) * r_; i < n; ++i) out[i] += h * in[i];
  formed_ = false;
  current_ = true;
}

void ZReplica::drop() {
  of_ = nullptr;
  formed_ = current_ = false;
}

} // namespace fasim::model
