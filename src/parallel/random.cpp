#include "fasim/parallel/random.hpp"

#include <Random123/philox.h>

#include <cmath>
#include <numbers>

namespace fasim::parallel {

namespace {
struct TwoUniforms {
  double a, b;
};

// Maps 64 random bits to (0, 1): the top 53 bits plus half an ulp, so 0 and 1 never occur.
double to_open_unit(std::uint64_t bits) {
  return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53;
}

TwoUniforms draw(std::uint64_t seed, std::uint32_t stream, std::uint64_t i, std::uint64_t j) {
  using Philox = r123::Philox4x32;
  const Philox::key_type key = {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
  // 32 bits of stream, 48 of i and 48 of j fit the 128-bit counter.
  const Philox::ctr_type ctr = {
      {static_cast<std::uint32_t>(i),
       static_cast<std::uint32_t>((i >> 32) & 0xffffu) | (static_cast<std::uint32_t>(j & 0xffffu) << 16),
       static_cast<std::uint32_t>(j >> 16), stream}};
  const Philox::ctr_type out = Philox()(ctr, key);
  const std::uint64_t x = (static_cast<std::uint64_t>(out[0]) << 32) | out[1];
  const std::uint64_t y = (static_cast<std::uint64_t>(out[2]) << 32) | out[3];
  return {to_open_unit(x), to_open_unit(y)};
}
} // namespace

double CounterRng::uniform(std::uint64_t i, std::uint64_t j) const {
  return draw(seed_, stream_, i, j).a;
}

double CounterRng::normal(std::uint64_t i, std::uint64_t j) const {
  const TwoUniforms u = draw(seed_, stream_, i, j);
  return std::sqrt(-2.0 * std::log(u.a)) * std::cos(2.0 * std::numbers::pi * u.b);
}

} // namespace fasim::parallel
