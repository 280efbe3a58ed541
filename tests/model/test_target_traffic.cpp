// A factored and a diagonal target's communication (model/step_traffic.hpp) against the PMPI counters: the
// bytes and messages a step sends, per rank and step (mean over ranks), are what the model says on 1×2, 2×1
// and 2×2 grids, for every algorithm, Euler and RK4; a factored one within 1.2× of the algebra's floor.
#include "step_traffic_support.hpp"
#include "test_support.hpp"

#include "fasim/model/step_traffic.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace fasim;
using namespace fasim::model;
using testing::for_each_traffic_case;
using testing::kinds_and_scale_free;
using testing::spec;

TEST_CASE("a factored target's bytes and messages per step equal the model on 1x2, 2x1 and 2x2, within 1.2x "
          "of the floor") {
  // Y = UΣVᵀ of rank k = 12 (products formulation only): ZᵀU summed over the process column, B·V over the
  // process row, Z's rows and W's columns replicated; every algorithm, FA*'s scale-free variant, Euler and
  // RK4, Z's columns in one block or two.
  const bool root = parallel::Communicator::world().rank() == 0;
  for_each_traffic_case(Representation::Factored, [root](const testing::TrafficCase& t) {
    const auto& [plan, sent, model, floor] = t.counted;
    const char* integrator = t.integrator == IntegratorKind::RK4 ? " rk4" : " euler";
    REQUIRE(t.problem.target->left_factor() != nullptr);
    INFO("factored grid " << t.rows << "x" << t.cols << " block " << t.block << " plan " << plan.str()
                          << std::string(t.scale_free ? " scale-free" : "") << integrator);
    if (root && t.block == 4)
      MESSAGE("factored " << t.rows << "x" << t.cols << " " << plan.str()
                          << std::string(t.scale_free ? " sf" : "") << integrator << ": " << sent.bytes
                          << " bytes (model " << model.bytes << ", floor " << floor.bytes << "), "
                          << sent.messages << " messages (model " << model.messages << ")");
    REQUIRE(model.modelled);
    REQUIRE(model.exact);
    CHECK(sent.bytes == doctest::Approx(model.bytes).epsilon(1e-12));
    CHECK(sent.messages == doctest::Approx(model.messages).epsilon(1e-12));
    CHECK(sent.bytes >= floor.bytes * (1 - 1e-12));
    CHECK(sent.bytes <= 1.2 * floor.bytes);
  });
}

TEST_CASE("a diagonal target's bytes and messages per step equal the model on 1x2, 2x1 and 2x2") {
  // Y = diag(σ), k = 12: ZᵀY and Y·Bᵀ are all-to-alls of Z's leading k rows and B's leading k columns, whose
  // bytes depend on the block layout (blocks 4 and 64); Z's rows replicated under a constant feedback only,
  // W's columns gathered. FA* on P > 1 solves with PDPOTRF/PDPOTRS: at least the model.
  const bool root = parallel::Communicator::world().rank() == 0;
  for_each_traffic_case(Representation::Diagonal, [root](const testing::TrafficCase& t) {
    const auto& [plan, sent, model, floor] = t.counted;
    INFO("diagonal grid " << t.rows << "x" << t.cols << " block " << t.block << " plan " << plan.str()
                          << std::string(t.scale_free ? " scale-free" : "")
                          << std::string(t.integrator == IntegratorKind::RK4 ? " rk4" : " euler"));
    if (root && t.integrator == IntegratorKind::Euler)
      MESSAGE("diagonal " << t.rows << "x" << t.cols << " block " << t.block << " "
                          << std::string(to_string(plan.algorithm)) << std::string(t.scale_free ? " sf" : "")
                          << ": " << sent.bytes << " bytes (model " << model.bytes
                          << std::string(model.exact ? "" : ", a lower bound") << ", floor " << floor.bytes
                          << "), " << sent.messages << " messages (model " << model.messages << ")");
    REQUIRE(model.modelled);
    if (model.exact) {
      CHECK(sent.bytes == doctest::Approx(model.bytes).epsilon(1e-12));
      CHECK(sent.messages == doctest::Approx(model.messages).epsilon(1e-12));
    } else {
      CHECK(sent.bytes >= model.bytes); // ScaLAPACK's Cholesky comes on top
    }
    CHECK(sent.bytes >= floor.bytes * (1 - 1e-12));
  });
}
