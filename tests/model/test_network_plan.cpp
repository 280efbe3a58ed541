// The network step plans (model/network_plan.hpp): the cost rule's choices, and the PMPI counters showing
// that the replicated plan sends fewer bytes than the pdgemm plan where the rule chooses it, on every grid
// with more than one rank, for the same numbers (to 1e-12); the gram plan of linear networks with an X.
#include "serial_network.hpp"

#include "fasim/model/network_dynamics.hpp"
#include "fasim/model/network_traffic.hpp"
#include "fasim/parallel/traffic.hpp"

#include <doctest/doctest.h>

using namespace fasim;
using namespace fasim::model;
using fasim::testing::dense;

namespace {
/// N samples of n = 9 inputs, widths 6 and 5, m = 4 outputs, blocks of 8.
Network small_net(const parallel::GridPtr& grid, Activation activation, int samples) {
  NetworkSpec ns;
  ns.depth = 3;
  ns.activation = activation;
  ns.widths = {6, 5};
  ProblemSpec ps;
  ps.n = 9;
  ps.m = 4;
  ps.k = 3;
  ps.seed = 5;
  InitSpec init;
  init.z_std = init.w_std = 0.3;
  FeedbackSpec fb;
  fb.std = 0.3;
  NetworkInputs in;
  in.x = fasim::testing::random_matrix(grid, samples, ps.n, 8, 31);
  in.o = fasim::testing::random_matrix(grid, samples, ps.m, 8, 32);
  return build_network(ns, ps, fb, init, 6, grid, 8, std::move(in));
}
} // namespace

TEST_CASE("network plans: the rule replicates small weights against many samples, never large ones") {
  // N = 10⁶ samples, n = m = 1000, width 500: the weights (10⁶ numbers) are small against N·w.
  const std::vector<int> big{1000, 500, 1000};
  for (auto [p, q] : {std::pair{2, 1}, std::pair{4, 1}, std::pair{16, 1}}) {
    const NetworkPlanCost c = network_plan_cost(big, 1000000, false, p, q, AlgorithmKind::GD);
    INFO(p << "x" << q << ": distributed " << c.distributed << ", replicated " << c.replicated);
    CHECK(c.chosen == NetworkPlan::Replicated);
    CHECK(c.weights == 1e6);
  }
  // More than one process column: a rank's samples would have to be gathered along its process row.
  CHECK(network_plan_cost(big, 1000000, false, 1, 2, AlgorithmKind::GD).chosen == NetworkPlan::Distributed);
  CHECK(network_plan_cost(big, 1000000, false, 2, 2, AlgorithmKind::GD).chosen == NetworkPlan::Distributed);
  // One rank: nothing to send either way, and the pdgemm plan stands.
  CHECK(network_plan_cost(big, 1000000, false, 1, 1, AlgorithmKind::GD).chosen == NetworkPlan::Distributed);
  // Few samples and wide layers: gathering the weights costs more than the products' panels.
  CHECK(network_plan_cost({2000, 2000, 2000}, 64, false, 2, 1, AlgorithmKind::GD).chosen ==
        NetworkPlan::Distributed);
  // Whole weights above the limit are never replicated, however many samples.
  const NetworkPlanCost huge =
      network_plan_cost({5000, 5000, 5000}, 100000000, false, 4, 1, AlgorithmKind::GD);
  CHECK(huge.weights > kReplicatedWeightsLimit);
  CHECK(huge.chosen == NetworkPlan::Distributed);
  CHECK(network_plan_text(huge).find("network:pdgemm") == 0);
  CHECK(network_plan_text(network_plan_cost(big, 1000000, false, 2, 1, AlgorithmKind::GD))
            .find("network:replicated") == 0);
  // kp gathers its learned B_l too: as many bytes as pdgemm moves, and pdgemm stays.
  CHECK(network_plan_cost(big, 1000000, false, 2, 1, AlgorithmKind::KP).chosen == NetworkPlan::Distributed);
}

