#include "serial_network.hpp"

#include "fasim/model/dynamics.hpp"
#include "fasim/model/network_metrics.hpp"
#include "fasim/model/problem.hpp"
#include "fasim/parallel/error.hpp"

#include <doctest/doctest.h>

using namespace fasim;
using namespace fasim::model;
using fasim::testing::Dense;
using fasim::testing::dense;

namespace {
constexpr AlgorithmKind kNetworkAlgorithms[] = {AlgorithmKind::GD,   AlgorithmKind::FA,   AlgorithmKind::DFA,
                                                AlgorithmKind::USF,  AlgorithmKind::FRSF, AlgorithmKind::KP,
                                                AlgorithmKind::Mixed};
constexpr Activation kActivations[] = {Activation::Identity, Activation::ReLU, Activation::Tanh};

/// n = 7, m = 4, N = 13, widths 5, 4, 7 in blocks of 3: no size is a multiple of the block.
Network make_net(const parallel::GridPtr& grid, int depth, Activation activation, bool with_x) {
  NetworkSpec ns;
  ns.depth = depth;
  ns.activation = activation;
  const std::vector<int> all{5, 4, 7};
  ns.widths.assign(all.begin(), all.begin() + depth - 1);
  ProblemSpec ps;
  ps.n = with_x ? 7 : 8;
  ps.m = 4;
  ps.k = 3;
  ps.seed = 11;
  InitSpec init;
  init.z_std = init.w_std = 0.5;
  FeedbackSpec fb;
  fb.std = 0.5;
  NetworkInputs in;
  if (with_x) {
    in.x = fasim::testing::random_matrix(grid, 13, ps.n, 3, 21);
    in.o = fasim::testing::random_matrix(grid, 13, ps.m, 3, 22);
    for (std::size_t i = 0; i < in.x->local_size(); ++i) in.x->data()[i] *= 0.2; // stable at lr = 0.05
  }
  return build_network(ns, ps, fb, init, 5, grid, 3, std::move(in));
}

fasim::testing::SerialNet serial_of(const Network& net) {
  fasim::testing::SerialNet s;
  s.activation = net.activation;
  s.identity_input = net.identity_input;
  if (!net.identity_input) s.x = dense(net.x);
  s.o = dense(net.o);
  for (std::size_t l = 0; l < net.c.size(); ++l) s.c.push_back(l == 0 ? Dense() : dense(net.c[l]));
  for (const auto& d : net.d) s.d.push_back(dense(d));
  return s;
}
} // namespace

TEST_CASE(
    "networks: every algorithm × activation × depth 2, 3, 4 × Euler/RK4 × plan (gram: identity with "
    "an X) follows the serial reference on every grid, and the replicated plan the pdgemm plan to 1e-12") {
  for (auto [p, q] : fasim::testing::grid_shapes()) {
    auto grid = parallel::ProcessGrid::create(parallel::Communicator::world(), p, q);
    for (int depth : {2, 3, 4})
      for (Activation act : kActivations)
        for (bool with_x : {true, false}) {
          const Network net = make_net(grid, depth, act, with_x);
          const fasim::testing::SerialNet ref = serial_of(net);
          for (AlgorithmKind kind : kNetworkAlgorithms)
            for (IntegratorKind integ : {IntegratorKind::Euler, IntegratorKind::RK4}) {
              std::vector<Dense> distributed; // the pdgemm plan's weights, for the replicated plan's check
              for (NetworkPlan plan :
                   {NetworkPlan::Distributed, NetworkPlan::Replicated, NetworkPlan::Gram}) {
                if (plan == NetworkPlan::Gram && !(act == Activation::Identity && with_x)) continue;
                AlgorithmSpec alg{kind, 0.05, 0.08, false};
                alg.decay = 0.3;
                alg.alpha = 0.4;
                NetworkField field(net, alg, plan);
                NetworkIntegrator integrator(net, integ, kind);
                NetworkMetrics metrics(net);
                NetworkState s = initial_network_state(net, kind);
                fasim::testing::SerialNetState rs;
                for (const auto& w : s.w) rs.w.push_back(dense(w));
                if (s.has_feedback())
                  for (std::size_t l = 0; l < s.b.size(); ++l)
                    rs.b.push_back(l == 0 ? Dense() : dense(s.b[l]));
                const fasim::testing::SerialRule rule{alg.decay, alg.alpha};
                for (int k = 0; k < 4; ++k) {
                  integrator.step(field, s, alg.lr);
                  fasim::testing::serial_net_step(kind, integ, alg.lr, alg.lr_w / alg.lr, ref, rs, rule);
                }
                const NetworkMetricRow row = metrics.compute(s, 4, 0.2, field);
                std::vector<Dense> got;
                for (const auto& w : s.w) got.push_back(dense(w));
                if (!grid->active()) continue;
                INFO("grid " << p << "×" << q << ", depth " << depth << ", " << std::string(to_string(act))
                             << ", " << std::string(to_string(kind)) << std::string(with_x ? ", X" : ", no X")
                             << ", " << (integ == IntegratorKind::Euler ? "euler" : "rk4") << ", plan "
                             << to_string(plan) << ", loss " << row.loss);
                for (std::size_t l = 0; l < got.size(); ++l)
                  CHECK(fasim::testing::rel_diff(got[l].v, rs.w[l].v) <= 1e-10);
                if (plan == NetworkPlan::Distributed)
                  distributed = got;
                else if (plan ==
                         NetworkPlan::Replicated) // the Gram plan rounds otherwise: the reference's 1e-10
                  for (std::size_t l = 0; l < got.size(); ++l)
                    CHECK(fasim::testing::rel_diff(got[l].v, distributed[l].v) <= 1e-12);
                const fasim::testing::SerialForward f = fasim::testing::serial_forward(ref, rs);
                CHECK(fasim::testing::rel_diff(row.loss, fasim::testing::norm2(f.e)) <= 1e-10);
                REQUIRE(row.alignment.size() == static_cast<std::size_t>(depth - 1));
                for (int l = 1; l < depth; ++l) {
                  double expect = 0;
                  if (kind == AlgorithmKind::DFA) {
                    Dense chain = rs.w[static_cast<std::size_t>(depth - 1)];
                    for (int j = depth - 2; j >= l; --j)
                      chain = fasim::testing::matmul(rs.w[static_cast<std::size_t>(j)], chain);
                    expect = fasim::testing::serial_cosine(chain, ref.d[static_cast<std::size_t>(l - 1)]);
                  } else {
                    fasim::testing::SerialState st{
                        Dense(), rs.w[static_cast<std::size_t>(l)],
                        kind == AlgorithmKind::KP ? rs.b[static_cast<std::size_t>(l)] : Dense()};
                    expect = fasim::testing::serial_cosine(
                        rs.w[static_cast<std::size_t>(l)],
                        fasim::testing::serial_feedback(kind, rule, ref.c[static_cast<std::size_t>(l)], st));
                  }
                  CHECK(std::abs(row.alignment[static_cast<std::size_t>(l - 1)] - expect) <= 1e-10);
                }
              }
            }
        }
  }
}

