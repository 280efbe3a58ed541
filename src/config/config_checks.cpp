// Rules that relate several keys, checked once every value is read so a message can name both sides.
#include "config/config_keys.hpp"
#include "fasim/config/config_values.hpp"
#include "fasim/config/words.hpp"
#include "fasim/model/sensing.hpp"
#include "fasim/parallel/error.hpp"

#include <algorithm>
#include <string>

namespace fasim::io::detail {

namespace {

using model::Source;
using model::Spectrum;
using std::to_string;

[[noreturn]] void refuse(const std::string& message) {
  throw UsageError(message);
}

void check_shapes(const Settings& s) {
  const auto& p = s.cfg.problem;
  const int r = s.cfg.run.r;
  if (p.source == Source::UnitVector) {
    // Fig 3a: y is one n-vector; we refuse rather than silently change m or k so the stored config says what
    // ran.
    if (p.m != 1)
      refuse("problem.m = " + to_string(p.m) +
             " but problem.source = unit-vector makes Y a single column; set problem.m = 1");
    if (p.k != 1)
      refuse("problem.k = " + to_string(p.k) +
             " but problem.source = unit-vector has rank 1; set problem.k = 1");
    // An overparameterised w (r > m = 1) is exactly Fig 3a's setting; only Z's columns are bounded by n.
    if (r > p.n)
      refuse("model.r = " + to_string(r) + " exceeds problem.n = " + to_string(p.n) +
             "; choose 1 <= model.r <= " + to_string(p.n));
    return;
  }
  const int smaller = std::min(p.n, p.m);
  const auto& net = s.cfg.network;
  if (p.source == Source::Network &&
      (net.depth != 2 || net.activation != model::Activation::Identity || p.samples > 0)) {
    // A network's hidden widths are free (over-parameterised students are the point); Y = O still has rank k.
    model::network_sizes(net, p.n, p.m, r); // throws on a bad depth or widths list
    if (p.k > smaller)
      refuse("problem.k = " + to_string(p.k) + " exceeds min(problem.n, problem.m) = " + to_string(smaller) +
             "; choose 1 <= problem.k <= " + to_string(smaller));
    return;
  }
  if (p.k > smaller)
    refuse("problem.k = " + to_string(p.k) + " exceeds min(problem.n, problem.m) = " + to_string(smaller) +
           "; choose 1 <= problem.k <= " + to_string(smaller));
  if (r > smaller)
    refuse("model.r = " + to_string(r) + " exceeds min(problem.n, problem.m) = " + to_string(smaller) +
           "; choose 1 <= model.r <= " + to_string(smaller));
}

/// Only the sources built from a spectrum read problem.spectrum; the others ignore it.
void check_spectrum(const Settings& s) {
  const auto& p = s.cfg.problem;
  if (p.spectrum != Spectrum::List && !p.values.empty())
    refuse("problem.values is set but problem.spectrum is not 'list'; set problem.spectrum = list or remove "
           "problem.values");
  if (p.source == Source::GaussianProduct || p.source == Source::UnitVector) return;
  switch (p.spectrum) {
  case Spectrum::TwoLevel: {
    const int head = p.head > 0 ? p.head : s.cfg.run.r;
    const std::string what = p.head > 0 ? "problem.head = " + to_string(head)
                                        : "problem.head = 0 (meaning model.r = " + to_string(head) + ")";
    if (head >= p.k)
      refuse(what + " must be < problem.k = " + to_string(p.k) +
             " for spectrum two-level (the tail needs at least one value); raise problem.k or lower "
             "problem.head");
    break;
  }
  case Spectrum::Spiked:
    if (p.k < 2)
      refuse("problem.k = " + to_string(p.k) + " but spectrum spiked needs k >= 2 (one spike plus the rest)");
    break;
  case Spectrum::List:
    if (static_cast<long long>(p.values.size()) != p.k)
      refuse("problem.values has " + to_string(p.values.size()) + " values but problem.k = " +
             to_string(p.k) + "; give exactly k comma-separated singular values");
    break;
  case Spectrum::Flat:
  case Spectrum::Power:
    break;
  }
}

/// Completion masks a dense Y entry by entry and steps on the residual formulation only.
void check_completion(const Settings& s) {
  const auto& c = s.cfg;
  if (c.completion.observe != model::Observe::Completion) return;
  if (c.problem.representation != model::Representation::Dense)
    refuse("problem.observe = completion masks a dense Y entry by entry; set problem.representation = dense");
  if (c.problem.source == Source::LinearNetwork)
    refuse("problem.observe = completion is matrix completion of Y; problem.source = linear-network is not "
           "supported with it");
  if (std::find(s.algorithms.begin(), s.algorithms.end(), model::AlgorithmKind::FAStar) != s.algorithms.end())
    refuse("run.algorithms lists fastar, whose W = (ZᵀZ)⁻¹ZᵀY has no closed form on observed entries only "
           "(problem.observe = completion); list gd and fa");
  if (c.init.w == model::InitW::Optimal)
    refuse("init.w = optimal solves with every entry of Y, which completion does not observe; use init.w = "
           "gaussian with problem.observe = completion");
  if (c.products == linalg::ProductPath::Pdgemm)
    refuse("system.products = pdgemm runs the products formulation, which has no masked form; use "
           "system.products = panel with problem.observe = completion");
}

/// Sensing measures a dense Y and steps on its own formulation; [sensing] is read only with it.
void check_sensing(const Settings& s) {
  const auto& c = s.cfg;
  const model::SensingSpec defaults;
  if (c.completion.observe != model::Observe::Sensing) {
    if (c.sensing.measurements != defaults.measurements || c.sensing.kind != defaults.kind ||
        c.sensing.seed != defaults.seed)
      refuse("[sensing] is set but problem.observe is not 'sensing'; set problem.observe = sensing or remove "
             "the "
             "[sensing] keys");
    return;
  }
  if (c.problem.representation != model::Representation::Dense)
    refuse("problem.observe = sensing measures a dense Y; set problem.representation = dense");
  if (c.problem.source == Source::LinearNetwork || c.problem.source == Source::Network)
    refuse("problem.observe = sensing is matrix sensing of Y; problem.source = " +
           std::string(schema::to_string(c.problem.source)) + " is not supported with it");
  if (std::find(s.algorithms.begin(), s.algorithms.end(), model::AlgorithmKind::FAStar) != s.algorithms.end())
    refuse("run.algorithms lists fastar, whose W = (ZᵀZ)⁻¹ZᵀY has no closed form on measurements "
           "(problem.observe = sensing); list gd, fa or the feedback rules");
  if (c.init.w == model::InitW::Optimal)
    refuse("init.w = optimal solves with every entry of Y, which sensing does not see; use init.w = gaussian "
           "with problem.observe = sensing");
  if (c.products == linalg::ProductPath::Pdgemm)
    refuse("system.products = pdgemm runs the products formulation, which sensing does not use; use "
           "system.products = panel with problem.observe = sensing");
  if (c.sensing.measurements == 0 && c.input.file.empty())
    refuse("sensing.measurements = 0 takes M from input.file's A and B, but input.file is empty; set "
           "sensing.measurements = M >= 1");
  const double entries = static_cast<double>(c.problem.n) * c.problem.m * c.sensing.measurements;
  if (c.sensing.kind == model::SensingKind::Gaussian && entries > model::Measurements::kGaussianEntriesLimit)
    refuse("sensing.kind = gaussian holds n·m·M = " + format_number(entries) + " numbers, above the limit " +
           format_number(model::Measurements::kGaussianEntriesLimit) +
           " of dense measurements; lower sensing.measurements or use sensing.kind = rank-one");
}

} // namespace

/// [network] is read only with problem.source = network; fastar only for the paper's model.
void check_network(const Settings& s) {
  const auto& c = s.cfg;
  const model::NetworkSpec defaults;
  if (c.problem.source != Source::Network) {
    if (c.network.depth != defaults.depth || !c.network.widths.empty() ||
        c.network.activation != defaults.activation)
      refuse(
          "[network] is set but problem.source is not 'network'; set problem.source = network or remove the "
          "[network] keys");
    return;
  }
  model::network_sizes(c.network, c.problem.n, c.problem.m, c.run.r); // throws on a bad depth or widths list
  if (c.completion.observe == model::Observe::Completion)
    refuse(
        "problem.observe = completion is matrix completion of Y; problem.source = network is not supported "
        "with it");
  const bool paper =
      c.network.depth == 2 && c.network.activation == model::Activation::Identity && c.problem.samples == 0;
  if (!paper &&
      std::find(s.algorithms.begin(), s.algorithms.end(), model::AlgorithmKind::FAStar) != s.algorithms.end())
    refuse(model::network_algorithm_unsupported(model::AlgorithmKind::FAStar));
  if (!paper && c.init.w == model::InitW::Optimal)
    refuse("init.w = optimal is defined only for the paper's model; use init.w = gaussian for a network");
}

void check_consistency(const Settings& settings) {
  check_network(settings);
  check_shapes(settings);
  check_spectrum(settings);
  check_completion(settings);
  check_sensing(settings);
}

void resolve_defaults(Settings& settings) {
  for (auto* spec :
       {&settings.fa, &settings.usf, &settings.frsf, &settings.kp, &settings.mixed, &settings.dfa})
    if (spec->lr_w == 0) spec->lr_w = spec->lr;
  auto& output = settings.cfg.output;
  if (output.checkpoint_file.empty()) output.checkpoint_file = output.file + ".ckpt";
  // Every distributed matrix has its dimensions among n, m, k, r and the sample count, so a block beyond the
  // largest of them puts each matrix in one block either way; it would only size padding and panel buffers
  // (grid.block = 100000 on a 100 x 100 problem took 11 GB).
  const auto& p = settings.cfg.problem;
  const int largest = std::max({p.n, p.m, p.samples, 1});
  auto& block = settings.cfg.grid.block;
  if (block > largest) {
    settings.notes.push_back(
        "grid.block = " + std::to_string(block) + " is larger than every matrix dimension; " + "clamped to " +
        std::to_string(largest) + ", the largest of problem.n, problem.m, problem.samples");
    block = largest;
  }
}

RunConfig build_run_config(const Settings& settings) {
  RunConfig cfg = settings.cfg;
  cfg.run.algorithms.clear();
  for (auto kind : settings.algorithms) {
    model::AlgorithmSpec spec;
    switch (kind) {
    case model::AlgorithmKind::GD:
      spec = settings.gd;
      spec.lr_w = spec.lr; // GD steps W with the same rate
      spec.scale_free = false;
      break;
    case model::AlgorithmKind::FA:
      spec = settings.fa;
      spec.scale_free = false;
      break;
    case model::AlgorithmKind::FAStar:
      spec = settings.fastar;
      spec.lr_w = 0; // FA*'s W is re-solved every step, never stepped
      break;
    case model::AlgorithmKind::USF:
      spec = settings.usf;
      break;
    case model::AlgorithmKind::FRSF:
      spec = settings.frsf;
      break;
    case model::AlgorithmKind::KP:
      spec = settings.kp;
      break;
    case model::AlgorithmKind::Mixed:
      spec = settings.mixed;
      break;
    case model::AlgorithmKind::DFA:
      spec = settings.dfa;
      break;
    }
    spec.kind = kind;
    cfg.run.algorithms.push_back(spec);
  }
  return cfg;
}

} // namespace fasim::io::detail
