#pragma once
// Plain descriptions of an experiment, filled by io/config and read by the model. No behaviour here.
#include <cstdint>
#include <string>
#include <vector>

namespace fasim::model {

/// Network (issue 26): a feed-forward network (model/network.hpp); with depth 2, the identity activation and
/// no X it is the paper's model and runs as `synthetic` does (Y = O).
enum class Source { Synthetic, GaussianProduct, UnitVector, LinearNetwork, Network };
enum class Spectrum { Flat, TwoLevel, Spiked, List, Power };
enum class Representation { Dense, Factored, Diagonal };
enum class FeedbackSource { Gaussian, MinusW0 };
enum class InitZ { Gaussian, Orthonormal };
enum class InitW { Gaussian, Optimal };
/// gd, fa, fastar (the paper's), then the feedback rules of issue 15: GD with the Wᵀ of Z's update replaced
/// by a feedback matrix B (usf: sign(W); frsf: |C|∘sign(W); kp: learned, B(0) = C; mixed: α·W + (1−α)·C),
/// then direct feedback alignment (issue 26, networks: each hidden layer gets E·D_lᵀ; with one hidden layer
/// D_1 = C and dfa is fa).
enum class AlgorithmKind { GD, FA, FAStar, USF, FRSF, KP, Mixed, DFA };
inline constexpr AlgorithmKind kAlgorithmKinds[] = {
    AlgorithmKind::GD,   AlgorithmKind::FA, AlgorithmKind::FAStar, AlgorithmKind::USF,
    AlgorithmKind::FRSF, AlgorithmKind::KP, AlgorithmKind::Mixed,  AlgorithmKind::DFA};
enum class IntegratorKind { Euler, RK4 };

struct ProblemSpec {
  Source source = Source::Synthetic;
  Representation representation = Representation::Dense;
  int n = 100, m = 100, k = 10; ///< Y is n×m of rank k
  Spectrum spectrum = Spectrum::Flat;
  double scale = 1.0;         ///< flat: σ_i = scale/√k; power: σ_i = scale·i^(-exponent)
  int head = 0;               ///< two-level: number of head values (0 = r)
  double head_mass = 0.5;     ///< two-level: Σ_{i≤head} σ_i² = head_mass, the tail holds the rest
  double epsilon = 0.5;       ///< spiked: σ_1 = 1, σ_i = epsilon
  double exponent = 1.0;      ///< power
  std::vector<double> values; ///< list
  int samples = 0;            ///< linear-network, network: N rows of X (0 = n; network: no X)
  std::uint64_t seed = 1;
};

/// Which entries of Y the loss sees: all of them, a random subset Ω (matrix completion, issue 15), or M
/// linear measurements y_i = ⟨A_i, Y⟩ (matrix sensing, issue 27: [sensing]).
enum class Observe { Full, Completion, Sensing };
struct CompletionSpec {
  Observe observe = Observe::Full;
  double fraction = 0.3;  ///< P(entry observed), each entry independently
  std::uint64_t seed = 5; ///< random stream of the mask
};

/// Matrix sensing's measurement matrices A_i: rank-one a_i·b_iᵀ (a_i, b_i Gaussian, distributed over the
/// measurements) or dense Gaussian n×m (small problems only).
enum class SensingKind { RankOne, Gaussian };
/// Where the measurement vectors came from: drawn from sensing.seed, or the input file's A and B.
enum class SensingSource { Generated, InputFile };
struct SensingSpec {
  SensingKind kind = SensingKind::RankOne;
  int measurements = 0;   ///< M; 0: as many as the input file's A and B have columns
  std::uint64_t seed = 6; ///< random stream of the A_i
};

struct FeedbackSpec {
  FeedbackSource source = FeedbackSource::Gaussian;
  double std = 1.0;
  std::uint64_t seed = 2;
};

struct InitSpec {
  InitZ z = InitZ::Gaussian;
  double z_std = 1e-3;
  InitW w = InitW::Gaussian;
  double w_std = 1e-3;
  std::uint64_t seed = 3;
};

struct AlgorithmSpec {
  AlgorithmKind kind = AlgorithmKind::FA;
  double lr = 0.1;         ///< step size h for Z (and for W unless lr_w is set)
  double lr_w = 0.0;       ///< FA and the rules: W's step size; 0 means "same as lr"
  bool scale_free = false; ///< FA*: dZ/dt = (Y−Ŷ)Cᵀ‖Z‖_F/(‖Y‖_F‖C‖_F) (Appendix A)
  double decay = 0.0;      ///< kp: λ >= 0, the weight decay of W and B
  double alpha = 0.5;      ///< mixed: B = α·W + (1−α)·C, α in [0, 1]
};

struct RunSpec {
  std::vector<AlgorithmSpec> algorithms;
  long long steps = 1000;
  IntegratorKind integrator = IntegratorKind::Euler;
  long long record_every = 0; ///< 0: off
  int record_points = 0;      ///< log-spaced recording points over [1, steps]; 0: off
  double stop_loss = 0.0;     ///< stop an algorithm when loss <= stop_loss (0: never)
  double stop_stationarity = 0.0;
  double divergence_factor = 1e12; ///< stop when loss > factor·max(‖Y‖², loss(0))
  int probes = 10;                 ///< number of fixed random unit vectors x for probe_xAx
  std::uint64_t probe_seed = 4;
  int r = 10;
};

const char* to_string(AlgorithmKind kind);
/// B is the constant C (fa, fastar): Y·Bᵀ = Y·Cᵀ is the problem's constant.
bool constant_feedback(AlgorithmKind kind);
/// B is state, integrated with Z and W (kp).
bool learned_feedback(AlgorithmKind kind);

} // namespace fasim::model
