#pragma once
// Matrix completion's observed entries Ω in a result file (docs/output-format.md, /problem): the dataset
// `observed`, n×m uint8 (1 = observed, h5py's f['/problem/observed'][i, j] is entry (i, j)), chunked and
// zlib-compressed, each rank writing its own block-cyclic piece in one collective call; and the attributes
// that say where Ω came from (a Bernoulli draw regenerable from its seed and fraction, or the input file).
#include "fasim/format/hdf5.hpp"
#include "fasim/linalg/entry_mask.hpp"
#include "fasim/model/problem.hpp"

#include <string>

namespace fasim::io {

/// Writes `mask`, lined up with `like` (the dense Y), as the rows×cols uint8 dataset `name` under `location`
/// (chunks of at most 512×2048 entries, deflate level 4). Collective over location.comm(): the grid's
/// communicator (inactive ranks take part with nothing) or its active ranks.
void write_mask(const Group& location, const std::string& name, const linalg::EntryMask& mask,
                const parallel::DistMatrix& like);

/// /problem's record of Ω for a problem with a mask: the attributes observe, mask_source, observed_count and
/// (for a Bernoulli mask) mask_fraction and mask_seed; and the dataset `observed` when `with_dataset` (the
/// result saves Y). Nothing for a problem that observes every entry. Collective.
void write_observed_entries(const Group& problem_group, const model::Problem& problem,
                            const model::CompletionSpec& spec, bool with_dataset);

} // namespace fasim::io
