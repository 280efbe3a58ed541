#include "memory_limits.hpp"

#include "fasim/config/config_values.hpp"

#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

namespace fasim::app {

namespace {
// A limit at or above 2^60 bytes is "unlimited" (cgroup v1 writes 2^63 rounded down to a page).
constexpr double kUnlimited = 1152921504606846976.0;

struct Mount {
  std::string root, point;
};

// Where the hierarchy that holds the memory controller is mounted: a cgroup2 mount (v2), or a v1 "cgroup"
// mount whose super options name memory.
bool find_mount(bool v2, Mount& out) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string id, parent, device, root, point, word;
    words >> id >> parent >> device >> root >> point;
    while (words >> word && word != "-") {
    }
    std::string type, source, options;
    words >> type >> source >> options;
    const bool memory = ("," + options + ",").find(",memory,") != std::string::npos;
    if ((v2 && type == "cgroup2") || (!v2 && type == "cgroup" && memory)) {
      out = {root, point};
      return true;
    }
  }
  return false;
}

// The cgroup path of this process in the memory hierarchy: v1's "N:...memory...:/path" line, else v2's
// "0::/path".
bool find_group(bool& v2, std::string& path) {
  std::ifstream in("/proc/self/cgroup");
  std::string line, unified;
  bool have_unified = false;
  while (std::getline(in, line)) {
    const auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1), group = line.substr(b + 1);
    if (("," + controllers + ",").find(",memory,") != std::string::npos) {
      v2 = false;
      path = group;
      return true;
    }
    if (controllers.empty()) unified = group, have_unified = true;
  }
  v2 = true;
  path = unified;
  return have_unified;
}

double read_limit(const std::string& file) {
  std::ifstream in(file);
  std::string word;
  if (!(in >> word) || word == "max") return 0;
  const double v = io::detail::parse_number(word).value_or(0); // the configuration's one number parser
  return v > 0 && v < kUnlimited ? v : 0;
}

double mem_available() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    std::istringstream words(line);
    std::string name, kib, unit;
    if (words >> name >> kib >> unit && name == "MemAvailable:" && unit == "kB")
      return io::detail::parse_number(kib).value_or(0) * 1024.0;
  }
  return 0;
}
} // namespace

double cgroup_memory_limit(std::string& where) {
  bool v2 = false;
  std::string group;
  Mount mount;
  if (!find_group(v2, group) || !find_mount(v2, mount)) return 0;
  // The group's path is relative to the hierarchy's root; the mount shows the part below mount.root.
  if (mount.root != "/" && group.rfind(mount.root, 0) == 0) group = group.substr(mount.root.size());
  const char* file = v2 ? "/memory.max" : "/memory.limit_in_bytes";
  double tightest = 0;
  // The group and each ancestor up to the mount point: a parent's limit binds its children.
  for (std::string g = group;; g = g.substr(0, g.rfind('/'))) {
    while (!g.empty() && g.back() == '/') g.pop_back();
    const std::string dir = mount.point + g;
    if (const double v = read_limit(dir + file); v > 0 && (tightest == 0 || v < tightest)) {
      tightest = v;
      where = dir;
    }
    if (g.empty()) break;
  }
  return tightest;
}

MemoryBudget memory_budget(const parallel::Communicator& comm) {
  MemoryBudget b;
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(comm.get(), MPI_COMM_TYPE_SHARED, comm.rank(), MPI_INFO_NULL, &node);
  MPI_Comm_size(node, &b.ranks_on_node);
  MPI_Comm_free(&node);
  b.node = mem_available();
  b.cgroup = cgroup_memory_limit(b.cgroup_path);
  const double smallest = b.cgroup > 0 && (b.node == 0 || b.cgroup < b.node) ? b.cgroup : b.node;
  b.per_rank = smallest / b.ranks_on_node;
  return b;
}

} // namespace fasim::app
