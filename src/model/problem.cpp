#include "fasim/model/problem.hpp"

#include "fasim/linalg/panels.hpp"
#include "fasim/linalg/replicated_rows.hpp"
#include "fasim/parallel/error.hpp"
#include "fasim/parallel/pblas.hpp"
#include "fasim/parallel/random.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace fasim::model {

using parallel::CounterRng;
using parallel::DistMatrix;
using parallel::Op;
using parallel::Stream;

std::vector<double> make_spectrum(const ProblemSpec& spec, int r) {
  const int k = spec.k;
  std::vector<double> s(static_cast<std::size_t>(k));
  switch (spec.spectrum) {
  case Spectrum::Flat:
    std::fill(s.begin(), s.end(), spec.scale / std::sqrt(static_cast<double>(k)));
    break;
  case Spectrum::TwoLevel: {
    // Theorem 3: the first `head` values share head_mass of ‖Y‖², the other k − head the rest.
    const int head = spec.head > 0 ? spec.head : r;
    for (int i = 0; i < k; ++i)
      s[i] = i < head ? std::sqrt(spec.head_mass / head) : std::sqrt((1.0 - spec.head_mass) / (k - head));
    break;
  }
  case Spectrum::Spiked:
    for (int i = 0; i < k; ++i) s[i] = i == 0 ? 1.0 : spec.epsilon;
    break;
  case Spectrum::List:
    s = spec.values;
    break;
  case Spectrum::Power:
    for (int i = 0; i < k; ++i) s[i] = spec.scale * std::pow(i + 1.0, -spec.exponent);
    break;
  }
  return s;
}

DistMatrix gaussian(parallel::GridPtr g, int rows, int cols, int block, std::uint64_t seed, Stream stream,
                    double std_dev) {
  DistMatrix a(std::move(g), rows, cols, block, block);
  const CounterRng rng(seed, stream);
  a.fill([&](int i, int j) { return std_dev * rng.normal(i, j); });
  return a;
}

DistMatrix orthonormal(parallel::GridPtr g, int rows, int cols, int block, std::uint64_t seed,
                       Stream stream) {
  DistMatrix a = gaussian(std::move(g), rows, cols, block, seed, stream, 1.0);
  parallel::qr_thin(a);
  return a;
}

namespace {
void scale_columns(DistMatrix& a, const std::vector<double>& s) {
  for (int lj = 0; lj < a.local_cols(); ++lj) {
    const double f = s[a.global_col({lj}).value];
    for (int li = 0; li < a.local_rows(); ++li) a.local({li}, {lj}) *= f;
  }
}

void scale(DistMatrix& a, double f) {
  for (int lj = 0; lj < a.local_cols(); ++lj)
    for (int li = 0; li < a.local_rows(); ++li) a.local({li}, {lj}) *= f;
}

std::unique_ptr<Target> make_target(const ProblemSpec& spec, int r, const parallel::GridPtr& g, int block) {
  const Representation rep = spec.representation;
  switch (spec.source) {
  case Source::Synthetic: {
    // Y = U·diag(σ)·Vᵀ with U, V random with orthonormal columns (QR of Gaussian matrices), Appendix F.
    const std::vector<double> sigma = make_spectrum(spec, r);
    // Diagonal: Y in its own singular bases. With rotation-invariant C, Z(0), W(0) every reported quantity
    // has the same distribution as for any orthogonal U, V (docs/config.md); no n×k factor is generated.
    if (rep == Representation::Diagonal) return std::make_unique<DiagonalTarget>(g, spec.n, spec.m, sigma);
    DistMatrix u = orthonormal(g, spec.n, spec.k, block, spec.seed, Stream::TargetU);
    DistMatrix v = orthonormal(g, spec.m, spec.k, block, spec.seed, Stream::TargetV);
    // Factored keeps the very U, V the dense target multiplies out: both describe the same Y.
    if (rep == Representation::Factored)
      return std::make_unique<FactoredTarget>(std::move(u), std::move(v), sigma, /*orthonormal=*/true);
    scale_columns(u, sigma);
    DistMatrix y(g, spec.n, spec.m, block, block);
    parallel::gemm(Op::None, Op::Trans, 1.0, u, v, 0.0, y);
    std::vector<double> sorted = sigma;
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    return std::make_unique<DenseTarget>(std::move(y), std::move(sorted));
  }
  case Source::GaussianProduct: {
    // Fig 3b: Y = A·Bᵀ/‖A·Bᵀ‖_F with Gaussian A (n×k), B (m×k).
    if (rep == Representation::Diagonal)
      throw UsageError("problem.representation = diagonal needs Y's singular values by construction; "
                       "gaussian-product has random ones: use representation = factored or dense");
    DistMatrix a = gaussian(g, spec.n, spec.k, block, spec.seed, Stream::TargetA, 1.0);
    DistMatrix b = gaussian(g, spec.m, spec.k, block, spec.seed, Stream::TargetB, 1.0);
    if (rep == Representation::Factored) // converted to its thin SVD (O((n+m)k²)): the spectrum becomes exact
      return std::make_unique<FactoredTarget>(std::move(a), std::move(b),
                                              std::vector<double>(static_cast<std::size_t>(spec.k), 1.0),
                                              /*orthonormal=*/false, /*normalise=*/true);
    DistMatrix y(g, spec.n, spec.m, block, block);
    parallel::gemm(Op::None, Op::Trans, 1.0, a, b, 0.0, y);
    scale(y, 1.0 / parallel::frobenius_norm(y));
    return std::make_unique<DenseTarget>(std::move(y), std::vector<double>{});
  }
  case Source::UnitVector: {
    // Fig 3a: y a random unit vector (m = 1); its only singular value is 1. Diagonal: y = e_1, the same
    // problem up to a rotation of R^n (the Gaussian Z(0) is rotation invariant).
    if (rep == Representation::Diagonal)
      return std::make_unique<DiagonalTarget>(g, spec.n, 1, std::vector{1.0});
    DistMatrix y = gaussian(g, spec.n, 1, block, spec.seed, Stream::UnitVector, 1.0);
    scale(y, 1.0 / parallel::frobenius_norm(y));
    if (rep == Representation::Factored) {
      DistMatrix one(g, 1, 1, block, block);
      one.fill([](int, int) { return 1.0; });
      return std::make_unique<FactoredTarget>(std::move(y), std::move(one), std::vector{1.0}, true);
    }
    return std::make_unique<DenseTarget>(std::move(y), std::vector<double>{1.0});
  }
  case Source::LinearNetwork:
    break; // built by build_problem from a synthetic Y and the inputs X
  case Source::Network:
    break; // built by build_network (model/network.hpp), or by the app as synthetic for the paper's model
  }
  FASIM_UNREACHABLE("make_target: unhandled problem source");
}
} // namespace

