// `fasim collect DIR_OR_FILES --output summary.h5 [--csv summary.csv] [--overwrite]`: one row per result
// file.
#include "collect_output.hpp"
#include "fasim/app/sweep.hpp"
#include "fasim/config/command_line.hpp"
#include "fasim/config/config_values.hpp"
#include "fasim/config/ini.hpp"
#include "fasim/format/hdf5.hpp"
#include "fasim/format/result_state.hpp"
#include "fasim/format/schema.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/error.hpp"
#include "usage.hpp"
#include "verbs.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>

namespace fasim::app {

namespace fs = std::filesystem;
using io::trim;

namespace {
const parallel::Communicator& self() {
  static const parallel::Communicator comm = parallel::Communicator::borrow(MPI_COMM_SELF);
  return comm;
}

// The resolved INI text as "section.key" -> value.
std::map<std::string, std::string> ini_values(const std::string& text, const std::string& file) {
  std::map<std::string, std::string> out;
  for (const auto& entry : io::parse_ini(text, "the configuration stored in '" + file + "'"))
    out[entry.name()] = entry.value;
  return out;
}

bool is_result_file(const fs::path& path) {
  try {
    return io::File::open(path.string(), self(), true).exists(io::schema::kRunsGroup);
  } catch (const Error&) {
    return false;
  }
}

// Why `path` is not a result fasim collect can read ("" when it is one).
std::string foreign_reason(const fs::path& path) {
  try {
    io::read_run_summary(path.string());
    return "";
  } catch (const Error& e) {
    return e.what();
  }
}

std::vector<std::string> find_inputs(const std::vector<std::string>& inputs) {
  std::vector<std::string> files;
  for (const auto& input : inputs) {
    if (fs::is_directory(input)) {
      // A colleague's directory may hold links: one that leads out of the directory is not followed.
      const fs::path dir = fs::canonical(input);
      std::vector<std::string> found;
      for (const auto& entry : fs::directory_iterator(input)) {
        if (entry.path().extension() != ".h5") continue;
        std::error_code ec;
        if (entry.is_symlink() && fs::canonical(entry.path(), ec).parent_path() != dir) {
          std::cout << "fasim collect: skipped '" << entry.path().string() << "': a symbolic link out of '"
                    << input << "'\n";
          continue;
        }
        if (!entry.is_regular_file()) continue;
        // Anything that does not read as a fasim result (a colleague's .h5, an empty /runs group, a summary
        // of an earlier collect) is skipped with a line, never a reason to collect nothing.
        if (const std::string why = foreign_reason(entry.path()); !why.empty()) {
          std::cout << "fasim collect: skipped '" << entry.path().string() << "': " << why << "\n";
          continue;
        }
        found.push_back(entry.path().string());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(input)) {
      if (!is_result_file(input))
        throw UsageError("'" + input +
                         "' is not a fasim result file (no /runs group); give result files or dirs");
      files.push_back(input);
    } else {
      throw UsageError("input '" + input + "' does not exist; give result files or directories holding them");
    }
  }
  if (files.empty()) throw UsageError("no fasim result files (*.h5 with /runs) found in the given inputs");
  return files;
}

// A stored value as a number (the configuration's own number parser); an empty value is a missing one.
bool parse_double(const std::string& s, double& out) {
  const auto value = s.empty() ? std::optional<double>(NAN) : io::detail::parse_number(s);
  if (value) out = *value;
  return value.has_value();
}

Column text_column(const std::string& name, std::vector<std::string> text, bool try_numeric) {
  Column c{name, std::move(text), {}, try_numeric};
  for (const auto& t : c.text) {
    double v = NAN;
    if (!c.numeric || !parse_double(t, v)) {
      c.numeric = false;
      break;
    }
    c.values.push_back(v);
  }
  if (!c.numeric) c.values.clear();
  return c;
}

std::vector<Column> make_table(const std::vector<io::RunSummary>& rows) {
  // Parameter columns: the swept keys (first-seen order), then the standard ones; values from sweep_point,
  // else from the stored configuration.
  std::vector<std::string> keys;
  std::vector<std::map<std::string, std::string>> settings, configs;
  for (const auto& r : rows) {
    std::map<std::string, std::string> s;
    for (const auto& [k, v] : parse_point_label(r.sweep_point)) {
      s[k] = v;
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
    }
    settings.push_back(std::move(s));
    configs.push_back(ini_values(r.config_ini, r.path));
  }
  // Every key whose value differs between the collected runs was swept (by [sweep] or by hand), except where
  // the runs wrote; then the keys that say what was computed.
  for (const auto& [key, value] : configs.empty() ? std::map<std::string, std::string>{} : configs.front()) {
    const bool differs =
        std::any_of(configs.begin(), configs.end(), [&, &key = key, &value = value](const auto& c) {
          const auto it = c.find(key);
          return it == c.end() || it->second != value;
        });
    if (differs && key.rfind("output.", 0) != 0 && std::find(keys.begin(), keys.end(), key) == keys.end())
      keys.push_back(key);
  }
  for (const char* k : {"problem.n", "problem.m", "problem.k", "model.r", "run.steps", "gd.lr", "fa.lr",
                        "fa.lr_w", "fastar.lr", "feedback.seed", "problem.seed", "problem.epsilon"}) {
    const bool known =
        std::any_of(configs.begin(), configs.end(), [&](const auto& c) { return c.count(k) > 0; });
    if (known && std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  }
  std::vector<Column> columns;
  auto strings = [&](const std::string& name, auto get, bool numeric) {
    std::vector<std::string> text;
    for (std::size_t i = 0; i < rows.size(); ++i) text.push_back(get(i));
    columns.push_back(text_column(name, std::move(text), numeric));
  };
  auto numbers = [&](const std::string& name, auto get) {
    Column c{name, {}, {}, true};
    for (const auto& r : rows) c.values.push_back(get(r));
    columns.push_back(std::move(c));
  };
  strings(
      io::schema::kPointFile, [&](std::size_t i) { return rows[i].path; }, false);
  for (const auto& k : keys)
    strings(
        k,
        [&](std::size_t i) {
          if (const auto it = settings[i].find(k); it != settings[i].end()) return it->second;
          const auto it = configs[i].find(k);
          return it == configs[i].end() ? std::string() : it->second;
        },
        true);
  // The paper's algorithms always (stable columns); a feedback rule's when some collected file ran it.
  std::vector<std::string> algorithms;
  for (const auto kind : {model::AlgorithmKind::GD, model::AlgorithmKind::FA, model::AlgorithmKind::FAStar})
    algorithms.emplace_back(model::to_string(kind));
  for (const auto kind : model::kAlgorithmKinds) {
    const std::string name = model::to_string(kind);
    const bool ran = std::any_of(rows.begin(), rows.end(), [&](const auto& r) { return r.algorithm(name); });
    if (ran && std::find(algorithms.begin(), algorithms.end(), name) == algorithms.end())
      algorithms.push_back(name);
  }
  for (const auto& name : algorithms)
    numbers(name + io::schema::kPointFinalLossSuffix, [&](const io::RunSummary& r) {
      const io::AlgorithmSummary* a = r.algorithm(name);
      return a ? a->final_loss : NAN;
    });
  numbers(io::schema::kOptimalError, [](const io::RunSummary& r) { return r.optimal_error; });
  numbers(io::schema::kLemma1Error, [](const io::RunSummary& r) { return r.lemma1_error; });
  numbers(io::schema::kPointOverlap, [](const io::RunSummary& r) {
    return r.representation_overlap.empty() ? NAN : r.representation_overlap.front();
  });
  for (const auto& name : algorithms)
    strings(
        io::schema::kPointStopReasonPrefix + name,
        [&](std::size_t i) {
          const io::AlgorithmSummary* a = rows[i].algorithm(name);
          return a ? std::string(io::schema::to_string(a->stop_reason)) : std::string();
        },
        false);
  strings(
      io::schema::kStatus, [&](std::size_t i) { return std::string(io::schema::to_string(rows[i].status)); },
      false);
  return columns;
}
} // namespace

std::string point_label(const SweepSettings& settings) {
  std::string out;
  for (const auto& [key, value] : settings) out += (out.empty() ? "" : ";") + key + "=" + value;
  return out;
}

SweepSettings parse_point_label(const std::string& label) {
  SweepSettings out;
  std::stringstream in(label);
  for (std::string item; std::getline(in, item, ';');)
    if (const auto eq = item.find('='); eq != std::string::npos)
      out.emplace_back(trim(item.substr(0, eq)), trim(item.substr(eq + 1)));
  return out;
}

int collect_verb(const parallel::Communicator& world, const std::vector<std::string>& args) {
  std::string message;
  parallel::agreed(world, [&] {
    if (world.rank() != 0) return;
    const io::CommandLine line = read_verb_line("collect", args);
    const std::string output = line.value("--output").value_or(""), csv = line.value("--csv").value_or("");
    const bool overwrite = line.has("--overwrite");
    const std::vector<std::string>& inputs = line.words;
    if (inputs.empty() || (output.empty() && csv.empty()))
      throw UsageError(
          "'fasim collect' needs DIR_OR_FILE... and --output and/or --csv; run 'fasim collect --help'");
    const std::vector<std::string> files = find_inputs(inputs);
    std::error_code ec;
    if (!output.empty() && !csv.empty() && fs::weakly_canonical(output, ec) == fs::weakly_canonical(csv, ec))
      throw UsageError("--output and --csv name the same file '" + output + "'; give two names");
    if (!output.empty()) check_destination(output, "--output", false, files, overwrite);
    if (!csv.empty()) check_destination(csv, "--csv", true, files, overwrite);
    std::vector<io::RunSummary> rows;
    for (const auto& file : files) rows.push_back(io::read_run_summary(file));
    const auto columns = make_table(rows);
    if (!output.empty()) write_summary_hdf5(output, columns, inputs);
    if (!csv.empty()) write_summary_csv(csv, columns, rows.size());
    message = "fasim collect: " + std::to_string(rows.size()) + " result file(s) -> " + output +
              (!output.empty() && !csv.empty() ? ", " : "") + csv;
  });
  if (world.rank() == 0) std::cout << message << std::endl;
  return 0;
}

} // namespace fasim::app
