#include "test_config_support.hpp"

using fasim::io::parse_config;
using fasim::io::parse_config_text;
using fasim::testing::TempIni;
namespace model = fasim::model;

TEST_CASE("config: no arguments gives the paper's defaults") {
  const auto cfg = parse_config({});
  CHECK(cfg.config_path.empty());
  CHECK(cfg.problem.source == model::Source::Synthetic);
  CHECK(cfg.problem.spectrum == model::Spectrum::Flat);
  CHECK(cfg.problem.scale == 1.0);
  CHECK(cfg.feedback.std == 1.0);
  CHECK(cfg.init.z_std == 1e-3);
  CHECK(cfg.init.w_std == 1e-3);
  CHECK(cfg.init.w == model::InitW::Gaussian);
  REQUIRE(cfg.run.algorithms.size() == 3);
  CHECK(cfg.run.algorithms[0].kind == model::AlgorithmKind::GD);
  CHECK(cfg.run.algorithms[0].lr == 1.0);
  CHECK(cfg.run.algorithms[1].kind == model::AlgorithmKind::FA);
  CHECK(cfg.run.algorithms[1].lr == 0.1);
  CHECK(cfg.run.algorithms[1].lr_w == 0.1); // default lr_w = lr
  CHECK(cfg.run.algorithms[2].kind == model::AlgorithmKind::FAStar);
  CHECK(cfg.run.algorithms[2].lr == 0.1);
  CHECK(cfg.output.file == "fasim-results.h5");
  CHECK(cfg.output.checkpoint_file == "fasim-results.h5.ckpt");
  CHECK(cfg.bench.formulation == fasim::io::BenchFormulation::Fast);
  CHECK(cfg.blas_threads == 1);
}

TEST_CASE("config: the command line wins over the file") {
  TempIni ini("# Fig 2a\n[problem]\nn = 500\nm = 500\nk = 50\n\n[model]\nr = 50\n[gd]\nlr = 2\n");
  SUBCASE("--key=value") {
    const auto cfg = parse_config({ini.path(), "--problem.n=600", "--gd.lr=0.5"});
    CHECK(cfg.config_path == ini.path());
    CHECK(cfg.problem.n == 600);
    CHECK(cfg.problem.m == 500);
    CHECK(cfg.run.r == 50);
    CHECK(cfg.run.algorithms[0].lr == 0.5);
  }
  SUBCASE("--key value, options before the file") {
    const auto cfg = parse_config({"--problem.n", "700", ini.path(), "--problem.k", "60"});
    CHECK(cfg.problem.n == 700);
    CHECK(cfg.problem.k == 60);
    CHECK(cfg.run.algorithms[0].lr == 2.0);
  }
  SUBCASE("negative value as the next word") {
    const auto cfg = parse_config({ini.path(), "--problem.spectrum=power", "--problem.exponent", "-0.5"});
    CHECK(cfg.problem.exponent == -0.5);
  }
}

TEST_CASE("config: every key is read") {
  const std::string text = R"(
[problem]
source = linear-network
representation = factored
n = 40
m = 30
k = 12
spectrum = list
scale = 2.5
head = 3
head_mass = 0.75
epsilon = 0.25
exponent = 1.5
values = 1,0.9,0.8,0.7,0.6,0.5,0.4,0.3,0.2,0.1,0.05,0
samples = 80
seed = 11
[input]
file = data/target.h5
[feedback]
source = minus-w0
std = 0.5
seed = 12
[init]
z = orthonormal
z_std = 0.01
w = optimal
w_std = 0.02
seed = 13
[model]
r = 7
[run]
algorithms = fastar, fa
steps = 1e4
integrator = rk4
record_every = 10
record_points = 50
stop_loss = 1e-12
stop_stationarity = 1e-9
divergence_factor = inf
probes = 5
probe_seed = 14
[gd]
lr = 0.7
[fa]
lr = 0.2
lr_w = 0.5
[fastar]
lr = 0.3
scale_free = yes
[grid]
rows = 2
cols = 3
block = 32
[output]
file = out/run.h5
overwrite = true
save_target = no
snapshot_every = 100
checkpoint_every = 1000
checkpoint_seconds = 600
checkpoint_file = out/run.ckpt
checkpoint_keep = 3
flush_every = 16
progress_seconds = 0
[bench]
steps = 50
warmup = 5
formulation = naive
[system]
blas_threads = 4
)";
  const auto cfg = parse_config_text(text, {});
  const auto& p = cfg.problem;
  CHECK(p.source == model::Source::LinearNetwork);
  CHECK(p.representation == model::Representation::Factored);
  CHECK(p.n == 40);
  CHECK(p.m == 30);
  CHECK(p.k == 12);
  CHECK(p.spectrum == model::Spectrum::List);
  CHECK(p.scale == 2.5);
  CHECK(p.head == 3);
  CHECK(p.head_mass == 0.75);
  CHECK(p.epsilon == 0.25);
  CHECK(p.exponent == 1.5);
  REQUIRE(p.values.size() == 12);
  CHECK(p.values[1] == 0.9);
  CHECK(p.values[11] == 0.0);
  CHECK(p.samples == 80);
  CHECK(p.seed == 11);
  CHECK(cfg.input.file == "data/target.h5");
  CHECK(cfg.feedback.source == model::FeedbackSource::MinusW0);
  CHECK(cfg.feedback.std == 0.5);
  CHECK(cfg.feedback.seed == 12);
  CHECK(cfg.init.z == model::InitZ::Orthonormal);
  CHECK(cfg.init.z_std == 0.01);
  CHECK(cfg.init.w == model::InitW::Optimal);
  CHECK(cfg.init.w_std == 0.02);
  CHECK(cfg.init.seed == 13);
  CHECK(cfg.run.r == 7);
  REQUIRE(cfg.run.algorithms.size() == 2); // order kept, gd not listed
  CHECK(cfg.run.algorithms[0].kind == model::AlgorithmKind::FAStar);
  CHECK(cfg.run.algorithms[0].lr == 0.3);
  CHECK(cfg.run.algorithms[0].scale_free);
  CHECK(cfg.run.algorithms[1].kind == model::AlgorithmKind::FA);
  CHECK(cfg.run.algorithms[1].lr == 0.2);
  CHECK(cfg.run.algorithms[1].lr_w == 0.5);
  CHECK_FALSE(cfg.run.algorithms[1].scale_free);
  CHECK(cfg.run.steps == 10000);
  CHECK(cfg.run.integrator == model::IntegratorKind::RK4);
  CHECK(cfg.run.record_every == 10);
  CHECK(cfg.run.record_points == 50);
  CHECK(cfg.run.stop_loss == 1e-12);
  CHECK(cfg.run.stop_stationarity == 1e-9);
  CHECK(cfg.run.divergence_factor == std::numeric_limits<double>::infinity());
  CHECK(cfg.run.probes == 5);
  CHECK(cfg.run.probe_seed == 14);
  CHECK(cfg.resolved_ini.find("[gd]\nlr = 0.7\n") != std::string::npos); // kept though gd is not run
  CHECK(cfg.grid == fasim::io::GridSpec{2, 3, 32});
  CHECK(cfg.output.file == "out/run.h5");
  CHECK(cfg.output.overwrite);
  CHECK(cfg.output.save_target == fasim::io::SaveTarget::No);
  CHECK(cfg.output.snapshot_every == 100);
  CHECK(cfg.output.checkpoint_every == 1000);
  CHECK(cfg.output.checkpoint_seconds == 600);
  CHECK(cfg.output.checkpoint_file == "out/run.ckpt");
  CHECK(cfg.output.checkpoint_keep == 3);
  CHECK(cfg.output.flush_every == 16);
  CHECK(cfg.output.progress_seconds == 0);
  CHECK(cfg.bench.steps == 50);
  CHECK(cfg.bench.warmup == 5);
  CHECK(cfg.bench.formulation == fasim::io::BenchFormulation::Naive);
  CHECK(cfg.blas_threads == 4);
}

