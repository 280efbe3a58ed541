// Every refusal is a UsageError whose one-line message names the key (or file) and what is expected.
#include "test_config_support.hpp"

using fasim::io::parse_config;
using fasim::testing::check_refused;
using fasim::testing::TempIni;

TEST_CASE("config: unknown keys and sections are refused with a suggestion") {
  check_refused("[problem]\nnn = 5\n", {}, {"unknown key 'problem.nn' (did you mean 'problem.n'?)"});
  check_refused("", {"--run.stpes=5"},
                {"unknown key 'run.stpes' (did you mean 'run.steps'?)", "command line"});
  check_refused("", {"--run.step=5"}, {"run.step", "run.steps"}); // no prefix guessing
  check_refused("[probem]\nn = 5\n", {}, {"unknown section 'probem'", "did you mean 'problem'?"});
  check_refused("n = 5\n", {}, {"unknown key 'n'", "did you mean 'problem.n'?"});
  check_refused("[problem]\nzzzzzz = 1\n", {}, {"unknown key 'problem.zzzzzz'"});
  check_refused("", {"-x"}, {"unknown option '-x'"});
}

TEST_CASE("config: duplicate keys are refused") {
  check_refused("[problem]\nn = 5\nm = 5\nn = 6\n", {}, {"duplicate key 'problem.n'"});
  check_refused("[problem]\nn = 5\n[run]\nsteps = 1\n[problem]\nn = 6\n", {}, {"duplicate key 'problem.n'"});
  check_refused("", {"--problem.n=5", "--problem.n=6"}, {"duplicate key 'problem.n'"});
}

TEST_CASE("config: file problems name the file") {
  const std::string missing = "/nonexistent/fasim-config.ini";
  try {
    parse_config({missing});
    FAIL("missing file accepted");
  } catch (const fasim::UsageError& e) {
    CHECK(std::string(e.what()).find("config file '" + missing + "' not found") != std::string::npos);
  }
  TempIni a("[problem]\nn = 5\n"), b("[problem]\nm = 5\n");
  CHECK_THROWS_WITH_AS(parse_config({a.path(), b.path()}), doctest::Contains("second config file"),
                       fasim::UsageError);
  TempIni garbage("[problem]\nthis line has no equals sign\n");
  CHECK_THROWS_WITH_AS(parse_config({garbage.path()}), doctest::Contains(garbage.path().c_str()),
                       fasim::UsageError);
  CHECK_THROWS_AS(parse_config({"--problem.n"}), fasim::UsageError); // value missing
}

TEST_CASE("config: numbers are parsed strictly") {
  for (const char* bad : {"1e", "abc", "10x", "", "1.5", "0x10", "5 5", "--5"})
    check_refused("[problem]\nn = " + std::string(bad) + "\n", {}, {"problem.n", "integer"});
  for (const char* bad : {"1e", "abc", "10x", "0.1.2", "nan", "inf", "1,5"})
    check_refused("[gd]\nlr = " + std::string(bad) + "\n", {}, {"gd.lr", "number"});
  check_refused("", {"--problem.seed=-1"}, {"problem.seed"});
  check_refused("", {"--problem.n=99999999999"}, {"problem.n", "too large"});
  check_refused("", {"--output.overwrite=maybe"}, {"output.overwrite", "true/false"});
  check_refused("[problem]\nspectrum = list\nk = 2\nvalues = 1, 1e\n", {}, {"problem.values", "item 2 '1e'"});
  // Accepted spellings: exponent notation for integral counts, a leading '+'.
  CHECK(parse_config({"--run.steps=2e3"}).run.steps == 2000);
  CHECK(parse_config({"--gd.lr=+5e-1"}).run.algorithms[0].lr == 0.5);
  CHECK(parse_config({"--problem.n= 42 "}).problem.n == 42);
}

