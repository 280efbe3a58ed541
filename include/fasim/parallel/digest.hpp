#pragma once
// Digests that tell whether stored numbers came back unchanged. A digest is a sum (mod 2⁶⁴) of one mixed hash
// per element, each hash taken of the element's bits and its global position: the terms commute, so the
// digest of a matrix is the same on any process grid and block size, and a matrix written on one grid can be
// verified after it was read onto another. A flipped bit anywhere changes it (except with probability 2⁻⁶⁴).
#include "fasim/parallel/dist_matrix.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace fasim::parallel {

/// The digest of a distributed matrix. Collective over the grid's active ranks (inactive ranks get 0).
std::uint64_t digest(const DistMatrix& a);

/// The digest of replicated values (a trajectory, a header): element i at position i. Local.
std::uint64_t digest(std::span<const double> values);

/// The digest of a text (a stored configuration). Local.
std::uint64_t digest(std::string_view text);

} // namespace fasim::parallel