TEST_CASE("config: booleans") {
  CHECK(parse_config({"--output.overwrite"}).output.overwrite);
  CHECK(parse_config({"--output.overwrite=yes"}).output.overwrite);
  CHECK_FALSE(parse_config({"--output.overwrite=0"}).output.overwrite);
  CHECK(parse_config({"--fastar.scale_free=TRUE"}).run.algorithms[2].scale_free);
  CHECK_FALSE(parse_config({"--output.overwrite", "no"}).output.overwrite);
  // A bare flag followed by a word that is no boolean: the word is the INI path and the flag means true.
  TempIni ini("[problem]\nn = 70\n");
  const auto cfg = parse_config({"--output.overwrite", ini.path()});
  CHECK(cfg.output.overwrite);
  CHECK(cfg.config_path == ini.path());
  CHECK(cfg.problem.n == 70);
}

TEST_CASE("config: relative paths stay as written") {
  TempIni ini("[output]\nfile = results/a.h5\n[input]\nfile = in.h5\n");
  const auto cfg = parse_config({ini.path()});
  CHECK(cfg.output.file == "results/a.h5");
  CHECK(cfg.output.checkpoint_file == "results/a.h5.ckpt");
  CHECK(cfg.input.file == "in.h5");
}

TEST_CASE("config: --help fills the help text and lists every key with its default") {
  std::string help;
  const auto cfg = parse_config({"--problem.nn=1", "--help"}, &help);
  CHECK(cfg.problem.n == 100);
  CHECK(help == fasim::io::config_help());
  for (const char* needle :
       {"[problem]", "  n = 100", "[fa]", "lr_w = (fa.lr)", "[system]", "blas_threads = 1",
        "algorithms = gd,fa,fastar", "checkpoint_file = (output.file + \".ckpt\")",
        "flat|two-level|spiked|list|power"})
    CHECK_MESSAGE(help.find(needle) != std::string::npos, needle);
}

TEST_CASE("config: Fig 3a protocol (unit vector, c = -w(0), optimal W, r > m) is accepted") {
  const auto cfg = parse_config_text("[problem]\nsource = unit-vector\nn = 100\nm = 1\nk = 1\n"
                                     "[feedback]\nsource = minus-w0\n[init]\nw = optimal\n"
                                     "[model]\nr = 50\n[run]\nalgorithms = fa\n",
                                     {});
  CHECK(cfg.problem.source == model::Source::UnitVector);
  CHECK(cfg.feedback.source == model::FeedbackSource::MinusW0);
  CHECK(cfg.init.w == model::InitW::Optimal);
  CHECK(cfg.run.r == 50);
}

TEST_CASE("config: Fig 2b two-level spectrum (head defaults to r)") {
  const auto cfg =
      parse_config_text("[problem]\nn = 500\nm = 500\nk = 500\nspectrum = two-level\n[model]\nr = 50\n", {});
  CHECK(cfg.problem.head == 0);
  CHECK(cfg.problem.head_mass == 0.5);
}