TEST_CASE("config: shapes") {
  check_refused("[problem]\nn = 0\n", {}, {"problem.n", ">= 1"});
  check_refused("[problem]\nm = -3\n", {}, {"problem.m", ">= 1"});
  check_refused("[problem]\nk = 0\n", {}, {"problem.k", ">= 1"});
  check_refused("[problem]\nn = 20\nm = 30\nk = 25\n[model]\nr = 5\n", {},
                {"problem.k", "min(problem.n, problem.m) = 20"});
  check_refused("[model]\nr = 0\n", {}, {"model.r", ">= 1"});
  check_refused("[problem]\nn = 20\nm = 30\nk = 5\n[model]\nr = 21\n", {},
                {"model.r", "min(problem.n, problem.m)"});
  check_refused("[problem]\nsource = unit-vector\nn = 10\nm = 3\nk = 1\n[model]\nr = 2\n", {},
                {"problem.m", "unit-vector", "problem.m = 1"});
  check_refused("[problem]\nsource = unit-vector\nn = 10\nm = 1\nk = 3\n[model]\nr = 2\n", {},
                {"problem.k", "unit-vector"});
  check_refused("[problem]\nsource = unit-vector\nn = 10\nm = 1\nk = 1\n[model]\nr = 11\n", {},
                {"model.r", "problem.n = 10"});
}

TEST_CASE("config: spectra") {
  const std::string shape = "[problem]\nn = 50\nm = 50\nk = 10\n[model]\nr = 10\n";
  check_refused(shape, {"--problem.spectrum=two-level"}, {"problem.head", "problem.k = 10", "two-level"});
  check_refused(shape, {"--problem.spectrum=two-level", "--problem.head=12"},
                {"problem.head = 12", "problem.k"});
  check_refused(shape, {"--problem.spectrum=two-level", "--problem.head=10"}, {"problem.head", "two-level"});
  CHECK_NOTHROW(fasim::io::parse_config_text(shape, {"--problem.spectrum=two-level", "--problem.head=4"}));
  check_refused(shape, {"--problem.head_mass=1"}, {"problem.head_mass", "(0, 1)"});
  check_refused(shape, {"--problem.spectrum=spiked", "--problem.k=1", "--model.r=1"},
                {"problem.k", "spiked"});
  check_refused(shape, {"--problem.spectrum=list", "--problem.values=1,2,3"},
                {"problem.values", "3 values", "problem.k = 10"});
  check_refused(shape, {"--problem.spectrum=list", "--problem.k=2", "--problem.values=1,-2"},
                {"problem.values", "negative"});
  check_refused(shape, {"--problem.values=1,2"}, {"problem.values", "problem.spectrum"});
  check_refused(shape, {"--problem.spectrum=flta"},
                {"problem.spectrum", "did you mean 'flat'?", "two-level"});
  check_refused(shape, {"--problem.scale=0"}, {"problem.scale"});
}

TEST_CASE("config: rates, steps, grid and output choices") {
  for (const char* key : {"gd.lr", "fa.lr", "fastar.lr"}) {
    check_refused("", {std::string("--") + key + "=0"}, {key, "> 0"});
    check_refused("", {std::string("--") + key + "=-0.1"}, {key});
    check_refused("", {std::string("--") + key + "=inf"}, {key, "finite"});
  }
  check_refused("", {"--fa.lr_w=-1"}, {"fa.lr_w"});
  check_refused("", {"--run.steps=-1"}, {"run.steps", ">= 0"});
  check_refused("", {"--run.record_every=-1"}, {"run.record_every"});
  check_refused("", {"--grid.rows=-1"}, {"grid.rows"});
  check_refused("", {"--grid.cols=-2"}, {"grid.cols"});
  check_refused("", {"--grid.block=0"}, {"grid.block", ">= 1"});
  check_refused("", {"--bench.formulation=slow"}, {"bench.formulation", "fast|naive"});
  check_refused("", {"--output.save_target=maybe"}, {"output.save_target", "auto|yes|no"});
  check_refused("", {"--output.file=a#b.h5"}, {"output.file", "'#'"});
}

