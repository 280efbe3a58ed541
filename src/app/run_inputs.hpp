#pragma once
// A run's inputs from input.file (docs/config.md "[input]"): Y, C, Z0, W0, completion's mask, sensing's
// measurement vectors and a network's X and O, at the root or where fasim's result files keep them.
#include "fasim/config/config.hpp"
#include "fasim/format/hdf5.hpp"
#include "fasim/model/problem.hpp"
#include "fasim/parallel/process_grid.hpp"

#include <string>
#include <vector>

namespace fasim::app {

/// Collective over the grid: the datasets of input.file fasim reads, distributed on `grid` (nothing when no
/// input file is set). A file with none of them, a dataset of the wrong shape or with a non-finite entry is a
/// UsageError naming it. Rank 0 prints what was taken unless `quiet`.
model::ProblemInputs read_inputs(const io::RunConfig& config, const parallel::GridPtr& grid, bool quiet);

/// What an input file holds, for the refusal of one with nothing fasim reads: "no datasets" or "the datasets
/// a, b, …".
std::string datasets_held(const io::File& file);

/// Rank 0 of the grid, unless `quiet`: the line "input: <what was taken> of '<file>'".
void print_inputs_taken(const std::vector<std::string>& taken, const std::string& file,
                        const parallel::GridPtr& grid, bool quiet);

} // namespace fasim::app
