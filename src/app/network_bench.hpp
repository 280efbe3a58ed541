#pragma once
// `fasim bench` for a network beyond the paper's model (problem.source = network, issue 26): private to the
// app layer; bench.cpp dispatches to it.
#include "fasim/config/config.hpp"
#include "fasim/parallel/communicator.hpp"
#include "fasim/parallel/process_grid.hpp"

#include <string>
#include <vector>

namespace fasim::app {

/// This process's peak resident set size, MiB (getrusage). Local.
double peak_rss_mib();

/// Times bench.steps steps of each algorithm after bench.warmup, as `fasim run` would make them (the plan the
/// rule chooses; system.products = pdgemm forces the PDGEMM plan), and returns one JSON line per algorithm:
/// the median step time, the passes over X and O per step and per evaluation against the floor, and the
/// bytes and messages sent per rank per step (PMPI) beside the plan's model and the floor
/// (model/network_traffic.hpp). Collective over the grid's active ranks.
std::vector<std::string> network_bench(const io::RunConfig& config, const parallel::Communicator& world,
                                       const parallel::GridPtr& grid);

} // namespace fasim::app
