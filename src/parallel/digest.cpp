#include "fasim/parallel/digest.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace fasim::parallel {

namespace {
// SplitMix64's finaliser: a bijection on 64 bits with full avalanche, so nearby positions and values do not
// produce related terms.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t term(std::uint64_t position, double value) {
  return mix(position ^ mix(std::bit_cast<std::uint64_t>(value)));
}
} // namespace

std::uint64_t digest(const DistMatrix& a) {
  std::uint64_t sum = 0;
  const auto cols = static_cast<std::uint64_t>(a.cols());
  for (int j = 0; j < a.local_cols(); ++j) {
    const auto gj = static_cast<std::uint64_t>(a.global_col(LocalIndex{j}).value);
    for (int i = 0; i < a.local_rows(); ++i) {
      const auto gi = static_cast<std::uint64_t>(a.global_row(LocalIndex{i}).value);
      sum += term(gi * cols + gj, a.local(LocalIndex{i}, LocalIndex{j}));
    }
  }
  // Inactive ranks hold nothing and are not in the grid's communicator.
  if (!a.grid()->active()) return 0;
  // The shape is part of what was stored (a 6×4 and a 4×6 matrix of the same numbers differ); added once,
  // after the sum over the ranks, so that it does not depend on their number.
  return a.grid()->grid_comm().allreduce_sum_wrapping(sum) +
         mix(static_cast<std::uint64_t>(a.rows()) << 32 | cols);
}

std::uint64_t digest(std::span<const double> values) {
  std::uint64_t sum = mix(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) sum += term(i, values[i]);
  return sum;
}

std::uint64_t digest(std::string_view text) {
  std::uint64_t sum = mix(text.size());
  for (std::size_t i = 0; i < text.size(); i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, text.data() + i, std::min<std::size_t>(8, text.size() - i));
    sum += mix(i ^ mix(word));
  }
  return sum;
}

} // namespace fasim::parallel
