// Sweep specs: range and list parsing, stable point numbering, point files and configurations.
#include "fasim/app/sweep.hpp"
#include "fasim/config/ini.hpp"
#include "fasim/parallel/error.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using fasim::UsageError;
using namespace fasim::app;

namespace {
// True when `body` throws a UsageError whose message contains `needle`.
template <class Body> bool refuses(Body&& body, const std::string& needle) {
  try {
    body();
  } catch (const UsageError& e) {
    const std::string what = e.what();
    if (what.find(needle) == std::string::npos)
      FAIL_CHECK("message '" << what << "' lacks '" << needle << "'");
    if (what.find('\n') != std::string::npos) FAIL_CHECK("message '" << what << "' is not one line");
    return true;
  }
  return false;
}

const char* kSweepIni = R"([problem]
n = 30
m = 30
k = 30
spectrum = two-level

[model]
r = 3

[run]
algorithms = gd,fa
steps = 10

[output]
file = out/res.h5

[sweep]
# seeds of Y, then ranks
problem.seed = 0:3
model.r = 2, 5   ; inline comment
)";
} // namespace

TEST_CASE("sweep: ranges are integers, b exclusive, with an optional step") {
  CHECK(parse_sweep_values("problem.seed", "0:4") == std::vector<std::string>{"0", "1", "2", "3"});
  CHECK(parse_sweep_values("problem.seed", " 2:9:3 ") == std::vector<std::string>{"2", "5", "8"});
  CHECK(parse_sweep_values("problem.seed", "-2:1") == std::vector<std::string>{"-2", "-1", "0"});
  CHECK(refuses([] { parse_sweep_values("problem.seed", "3:3"); }, "problem.seed"));
  CHECK(refuses([] { parse_sweep_values("problem.seed", "0:5:0"); }, "step > 0"));
  CHECK(refuses([] { parse_sweep_values("problem.seed", "0:x"); }, "must be integers"));
  CHECK(refuses([] { parse_sweep_values("problem.seed", "0.5:2"); }, "must be integers"));
  CHECK(refuses([] { parse_sweep_values("problem.seed", "1:2:3:4"); }, "must be integers"));
}

TEST_CASE("sweep: lists are comma-separated and trimmed; one value is a list of one") {
  CHECK(parse_sweep_values("model.r", "10, 50 ,100") == std::vector<std::string>{"10", "50", "100"});
  CHECK(parse_sweep_values("fa.lr", "0.1") == std::vector<std::string>{"0.1"});
  CHECK(parse_sweep_values("problem.spectrum", "flat,two-level") ==
        std::vector<std::string>{"flat", "two-level"});
  CHECK(refuses([] { parse_sweep_values("model.r", "1,,2"); }, "empty entry"));
  CHECK(refuses([] { parse_sweep_values("model.r", "1,2,"); }, "model.r"));
  CHECK(refuses([] { parse_sweep_values("model.r", "1,2,"); }, "ends with a comma"));
  CHECK(refuses([] { parse_sweep_values("model.r", ",1"); }, "empty entry"));
  CHECK(refuses([] { parse_sweep_values("model.r", "1, ,2"); }, "empty entry"));
  CHECK(refuses([] { parse_sweep_values("model.r", "  "); }, "no values"));
}

TEST_CASE("sweep: the [sweep] section is split off and the last key varies fastest") {
  const SweepSpec spec = parse_sweep_text(kSweepIni, "test");
  for (const auto& entry : fasim::io::parse_ini(spec.base_ini, "base")) CHECK(entry.section != "sweep");
  CHECK(spec.base_ini.find("problem.seed") == std::string::npos);
  CHECK(spec.base_ini.find("spectrum = two-level") != std::string::npos);
  REQUIRE(spec.axes.size() == 2);
  CHECK(spec.axes[0].key == "problem.seed");
  CHECK(spec.axes[1].values == std::vector<std::string>{"2", "5"});
  REQUIRE(spec.count() == 6);
  CHECK(point_label(spec.point(0)) == "problem.seed=0;model.r=2");
  CHECK(point_label(spec.point(1)) == "problem.seed=0;model.r=5");
  CHECK(point_label(spec.point(2)) == "problem.seed=1;model.r=2");
  CHECK(point_label(spec.point(5)) == "problem.seed=2;model.r=5");
  CHECK(refuses([&] { spec.point(6); }, "0..5"));
  // Stable: parsing the same text again gives the same numbering.
  const SweepSpec again = parse_sweep_text(kSweepIni, "test");
  for (long long i = 0; i < spec.count(); ++i) CHECK(spec.point(i) == again.point(i));
}

