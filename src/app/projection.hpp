#pragma once
// `fasim run --dry-run`: the communication a step of each algorithm needs on the run's grid, and its
// projected time.
#include "fasim/io/config.hpp"
#include "fasim/parallel/communicator.hpp"

#include <string>

namespace fasim::app {

/// Comment lines (# …) for --dry-run. Collective over comm (it measures a DGEMM rate and counts the ranks
/// per node).
std::string traffic_projection(const io::RunConfig& config, int rows, int cols,
                               const parallel::Communicator& comm);

} // namespace fasim::app
