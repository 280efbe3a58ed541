#pragma once
// The verbs other than run/resume, one file each.
#include "fasim/parallel/communicator.hpp"

#include <string>
#include <vector>

namespace fasim::app {
int info_verb(const parallel::Communicator& world, const std::vector<std::string>& args);
int bench_verb(const parallel::Communicator& world, const std::vector<std::string>& args);
int sweep_verb(const parallel::Communicator& world, const std::vector<std::string>& args);
int collect_verb(const parallel::Communicator& world, const std::vector<std::string>& args);
} // namespace fasim::app
