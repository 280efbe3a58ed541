// `fasim info FILE [--json]`: a human (or JSON) summary of a result file and its checkpoint.
#include "fasim/config/command_line.hpp"
#include "fasim/config/config_values.hpp"
#include "fasim/config/ini.hpp"
#include "fasim/format/checkpoint.hpp"
#include "fasim/format/hdf5.hpp"
#include "fasim/format/result_state.hpp"
#include "fasim/format/schema.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/error.hpp"
#include "usage.hpp"
#include "verbs.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

namespace fasim::app {

namespace {
// JSON numbers carry every digit needed to read the double back exactly (the shortest such text); the human
// summary shows 7 significant digits, which is what a reader compares.
std::string json_number(double x) {
  if (!std::isfinite(x)) return "null";
  char buf[40];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  return ec == std::errc() ? std::string(buf, end) : "null";
}
std::string shown(double x) {
  if (std::isnan(x)) return "-";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.7g", x);
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

// SHA-256 (FIPS 180-4) of a string, hex: the checkpoint's configuration digest, which a script can compare
// with hashlib.sha256(config.encode()).hexdigest() of a result file's or another checkpoint's `config`.
std::string sha256_hex(const std::string& text) {
  static constexpr std::uint32_t k[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
      0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
      0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
      0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
      0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
      0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
      0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
  std::uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::string msg = text;
  const std::uint64_t bits = static_cast<std::uint64_t>(text.size()) * 8;
  msg += static_cast<char>(0x80);
  while (msg.size() % 64 != 56) msg += '\0';
  for (int i = 7; i >= 0; --i) msg += static_cast<char>((bits >> (8 * i)) & 0xff);
  auto rotr = [](std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
  for (std::size_t block = 0; block < msg.size(); block += 64) {
    std::uint32_t w[64];
    for (int i = 0; i < 16; ++i) {
      w[i] = 0;
      for (int j = 0; j < 4; ++j)
        w[i] = (w[i] << 8) | static_cast<unsigned char>(msg[block + 4 * static_cast<std::size_t>(i) + j]);
    }
    for (int i = 16; i < 64; ++i) {
      const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
      const std::uint32_t t1 =
          hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      const std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    const std::uint32_t add[8] = {a, b, c, d, e, f, g, hh};
    for (int i = 0; i < 8; ++i) h[i] += add[i];
  }
  char hex[65];
  for (int i = 0; i < 8; ++i) std::snprintf(hex + 8 * i, 9, "%08x", static_cast<unsigned>(h[i]));
  return std::string(hex, 64);
}

// A checkpoint (io::write_checkpoint), complete or not: its header names its algorithms by index, in the
// order of run.algorithms of its configuration.
std::string describe_checkpoint(const io::File& f, const std::string& path, bool json) {
  const io::CheckpointHeader h = io::read_checkpoint_header(f, path, true);
  const std::string& config = h.config_ini;
  const auto entries = io::parse_ini(config, "the configuration stored in '" + path + "'");
  const long long steps_planned =
      io::detail::parse_integer(io::find_ini_value(entries, "run.steps").value_or("")).value_or(-1);
  const long long step = config.empty() ? -1 : h.step; // no config: cut short before the root attributes
  const double elapsed = config.empty() ? NAN : h.elapsed_seconds;
  const std::string digest = sha256_hex(config);
  const std::string results =
      path.size() > 5 && path.ends_with(".ckpt") ? path.substr(0, path.size() - 5) : "";
  std::ostringstream out;
  if (json) {
    out << "{\"file\":" << json_string(path)
        << ",\"kind\":\"checkpoint\",\"format_version\":" << h.format_version
        << ",\"complete\":" << (h.complete ? "true" : "false") << ",\"step\":" << step
        << ",\"steps\":" << steps_planned << ",\"elapsed_seconds\":" << json_number(elapsed)
        << ",\"config_sha256\":" << json_string(digest) << ",\"grid\":";
    if (h.grid_rows > 0)
      out << "[" << h.grid_rows << "," << h.grid_cols << "]";
    else
      out << "null";
    out << ",\"algorithms\":{";
    for (std::size_t i = 0; i < h.algorithms.size(); ++i) {
      const io::CheckpointAlgorithmHeader& a = h.algorithms[i];
      out << (i ? "," : "") << json_string(a.name)
          << ":{\"stopped\":" << (a.status.stopped ? "true" : "false")
          << ",\"stop_reason\":" << json_string(io::schema::to_string(a.status.stop_reason))
          << ",\"stop_step\":" << a.status.stop_step << ",\"records\":" << a.rows
          << ",\"snapshots\":" << a.snapshots << ",\"last_loss\":" << json_number(a.last_loss)
          << ",\"wall_seconds\":" << json_number(a.status.wall_seconds) << "}";
    }
    out << "},\"config\":" << json_string(config) << "}\n";
    return out.str();
  }
  out << path << ": checkpoint (format " << h.format_version << "), "
      << (h.complete ? "complete" : "INCOMPLETE (cut short while writing; do not resume from it)")
      << "\nstep " << step;
  if (steps_planned >= 0) out << " of " << steps_planned;
  out << ", elapsed " << shown(elapsed) << " s";
  if (h.grid_rows > 0) out << ", grid " << h.grid_rows << "x" << h.grid_cols; // checkpoint format 6
  out << "\nconfig sha256 " << digest << "\n";
  char line[200];
  std::snprintf(line, sizeof line, "%-8s %14s %8s %-18s %10s\n", "alg", "last loss", "records", "stop",
                "stop step");
  out << line;
  for (std::size_t i = 0; i < h.algorithms.size(); ++i) {
    const io::CheckpointAlgorithmHeader& a = h.algorithms[i];
    std::snprintf(
        line, sizeof line, "%-8s %14s %8lld %-18s %10s\n", a.name.c_str(), shown(a.last_loss).c_str(), a.rows,
        io::schema::to_string(a.status.stopped ? a.status.stop_reason : io::schema::StopReason::Running),
        a.status.stopped ? std::to_string(a.status.stop_step).c_str() : "-");
    out << line;
  }
  if (h.complete) out << "continue with: fasim resume " << path << "\n";
  if (!results.empty()) out << "results: " << results << "\n";
  return out.str();
}

std::string describe(const std::string& path, bool json) {
  {
    const io::File f = io::File::open(path, parallel::Communicator::borrow(MPI_COMM_SELF), true);
    if (f.has_attribute(io::schema::kFormatVersion)) return describe_checkpoint(f, path, json);
    if (!f.exists(io::schema::kRunsGroup))
      throw UsageError("'" + path + "' is neither a fasim result file (no /runs) nor a checkpoint (no " +
                       io::schema::kFormatVersion + " attribute)");
  }
  const io::RunSummary s = io::read_run_summary(path);
  const std::string status = io::schema::to_string(s.status);
  const std::string ckpt = path + ".ckpt";
  const bool has_ckpt = std::filesystem::exists(ckpt);
  std::ostringstream out;
  if (json) {
    out << "{\"file\":" << json_string(path) << ",\"status\":" << json_string(status) << ",\"n\":" << s.n
        << ",\"m\":" << s.m << ",\"r\":" << s.r << ",\"optimal_error\":" << json_number(s.optimal_error)
        << ",\"lemma1_error\":" << json_number(s.lemma1_error)
        << ",\"checkpoint\":" << (has_ckpt ? json_string(ckpt) : "null") << ",\"representation_overlap\":[";
    for (std::size_t i = 0; i < s.representation_overlap.size(); ++i)
      out << (i ? "," : "") << json_number(s.representation_overlap[i]);
    out << "],\"algorithms\":{";
    for (std::size_t i = 0; i < s.algorithms.size(); ++i) {
      const io::AlgorithmSummary& a = s.algorithms[i];
      out << (i ? "," : "") << json_string(a.name) << ":{\"final_loss\":" << json_number(a.final_loss)
          << ",\"steps_done\":" << a.steps_done << ",\"records\":" << a.records
          << ",\"stop_reason\":" << json_string(io::schema::to_string(a.stop_reason))
          << ",\"wall_seconds\":" << json_number(a.wall_seconds) << "}";
    }
    out << "},\"config\":" << json_string(s.config_ini) << "}\n";
    return out.str();
  }
  // An unfinished file (running, checkpointed, or one whose run died) has no final values yet: say how far
  // its records go instead.
  const bool unfinished = s.status != io::schema::FileStatus::Complete;
  long long last_step = -1;
  for (const auto& a : s.algorithms) last_step = std::max(last_step, a.last_step);
  const std::string state = !unfinished      ? status
                            : last_step >= 0 ? status + ", last step " + std::to_string(last_step)
                                             : status + ", no step recorded yet";
  out << path << ": " << state << ", fasim " << s.fasim_version << " (" << s.git_commit << "), created "
      << s.created << "\nproblem: " << s.source << " n=" << s.n << " m=" << s.m << " k=" << s.k
      << " r=" << s.r << "\noptimal error " << shown(s.optimal_error) << ", Lemma 1 prediction "
      << shown(s.lemma1_error) << "\n";
  char line[200];
  std::snprintf(line, sizeof line, "%-8s %14s %10s %8s %-18s\n", "alg", "final loss", "steps", "records",
                "stop");
  out << line;
  for (const auto& a : s.algorithms) {
    const bool running = unfinished && a.stop_reason == io::schema::StopReason::Running;
    std::snprintf(
        line, sizeof line, "%-8s %14s %10s %8lld %-18s\n", a.name.c_str(), shown(a.final_loss).c_str(),
        running && a.last_step < 0 ? "-" : std::to_string(running ? a.last_step : a.steps_done).c_str(),
        a.records, running ? status.c_str() : io::schema::to_string(a.stop_reason));
    out << line;
  }
  if (!s.representation_overlap.empty())
    out << "representation overlap (principal cosines): " << shown(s.representation_overlap.front())
        << " ...\n";
  out << "checkpoint: " << (has_ckpt ? ckpt : std::string("none")) << "\n";
  return out.str();
}
} // namespace

int info_verb(const parallel::Communicator& world, const std::vector<std::string>& args) {
  std::string path, text;
  bool json = false;
  parallel::agreed(world, [&] {
    const io::CommandLine line = read_verb_line("info", args);
    json = line.has("--json");
    if (line.words.size() > 1)
      throw UsageError("'fasim info' takes one FILE (got '" + line.words[0] + "' and '" + line.words[1] +
                       "'); run it once per file");
    if (!line.words.empty()) path = line.words.front();
    if (path.empty()) throw UsageError("'fasim info' needs FILE; run 'fasim info --help'");
    if (!std::filesystem::exists(path)) throw UsageError("file '" + path + "' does not exist");
    if (world.rank() == 0) text = describe(path, json);
  });
  if (world.rank() == 0) std::cout << text;
  return 0;
}

} // namespace fasim::app
