// `fasim info FILE [--json]`: a human (or JSON) summary of a result file and its checkpoint.
#include "fasim/io/hdf5.hpp"
#include "fasim/io/series.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/error.hpp"
#include "verbs.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

namespace fasim::app {

namespace {
std::string json_number(double x) {
  if (!std::isfinite(x)) return "null";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}
std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

struct AlgorithmInfo {
  std::string name, stop_reason;
  long long steps_done = 0, records = 0;
  double final_loss = NAN, wall = NAN;
};

std::string describe(const std::string& path, bool json) {
  const io::File f = io::File::open(path, parallel::Communicator::borrow(MPI_COMM_SELF), true);
  std::vector<AlgorithmInfo> algs;
  if (f.exists("runs"))
    for (const char* name : {"gd", "fa", "fastar"}) {
      if (!f.exists(std::string("runs/") + name)) continue;
      const io::Group g = f.open_group(std::string("runs/") + name);
      AlgorithmInfo a;
      a.name = name;
      if (g.has_attribute("stop_reason")) a.stop_reason = g.read_attribute<std::string>("stop_reason");
      if (g.has_attribute("steps_done")) a.steps_done = g.read_attribute<long long>("steps_done");
      if (g.has_attribute("wall_seconds")) a.wall = g.read_attribute<double>("wall_seconds");
      const std::vector<double> loss = io::Series::open(g, "trajectory/loss").read();
      a.records = static_cast<long long>(loss.size());
      if (!loss.empty()) a.final_loss = loss.back();
      algs.push_back(a);
    }
  const io::Group p = f.open_group("problem");
  const double optimal = p.read_attribute<double>("optimal_error"), lemma1 = p.read_attribute<double>("lemma1_error");
  std::vector<double> overlap;
  if (f.exists("summary") && f.open_group("summary").has_attribute("representation_overlap"))
    overlap = f.open_group("summary").read_attribute<std::vector<double>>("representation_overlap");
  const std::string status = f.read_attribute<std::string>("status");
  const std::string ckpt = path + ".ckpt";
  const bool has_ckpt = std::filesystem::exists(ckpt);
  std::ostringstream out;
  if (json) {
    out << "{\"file\":" << json_string(path) << ",\"status\":" << json_string(status)
        << ",\"n\":" << p.read_attribute<long long>("n") << ",\"m\":" << p.read_attribute<long long>("m")
        << ",\"r\":" << p.read_attribute<long long>("r") << ",\"optimal_error\":" << json_number(optimal)
        << ",\"lemma1_error\":" << json_number(lemma1) << ",\"checkpoint\":" << (has_ckpt ? json_string(ckpt) : "null")
        << ",\"representation_overlap\":[";
    for (std::size_t i = 0; i < overlap.size(); ++i) out << (i ? "," : "") << json_number(overlap[i]);
    out << "],\"algorithms\":{";
    for (std::size_t i = 0; i < algs.size(); ++i)
      out << (i ? "," : "") << json_string(algs[i].name) << ":{\"final_loss\":" << json_number(algs[i].final_loss)
          << ",\"steps_done\":" << algs[i].steps_done << ",\"records\":" << algs[i].records
          << ",\"stop_reason\":" << json_string(algs[i].stop_reason) << ",\"wall_seconds\":" << json_number(algs[i].wall)
          << "}";
    out << "},\"config\":" << json_string(f.read_attribute<std::string>("config")) << "}\n";
    return out.str();
  }
  out << path << ": " << status << ", fasim " << f.read_attribute<std::string>("fasim_version") << " ("
      << f.read_attribute<std::string>("git_commit") << "), created " << f.read_attribute<std::string>("created")
      << "\nproblem: " << p.read_attribute<std::string>("source") << " n=" << p.read_attribute<long long>("n")
      << " m=" << p.read_attribute<long long>("m") << " k=" << p.read_attribute<long long>("k")
      << " r=" << p.read_attribute<long long>("r") << "\noptimal error " << json_number(optimal)
      << ", Lemma 1 prediction " << json_number(lemma1) << "\n";
  char line[200];
  std::snprintf(line, sizeof line, "%-8s %14s %10s %8s %-18s\n", "alg", "final loss", "steps", "records", "stop");
  out << line;
  for (const auto& a : algs) {
    std::snprintf(line, sizeof line, "%-8s %14.6e %10lld %8lld %-18s\n", a.name.c_str(), a.final_loss, a.steps_done,
                  a.records, a.stop_reason.c_str());
    out << line;
  }
  if (!overlap.empty()) out << "representation overlap (principal cosines): " << json_number(overlap.front()) << " ...\n";
  out << "checkpoint: " << (has_ckpt ? ckpt : std::string("none")) << "\n";
  return out.str();
}
} // namespace

int info_verb(const parallel::Communicator& world, const std::vector<std::string>& args) {
  std::string path;
  bool json = false;
  for (const auto& a : args)
    if (a == "--json")
      json = true;
    else if (path.empty())
      path = a;
  std::string text;
  parallel::agreed(world, [&] {
    if (path.empty()) throw UsageError("usage: fasim info FILE [--json]");
    if (!std::filesystem::exists(path)) throw UsageError("file '" + path + "' does not exist");
    if (world.rank() == 0) text = describe(path, json);
  });
  if (world.rank() == 0) std::cout << text;
  return 0;
}

} // namespace fasim::app
