#pragma once
// Counter-based random numbers (Random123 Philox4x32-10). A draw is a pure function of
// (seed, stream, i, j), so a random matrix is identical on every grid shape, block size and rank count.
#include <cstdint>

namespace fasim::parallel {

/// Named streams keep the matrices of one run independent even when they share a seed.
enum class Stream : std::uint32_t {
  TargetU = 1,
  TargetV = 2,
  FeedbackC = 3,
  InitZ = 4,
  InitW = 5,
  Probes = 6,
  InputX = 7,
  TargetA = 8,
  TargetB = 9,
  UnitVector = 10,
  CompletionMask = 11,
  NetworkW = 12,  ///< a network's hidden-to-hidden W_l(0), 1 < l < L
  NetworkC = 13,  ///< a network's C_l, 1 < l < L
  FeedbackD = 14, ///< a network's DFA feedback D_l, l < L − 1
  SensingA = 15,  ///< matrix sensing: the a_i (rank-one) or the dense A_i (gaussian)
  SensingB = 16,  ///< matrix sensing: the b_i (rank-one)
};

class CounterRng {
public:
  CounterRng(std::uint64_t seed, Stream stream) : seed_(seed), stream_(static_cast<std::uint32_t>(stream)) {}
  /// Uniform on the open interval (0, 1), 53 random bits.
  double uniform(std::uint64_t i, std::uint64_t j) const;
  /// Standard normal (Box–Muller on two independent uniforms of the same counter).
  double normal(std::uint64_t i, std::uint64_t j) const;

private:
  std::uint64_t seed_;
  std::uint32_t stream_;
};

} // namespace fasim::parallel
