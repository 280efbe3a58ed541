// Internal checks (FASIM_REQUIRE, require): the user's message stays what it was; the condition's text and
// the check's file:line travel with the error and are shown to developers who set FASIM_DEBUG (handed down as
// FailureSettings::internal_details).
#include "fasim/parallel/collective.hpp"
#include "fasim/parallel/error.hpp"

#include <doctest/doctest.h>

#include <string>

namespace {
std::exception_ptr failed_check(int& line) {
  try {
    line = __LINE__ + 1;
    FASIM_REQUIRE(1 + 1 == 3, "arithmetic: the sum is off");
  } catch (...) {
    return std::current_exception();
  }
  return nullptr;
}

bool ends_with(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}
} // namespace

TEST_CASE("FASIM_REQUIRE records the condition and the file:line of the check") {
  int line = 0;
  const std::exception_ptr error = failed_check(line);
  REQUIRE(error);
  try {
    std::rethrow_exception(error);
  } catch (const fasim::InternalError& e) {
    CHECK(std::string(e.what()) == "arithmetic: the sum is off");
    CHECK(e.condition() == "1 + 1 == 3");
    CHECK(ends_with(e.location(), "tests/parallel/test_error.cpp:" + std::to_string(line)));
  }
  CHECK(fasim::parallel::exit_code_for(error) == fasim::parallel::kExitFailure);
}

TEST_CASE("require records where it was called, and passes a true condition") {
  CHECK_NOTHROW(fasim::require(true, "never"));
  const int line = __LINE__ + 2;
  try {
    fasim::require(false, "plain check");
    CHECK_MESSAGE(false, "require(false) must throw");
  } catch (const fasim::Error& e) { // an InternalError is an Error: every handler of Error still catches it
    const auto* internal = dynamic_cast<const fasim::InternalError*>(&e);
    REQUIRE(internal);
    CHECK(internal->condition().empty());
    CHECK(ends_with(internal->location(), "test_error.cpp:" + std::to_string(line)));
  }
}

TEST_CASE("users see the message alone; FASIM_DEBUG adds the condition and the location") {
  // app reads FASIM_DEBUG (config/environment.hpp) and hands it down as FailureSettings::internal_details.
  int line = 0;
  const std::exception_ptr error = failed_check(line);
  const fasim::parallel::FailureSettings before = fasim::parallel::failure_settings();
  fasim::parallel::FailureSettings s = before;
  s.internal_details = false;
  fasim::parallel::set_failure_settings(s);
  CHECK(fasim::parallel::message_of(error) == "arithmetic: the sum is off");
  s.internal_details = true;
  fasim::parallel::set_failure_settings(s);
  const std::string debug = fasim::parallel::message_of(error);
  CHECK(debug.rfind("arithmetic: the sum is off [internal check '1 + 1 == 3' failed at ", 0) == 0);
  CHECK(ends_with(debug, "test_error.cpp:" + std::to_string(line) + "]"));
  fasim::parallel::set_failure_settings(before);
}