std::unique_ptr<Target> build_target(const ProblemSpec& spec, int r, const parallel::GridPtr& grid,
                                     int block) {
  return make_target(spec, r, grid, block);
}

namespace {
// Section 5: O = X·Y with X (N×n) random with orthonormal columns (XᵀX = I, the isotropic case), unless the
// input file gives X (any inputs: beyond the paper) and/or O.
std::unique_ptr<Target> make_linear_network(const ProblemSpec& spec, int r, const parallel::GridPtr& grid,
                                            int block, ProblemInputs& inputs) {
  ProblemSpec y_spec = spec;
  y_spec.source = Source::Synthetic;
  y_spec.representation = Representation::Dense;
  std::unique_ptr<Target> y = inputs.y
                                  ? std::make_unique<DenseTarget>(std::move(*inputs.y), std::vector<double>{})
                                  : make_target(y_spec, r, grid, block);
  const int samples = spec.samples > 0 ? spec.samples : spec.n;
  if (!inputs.x && samples < spec.n)
    throw UsageError("problem.samples = " + std::to_string(samples) + " must be >= problem.n = " +
                     std::to_string(spec.n) + " for inputs with orthonormal columns");
  const bool isotropic = !inputs.x && !inputs.o;
  DistMatrix x =
      inputs.x ? std::move(*inputs.x) : orthonormal(grid, samples, spec.n, block, spec.seed, Stream::InputX);
  DistMatrix o(grid, x.rows(), spec.m, block, block);
  if (inputs.o)
    o = std::move(*inputs.o);
  else
    parallel::gemm(Op::None, Op::None, 1.0, x, *y->dense(), 0.0, o);
  return std::make_unique<LinearNetworkTarget>(std::move(x), std::move(o), isotropic, y->spectrum());
}
} // namespace