TEST_CASE("networks: a depth-2 identity network with no X starts where the paper's model starts, and its "
          "dfa is fa") {
  auto grid = parallel::ProcessGrid::create(parallel::Communicator::world(), 1, 1);
  const Network net = make_net(grid, 2, Activation::Identity, false);
  CHECK(is_paper_model({2, {5}, Activation::Identity}, false));
  CHECK_FALSE(is_paper_model({2, {5}, Activation::ReLU}, false));
  CHECK_FALSE(is_paper_model({3, {5, 4}, Activation::Identity}, false));
  if (!grid->active()) return;
  ProblemSpec ps;
  ps.n = 8;
  ps.m = 4;
  ps.k = 3;
  ps.seed = 11;
  ps.representation = Representation::Dense;
  InitSpec init;
  init.z_std = init.w_std = 0.5;
  FeedbackSpec fb;
  fb.std = 0.5;
  const Problem paper = build_problem(ps, fb, init, 5, grid, 3);
  CHECK(dense(net.w0[0]).v == dense(paper.z0).v);
  CHECK(dense(net.w0[1]).v == dense(paper.w0).v);
  CHECK(dense(net.c[1]).v == dense(paper.c).v);
  CHECK(dense(net.d[0]).v == dense(paper.c).v);
  CHECK(dense(net.o).v == dense(*paper.target->dense()).v);
  // The same dynamics, written twice (dynamics.cpp's products, the network's forward/backward): equal to
  // rounding. The run itself goes through the paper model's code path (bitwise: io's routing).
  for (AlgorithmKind kind : {AlgorithmKind::GD, AlgorithmKind::FA, AlgorithmKind::DFA, AlgorithmKind::USF,
                             AlgorithmKind::FRSF, AlgorithmKind::KP, AlgorithmKind::Mixed})
    for (IntegratorKind integ : {IntegratorKind::Euler, IntegratorKind::RK4}) {
      AlgorithmSpec alg{kind, 0.05, 0.08, false};
      alg.decay = 0.3;
      VectorField field(paper, alg);
      Integrator integrator(paper, integ, kind);
      State s = initial_state(paper, kind);
      NetworkField nfield(net, alg);
      NetworkIntegrator nintegrator(net, integ, kind);
      NetworkState ns = initial_network_state(net, kind);
      for (int k = 0; k < 6; ++k) {
        integrator.step(field, s, alg.lr);
        nintegrator.step(nfield, ns, alg.lr);
      }
      INFO(std::string(to_string(kind)));
      CHECK(fasim::testing::rel_diff(dense(ns.w[0]).v, dense(s.z).v) <= 1e-12);
      CHECK(fasim::testing::rel_diff(dense(ns.w[1]).v, dense(s.w).v) <= 1e-12);
    }
}

TEST_CASE("networks: fastar is refused in one line, and bad widths are usage errors") {
  auto grid = parallel::ProcessGrid::create(parallel::Communicator::world(), 1, 1);
  if (!grid->active()) return;
  const Network net = make_net(grid, 3, Activation::ReLU, true);
  AlgorithmSpec fastar{AlgorithmKind::FAStar, 0.1, 0.0, false};
  CHECK_THROWS_AS(NetworkField(net, fastar), UsageError);
  try {
    NetworkField field(net, fastar);
  } catch (const UsageError& e) {
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
  }
  CHECK_THROWS_AS(network_sizes({3, {5}, Activation::ReLU}, 7, 4, 5), UsageError);
  CHECK_THROWS_AS(network_sizes({1, {}, Activation::ReLU}, 7, 4, 5), UsageError);
  CHECK_THROWS_AS(network_sizes({3, {5, 0}, Activation::ReLU}, 7, 4, 5), UsageError);
  CHECK(network_sizes({2, {}, Activation::ReLU}, 7, 4, 5) == std::vector<int>{7, 5, 4});
}
