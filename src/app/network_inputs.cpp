#include "fasim/format/hdf5.hpp"
#include "fasim/format/matrix_io.hpp"
#include "fasim/format/schema.hpp"
#include "fasim/parallel/error.hpp"
#include "fasim/parallel/process_grid.hpp"
#include "network_simulation.hpp"
#include "run_inputs.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace fasim::app {

namespace schema = io::schema;

bool runs_as_network(const io::RunConfig& c) {
  if (c.problem.source != model::Source::Network) return false;
  if (c.network.depth != 2 || c.network.activation != model::Activation::Identity || c.problem.samples > 0)
    return true;
  if (c.input.file.empty() || !std::filesystem::exists(c.input.file)) return false;
  const io::File f = io::File::open(c.input.file, parallel::Communicator::borrow(MPI_COMM_SELF), true);
  return f.exists(schema::kNetworkInputs);
}

model::NetworkInputs read_network_inputs(const io::RunConfig& c, const parallel::GridPtr& grid, bool quiet) {
  model::NetworkInputs in;
  if (c.input.file.empty()) return in;
  if (!std::filesystem::exists(c.input.file))
    throw UsageError("input file '" + c.input.file + "' (input.file) does not exist");
  const std::vector<int> sizes = model::network_sizes(c.network, c.problem.n, c.problem.m, c.run.r);
  const int L = c.network.depth, b = c.grid.block;
  const io::File f = io::File::open(c.input.file, grid->grid_comm(), true);
  std::vector<std::string> taken;
  const auto what = [&](const std::string& name) {
    return "dataset '/" + name + "' of input file '" + c.input.file + "'";
  };
  // The first of `names` present at the root, read with the expected shape (rows < 0: the file's).
  const auto take = [&](const std::vector<std::string>& names, long long rows, long long cols,
                        std::optional<parallel::DistMatrix>& slot) {
    for (const std::string& name : names) {
      if (!f.exists(name)) continue;
      slot = rows < 0 ? io::read_matrix(f, name, grid, b)
                      : io::read_matrix(f, name, grid, b, io::MatrixShape{rows, cols});
      if (slot->cols() != cols)
        throw UsageError(what(name) + " has " + std::to_string(slot->cols()) +
                         " columns; the network needs " + std::to_string(cols));
      io::check_finite(*slot, what(name));
      taken.push_back(name);
      return;
    }
  };
  take({schema::kNetworkInputs}, -1, c.problem.n, in.x);
  const long long samples = in.x ? in.x->rows() : (c.problem.samples > 0 ? c.problem.samples : c.problem.n);
  take({schema::kNetworkOutputs, schema::kTarget}, samples, c.problem.m, in.o);
  in.w.resize(static_cast<std::size_t>(L));
  in.c.resize(static_cast<std::size_t>(L));
  in.d.resize(static_cast<std::size_t>(L - 1));
  for (int l = 1; l <= L; ++l) {
    std::vector<std::string> w_names = {schema::layer_dataset(schema::kLayerWeights, l)};
    if (L == 2 && l == 1) w_names = {schema::layer_dataset(schema::kLayerWeights, l), schema::kInitialZ};
    if (L == 2 && l == 2) w_names = {schema::layer_dataset(schema::kLayerWeights, l), schema::kInitialW};
    take(w_names, sizes[l - 1], sizes[l], in.w[l - 1]);
    if (l >= 2) {
      if (l == L)
        take({schema::layer_dataset(schema::kLayerFeedback, l), schema::kFeedback}, sizes[l - 1], sizes[l],
             in.c[l - 1]);
      else
        take({schema::layer_dataset(schema::kLayerFeedback, l)}, sizes[l - 1], sizes[l], in.c[l - 1]);
    }
    if (l < L)
      take({schema::layer_dataset(schema::kLayerDirectFeedback, l)}, sizes[l], c.problem.m, in.d[l - 1]);
  }
  if (taken.empty()) {
    throw UsageError("input file '" + c.input.file + "' (input.file) holds nothing a network reads: it has " +
                     datasets_held(f) +
                     "; a network reads X, O (or Y), W1 … WL, C2 … CL (or C), D1 … D{L−1} at the root");
  }
  print_inputs_taken(taken, c.input.file, grid, quiet);
  return in;
}