void solve_optimal_w(const Target& y, const DistMatrix& z, const linalg::SmallMatrix& gram,
                     DistMatrix& factor, DistMatrix& w, linalg::ProductContext& ctx) {
  if (w.grid()->rows() == 1 && ctx.path == linalg::ProductPath::Panel) {
    // Each rank holds whole columns of W: the solve is local, with the replicated Gram matrix factored by
    // LAPACK on every rank alike — at r ≈ n, PDPOTRF/PDPOTRS's set-up cost more than the arithmetic.
    linalg::SmallMatrix& lower = ctx.small[2];
    linalg::cholesky_into(gram, lower);
    y.zt_y(z, w, ctx);
    linalg::cholesky_solve_in_place(lower, w.data(), w.lld(), w.local_cols());
    return;
  }
  if (ctx.path == linalg::ProductPath::Panel && y.full_panels() && y.isotropic()) {
    // More process rows: the pass over a dense Y summed all r rows of this rank's columns of ZᵀY over the
    // process column (linalg::pass_cols), a factored Y's replicated (ZᵀU)Σ gives them (Target::zt_y_cols), so
    // each rank solves for all r rows of its columns of W alike — no message beyond the product, the same W
    // on every rank of the process column — keeps its own rows, and hands the columns to the step (W·Cᵀ then
    // sums over the process row only; the residual pass gathers nothing).
    linalg::SmallMatrix& lower = ctx.small[2];
    linalg::cholesky_into(gram, lower);
    y.zt_y(z, w, ctx);
    const int r = w.rows();
    double* cols = ctx.form<linalg::Coord::Col>(w);
    y.zt_y_cols(w, ctx, cols);
    linalg::cholesky_solve_in_place(lower, cols, std::max(1, r), w.local_cols());
    for (int lj = 0; lj < w.local_cols(); ++lj)
      for (int li = 0; li < w.local_rows(); ++li)
        w.local({li}, {lj}) = cols[static_cast<std::size_t>(lj) * r + w.global_row({li}).value];
    return;
  }
  linalg::distribute(gram, factor);
  parallel::potrf(factor);
  y.zt_y(z, w, ctx);
  parallel::potrs(factor, w);
}

void optimal_w(const Target& y, const DistMatrix& z, DistMatrix& w) {
  linalg::ProductContext ctx;
  linalg::SmallMatrix gram;
  DistMatrix sz = y.isotropic() ? DistMatrix() : DistMatrix::like(z);
  input_gram_of(y, z, sz, gram, ctx);
  DistMatrix factor(z.grid(), z.cols(), z.cols(), z.col_block(), z.col_block());
  if (z.grid()->active()) solve_optimal_w(y, z, gram, factor, w, ctx);
}

Problem build_problem(const ProblemSpec& spec, const FeedbackSpec& feedback, const InitSpec& init, int r,
                      parallel::GridPtr grid, int block, ProblemInputs inputs) {
  Problem p;
  p.grid = grid;
  p.block = block;
  p.n = spec.n;
  p.m = spec.m;
  p.k = spec.k;
  p.r = r;
  if (spec.source == Source::LinearNetwork) {
    p.target = make_linear_network(spec, r, grid, block, inputs);
  } else if (inputs.y) {
    // A Y read from a file is dense whatever problem.representation says (documented in docs/config.md).
    p.target = std::make_unique<DenseTarget>(std::move(*inputs.y), std::vector<double>{});
  } else {
    p.target = make_target(spec, r, grid, block);
  }
  p.z0 = inputs.z0 ? std::move(*inputs.z0)
         : init.z == InitZ::Orthonormal
             ? orthonormal(grid, spec.n, r, block, init.seed, Stream::InitZ)
             : gaussian(grid, spec.n, r, block, init.seed, Stream::InitZ, init.z_std);
  if (inputs.w0) {
    p.w0 = std::move(*inputs.w0);
  } else if (init.w == InitW::Optimal) {
    p.w0 = DistMatrix(grid, r, spec.m, block, block);
    optimal_w(*p.target, p.z0, p.w0);
  } else {
    p.w0 = gaussian(grid, r, spec.m, block, init.seed, Stream::InitW, init.w_std);
  }
  if (inputs.c) {
    p.c = std::move(*inputs.c);
  } else if (feedback.source == FeedbackSource::MinusW0) {
    // Fig 3a: c = −w(0), the worst start for alignment.
    p.c = DistMatrix::like(p.w0);
    parallel::geadd(Op::None, -1.0, p.w0, 0.0, p.c);
  } else {
    p.c = gaussian(grid, r, spec.m, block, feedback.seed, Stream::FeedbackC, feedback.std);
  }
  p.y_ct = DistMatrix(grid, spec.n, r, block, block);
  p.target->y_bt(p.c, p.y_ct);
  return p;
}

void compute_reference_errors(Problem& p, double svd_limit) {
  const auto& known = p.target->spectrum();
  if (!known.empty() || static_cast<double>(p.n) * p.m <= svd_limit) {
    const std::vector<double> s = p.target->singular_values();
    double tail = 0.0;
    for (std::size_t i = static_cast<std::size_t>(p.r); i < s.size(); ++i) tail += s[i] * s[i];
    p.optimal_error = tail;
  }
  // Lemma 1: FA's stationary Ŷ is the projection of Y on col(Y·Cᵀ). Q from a thin QR spans it; the error is
  // taken from the explicit residual Y − Q(QᵀY), not from ‖Y‖² − ‖QᵀY‖² (which cancels).
  DistMatrix q = DistMatrix::like(p.y_ct);
  q.copy_from(p.y_ct);
  parallel::qr_thin(q);
  DistMatrix qty(p.grid, p.r, p.m, p.block, p.block);
  p.target->zt_y(q, qty);
  p.lemma1_error = p.target->residual_norm2(q, qty);
}

} // namespace fasim::model
