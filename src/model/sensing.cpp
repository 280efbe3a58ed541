#include "fasim/model/sensing.hpp"

#include "fasim/parallel/error.hpp"
#include "fasim/parallel/pblas.hpp"
#include "fasim/parallel/random.hpp"

#include <cmath>
#include <sstream>

namespace fasim::model {

using parallel::DistMatrix;
using parallel::Op;

namespace {
/// Σ_rows a∘b of each of this rank's columns (a, b of one layout), summed over the process column: the same
/// on every rank of it. Collective over the grid's column communicators; active ranks only.
std::vector<double> column_dots(const DistMatrix& a, const DistMatrix& b) {
  FASIM_REQUIRE(a.same_layout(b), "column_dots: layouts differ");
  std::vector<double> out(static_cast<std::size_t>(a.local_cols()), 0.0);
  for (int lj = 0; lj < a.local_cols(); ++lj) {
    const double* x = a.data() + static_cast<std::size_t>(lj) * a.lld();
    const double* y = b.data() + static_cast<std::size_t>(lj) * b.lld();
    double s = 0.0;
    for (int li = 0; li < a.local_rows(); ++li) s += x[li] * y[li];
    out[static_cast<std::size_t>(lj)] = s;
  }
  a.grid()->col_comm().allreduce_sum(out.data(), static_cast<int>(out.size()));
  return out;
}

/// out = x with its local column lj multiplied by s[lj]. Local.
void scale_columns(const DistMatrix& x, const std::vector<double>& s, DistMatrix& out) {
  FASIM_REQUIRE(x.same_layout(out) && s.size() == static_cast<std::size_t>(x.local_cols()),
                "scale_columns: layouts differ");
  for (int lj = 0; lj < x.local_cols(); ++lj) {
    const std::size_t col = static_cast<std::size_t>(lj) * x.lld();
    for (int li = 0; li < x.local_rows(); ++li) out.data()[col + li] = s[lj] * x.data()[col + li];
  }
}

std::string text(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}
} // namespace

Measurements Measurements::rank_one(DistMatrix a, DistMatrix b, const DistMatrix& y) {
  FASIM_REQUIRE(a.rows() == y.rows() && b.rows() == y.cols() && a.cols() == b.cols(),
                "Measurements::rank_one: A (n×M) and B (m×M) do not fit Y");
  Measurements out;
  out.kind_ = SensingKind::RankOne;
  out.count_ = a.cols();
  out.a_ = std::move(a);
  out.b_ = std::move(b);
  out.measure(y);
  return out;
}

Measurements Measurements::gaussian(const DistMatrix& y, int count, std::uint64_t seed) {
  Measurements out;
  out.kind_ = SensingKind::Gaussian;
  out.count_ = count;
  out.a_ = DistMatrix::like(y); // the layout of every A_l (and of the workspace's Z·W and 𝒜*(r))
  out.piece_ = static_cast<std::size_t>(y.local_rows()) * static_cast<std::size_t>(y.local_cols());
  out.stack_.resize(out.piece_ * static_cast<std::size_t>(count));
  const parallel::CounterRng rng(seed, parallel::Stream::SensingA);
  const double std_dev = 1.0 / std::sqrt(static_cast<double>(count));
  const auto m = static_cast<std::uint64_t>(y.cols());
  double* at = out.stack_.data();
  for (int l = 0; l < count; ++l)
    for (int lj = 0; lj < y.local_cols(); ++lj) {
      const auto gj = static_cast<std::uint64_t>(y.global_col({lj}).value);
      for (int li = 0; li < y.local_rows(); ++li)
        *at++ = std_dev * rng.normal(static_cast<std::uint64_t>(l),
                                     static_cast<std::uint64_t>(y.global_row({li}).value) * m + gj);
    }
  out.measure(y);
  return out;
}

void Measurements::apply_dense(const DistMatrix& x, std::vector<double>& out) const {
  out.assign(static_cast<std::size_t>(count_), 0.0);
  const double* piece = stack_.data();
  for (int l = 0; l < count_; ++l) {
    double s = 0.0;
    for (int lj = 0; lj < x.local_cols(); ++lj) {
      const double* col = x.data() + static_cast<std::size_t>(lj) * x.lld();
      for (int li = 0; li < x.local_rows(); ++li) s += *piece++ * col[li];
    }
    out[static_cast<std::size_t>(l)] = s;
  }
  x.grid()->grid_comm().allreduce_sum(out.data(), count_);
}

void Measurements::measure(const DistMatrix& y) {
  if (!y.grid()->active()) return;
  double local = 0.0;
  if (kind_ == SensingKind::RankOne) {
    // y_i = a_iᵀ·Y·b_i = Σ_j (Yᵀ·A)_ji·B_ji: one pass over Y, once.
    DistMatrix yta(y.grid(), y.cols(), count_, b_.row_block(), b_.col_block());
    parallel::gemm(Op::Trans, Op::None, 1.0, y, a_, 0.0, yta);
    y_ = column_dots(yta, b_);
    for (double v : y_) local += v * v;
    y_norm2_ = y.grid()->row_comm().allreduce_sum(local);
    return;
  }
  apply_dense(y, y_);
  for (double v : y_) local += v * v;
  y_norm2_ = local;
}

SensingWork Measurements::workspace(int r) const {
  SensingWork work;
  if (kind_ == SensingKind::RankOne) {
    const auto grid = a_.grid();
    const int block = a_.col_block();
    work.za = DistMatrix(grid, r, count_, block, block);
    work.wb = DistMatrix::like(work.za);
    work.fb = DistMatrix::like(work.za);
    work.scaled = DistMatrix::like(work.za);
  } else {
    work.x = DistMatrix::like(a_);
    work.e = DistMatrix::like(a_);
  }
  return work;
}

double Measurements::residual(const DistMatrix& z, const DistMatrix& w, SensingWork& work) const {
  if (!z.grid()->active()) return 0.0;
  double local = 0.0;
  if (kind_ == SensingKind::RankOne) {
    // 𝒜(ZW)_i = a_iᵀ·Z·W·b_i = Σ_k (ZᵀA)_ki·(W·B)_ki.
    parallel::gemm(Op::Trans, Op::None, 1.0, z, a_, 0.0, work.za);
    parallel::gemm(Op::None, Op::None, 1.0, w, b_, 0.0, work.wb);
    work.residual = column_dots(work.za, work.wb);
    for (std::size_t i = 0; i < work.residual.size(); ++i) {
      work.residual[i] = y_[i] - work.residual[i];
      local += work.residual[i] * work.residual[i];
    }
    return z.grid()->row_comm().allreduce_sum(local);
  }
  FASIM_REQUIRE(work.x.same_layout(a_), "Measurements::residual: a workspace made for rank-one sensing");
  parallel::gemm(Op::None, Op::None, 1.0, z, w, 0.0, work.x);
  apply_dense(work.x, work.residual);
  for (std::size_t i = 0; i < work.residual.size(); ++i) {
    work.residual[i] = y_[i] - work.residual[i];
    local += work.residual[i] * work.residual[i];
  }
  return local;
}

double Measurements::field(const DistMatrix& z, const DistMatrix& w, const DistMatrix& f, DistMatrix& d_z,
                           DistMatrix* d_w, double rho, SensingWork& work) const {
  const double loss = residual(z, w, work);
  if (!z.grid()->active()) return loss;
  if (kind_ == SensingKind::RankOne) {
    // dZ = A·diag(r)·(F·B)ᵀ; for GD F = W and W·B is the residual's.
    const DistMatrix* fb = &work.wb;
    if (&f != &w) {
      parallel::gemm(Op::None, Op::None, 1.0, f, b_, 0.0, work.fb);
      fb = &work.fb;
    }
    scale_columns(*fb, work.residual, work.scaled);
    parallel::gemm(Op::None, Op::Trans, 1.0, a_, work.scaled, 0.0, d_z);
    if (d_w) {
      // dW = ρ·(ZᵀA)·diag(r)·Bᵀ
      scale_columns(work.za, work.residual, work.scaled);
      parallel::gemm(Op::None, Op::Trans, rho, work.scaled, b_, 0.0, *d_w);
    }
    return loss;
  }
  // 𝒜*(r) = Σ_l r_l·A_l, formed locally on Y's layout.
  DistMatrix& e = work.e;
  e.set_zero();
  const double* piece = stack_.data();
  for (int l = 0; l < count_; ++l) {
    const double rl = work.residual[static_cast<std::size_t>(l)];
    for (int lj = 0; lj < e.local_cols(); ++lj) {
      double* col = e.data() + static_cast<std::size_t>(lj) * e.lld();
      for (int li = 0; li < e.local_rows(); ++li) col[li] += rl * *piece++;
    }
  }
  parallel::gemm(Op::None, Op::Trans, 1.0, e, f, 0.0, d_z);
  if (d_w) parallel::gemm(Op::Trans, Op::None, rho, z, e, 0.0, *d_w);
  return loss;
}

void observe_measurements(Problem& p, const SensingSpec& spec, std::optional<DistMatrix> given_a,
                          std::optional<DistMatrix> given_b) {
  const DistMatrix* y = p.target->dense();
  if (!y || !p.target->isotropic())
    throw UsageError(
        "problem.observe = sensing measures a dense Y: set problem.representation = dense (and a "
        "source other than linear-network)");
  if (given_a.has_value() != given_b.has_value())
    throw UsageError(std::string("the input file gives ") + (given_a ? "A but not B" : "B but not A") +
                     ": rank-one sensing needs both (A n×M and B m×M, columns a_i and b_i)");
  if (given_a) {
    if (spec.kind != SensingKind::RankOne)
      throw UsageError("the input file's A and B are rank-one measurements a_i·b_iᵀ but sensing.kind = "
                       "gaussian; set sensing.kind = rank-one");
    if (given_a->rows() != p.n || given_b->rows() != p.m || given_a->cols() != given_b->cols())
      throw UsageError("the input file's A is " + std::to_string(given_a->rows()) + "×" +
                       std::to_string(given_a->cols()) + " and B " + std::to_string(given_b->rows()) + "×" +
                       std::to_string(given_b->cols()) + "; rank-one sensing needs A n×M and B m×M (n = " +
                       std::to_string(p.n) + ", m = " + std::to_string(p.m) + ")");
    if (spec.measurements != 0 && spec.measurements != given_a->cols())
      throw UsageError("sensing.measurements = " + std::to_string(spec.measurements) +
                       " but the input file's A and B hold " + std::to_string(given_a->cols()) +
                       " measurements; set sensing.measurements = " + std::to_string(given_a->cols()) +
                       " (or 0)");
    p.sensing = std::make_shared<const Measurements>(
        Measurements::rank_one(std::move(*given_a), std::move(*given_b), *y));
    p.sensing_from_input = true;
    return;
  }
  const int count = spec.measurements;
  if (count <= 0)
    throw UsageError(
        "sensing.measurements = 0 takes M from the input file's A and B, which it does not give; "
        "set sensing.measurements = M >= 1");
  if (spec.kind == SensingKind::Gaussian) {
    const double entries = static_cast<double>(p.n) * p.m * count;
    if (entries > Measurements::kGaussianEntriesLimit)
      throw UsageError("sensing.kind = gaussian holds n·m·M = " + text(entries) +
                       " numbers, above the limit " + text(Measurements::kGaussianEntriesLimit) +
                       " of dense measurements; lower sensing.measurements or use sensing.kind = rank-one");
    p.sensing = std::make_shared<const Measurements>(Measurements::gaussian(*y, count, spec.seed));
  } else {
    // Entries N(0, M^(-1/2)): E[a_iᵀX b_i] = 0 and E[Σ_i ⟨A_i, X⟩·A_i] = X.
    const double std_dev = std::pow(static_cast<double>(count), -0.25);
    p.sensing = std::make_shared<const Measurements>(Measurements::rank_one(
        gaussian(p.grid, p.n, count, p.block, spec.seed, parallel::Stream::SensingA, std_dev),
        gaussian(p.grid, p.m, count, p.block, spec.seed, parallel::Stream::SensingB, std_dev), *y));
  }
  p.sensing_from_input = false;
}

} // namespace fasim::model
