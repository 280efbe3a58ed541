// `fasim sweep list|run SWEEP.ini`: the points of a [sweep] section, and running them in process groups.
#include "fasim/app/sweep.hpp"

#include "fasim/app/run.hpp"
#include "fasim/app/signals.hpp"
#include "fasim/config/command_line.hpp"
#include "fasim/config/config_values.hpp"
#include "fasim/config/ini.hpp"
#include "fasim/format/hdf5.hpp"
#include "fasim/format/result_state.hpp"
#include "fasim/format/schema.hpp"
#include "fasim/lifecycle/lifecycle.hpp"
#include "fasim/parallel/blas_info.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/error.hpp"
#include "usage.hpp"
#include "verbs.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>

namespace fasim::app {

namespace fs = std::filesystem;
using io::trim;

namespace {
constexpr long long kMaxPoints = 10'000'000;

bool parse_integer(const std::string& text, long long& out) {
  const auto value = io::detail::parse_integer(trim(text));
  if (value) out = *value;
  return value.has_value();
}

// Overrides only: a plain word among them is a mistake.
SweepSettings overrides_of(const io::CommandLine& line) {
  if (!line.words.empty())
    throw UsageError("unexpected word '" + line.words.front() +
                     "' on the command line; write overrides as --section.key=value");
  return line.overrides;
}
} // namespace

long long SweepSpec::count() const {
  long long n = 1;
  for (const auto& axis : axes) n *= static_cast<long long>(axis.values.size());
  return n;
}

SweepSettings SweepSpec::point(long long index) const {
  if (index < 0 || index >= count())
    throw UsageError("sweep point " + std::to_string(index) + " does not exist in " + origin +
                     ": indices are 0.." + std::to_string(count() - 1) + " (see `fasim sweep list`)");
  SweepSettings settings(axes.size());
  for (std::size_t a = axes.size(); a-- > 0;) {
    const auto size = static_cast<long long>(axes[a].values.size());
    settings[a] = {axes[a].key, axes[a].values[static_cast<std::size_t>(index % size)]};
    index /= size;
  }
  return settings;
}

std::vector<std::string> parse_sweep_values(const std::string& key, const std::string& text) {
  const std::string value = trim(text);
  const std::string where = "[sweep] key '" + key + "'";
  if (value.empty())
    throw UsageError(where + " has no values; write a list `x,y,z` or a range `a:b` / `a:b:step`");
  std::vector<std::string> out;
  if (value.find(':') != std::string::npos && value.find(',') == std::string::npos) {
    std::vector<std::string> parts;
    std::stringstream in(value);
    for (std::string part; std::getline(in, part, ':');) parts.push_back(part);
    long long a = 0, b = 0, step = 1;
    if (parts.size() < 2 || parts.size() > 3 || !parse_integer(parts[0], a) || !parse_integer(parts[1], b) ||
        (parts.size() == 3 && !parse_integer(parts[2], step)))
      throw UsageError(where + ": range '" + value +
                       "' must be integers `a:b` or `a:b:step` (b exclusive); list other values as `x,y,z`");
    if (step <= 0 || b <= a)
      throw UsageError(where + ": range '" + value +
                       "' is empty; it needs a < b and step > 0 (b is exclusive)");
    if ((b - a + step - 1) / step > kMaxPoints)
      throw UsageError(where + ": range '" + value + "' has more than 10^7 values; narrow it");
    for (long long v = a; v < b; v += step) out.push_back(std::to_string(v));
    return out;
  }
  // A list, split as every configuration list is (config_values.hpp); an empty item is refused here.
  out = io::detail::split_list(value);
  for (std::size_t i = 0; i < out.size(); ++i)
    if (out[i].empty())
      throw UsageError(where + ": list '" + value +
                       (i + 1 == out.size() ? "' ends with a comma; remove it"
                                            : "' has an empty entry; remove the extra comma"));
  return out;
}

SweepSpec parse_sweep_text(const std::string& ini_text, const std::string& origin) {
  SweepSpec spec;
  spec.origin = origin;
  std::set<int> sweep_lines;
  for (const auto& entry : io::parse_ini(ini_text, origin)) {
    if (entry.section != "sweep") continue;
    sweep_lines.insert(entry.line);
    const std::string& key = entry.key;
    const std::string at = " (line " + std::to_string(entry.line) + " of " + origin + ")";
    if (key.find('.') == std::string::npos || key.front() == '.' || key.back() == '.')
      throw UsageError("[sweep] key '" + key + "'" + at +
                       " needs its section: write e.g. `problem.seed = 0:100`");
    if (key == "output.file" || key == "output.checkpoint_file")
      throw UsageError("[sweep] key '" + key + "'" + at +
                       " cannot be swept: each point writes <output.file stem>-<index>.h5; remove it");
    for (const auto& axis : spec.axes)
      if (axis.key == key)
        throw UsageError("duplicate [sweep] key '" + key + "'" + at + "; list all its values once");
    spec.axes.push_back({key, parse_sweep_values(key, entry.value)});
    if (spec.count() > kMaxPoints)
      throw UsageError("the [sweep] of " + origin + " has more than 10^7 points; sweep fewer keys or values");
  }
  // The base configuration is the text itself with the [sweep] entries blanked: its line numbers stay those
  // of the file, so the configuration reader's messages point at the right line.
  std::istringstream in(ini_text);
  int number = 0;
  for (std::string line; std::getline(in, line);)
    spec.base_ini += (sweep_lines.count(++number) ? "" : line) + "\n";
  return spec;
}

SweepSpec read_sweep_file(const std::string& path) {
  const std::string origin = "sweep file '" + path + "'";
  return parse_sweep_text(io::read_config_file(path, "sweep file"), origin);
}

std::string point_output_path(const std::string& output_file, long long index, long long count) {
  const fs::path out(output_file);
  const int width = static_cast<int>(std::to_string(count).size());
  char number[32];
  std::snprintf(number, sizeof number, "%0*lld", width, index);
  return (out.parent_path() / (out.stem().string() + "-" + number + ".h5")).string();
}

SweepSettings parse_overrides(const std::vector<std::string>& words) {
  return overrides_of(io::read_command_line(words, "sweep", {}, true));
}

SweepPoint make_point(const SweepSpec& spec, long long index, const SweepSettings& overrides,
                      bool overwrite) {
  SweepPoint p;
  p.index = index;
  p.settings = spec.point(index);
  std::vector<std::string> words;
  for (const auto& [key, value] : p.settings) words.push_back("--" + key + "=" + value);
  std::string output_override;
  for (const auto& [key, value] : overrides) {
    for (const auto& axis : spec.axes)
      if (axis.key == key)
        throw UsageError("key '" + key + "' is swept in the [sweep] of " + spec.origin +
                         "; remove it from the command line or from [sweep]");
    if (key != "output.checkpoint_file") words.push_back("--" + key + "=" + value);
  }
  const std::string what =
      "sweep point " + std::to_string(index) + " (" + point_label(p.settings) + ") of " + spec.origin + ": ";
  try {
    const io::RunConfig base = io::parse_config_text(spec.base_ini, words, spec.origin);
    p.output = point_output_path(base.output.file, index, spec.count());
    std::erase_if(words, [](const std::string& w) { return w.rfind("--output.file=", 0) == 0; });
    words.push_back("--output.file=" + p.output);
    words.push_back("--output.checkpoint_file=" + p.output + ".ckpt");
    if (overwrite) {
      std::erase_if(words, [](const std::string& w) { return w.rfind("--output.overwrite", 0) == 0; });
      words.push_back("--output.overwrite=true");
    }
    p.config = io::parse_config_text(spec.base_ini, words, spec.origin);
  } catch (const UsageError& e) {
    throw UsageError(what + e.what());
  }
  return p;
}

namespace {
// Rank-local look at a point's files, through the lifecycle every verb shares (lifecycle/lifecycle.hpp): the
// point's action is assess()'s (complete -> nothing, "skipped"; more steps -> continue; checkpoint -> resume;
// an attempt without a usable checkpoint -> restart; refuse -> the point fails with the reason).
io::Assessment assess_point(const SweepPoint& p) {
  return io::assess(p.config);
}

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}

std::string report_line(const SweepPoint& p, const std::string& note) {
  const io::RunSummary s = io::read_run_summary(p.output);
  std::string line = "point " + std::to_string(p.index) + ":";
  for (const auto& a : s.algorithms)
    if (!std::isnan(a.final_loss)) line += " " + a.name + " " + number(a.final_loss);
  line += " optimal " + number(s.optimal_error) + " lemma1 " + number(s.lemma1_error);
  if (!s.representation_overlap.empty()) line += " overlap " + number(s.representation_overlap.front());
  return line + " [" + point_label(p.settings) + "]" + note;
}

// One write per line: every group's leader prints at once, and under MPICH a rank's stdout is unbuffered, so
// a line and its newline written apart came out of Hydra mixed with another group's line (seen in sweep_e2e).
void print_line(const std::string& line) {
  std::cout << line + '\n' << std::flush;
}

struct Tally {
  double ran = 0, skipped = 0, failed = 0, checkpointed = 0;
  int worst_failure = 0;
};

// Runs one point on the group communicator; failures are agreed within the group and counted, not thrown.
bool run_point(const SweepSpec& spec, long long index, const SweepSettings& overrides,
               const parallel::Communicator& gc, Tally& tally) {
  const bool leader = gc.rank() == 0;
  io::Action action = io::Action::Run;
  int code = 0;
  try {
    SweepPoint p;
    std::string checkpoint;
    parallel::agreed(gc, [&] {
      p = make_point(spec, index, overrides);
      if (!leader) return;
      const io::Assessment a = assess_point(p);
      action = a.action;
      checkpoint = a.checkpoint;
      if (action == io::Action::Refuse) throw UsageError(a.reason);
    });
    gc.broadcast(&action, sizeof action, 0);
    gc.broadcast(checkpoint, 0);
    if (action == io::Action::Nothing) {
      if (leader) print_line("point " + std::to_string(index) + ": skipped (complete: " + p.output + ")");
      tally.skipped += leader;
      return true;
    }
    RunRequest req;
    req.config = p.config;
    req.quiet = true;
    if (action == io::Action::Resume) req.resume_from = checkpoint;
    if (action == io::Action::Continue) req.continue_from = p.output;
    parallel::set_blas_threads(req.config.blas_threads);
    std::exception_ptr local;
    try {
      code = run_experiment(req, gc);
    } catch (const CollectiveError&) {
      throw;
    } catch (...) {
      local = std::current_exception();
    }
    parallel::agree(gc, local);
    parallel::agreed(gc, [&] {
      if (!leader) return;
      const io::File f = io::File::open(p.output, parallel::Communicator::borrow(MPI_COMM_SELF), false);
      f.write_attribute(io::schema::kSweepPoint, point_label(p.settings));
      print_line(report_line(p, code == parallel::kExitCheckpointed
                                    ? " (checkpointed; rerun the sweep to resume)"
                                : action == io::Action::Resume   ? " (resumed)"
                                : action == io::Action::Continue ? " (continued)"
                                                                 : ""));
    });
  } catch (const CollectiveError& e) {
    // After a storage fault (format/hdf5.hpp) this group runs no further point: the next would fail alike.
    const bool storage = gc.allreduce_max(io::storage_failed() ? 1 : 0) > 0;
    if (leader)
      std::cerr << "fasim: point " << index << " failed: " << e.what()
                << (storage ? "; this group of ranks runs no further point (rerun the sweep to go on)" : "")
                << std::endl;
    tally.failed += leader;
    tally.worst_failure = std::max(tally.worst_failure, e.exit_code());
    return !storage;
  }
  if (code == parallel::kExitCheckpointed) {
    tally.checkpointed += leader;
    return false;
  }
  tally.ran += leader;
  return true;
}

int list_points(const parallel::Communicator& world, const SweepSpec& spec, const SweepSettings& overrides) {
  std::ostringstream out;
  parallel::agreed(world, [&] {
    if (world.rank() != 0) return;
    out << "# " << spec.count() << " point(s) from " << spec.origin << "; index, status, output, settings\n";
    for (long long i = 0; i < spec.count(); ++i) {
      const SweepPoint p = make_point(spec, i, overrides);
      out << i << "\t" << io::to_string(assess_point(p).state) << "\t" << p.output << "\t"
          << point_label(p.settings) << "\n";
    }
  });
  if (world.rank() == 0) std::cout << out.str() << std::flush;
  return 0;
}
} // namespace