double estimate_network_bytes_per_rank(const io::RunConfig& c, int p, int q) {
  const std::vector<int> sizes = model::network_sizes(c.network, c.problem.n, c.problem.m, c.run.r);
  const double b = c.grid.block;
  const double samples = c.problem.samples > 0 ? c.problem.samples : c.problem.n;
  const auto local = [b](double size, double procs) {
    return std::min(size, std::ceil(std::ceil(size / b) / procs) * b);
  };
  const auto share = [&](double rows, double cols) { return local(rows, p) * local(cols, q); };
  const int L = c.network.depth;
  // X and O; per algorithm A_l (σ(A_l) in place) and δ_l for each hidden layer l < L and E (Ŷ in place)
  // for the output (NetworkField's buffers, N×w_l each); the weights W_l(0), C_l, D_l; per algorithm its
  // state, increments (Euler 1, RK4 4 and a stage state) and kp's B or the rules' formed B.
  double data = share(samples, sizes.front()) + share(samples, sizes.back());
  double activations = 0, weights = 0, feedback = 0;
  for (int l = 1; l <= L; ++l) {
    activations += (l < L ? 2 : 1) * share(samples, sizes[l]);
    weights += share(sizes[l - 1], sizes[l]);
    if (l >= 2) feedback += share(sizes[l - 1], sizes[l]);
    if (l < L) feedback += share(sizes[l], sizes.back()); // D_l and the dfa metric's products
  }
  const double copies = c.run.integrator == model::IntegratorKind::RK4 ? 6.0 : 2.0;
  const double algs = static_cast<double>(c.run.algorithms.size());
  double state = 0;
  for (const auto& a : c.run.algorithms)
    state += copies * weights * (model::learned_feedback(a.kind) ? 2.0 : 1.0) + weights;
  const double records =
      2.0 + c.run.record_points +
      (c.run.record_every > 0 ? static_cast<double>(c.run.steps / c.run.record_every) : 0.0);
  // The replicated plan: per algorithm choosing it, every W_l whole, one more gathered or formed matrix and
  // the gradient's share and the gather buffers (4 whole-weight copies). The gram plan: its whole matrices
  // and the gather buffers, and no N×w_l activations.
  double replicated = 0, sample_algs = algs;
  for (const auto& a : c.run.algorithms) {
    const model::NetworkPlanCost plan =
        model::network_plan_cost(sizes, static_cast<long long>(samples), c.problem.samples <= 0, p, q, a.kind,
                                 c.network.activation == model::Activation::Identity);
    if (plan.chosen == model::NetworkPlan::Replicated) replicated += 4 * plan.weights;
    if (plan.chosen == model::NetworkPlan::Gram && c.products != linalg::ProductPath::Pdgemm) {
      replicated += plan.gram_whole + 2 * plan.weights;
      sample_algs -= 1;
    }
  }
  return 8.0 * (data + sample_algs * activations + weights + 2 * feedback + state + algs * records * (L + 3) +
                replicated) +
         64.0 * 1024 * 1024;
}

std::string network_dry_run_projection(const io::RunConfig& c, int p, int q) {
  const std::vector<int> sizes = model::network_sizes(c.network, c.problem.n, c.problem.m, c.run.r);
  const double samples = c.problem.samples > 0 ? c.problem.samples : c.problem.n;
  double weights = 0, feedback = 0; // numbers: W1 … WL, and kp's B2 … BL
  for (std::size_t l = 1; l < sizes.size(); ++l) {
    weights += static_cast<double>(sizes[l - 1]) * sizes[l];
    if (l >= 2) feedback += static_cast<double>(sizes[l - 1]) * sizes[l];
  }
  double numbers = 0;
  for (const auto& a : c.run.algorithms)
    numbers += weights + (model::learned_feedback(a.kind) ? feedback : 0.0);
  std::ostringstream out;
  for (const auto& a : c.run.algorithms) {
    const model::NetworkPlanCost plan =
        model::network_plan_cost(sizes, static_cast<long long>(samples), c.problem.samples <= 0, p, q, a.kind,
                                 c.network.activation == model::Activation::Identity);
    out << "# plan " << model::to_string(a.kind) << " on " << p << "x" << q << ": "
        << (c.products == linalg::ProductPath::Pdgemm
                ? std::string("network:pdgemm (system.products = pdgemm)")
                : model::network_plan_text(plan))
        << " (rule: docs/networks.md, \"Step plans\")\n";
  }
  out << "# checkpoint: " << std::fixed << std::setprecision(0) << 8.0 * numbers
      << " bytes of weights (W1 … WL of every algorithm, kp's B2 … BL), plus the trajectory's rows\n";
  return out.str();
}

} // namespace fasim::app