TEST_CASE("sweep: no [sweep] section is a single point; malformed sections are refused") {
  CHECK(parse_sweep_text("[model]\nr = 3\n", "t").count() == 1);
  CHECK(refuses([] { parse_sweep_text("[sweep]\nseed = 0:3\n", "t"); }, "needs its section"));
  CHECK(refuses([] { parse_sweep_text("[sweep]\nproblem.seed 0:3\n", "t"); }, "line 2 of t"));
  CHECK(
      refuses([] { parse_sweep_text("[sweep]\nproblem.seed = 0:3\nproblem.seed = 4\n", "t"); }, "duplicate"));
  CHECK(refuses([] { parse_sweep_text("[sweep]\noutput.file = a.h5,b.h5\n", "t"); }, "output.file"));
  CHECK(refuses([] { parse_sweep_text("[sweep]\nproblem.seed = 0:10000\nfeedback.seed = 0:10000\n", "t"); },
                "10^7"));
}

TEST_CASE("sweep: point files are numbered with the width of the count") {
  CHECK(point_output_path("out/res.h5", 3, 6) == "out/res-3.h5");
  CHECK(point_output_path("out/res.h5", 7, 100) == "out/res-007.h5");
  CHECK(point_output_path("res.h5", 42, 1000) == "res-0042.h5");
  CHECK(parse_point_label("a.b=1;c.d=x") == SweepSettings{{"a.b", "1"}, {"c.d", "x"}});
}

TEST_CASE("sweep: a point's configuration has its values, its own files and the command line") {
  const SweepSpec spec = parse_sweep_text(kSweepIni, "test");
  const auto overrides = parse_overrides({"--run.steps=20", "--output.overwrite"});
  const SweepPoint p = make_point(spec, 3, overrides);
  CHECK(p.output == "out/res-3.h5");
  CHECK(p.config.output.file == "out/res-3.h5");
  CHECK(p.config.output.checkpoint_file == "out/res-3.h5.ckpt");
  CHECK(p.config.problem.seed == 1);
  CHECK(p.config.run.r == 5);
  CHECK(p.config.run.steps == 20);
  CHECK(p.config.output.overwrite);
  CHECK(make_point(spec, 0, {{"output.file", "x/y.h5"}}).output == "x/y-0.h5");
  CHECK(refuses([&] { make_point(spec, 0, {{"model.r", "4"}}); }, "is swept"));
  CHECK(refuses([&] { make_point(spec, 0, {{"run.stepz", "4"}}); }, "sweep point 0"));
  const SweepSpec bad =
      parse_sweep_text("[problem]\nn = 30\nm = 30\nk = 30\n[model]\nr = 3\n[sweep]\nmodel.r = 3,40\n", "t");
  CHECK_NOTHROW(make_point(bad, 0, {}));
  CHECK(refuses([&] { make_point(bad, 1, {}); }, "model.r=40"));
}

TEST_CASE("sweep: command-line overrides") {
  CHECK(parse_overrides({"--a.b=1", "--c.d", "2", "--e.f"}) ==
        SweepSettings{{"a.b", "1"}, {"c.d", "2"}, {"e.f", "true"}});
  CHECK(refuses([] { parse_overrides({"x.ini"}); }, "unexpected word"));
  CHECK(refuses([] { parse_overrides({"--a.b=1", "--a.b=2"}); }, "duplicate"));
}