TEST_CASE("network plans: the replicated plan sends fewer bytes than pdgemm, counted at the MPI interface") {
  const parallel::Communicator world = parallel::Communicator::world();
  if (world.size() < 2) return; // one rank sends nothing under either plan
  for (auto [p, q] : fasim::testing::grid_shapes()) {
    if (p * q < 2) continue;
    auto grid = parallel::ProcessGrid::create(world, p, q);
    const Network net = small_net(grid, Activation::Tanh, 600);
    const NetworkPlanCost cost = network_plan_cost(net, AlgorithmKind::GD);
    INFO("grid " << p << "x" << q << ": estimates pdgemm " << cost.distributed << ", replicated "
                 << cost.replicated);
    CHECK((cost.chosen == NetworkPlan::Replicated) == (q == 1));
    for (AlgorithmKind kind :
         {AlgorithmKind::GD, AlgorithmKind::FA, AlgorithmKind::DFA, AlgorithmKind::KP, AlgorithmKind::USF}) {
      const NetworkPlanCost kcost = network_plan_cost(net, kind);
      double bytes[2] = {0, 0};
      std::vector<std::vector<double>> result[2];
      for (NetworkPlan plan : {NetworkPlan::Distributed, NetworkPlan::Replicated}) {
        AlgorithmSpec alg{kind, 0.01, 0.0, false};
        alg.decay = 0.1;
        NetworkField field(net, alg, plan);
        const NetworkState s = initial_network_state(net, kind);
        NetworkState d = make_network_state(net, kind);
        field.evaluate(s, d); // warm-up: one-time gathers (fixed feedback) are not per-evaluation traffic
        if (grid->active()) grid->grid_comm().barrier();
        const parallel::Traffic before = parallel::traffic();
        const int evaluations = 3;
        for (int i = 0; i < evaluations; ++i) field.evaluate(s, d);
        const parallel::Traffic sent = parallel::traffic() - before;
        const int i = plan == NetworkPlan::Replicated ? 1 : 0;
        if (grid->active()) bytes[i] = grid->grid_comm().allreduce_sum(sent.bytes) / (p * q) / evaluations;
        for (const auto& w : d.w) result[i].push_back(dense(w).v);
      }
      if (!grid->active()) continue;
      REQUIRE(parallel::traffic_counted()); // the interposed MPI functions saw the products' calls
      INFO("grid " << p << "x" << q << ", " << std::string(to_string(kind)) << ": pdgemm " << bytes[0]
                   << " bytes/rank/evaluation, replicated " << bytes[1] << " (estimates " << kcost.distributed
                   << ", " << kcost.replicated << ")");
      CHECK(bytes[0] > 0);
      CHECK(bytes[1] <= kcost.replicated * (1 + 1e-12)); // the estimate is an upper bound
      if (kcost.chosen == NetworkPlan::Replicated)
        CHECK(bytes[1] < bytes[0]);
      else
        CHECK((kind == AlgorithmKind::KP || q > 1));
      for (std::size_t l = 0; l < result[0].size(); ++l)
        CHECK(fasim::testing::rel_diff(result[1][l], result[0][l]) <= 1e-12);
    }
  }
}

TEST_CASE("network plans: the gram plan is chosen for a linear network with an X only when N/P is large "
          "against n, and refused for others") {
  const std::vector<int> sizes{100, 50, 40, 20};
  for (AlgorithmKind kind : {AlgorithmKind::GD, AlgorithmKind::FA, AlgorithmKind::DFA, AlgorithmKind::KP}) {
    INFO(std::string(to_string(kind)));
    for (auto [p, q] : {std::pair{1, 1}, std::pair{2, 1}, std::pair{1, 2}, std::pair{2, 2}}) {
      const NetworkPlanCost many = network_plan_cost(sizes, 100000, false, p, q, kind, true);
      CHECK(many.chosen == NetworkPlan::Gram);
      CHECK(many.gram_flops <= many.sample_flops);
      CHECK(network_plan_text(many).find("network:gram") == 0);
      // N/P below n: the n-sized products cost more than the passes over the samples.
      CHECK(network_plan_cost(sizes, 50 * p * q, false, p, q, kind, true).chosen != NetworkPlan::Gram);
      // σ other than the identity, or no X: not possible.
      CHECK(network_plan_cost(sizes, 100000, false, p, q, kind, false).chosen != NetworkPlan::Gram);
      CHECK(network_plan_cost({100, 50, 100}, 100, true, p, q, kind, true).chosen != NetworkPlan::Gram);
      if (p * q > 1) // fewer bytes than either other plan
        CHECK(many.gram < std::min(many.distributed, many.replicated));
    }
  }
  // Whole XᵀX above the limit: never.
  CHECK(network_plan_cost({5000, 10, 5000}, 100000000, false, 2, 1, AlgorithmKind::GD, true).chosen !=
        NetworkPlan::Gram);
}