int sweep_verb(const parallel::Communicator& world, const std::vector<std::string>& args) {
  const char* usage =
      "usage: fasim sweep list SWEEP.ini | fasim sweep run SWEEP.ini [--index I | --groups G] "
      "[--section.key=value ...]";
  long long index = -1, groups = 0;
  SweepSpec spec;
  SweepSettings overrides;
  parallel::agreed(world, [&] {
    if (args.size() < 2 || (args[0] != "list" && args[0] != "run") || args[1].rfind("--", 0) == 0)
      throw UsageError(usage);
    const io::CommandLine line =
        read_verb_line("sweep", std::vector<std::string>(args.begin() + 2, args.end()));
    if (const auto value = line.value("--index")) index = io::integer_value("--index", *value, 0);
    if (const auto value = line.value("--groups")) groups = io::integer_value("--groups", *value, 1);
    overrides = overrides_of(line);
    if (index >= 0 && groups > 0)
      throw UsageError("give --index or --groups, not both; " + std::string(usage));
    if (groups > world.size())
      throw UsageError("--groups " + std::to_string(groups) + " exceeds the " + std::to_string(world.size()) +
                       " rank(s); use at most one group per rank");
    spec = read_sweep_file(args[1]);
    if (index >= spec.count()) spec.point(index); // throws the out-of-range message
    for (long long i = 0; i < spec.count() && args[0] == "run"; ++i)
      if (index < 0 ||
          i == index) // every point's configuration is valid (its directories are made by the run)
        make_point(spec, i, overrides);
  });
  if (args[0] == "list") return list_points(world, spec, overrides);
  const int g = static_cast<int>(groups > 0 ? groups : 1);
  const int colour = static_cast<int>(static_cast<long long>(world.rank()) * g / world.size());
  const parallel::Communicator gc = world.split(colour, world.rank());
  if (world.rank() == 0)
    std::cout << "fasim sweep: " << spec.count() << " point(s) from " << spec.origin << " on " << g
              << " group(s) of " << world.size() / g << (world.size() % g ? "+" : "") << " rank(s)"
              << std::endl;
  Tally tally;
  const long long first = index >= 0 ? index : colour, last = index >= 0 ? index + 1 : spec.count();
  for (long long i = first; i < last; i += g) {
    if (gc.allreduce_max((take_signal_flags() & kStopRequested) ? 1 : 0) > 0) break;
    if (!run_point(spec, i, overrides, gc, tally)) break;
  }
  double counts[4] = {tally.ran, tally.skipped, tally.failed, tally.checkpointed};
  world.allreduce_sum(counts, 4);
  const int worst = world.allreduce_max(tally.worst_failure);
  if (world.rank() == 0)
    std::cout << "fasim sweep: " << counts[0] << " run, " << counts[1] << " skipped, " << counts[2]
              << " failed, " << counts[3] << " checkpointed" << std::endl;
  if (worst > 0) return worst;
  return counts[3] > 0 ? parallel::kExitCheckpointed : parallel::kExitSuccess;
}

} // namespace fasim::app
