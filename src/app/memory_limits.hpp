#pragma once
// How much memory a rank may use: the node's available memory and the memory limit of the control group the
// process runs in (Slurm's --mem, a container's limit), whichever is smaller, shared by the ranks on the
// node.
#include "fasim/parallel/communicator.hpp"

#include <string>

namespace fasim::app {

struct MemoryBudget {
  double per_rank = 0;     ///< bytes each rank on this node may use (0: unknown)
  double node = 0;         ///< MemAvailable of the node (0: unknown)
  double cgroup = 0;       ///< the tightest memory limit of the process's cgroup and its ancestors (0: none)
  std::string cgroup_path; ///< the directory that sets it
  int ranks_on_node = 1;
};

/// The tightest memory limit (bytes) of the control group this process runs in and of its ancestors: cgroup
/// v2's memory.max, v1's memory.limit_in_bytes, the group found through /proc/self/cgroup and mounted where
/// /proc/self/mountinfo says. 0 when there is none ("max", or v1's "unlimited" 2^63 rounded to a page).
/// `where` names the directory whose limit it is. Rank-local; never throws.
double cgroup_memory_limit(std::string& where);

/// Collective over `comm`: the budget of this node's ranks (the smallest of MemAvailable and the cgroup's
/// limit, divided by the ranks sharing the node).
MemoryBudget memory_budget(const parallel::Communicator& comm);

} // namespace fasim::app