TEST_CASE("network plans: the gram plan's bytes equal its model at the MPI interface, and its steps the "
          "pdgemm plan's to 1e-10") {
  const parallel::Communicator world = parallel::Communicator::world();
  for (auto [p, q] : fasim::testing::grid_shapes()) {
    auto grid = parallel::ProcessGrid::create(world, p, q);
    const Network net = small_net(grid, Activation::Identity, 600);
    for (AlgorithmKind kind : {AlgorithmKind::GD, AlgorithmKind::FA, AlgorithmKind::DFA, AlgorithmKind::KP,
                               AlgorithmKind::USF, AlgorithmKind::FRSF, AlgorithmKind::Mixed}) {
      CHECK(network_plan_cost(net, kind).chosen == NetworkPlan::Gram); // N/P = 600/P against n = 9
      std::vector<std::vector<double>> result[2];
      double loss[2] = {0, 0}, bytes = 0, messages = 0;
      for (NetworkPlan plan : {NetworkPlan::Distributed, NetworkPlan::Gram}) {
        AlgorithmSpec alg{kind, 0.01, 0.0, false};
        alg.decay = 0.1;
        alg.alpha = 0.4;
        NetworkField field(net, alg, plan);
        const NetworkState s = initial_network_state(net, kind);
        NetworkState d = make_network_state(net, kind);
        const int i = plan == NetworkPlan::Gram ? 1 : 0;
        loss[i] = field.evaluate(s, d); // warm-up: one-time gathers are not per-evaluation traffic
        if (grid->active()) grid->grid_comm().barrier();
        const parallel::Traffic before = parallel::traffic();
        field.evaluate(s, d);
        const parallel::Traffic sent = parallel::traffic() - before;
        if (grid->active() && i == 1) {
          bytes = grid->grid_comm().allreduce_sum(sent.bytes) / (p * q);
          messages = grid->grid_comm().allreduce_sum(static_cast<double>(sent.messages)) / (p * q);
        }
        for (const auto& w : d.w) result[i].push_back(dense(w).v);
      }
      if (!grid->active()) continue;
      const StepTraffic model = network_step_traffic(net, NetworkPlan::Gram, kind, IntegratorKind::Euler);
      INFO("grid " << p << "x" << q << ", " << std::string(to_string(kind)) << ": gram " << bytes
                   << " bytes/rank/evaluation, model " << model.bytes);
      CHECK(model.exact);
      CHECK(bytes == doctest::Approx(model.bytes).epsilon(1e-12));
      if (p * q > 1) CHECK(messages == model.messages);
      CHECK(std::abs(loss[1] - loss[0]) <= 1e-10 * net.o_norm2);
      for (std::size_t l = 0; l < result[0].size(); ++l)
        CHECK(fasim::testing::rel_diff(result[1][l], result[0][l]) <= 1e-10);
    }
  }
  // A network the Gram plan cannot run is refused in one line.
  auto grid = parallel::ProcessGrid::create(world, 1, 1);
  const Network relu = small_net(grid, Activation::ReLU, 60);
  try {
    NetworkField field(relu, AlgorithmSpec{AlgorithmKind::GD, 0.01, 0.0, false}, NetworkPlan::Gram);
    FAIL("the gram plan ran a ReLU network");
  } catch (const UsageError& e) {
    CHECK(std::string(e.what()).find("activation = identity") != std::string::npos);
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
  }
}
