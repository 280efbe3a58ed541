// The one command-line grammar (fasim/config/command_line.hpp) every verb sorts its words with, and the one
// message for a malformed number, whether it is a key's value or a verb's flag.
#include "fasim/config/command_line.hpp"
#include "fasim/config/words.hpp"
#include "test_config_support.hpp"

#include <utility>

using fasim::io::CommandLine;
using fasim::io::read_command_line;
using fasim::io::VerbFlag;
using fasim::testing::check_refused;

namespace {
using Pairs = std::vector<std::pair<std::string, std::string>>;
const std::vector<VerbFlag> kCollect{{"--output", "a file name"}, {"--csv", "a file name"}, {"--overwrite"}};

std::string refusal(const std::vector<std::string>& args, const std::vector<VerbFlag>& flags,
                    bool overrides) {
  try {
    read_command_line(args, "collect", flags, overrides);
  } catch (const fasim::UsageError& e) {
    return e.what();
  }
  return "";
}
} // namespace

TEST_CASE("command line: words, the verb's flags and overrides") {
  const CommandLine c = read_command_line({"a", "--output", "s.h5", "b", "--csv=s.csv", "--overwrite"},
                                          "collect", kCollect, false);
  CHECK(c.words == std::vector<std::string>{"a", "b"});
  CHECK(c.value("--output") == "s.h5");
  CHECK(c.value("--csv") == "s.csv");
  CHECK(c.has("--overwrite"));
  CHECK_FALSE(c.value("--missing").has_value());
  CHECK(c.overrides.empty());

  const CommandLine r = read_command_line({"run.ini", "--run.steps", "40", "--output.overwrite",
                                           "--model.r=5", "--dry-run", "--output.file=o.h5"},
                                          "run", {{"--dry-run"}}, true);
  CHECK(r.words == std::vector<std::string>{"run.ini"});
  CHECK(r.has("--dry-run"));
  CHECK(r.overrides ==
        Pairs{{"run.steps", "40"}, {"output.overwrite", "true"}, {"model.r", "5"}, {"output.file", "o.h5"}});
  CHECK(r.overrides_key("model.r"));
  CHECK(r.override_words() == std::vector<std::string>{"--run.steps=40", "--output.overwrite=true",
                                                       "--model.r=5", "--output.file=o.h5"});
}

TEST_CASE("command line: a bare boolean takes the next word only when it reads as a boolean") {
  CHECK(read_command_line({"--output.overwrite", "run.ini"}, "run", {}, true).words ==
        std::vector<std::string>{"run.ini"});
  CHECK(read_command_line({"--output.overwrite", "no"}, "run", {}, true).overrides ==
        Pairs{{"output.overwrite", "no"}});
}

TEST_CASE("command line: refusals are one line naming the word") {
  CHECK(refusal({"--jsn"}, kCollect, false).find("unknown option '--jsn' for 'fasim collect'") == 0);
  CHECK(refusal({"--overwrite=yes"}, kCollect, false).find("unknown option '--overwrite=yes'") == 0);
  CHECK(refusal({"--output"}, kCollect, false) == "--output needs a file name; run 'fasim collect --help'");
  CHECK(refusal({"--output=a", "--output=b"}, kCollect, false).find("--output is given twice") == 0);
  CHECK(refusal({"--run.steps=1", "--run.steps=2"}, {}, true).find("duplicate key 'run.steps'") == 0);
  CHECK(refusal({"--run.steps"}, {}, true).find("--run.steps needs a value") == 0);
  CHECK(refusal({"-x"}, {}, true).find("unknown option '-x' on the command line") == 0);
}

TEST_CASE("command line: one message for a malformed number, key or flag") {
  using fasim::io::integer_value;
  CHECK(integer_value("--index", "7", 0) == 7);
  CHECK(integer_value("--index", "1e3", 0) == 1000);
  const auto message = [](auto f) {
    try {
      f();
    } catch (const fasim::UsageError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(message([] { integer_value("--index", "x", 0); }) ==
        "--index = 'x': not an integer; expected an integer >= 0");
  CHECK(message([] { integer_value("--groups", "0", 1); }) ==
        "--groups = '0': out of range; expected an integer >= 1");
  CHECK(message([] { integer_value("grid.block", "9", 1, 8); }) ==
        "grid.block = '9': too large; expected an integer >= 1 and <= 8");
  // A key's value says the same, with where it came from.
  check_refused("", {"--run.steps=x"}, {"run.steps = 'x': not an integer; expected an integer >= "});
}

TEST_CASE("command line: products, save target and bench formulation are enums with their words") {
  const auto c = fasim::io::parse_config_text(
      "", {"--system.products=pdgemm", "--output.save_target=yes", "--bench.formulation=naive"});
  CHECK(c.products == fasim::linalg::ProductPath::Pdgemm);
  CHECK(c.output.save_target == fasim::io::SaveTarget::Yes);
  CHECK(c.bench.formulation == fasim::io::BenchFormulation::Naive);
  CHECK(std::string(fasim::io::schema::to_string(c.products)) == "pdgemm");
  CHECK(c.resolved_ini.find("products = pdgemm") != std::string::npos);
  CHECK(c.resolved_ini.find("save_target = yes") != std::string::npos);
  check_refused("", {"--system.products=pblas"}, {"system.products", "panel|pdgemm"});
}
