#pragma once
// Matrix completion (issue 15): the loss sees only the entries Ω of Y, E = P_Ω(Y − ZW). Ω is a Bernoulli mask
// drawn per entry from the counter-based RNG (the same on every grid), or given by an input file.
#include "fasim/model/problem.hpp"

#include <optional>

namespace fasim::model {

/// Sets problem.mask from `spec`: nothing for observe = full or sensing (then `given` must be empty), else
/// the input file's mask `given` (n×m, 0/1, on Y's layout) when present, or Bernoulli(fraction) entries from
/// `seed`. Refuses a target other than a dense, isotropic Y with a one-line UsageError. Local (no
/// communication).
void observe_entries(Problem& problem, const CompletionSpec& spec,
                     std::optional<parallel::DistMatrix> given = std::nullopt);

} // namespace fasim::model