TEST_CASE("config: algorithm lists") {
  check_refused("", {"--run.algorithms=gd,sgd"},
                {"run.algorithms", "unknown algorithm 'sgd'", "did you mean 'gd'?"});
  check_refused("[run]\nalgorithms =\n", {}, {"run.algorithms", "empty list"});
  check_refused("", {"--run.algorithms="}, {"run.algorithms"});
  check_refused("", {"--run.algorithms=fa,gd,fa"}, {"run.algorithms", "'fa' is listed twice"});
  check_refused("", {"--run.algorithms=fa,,gd"}, {"run.algorithms"});
  const auto cfg = parse_config({"--run.algorithms=fa, gd"});
  REQUIRE(cfg.run.algorithms.size() == 2);
  CHECK(cfg.run.algorithms[0].kind == fasim::model::AlgorithmKind::FA);
  CHECK(cfg.run.algorithms[1].kind == fasim::model::AlgorithmKind::GD);
}

TEST_CASE("config: the feedback rules' keys (issue 15)") {
  for (const char* rule : {"usf", "frsf", "kp", "mixed"}) {
    const std::string lr = std::string(rule) + ".lr", lr_w = std::string(rule) + ".lr_w";
    check_refused("", {"--" + lr + "=0"}, {lr, "> 0"});
    check_refused("", {"--" + lr_w + "=-1"}, {lr_w, ">= 0"});
  }
  check_refused("", {"--kp.decay=-0.1"}, {"kp.decay", "out of range", ">= 0"});
  check_refused("", {"--kp.decay=inf"}, {"kp.decay", "finite"});
  check_refused("", {"--mixed.alpha=1.5"}, {"mixed.alpha", "out of range", "[0, 1]"});
  check_refused("", {"--mixed.alpha=-0.01"}, {"mixed.alpha", "[0, 1]"});
  check_refused("", {"--mixed.alpha=nan"}, {"mixed.alpha"});
  check_refused("", {"--run.algorithms=gd,kpp"}, {"unknown algorithm 'kpp'", "did you mean 'kp'?"});

  const auto cfg = parse_config({"--run.algorithms=usf,frsf,kp,mixed,fa", "--kp.decay=0.25", "--kp.lr=0.05",
                                 "--mixed.alpha=0", "--usf.lr_w=0.3"});
  using K = fasim::model::AlgorithmKind;
  REQUIRE(cfg.run.algorithms.size() == 5);
  const auto& a = cfg.run.algorithms;
  CHECK(a[0].kind == K::USF);
  CHECK(a[0].lr == 0.1);
  CHECK(a[0].lr_w == 0.3);
  CHECK(a[1].kind == K::FRSF);
  CHECK(a[1].lr_w == 0.1); // lr_w defaults to the rule's lr
  CHECK(a[2].kind == K::KP);
  CHECK(a[2].lr == 0.05);
  CHECK(a[2].lr_w == 0.05);
  CHECK(a[2].decay == 0.25);
  CHECK(a[3].kind == K::Mixed);
  CHECK(a[3].alpha == 0.0);
  CHECK(parse_config({"--mixed.alpha=1"}).resolved_ini.find("[mixed]\nlr = 0.1\nlr_w = 0.1\nalpha = 1\n") !=
        std::string::npos);
  // The resolved text reads back to the same rules.
  const auto again = fasim::io::parse_config_text(cfg.resolved_ini, {});
  REQUIRE(again.run.algorithms.size() == 5);
  CHECK(again.run.algorithms[2].decay == 0.25);
  CHECK(again.run.algorithms[3].alpha == 0.0);
}

TEST_CASE("config: a value error says where the value came from") {
  TempIni ini("[problem]\nn = abc\n");
  CHECK_THROWS_WITH_AS(parse_config({ini.path()}),
                       doctest::Contains(("config file '" + ini.path() + "'").c_str()), fasim::UsageError);
  CHECK_THROWS_WITH_AS(parse_config({"--problem.n=abc"}), doctest::Contains("command line"),
                       fasim::UsageError);
}
