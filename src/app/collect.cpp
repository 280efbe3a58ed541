// `fasim collect DIR_OR_FILES --output summary.h5 [--csv summary.csv]`: one row per result file.
#include "fasim/app/sweep.hpp"
#include "fasim/io/hdf5.hpp"
#include "fasim/io/series.hpp"
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/error.hpp"
#include "verbs.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

namespace fasim::app {

namespace fs = std::filesystem;

namespace {
const parallel::Communicator& self() {
  static const parallel::Communicator comm = parallel::Communicator::borrow(MPI_COMM_SELF);
  return comm;
}

std::string trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\r"));
  s.erase(s.find_last_not_of(" \t\r") + 1);
  return s;
}

// The resolved INI text as "section.key" -> value.
std::map<std::string, std::string> ini_values(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line, section;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      section = trim(line.substr(1, line.find(']') - 1));
      continue;
    }
    if (const auto eq = line.find('='); eq != std::string::npos)
      out[section + "." + trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  return out;
}

bool is_result_file(const fs::path& path) {
  try {
    return io::File::open(path.string(), self(), true).exists("runs");
  } catch (const Error&) {
    return false;
  }
}

std::vector<std::string> find_inputs(const std::vector<std::string>& inputs) {
  std::vector<std::string> files;
  for (const auto& input : inputs) {
    if (fs::is_directory(input)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::directory_iterator(input))
        if (entry.is_regular_file() && entry.path().extension() == ".h5" && is_result_file(entry.path()))
          found.push_back(entry.path().string());
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

struct Column {
  std::string name;
  std::vector<std::string> text; ///< string columns
  std::vector<double> values;    ///< numeric columns
  bool numeric = true;
};

bool parse_double(const std::string& s, double& out) {
  if (s.empty()) {
    out = NAN;
    return true;
  }
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
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

// A serial (sec2) file: the MPI-IO driver cannot write variable-length strings, which h5py reads as str.
void write_hdf5(const std::string& path, const std::vector<Column>& columns,
                const std::vector<std::string>& inputs) {
  io::silence_hdf5_errors();
  const io::Where file{path, "/"};
  io::FileHandle f(
      io::check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "H5Fcreate", file));
  io::DatatypeHandle str(io::check(H5Tcopy(H5T_C_S1), "H5Tcopy", file));
  io::check(H5Tset_size(str.get(), H5T_VARIABLE), "H5Tset_size", file);
  io::check(H5Tset_cset(str.get(), H5T_CSET_UTF8), "H5Tset_cset", file);
  std::string joined;
  for (const auto& in : inputs) joined += (joined.empty() ? "" : ";") + in;
  for (const auto& [name, value] :
       {std::pair<std::string, std::string>{"inputs", joined}, {"written_by", "fasim collect"}}) {
    io::DataspaceHandle scalar(io::check(H5Screate(H5S_SCALAR), "H5Screate", file));
    io::AttributeHandle attr(
        io::check(H5Acreate2(f.get(), name.c_str(), str.get(), scalar.get(), H5P_DEFAULT, H5P_DEFAULT),
                  "H5Acreate2", io::Where{path, "/@" + name}));
    const char* text = value.c_str();
    io::check(H5Awrite(attr.get(), str.get(), &text), "H5Awrite", io::Where{path, "/@" + name});
  }
  io::GroupHandle points(io::check(H5Gcreate2(f.get(), "points", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                                   "H5Gcreate2", {path, "/points"}));
  for (const auto& c : columns) {
    const io::Where where{path, "/points/" + c.name};
    const hsize_t rows = c.numeric ? c.values.size() : c.text.size();
    io::DataspaceHandle space(io::check(H5Screate_simple(1, &rows, nullptr), "H5Screate_simple", where));
    const hid_t type = c.numeric ? H5T_IEEE_F64LE : str.get();
    io::DatasetHandle d(io::check(
        H5Dcreate2(points.get(), c.name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
        "H5Dcreate2", where));
    std::vector<const char*> ptrs;
    for (const auto& t : c.text) ptrs.push_back(t.c_str());
    const void* data = c.numeric ? static_cast<const void*>(c.values.data()) : ptrs.data();
    io::check(
        H5Dwrite(d.get(), c.numeric ? H5T_NATIVE_DOUBLE : str.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
        "H5Dwrite", where);
  }
  io::check(H5Fflush(f.get(), H5F_SCOPE_GLOBAL), "H5Fflush", file);
}

std::string csv_field(const Column& c, std::size_t row) {
  if (c.numeric) {
    if (std::isnan(c.values[row])) return "nan";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", c.values[row]);
    return buf;
  }
  const std::string& t = c.text[row];
  if (t.find_first_of(",\"\n") == std::string::npos) return t;
  std::string out = "\"";
  for (char ch : t) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

void write_csv(const std::string& path, const std::vector<Column>& columns, std::size_t rows) {
  std::ofstream out(path);
  if (!out)
    throw UsageError("cannot write CSV file '" + path + "' (--csv); check the directory and permissions");
  for (std::size_t j = 0; j < columns.size(); ++j) out << (j ? "," : "") << columns[j].name;
  out << "\n";
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < columns.size(); ++j) out << (j ? "," : "") << csv_field(columns[j], i);
    out << "\n";
  }
  if (!out.flush()) throw UsageError("writing CSV file '" + path + "' failed (disk full?)");
}

std::vector<Column> make_table(const std::vector<PointSummary>& rows) {
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
    configs.push_back(ini_values(r.config));
  }
  for (const char* k :
       {"problem.n", "problem.m", "model.r", "feedback.seed", "problem.seed", "problem.epsilon"}) {
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
      "file", [&](std::size_t i) { return rows[i].file; }, false);
  for (const auto& k : keys)
    strings(
        k,
        [&](std::size_t i) {
          if (const auto it = settings[i].find(k); it != settings[i].end()) return it->second;
          const auto it = configs[i].find(k);
          return it == configs[i].end() ? std::string() : it->second;
        },
        true);
  numbers("gd_final_loss", [](const PointSummary& r) { return r.gd; });
  numbers("fa_final_loss", [](const PointSummary& r) { return r.fa; });
  numbers("fastar_final_loss", [](const PointSummary& r) { return r.fastar; });
  numbers("optimal_error", [](const PointSummary& r) { return r.optimal_error; });
  numbers("lemma1_error", [](const PointSummary& r) { return r.lemma1_error; });
  numbers("overlap", [](const PointSummary& r) { return r.overlap; });
  strings(
      "stop_reason_gd", [&](std::size_t i) { return rows[i].stop_gd; }, false);
  strings(
      "stop_reason_fa", [&](std::size_t i) { return rows[i].stop_fa; }, false);
  strings(
      "stop_reason_fastar", [&](std::size_t i) { return rows[i].stop_fastar; }, false);
  strings(
      "status", [&](std::size_t i) { return rows[i].status; }, false);
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

PointSummary read_point_summary(const std::string& path) {
  PointSummary s;
  s.file = path;
  s.gd = s.fa = s.fastar = s.optimal_error = s.lemma1_error = s.overlap = NAN;
  const io::File f = io::File::open(path, self(), true);
  auto text = [](const io::Object& o, const char* name) {
    return o.has_attribute(name) ? o.read_attribute<std::string>(name) : std::string();
  };
  s.status = text(f, "status");
  s.sweep_point = text(f, "sweep_point");
  s.config = text(f, "config");
  for (auto [name, loss, stop] : {std::tuple{"gd", &s.gd, &s.stop_gd},
                                  {"fa", &s.fa, &s.stop_fa},
                                  {"fastar", &s.fastar, &s.stop_fastar}}) {
    const std::string g = std::string("runs/") + name;
    if (!f.exists(g)) continue;
    const io::Group group = f.open_group(g);
    *stop = text(group, "stop_reason");
    if (!group.exists("trajectory/loss")) continue;
    const std::vector<double> values = io::Series::open(group, "trajectory/loss").read();
    if (!values.empty()) *loss = values.back();
  }
  if (f.exists("problem")) {
    const io::Group p = f.open_group("problem");
    if (p.has_attribute("optimal_error")) s.optimal_error = p.read_attribute<double>("optimal_error");
    if (p.has_attribute("lemma1_error")) s.lemma1_error = p.read_attribute<double>("lemma1_error");
  }
  if (f.exists("summary") && f.open_group("summary").has_attribute("representation_overlap")) {
    const auto overlap =
        f.open_group("summary").read_attribute<std::vector<double>>("representation_overlap");
    if (!overlap.empty()) s.overlap = overlap.front();
  }
  return s;
}

int collect_verb(const parallel::Communicator& world, const std::vector<std::string>& args) {
  std::string message;
  parallel::agreed(world, [&] {
    if (world.rank() != 0) return;
    const char* usage = "usage: fasim collect DIR_OR_FILE... --output summary.h5 [--csv summary.csv]";
    std::string output, csv;
    std::vector<std::string> inputs;
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      std::string* slot = a.rfind("--output", 0) == 0 ? &output : a.rfind("--csv", 0) == 0 ? &csv : nullptr;
      if (!slot && a.rfind("--", 0) == 0) throw UsageError("unknown option '" + a + "'; " + usage);
      if (!slot) {
        inputs.push_back(a);
        continue;
      }
      const std::string flag = a.rfind("--output", 0) == 0 ? "--output" : "--csv";
      if (a.size() > flag.size() && a[flag.size()] != '=')
        throw UsageError("unknown option '" + a + "'; " + usage);
      *slot = a.size() > flag.size() ? a.substr(flag.size() + 1) : (i + 1 < args.size() ? args[++i] : "");
      if (slot->empty()) throw UsageError(flag + " needs a file name; " + usage);
    }
    if (inputs.empty() || (output.empty() && csv.empty())) throw UsageError(usage);
    std::vector<std::string> files = find_inputs(inputs);
    for (const auto* out : {&output, &csv}) // never read the summary we are about to write
      std::erase_if(files, [&](const std::string& f) {
        return !out->empty() && fs::exists(*out) && fs::equivalent(f, *out);
      });
    std::vector<PointSummary> rows;
    for (const auto& file : files) rows.push_back(read_point_summary(file));
    const auto columns = make_table(rows);
    if (!output.empty()) write_hdf5(output, columns, inputs);
    if (!csv.empty()) write_csv(csv, columns, rows.size());
    message = "fasim collect: " + std::to_string(rows.size()) + " result file(s) -> " + output +
              (!output.empty() && !csv.empty() ? ", " : "") + csv;
  });
  if (world.rank() == 0) std::cout << message << std::endl;
  return 0;
}

} // namespace fasim::app
