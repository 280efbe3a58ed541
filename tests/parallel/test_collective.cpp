#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/error.hpp"

#include <doctest/doctest.h>

using namespace fasim::parallel;

TEST_CASE("agreement: nobody failed means nobody throws") {
  CHECK_NOTHROW(agreed(Communicator::world(), [] {}));
}

TEST_CASE("agreement: one rank's failure reaches every rank with its message and exit code") {
  const auto world = Communicator::world();
  const int failing = world.size() - 1;
  try {
    agreed(world, [&] {
      if (world.rank() == failing) throw fasim::UsageError("bad key 'x'");
    });
    CHECK_MESSAGE(false, "agreed must throw on every rank");
  } catch (const fasim::CollectiveError& e) {
    CHECK(e.failed_rank() == failing);
    CHECK(e.exit_code() == kExitUsage);
    CHECK(std::string(e.what()).find("bad key 'x'") != std::string::npos);
    if (world.size() > 1) CHECK(std::string(e.what()).find("rank " + std::to_string(failing)) == 0);
  }
}

TEST_CASE("agreement: the lowest failing rank's message wins") {
  const auto world = Communicator::world();
  try {
    agreed(world, [&] { throw fasim::Error("failure on " + std::to_string(world.rank())); });
  } catch (const fasim::CollectiveError& e) {
    CHECK(e.failed_rank() == 0);
    CHECK(std::string(e.what()).find("failure on 0") != std::string::npos);
    CHECK(e.exit_code() == kExitFailure);
  }
}
