// resolved_ini is stored in result files and checkpoints; reading it back must give the same configuration.
#include "test_config_support.hpp"

#include <sstream>

using fasim::io::parse_config;
using fasim::io::parse_config_text;
using fasim::io::RunConfig;
using fasim::testing::check_refused;

namespace {

void check_same(const RunConfig& a, const RunConfig& b) {
  const auto &p = a.problem, &q = b.problem;
  CHECK(p.source == q.source);
  CHECK(p.representation == q.representation);
  CHECK(p.n == q.n);
  CHECK(p.m == q.m);
  CHECK(p.k == q.k);
  CHECK(p.spectrum == q.spectrum);
  CHECK(p.scale == q.scale);
  CHECK(p.head == q.head);
  CHECK(p.head_mass == q.head_mass);
  CHECK(p.epsilon == q.epsilon);
  CHECK(p.exponent == q.exponent);
  CHECK(p.values == q.values);
  CHECK(p.samples == q.samples);
  CHECK(p.seed == q.seed);
  CHECK(a.feedback.source == b.feedback.source);
  CHECK(a.feedback.std == b.feedback.std);
  CHECK(a.feedback.seed == b.feedback.seed);
  CHECK(a.init.z == b.init.z);
  CHECK(a.init.z_std == b.init.z_std);
  CHECK(a.init.w == b.init.w);
  CHECK(a.init.w_std == b.init.w_std);
  CHECK(a.init.seed == b.init.seed);
  const auto &r = a.run, &s = b.run;
  REQUIRE(r.algorithms.size() == s.algorithms.size());
  for (size_t i = 0; i < r.algorithms.size(); ++i) {
    CHECK(r.algorithms[i].kind == s.algorithms[i].kind);
    CHECK(r.algorithms[i].lr == s.algorithms[i].lr);
    CHECK(r.algorithms[i].lr_w == s.algorithms[i].lr_w);
    CHECK(r.algorithms[i].scale_free == s.algorithms[i].scale_free);
  }
  CHECK(r.steps == s.steps);
  CHECK(r.integrator == s.integrator);
  CHECK(r.record_every == s.record_every);
  CHECK(r.record_points == s.record_points);
  CHECK(r.stop_loss == s.stop_loss);
  CHECK(r.stop_stationarity == s.stop_stationarity);
  CHECK(r.divergence_factor == s.divergence_factor);
  CHECK(r.probes == s.probes);
  CHECK(r.probe_seed == s.probe_seed);
  CHECK(r.r == s.r);
  CHECK(a.grid == b.grid);
  CHECK(a.input == b.input);
  CHECK(a.output == b.output);
  CHECK(a.bench == b.bench);
  CHECK(a.blas_threads == b.blas_threads);
  CHECK(a.resolved_ini == b.resolved_ini);
}

} // namespace

TEST_CASE("config: resolved_ini round-trips to an equal configuration") {
  const std::vector<std::vector<std::string>> cases{
      {},
      {"--problem.source=gaussian-product", "--problem.n=100", "--problem.m=100", "--problem.k=99",
       "--model.r=99", "--init.z=orthonormal", "--init.w=optimal", "--run.algorithms=fa,fastar",
       "--fa.lr_w=0.5", "--fastar.scale_free"},
      {"--problem.spectrum=list", "--problem.k=3", "--model.r=2",
       "--problem.values=0.1,0.2,3.0000000000000004", "--gd.lr=0.123456789012345678",
       "--run.divergence_factor=inf", "--problem.seed=18446744073709551615", "--output.file=dir/x y.h5",
       "--run.steps=1e9", "--problem.exponent=-1e-300"},
  };
  for (const auto& args : cases) {
    const RunConfig first = parse_config(args);
    INFO(first.resolved_ini);
    const RunConfig second = parse_config_text(first.resolved_ini, {});
    check_same(first, second);
  }
}

TEST_CASE("config: resolved_ini lists every key once, and overrides apply on resume") {
  const RunConfig cfg = parse_config({"--problem.n=300"});
  std::istringstream lines(cfg.resolved_ini);
  int keys = 0;
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line[0] != '#' && line.find(" =") != std::string::npos) ++keys;
  std::istringstream help(fasim::io::config_help());
  int documented = 0; // help has one indented line per key
  for (std::string line; std::getline(help, line);)
    if (line.rfind("  ", 0) == 0) ++documented;
  CHECK(keys == documented);
  CHECK(keys >= 50);
  const RunConfig resumed = parse_config_text(cfg.resolved_ini, {"--run.steps=5000"});
  CHECK(resumed.problem.n == 300);
  CHECK(resumed.run.steps == 5000);
  CHECK(resumed.config_path.empty());
  check_refused(cfg.resolved_ini, {"extra.ini"}, {"unexpected word 'extra.ini'"});
}
