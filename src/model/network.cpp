#include "fasim/model/network.hpp"

#include "fasim/model/problem.hpp"
#include "fasim/model/words.hpp"
#include "fasim/parallel/error.hpp"
#include "fasim/parallel/pblas.hpp"
#include "fasim/parallel/random.hpp"

namespace fasim::model {

using parallel::DistMatrix;
using parallel::Op;
using parallel::Stream;

const char* to_string(Activation activation) {
  return io::schema::to_string(activation);
}

bool is_paper_model(const NetworkSpec& spec, bool has_inputs) {
  return spec.depth == 2 && spec.activation == Activation::Identity && !has_inputs;
}

std::string network_algorithm_unsupported(AlgorithmKind algorithm) {
  if (algorithm == AlgorithmKind::FAStar)
    return "fastar is defined only for the paper's model (network.depth = 2, activation = identity, no X): "
           "run fa, dfa or gd on this network";
  return "";
}

std::vector<int> network_sizes(const NetworkSpec& spec, int n, int m, int r) {
  if (spec.depth < 2)
    throw UsageError("network.depth = " + std::to_string(spec.depth) + " must be >= 2 (one hidden layer)");
  std::vector<int> widths = spec.widths;
  if (widths.empty() && spec.depth == 2) widths = {r};
  if (static_cast<int>(widths.size()) != spec.depth - 1)
    throw UsageError("network.widths lists " + std::to_string(widths.size()) + " widths; depth " +
                     std::to_string(spec.depth) + " needs " + std::to_string(spec.depth - 1) +
                     " (w_1 … w_{L−1}, comma-separated)");
  std::vector<int> sizes{n};
  for (int w : widths) {
    if (w < 1) throw UsageError("network.widths: a width of " + std::to_string(w) + " must be >= 1");
    sizes.push_back(w);
  }
  sizes.push_back(m);
  return sizes;
}

namespace {
/// A Gaussian matrix of layer `layer` from a stream shared by the layers: the layer index is in the column
/// counter's top bits (widths stay below 2^36).
DistMatrix layer_gaussian(const parallel::GridPtr& g, int rows, int cols, int block, std::uint64_t seed,
                          Stream stream, int layer, double std_dev) {
  DistMatrix a(g, rows, cols, block, block);
  const parallel::CounterRng rng(seed, stream);
  const std::uint64_t offset = static_cast<std::uint64_t>(layer) << 36;
  a.fill([&](int i, int j) { return std_dev * rng.normal(i, offset + j); });
  return a;
}

void check_shape(const DistMatrix& a, int rows, int cols, const std::string& name) {
  if (a.rows() != rows || a.cols() != cols)
    throw UsageError("input dataset " + name + " is " + std::to_string(a.rows()) + "×" +
                     std::to_string(a.cols()) + ", the network needs " + std::to_string(rows) + "×" +
                     std::to_string(cols) + " (check [network] widths and problem.n, m, samples)");
}

/// "W3", "C2", "D1": a layer's dataset name (appended, not operator+: GCC 12 warns falsely on that form).
std::string layer_name(char prefix, int l) {
  std::string s(1, prefix);
  s.append(std::to_string(l));
  return s;
}

template <class T> std::optional<T> take(std::vector<std::optional<T>>& v, std::size_t i) {
  return i < v.size() ? std::move(v[i]) : std::nullopt;
}
} // namespace

Network build_network(const NetworkSpec& net, const ProblemSpec& problem, const FeedbackSpec& feedback,
                      const InitSpec& init, int r, parallel::GridPtr grid, int block, NetworkInputs inputs) {
  if (init.w == InitW::Optimal)
    throw UsageError(
        "init.w = optimal is defined only for the paper's model; use init.w = gaussian for a network");
  Network p;
  p.grid = grid;
  p.block = block;
  p.depth = net.depth;
  p.activation = net.activation;
  p.sizes = network_sizes(net, problem.n, problem.m, r);
  const int L = net.depth;

  // Inputs and targets.
  if (inputs.x) {
    p.x = std::move(*inputs.x);
    if (p.x.cols() != problem.n) check_shape(p.x, p.x.rows(), problem.n, "X");
  } else if (problem.samples > 0) {
    if (problem.samples < problem.n)
      throw UsageError("problem.samples = " + std::to_string(problem.samples) + " must be >= problem.n = " +
                       std::to_string(problem.n) + " for generated inputs with orthonormal columns");
    p.x = orthonormal(grid, problem.samples, problem.n, block, problem.seed, Stream::InputX);
  } else {
    p.identity_input = true;
  }
  p.samples = p.identity_input ? problem.n : p.x.rows();
  if (inputs.o) {
    p.o = std::move(*inputs.o);
    check_shape(p.o, p.samples, problem.m, "O");
  } else {
    ProblemSpec y_spec = problem;
    y_spec.source = Source::Synthetic;
    y_spec.representation = Representation::Dense;
    const std::unique_ptr<Target> y = build_target(y_spec, r, grid, block);
    if (p.identity_input) {
      p.o = DistMatrix::like(*y->dense());
      p.o.copy_from(*y->dense());
    } else {
      p.o = DistMatrix(grid, p.samples, problem.m, block, block);
      parallel::gemm(Op::None, Op::None, 1.0, p.x, *y->dense(), 0.0, p.o);
    }
  }
  const double o_norm = parallel::frobenius_norm(p.o);
  p.o_norm2 = o_norm * o_norm;

  // Initial weights: W_1 from Z(0)'s stream, W_L from W(0)'s, the ones between from their own.
  for (int l = 1; l <= L; ++l) {
    const int rows = p.sizes[l - 1], cols = p.sizes[l];
    if (auto given = take(inputs.w, static_cast<std::size_t>(l - 1))) {
      check_shape(*given, rows, cols, layer_name('W', l));
      p.w0.push_back(std::move(*given));
    } else if (l == 1) {
      p.w0.push_back(init.z == InitZ::Orthonormal
                         ? orthonormal(grid, rows, cols, block, init.seed, Stream::InitZ)
                         : gaussian(grid, rows, cols, block, init.seed, Stream::InitZ, init.z_std));
    } else if (l == L) {
      p.w0.push_back(gaussian(grid, rows, cols, block, init.seed, Stream::InitW, init.w_std));
    } else {
      p.w0.push_back(layer_gaussian(grid, rows, cols, block, init.seed, Stream::NetworkW, l, init.z_std));
    }
  }
  // FA's feedback C_l (W_l's shape) for l >= 2; C_L from C's stream.
  p.c.emplace_back();
  for (int l = 2; l <= L; ++l) {
    const DistMatrix& w = p.w0[static_cast<std::size_t>(l - 1)];
    if (auto given = take(inputs.c, static_cast<std::size_t>(l - 1))) {
      check_shape(*given, w.rows(), w.cols(), layer_name('C', l));
      p.c.push_back(std::move(*given));
    } else if (feedback.source == FeedbackSource::MinusW0) {
      DistMatrix c = DistMatrix::like(w);
      parallel::geadd(Op::None, -1.0, w, 0.0, c);
      p.c.push_back(std::move(c));
    } else if (l == L) {
      p.c.push_back(
          gaussian(grid, w.rows(), w.cols(), block, feedback.seed, Stream::FeedbackC, feedback.std));
    } else {
      p.c.push_back(
          layer_gaussian(grid, w.rows(), w.cols(), block, feedback.seed, Stream::NetworkC, l, feedback.std));
    }
  }
  // DFA's feedback D_l (w_l×m) for l < L: D_{L−1} is C_L (with one hidden layer dfa is fa).
  for (int l = 1; l < L; ++l) {
    if (auto given = take(inputs.d, static_cast<std::size_t>(l - 1))) {
      check_shape(*given, p.sizes[l], problem.m, layer_name('D', l));
      p.d.push_back(std::move(*given));
    } else if (l == L - 1) {
      DistMatrix d = DistMatrix::like(p.c.back());
      d.copy_from(p.c.back());
      p.d.push_back(std::move(d));
    } else {
      p.d.push_back(layer_gaussian(grid, p.sizes[l], problem.m, block, feedback.seed, Stream::FeedbackD, l,
                                   feedback.std));
    }
  }
  return p;
}

} // namespace fasim::model
