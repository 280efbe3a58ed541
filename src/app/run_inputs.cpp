#include "run_inputs.hpp"

#include "fasim/format/hdf5.hpp"
#include "fasim/format/matrix_io.hpp"
#include "fasim/format/schema.hpp"
#include "fasim/parallel/error.hpp"

#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace fasim::app {

namespace fs = std::filesystem;

namespace {
// Where each of fasim's inputs may be in an input file: its own name at the root, or where fasim's result
// files keep it (so a run can be repeated on the Y, C, Z0, W0 of an earlier result).
struct InputName {
  const char* name;
  const char* results_group; ///< the group of a result file that holds it, or nullptr
};
namespace schema = io::schema;
constexpr InputName kInputNames[] = {{schema::kTarget, schema::kProblemGroup},
                                     {schema::kFeedback, schema::kProblemGroup},
                                     {schema::kInitialZ, schema::kInitGroup},
                                     {schema::kInitialW, schema::kInitGroup},
                                     {schema::kNetworkInputs, schema::kProblemGroup},
                                     {schema::kNetworkOutputs, nullptr},
                                     {schema::kObservedMask, nullptr},
                                     {schema::kSensingA, schema::kProblemGroup},
                                     {schema::kSensingB, schema::kProblemGroup},
                                     {schema::kFirstWeights, nullptr},
                                     {schema::kSecondWeights, nullptr},
                                     {schema::kSecondFeedback, nullptr}};

std::string found_path(const io::File& f, const char* name) {
  for (const auto& in : kInputNames)
    if (std::string(in.name) == name) {
      if (f.exists(in.name)) return schema::path("", in.name);
      if (in.results_group) {
        const std::string path = schema::path("", in.results_group, in.name);
        if (f.exists(path)) return path;
      }
    }
  return {};
}

} // namespace

model::ProblemInputs read_inputs(const io::RunConfig& c, const parallel::GridPtr& grid, bool quiet) {
  model::ProblemInputs in;
  if (c.input.file.empty()) return in;
  const int n = c.problem.n, m = c.problem.m, r = c.run.r, b = c.grid.block;
  if (!fs::exists(c.input.file))
    throw UsageError("input file '" + c.input.file + "' (input.file) does not exist");
  const io::File f = io::File::open(c.input.file, grid->grid_comm(), true);
  std::vector<std::string> taken;
  const auto what = [&](const std::string& path) {
    return "dataset '" + path + "' of input file '" + c.input.file + "'";
  };
  auto take = [&](const char* name, int rows, int cols, std::optional<parallel::DistMatrix>& slot) {
    const std::string path = found_path(f, name);
    if (path.empty()) return;
    slot = io::read_matrix(f, path, grid, b, io::MatrixShape{rows, cols});
    io::check_finite(*slot, what(path));
    taken.push_back(std::string(name) + " from " + path);
  };
  take(schema::kTarget, n, m, in.y);
  take(schema::kFeedback, r, m, in.c);
  take(schema::kInitialZ, n, r, in.z0);
  take(schema::kInitialW, r, m, in.w0);
  // Completion's observed entries (then Y is the whole ground truth): 0/1 of any numeric or bool type.
  if (const std::string path = found_path(f, schema::kObservedMask); !path.empty()) {
    in.mask = io::read_indicator_matrix(f, path, grid, b, io::MatrixShape{n, m});
    taken.push_back(std::string(schema::kObservedMask) + " from " + path);
  }
  // Sensing's rank-one measurement vectors (columns a_i, b_i; y_i = a_iᵀ·Y·b_i): M is the file's.
  if (c.completion.observe == model::Observe::Sensing) {
    for (auto [name, rows, slot] :
         {std::tuple{schema::kSensingA, n, &in.sensing_a}, std::tuple{schema::kSensingB, m, &in.sensing_b}})
      if (const std::string path = found_path(f, name); !path.empty()) {
        *slot = io::read_matrix(f, path, grid, b);
        if ((*slot)->rows() != rows)
          throw UsageError(what(path) + " has " + std::to_string((*slot)->rows()) + " rows; expected " +
                           (rows == n ? "problem.n = " : "problem.m = ") + std::to_string(rows) +
                           " (columns are the measurements' vectors)");
        io::check_finite(**slot, what(path));
        taken.push_back(std::string(name) + " from " + path);
      }
  } else {
    for (const char* name : {schema::kSensingA, schema::kSensingB})
      if (f.exists(name))
        throw UsageError(what(schema::path("", name)) +
                         " holds sensing measurement vectors but problem.observe is not 'sensing'; set "
                         "problem.observe = sensing to use them, or remove " +
                         name + " from the file");
  }
  if (c.problem.source == model::Source::Network) {
    // The paper's model given as a network (depth 2, identity, no X): its names for Y, Z0, W0 and C.
    if (!in.y) take(schema::kNetworkOutputs, n, m, in.y);
    if (!in.z0) take(schema::kFirstWeights, n, r, in.z0);
    if (!in.w0) take(schema::kSecondWeights, r, m, in.w0);
    if (!in.c) take(schema::kSecondFeedback, r, m, in.c);
    if (f.exists(schema::kFirstDirectFeedback))
      throw UsageError(
          what(schema::path("", schema::kFirstDirectFeedback)) +
          ": with one hidden layer and the identity dfa is fa, whose feedback is C2 (or C); give it "
          "under that name");
  }
  if (c.problem.source == model::Source::LinearNetwork) {
    // X (N×n) and O (N×m): N is the file's; the shapes must agree with each other and with n, m.
    if (const std::string path = found_path(f, schema::kNetworkInputs); !path.empty()) {
      in.x = io::read_matrix(f, path, grid, b);
      if (in.x->cols() != n)
        throw UsageError(what(path) + " has " + std::to_string(in.x->cols()) +
                         " columns; expected problem.n = " + std::to_string(n));
      io::check_finite(*in.x, what(path));
      taken.push_back(std::string(schema::kNetworkInputs) + " from " + path);
    }
    const int samples = in.x ? in.x->rows() : (c.problem.samples > 0 ? c.problem.samples : n);
    take(schema::kNetworkOutputs, samples, m, in.o);
  }
  if (taken.empty()) {
    std::string at_root, in_results;
    for (const auto& in : kInputNames) {
      at_root += (at_root.empty() ? "" : ", ") + std::string(in.name);
      if (in.results_group)
        in_results += (in_results.empty() ? "" : ", ") + schema::path("", in.results_group, in.name);
    }
    throw UsageError("input file '" + c.input.file + "' (input.file) holds nothing fasim reads: it has " +
                     datasets_held(f) + "; fasim reads " + at_root + " at the root, or " + in_results +
                     " of a fasim result file");
  }
  print_inputs_taken(taken, c.input.file, grid, quiet);
  return in;
}

std::string datasets_held(const io::File& file) {
  std::string found;
  for (const auto& p : file.dataset_paths()) found += (found.empty() ? "" : ", ") + p;
  return found.empty() ? std::string("no datasets") : "the datasets " + found;
}

void print_inputs_taken(const std::vector<std::string>& taken, const std::string& file,
                        const parallel::GridPtr& grid, bool quiet) {
  if (quiet || grid->grid_comm().rank() != 0) return;
  std::string list;
  for (const auto& t : taken) list += (list.empty() ? "" : ", ") + t;
  std::cout << "input: " << list << " of '" << file << "'" << std::endl;
}

} // namespace fasim::app
