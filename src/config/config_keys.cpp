// The key table. Single-key rules (ranges, choices, number syntax) are enforced here as each value is read;
// rules relating several keys are in config_checks.cpp.
#include "config/config_keys.hpp"

#include "fasim/config/command_line.hpp"
#include "fasim/config/config_values.hpp"
#include "fasim/config/words.hpp"
#include "fasim/model/step_plan.hpp"
#include "fasim/parallel/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>

namespace fasim::io::detail {

namespace {

using model::AlgorithmKind;
constexpr double kInf = std::numeric_limits<double>::infinity();

[[noreturn]] void fail(const std::string& key, const std::string& text, const std::string& problem,
                       const std::string& expected) {
  throw UsageError(key + " = '" + text + "': " + problem + "; expected " + expected);
}

/// Allowed interval of a real-valued key.
struct Bound {
  double min = -kInf;
  bool min_open = false;
  double max = kInf;
  bool max_open = false;
  bool allow_infinity = false; ///< +inf is meaningful (e.g. "never" for a threshold)

  std::string describe() const {
    std::string text = allow_infinity ? "a number" : "a finite number";
    if (std::isfinite(min) && std::isfinite(max))
      return text + " in " + (min_open ? "(" : "[") + format_number(min) + ", " + format_number(max) +
             (max_open ? ")" : "]");
    if (std::isfinite(min)) return text + (min_open ? " > " : " >= ") + format_number(min);
    return text;
  }
  bool contains(double x) const {
    if (std::isnan(x) || (std::isinf(x) && !(allow_infinity && x > 0))) return false;
    return (min_open ? x > min : x >= min) && (max_open ? x < max : x <= max);
  }
};

KeyDef named(std::string name, std::string help) {
  KeyDef key;
  key.name = std::move(name);
  key.help = std::move(help);
  return key;
}

template <class Access> KeyDef integer_key(std::string name, Access access, long long min, std::string help) {
  KeyDef key = named(name, std::move(help));
  key.set = [name, access, min](Settings& s, const std::string& text) {
    using T = std::remove_reference_t<decltype(access(s))>;
    access(s) = static_cast<T>(integer_value(name, text, min, std::numeric_limits<T>::max()));
  };
  key.get = [access](const Settings& s) { return std::to_string(access(s)); };
  return key;
}

template <class Access> KeyDef seed_key(std::string name, Access access, std::string help) {
  KeyDef key = named(name, std::move(help));
  key.set = [name, access](Settings& s, const std::string& text) {
    const auto value = parse_unsigned(text);
    if (!value) fail(name, text, "not a seed", "an integer in [0, 2^64)");
    access(s) = *value;
  };
  key.get = [access](const Settings& s) { return std::to_string(access(s)); };
  return key;
}

template <class Access> KeyDef number_key(std::string name, Access access, Bound bound, std::string help) {
  KeyDef key = named(name, std::move(help));
  key.set = [name, access, bound](Settings& s, const std::string& text) {
    const auto value = parse_number(text);
    if (!value) fail(name, text, "not a number", bound.describe());
    if (!bound.contains(*value)) fail(name, text, "out of range", bound.describe());
    access(s) = *value;
  };
  key.get = [access](const Settings& s) { return format_number(access(s)); };
  return key;
}

template <class Access> KeyDef bool_key(std::string name, Access access, std::string help) {
  KeyDef key = named(name, std::move(help));
  key.is_bool = true;
  key.set = [name, access](Settings& s, const std::string& text) {
    const auto value = parse_bool(text);
    if (!value) fail(name, text, "not a boolean", "true/false, yes/no or 1/0");
    access(s) = *value;
  };
  key.get = [access](const Settings& s) { return std::string(access(s) ? "true" : "false"); };
  return key;
}

/// A free-text value (file path). '#' starts a comment in INI and a newline ends the line, so values holding
/// them could not be written back into resolved_ini; refuse them rather than store something that won't
/// resume.
template <class Access> KeyDef text_key(std::string name, Access access, std::string help) {
  KeyDef key = named(name, std::move(help));
  key.set = [name, access](Settings& s, const std::string& text) {
    if (text.find_first_of("#\n\r") != std::string::npos)
      fail(name, text, "contains '#' or a line break", "a path without '#' or line breaks");
    access(s) = text;
  };
  key.get = [access](const Settings& s) { return access(s); };
  return key;
}

template <class E> using Choices = std::vector<std::pair<std::string, E>>;

template <class E> std::string choice_list(const Choices<E>& choices) {
  std::string text;
  for (const auto& [word, value] : choices) append(text, "|", word);
  return text;
}

template <class E, class Access>
KeyDef choice_key(std::string name, Access access, Choices<E> choices, std::string help) {
  KeyDef key = named(name, help + " (" + choice_list(choices) + ")");
  key.set = [name, access, choices](Settings& s, const std::string& text) {
    for (const auto& [word, value] : choices)
      if (word == text) return void(access(s) = value);
    std::vector<std::string> words;
    for (const auto& choice : choices) words.push_back(choice.first);
    const auto guess = closest_match(text, words);
    fail(name, text, guess.empty() ? "not a choice" : "not a choice (did you mean '" + guess + "'?)",
         "one of " + choice_list(choices));
  };
  key.get = [access, choices](const Settings& s) {
    for (const auto& [word, value] : choices)
      if (value == access(s)) return word;
    return std::string("?");
  };
  return key;
}

/// The choices of an enum stored as a word: its table (config/words.hpp, model/words.hpp).
template <class E> Choices<E> schema_choices() {
  Choices<E> choices;
  for (const auto& [word, value] : schema::Names<E>::list) choices.emplace_back(word, value);
  return choices;
}

const Choices<AlgorithmKind> kAlgorithmNames = schema_choices<AlgorithmKind>();

KeyDef values_key() {
  KeyDef key = named("problem.values", "list spectrum: the k singular values, comma-separated, each >= 0");
  key.set = [](Settings& s, const std::string& text) {
    const std::string name = "problem.values", expected = "a comma list of finite non-negative numbers";
    std::vector<double> values;
    int index = 0;
    for (const auto& item : split_list(text)) {
      ++index;
      const auto value = parse_number(item);
      const std::string where = "item " + std::to_string(index) + " '" + item + "'";
      if (!value || !std::isfinite(*value)) fail(name, text, where + " is not a finite number", expected);
      if (*value < 0) fail(name, text, where + " is negative", expected);
      values.push_back(*value);
    }
    s.cfg.problem.values = std::move(values);
  };
  key.get = [](const Settings& s) {
    std::string text;
    for (double v : s.cfg.problem.values) append(text, ",", format_number(v));
    return text;
  };
  return key;
}

KeyDef widths_key() {
  KeyDef key = named("network.widths", "hidden widths w_1 … w_(L-1), comma-separated (empty with depth 2: "
                                       "model.r)");
  key.set = [](Settings& s, const std::string& text) {
    const std::string name = "network.widths", expected = "a comma list of integers >= 1";
    std::vector<int> widths;
    int index = 0;
    for (const auto& item : split_list(text)) {
      ++index;
      const auto value = parse_number(item);
      if (!value || *value < 1 || *value != std::floor(*value) || *value > 1e9)
        fail(name, text, "item " + std::to_string(index) + " '" + item + "' is not an integer >= 1",
             expected);
      widths.push_back(static_cast<int>(*value));
    }
    s.cfg.network.widths = std::move(widths);
  };
  key.get = [](const Settings& s) {
    std::string text;
    for (int w : s.cfg.network.widths) append(text, ",", std::to_string(w));
    return text;
  };
  return key;
}

KeyDef algorithms_key() {
  KeyDef key = named("run.algorithms", "algorithms to run, in this order, comma-separated (gd, fa, fastar, "
                                       "usf, frsf, kp, mixed, dfa)");
  key.set = [](Settings& s, const std::string& text) {
    const std::string name = "run.algorithms",
                      expected =
                          "a comma list of distinct names from gd, fa, fastar, usf, frsf, kp, mixed, dfa";
    const auto items = split_list(text);
    if (items.empty()) fail(name, text, "empty list", expected);
    std::vector<AlgorithmKind> kinds;
    std::vector<std::string> known;
    for (const auto& choice : kAlgorithmNames) known.push_back(choice.first);
    for (const auto& item : items) {
      const auto found = std::find_if(kAlgorithmNames.begin(), kAlgorithmNames.end(),
                                      [&](const auto& choice) { return choice.first == item; });
      if (found == kAlgorithmNames.end()) {
        const auto guess = closest_match(item, known);
        fail(name, text,
             "unknown algorithm '" + item + "'" + (guess.empty() ? "" : " (did you mean '" + guess + "'?)"),
             expected);
      }
      if (std::find(kinds.begin(), kinds.end(), found->second) != kinds.end())
        fail(name, text, "'" + item + "' is listed twice", expected);
      kinds.push_back(found->second);
    }
    s.algorithms = std::move(kinds);
  };
  key.get = [](const Settings& s) {
    std::string text;
    for (auto kind : s.algorithms)
      for (const auto& [word, value] : kAlgorithmNames)
        if (value == kind) append(text, ",", word);
    return text;
  };
  return key;
}

// FIELD(cfg.problem.n) is an accessor usable on both Settings& (to set) and const Settings& (to get).
#define FIELD(path)                                                                                          \
  [](auto& s) -> auto& {                                                                                     \
    return s.path;                                                                                           \
  }

std::vector<KeyDef> make_keys() {
  using namespace model;
  const Bound positive{0, true}, non_negative{0, false}, any{};
  std::vector<KeyDef> k;
  // [problem]: the target Y (n×m, rank k) and its singular values.
  k.push_back(choice_key(
      "problem.source", FIELD(cfg.problem.source), schema_choices<Source>(),
      "Y = U·diag(σ)·Vᵀ (Fig 2); A·Bᵀ/‖A·Bᵀ‖ (Fig 3b-6); unit n-vector, m = k = 1 (Fig 3a); linear net"));
  k.push_back(choice_key("problem.representation", FIELD(cfg.problem.representation),
                         schema_choices<Representation>(), "how Y is stored"));
  k.push_back(integer_key("problem.n", FIELD(cfg.problem.n), 1, "rows of Y"));
  k.push_back(integer_key("problem.m", FIELD(cfg.problem.m), 1, "columns of Y"));
  k.push_back(integer_key("problem.k", FIELD(cfg.problem.k), 1, "rank of Y, 1 <= k <= min(n, m)"));
  k.push_back(choice_key("problem.spectrum", FIELD(cfg.problem.spectrum), schema_choices<Spectrum>(),
                         "singular values of a synthetic Y"));
  k.push_back(number_key("problem.scale", FIELD(cfg.problem.scale), positive,
                         "flat: σ_i = scale/√k; power: σ_i = scale·i^(-exponent)"));
  k.push_back(integer_key("problem.head", FIELD(cfg.problem.head), 0,
                          "two-level: number of head values, < k (0 = model.r; Fig 2b)"));
  k.push_back(number_key("problem.head_mass", FIELD(cfg.problem.head_mass), Bound{0, true, 1, true},
                         "two-level: Σ_{i<=head} σ_i² (the tail holds 1 - head_mass)"));
  k.push_back(number_key("problem.epsilon", FIELD(cfg.problem.epsilon), positive,
                         "spiked: σ_1 = 1, σ_i = epsilon for i >= 2"));
  k.push_back(
      number_key("problem.exponent", FIELD(cfg.problem.exponent), any, "power: σ_i = scale·i^(-exponent)"));
  k.push_back(values_key());
  k.push_back(integer_key("problem.samples", FIELD(cfg.problem.samples), 0,
                          "linear-network, network: number N of input rows (0 = n; network: no X)"));
  k.push_back(seed_key("problem.seed", FIELD(cfg.problem.seed), "random stream of Y"));
  // [network]: problem.source = network (model/network.hpp).
  k.push_back(integer_key("network.depth", FIELD(cfg.network.depth), 2,
                          "number L of weight layers (L - 1 hidden layers); 2 with the identity and no X is "
                          "the paper's model"));
  k.push_back(widths_key());
  k.push_back(choice_key("network.activation", FIELD(cfg.network.activation), schema_choices<Activation>(),
                         "σ of the hidden layers (the output layer is linear)"));
  k.push_back(
      choice_key("problem.observe", FIELD(cfg.completion.observe), schema_choices<Observe>(),
                 "what the loss sees of Y: all entries, a random subset Ω ([completion]), or M linear "
                 "measurements ([sensing])"));
  // [completion]: the observed entries Ω under problem.observe = completion.
  k.push_back(number_key("completion.fraction", FIELD(cfg.completion.fraction), Bound{0, true, 1, false},
                         "probability that an entry of Y is observed (each entry independently)"));
  k.push_back(seed_key("completion.seed", FIELD(cfg.completion.seed), "random stream of the mask Ω"));
  // [sensing]: the measurements y_i = ⟨A_i, Y⟩ under problem.observe = sensing (model/sensing.hpp).
  k.push_back(integer_key("sensing.measurements", FIELD(cfg.sensing.measurements), 0,
                          "number M of measurements (0 = as many as the input file's A and B hold)"));
  k.push_back(choice_key("sensing.kind", FIELD(cfg.sensing.kind), schema_choices<SensingKind>(),
                         "A_i = a_i·b_iᵀ (rank-one, Gaussian a_i, b_i) or dense Gaussian n×m (small n·m·M)"));
  k.push_back(seed_key("sensing.seed", FIELD(cfg.sensing.seed), "random stream of the measurement matrices"));
  // [input]
  k.push_back(
      text_key("input.file", FIELD(cfg.input.file), "read the problem from this file (empty = generate)"));
  // [feedback]: C, r×m.
  k.push_back(choice_key("feedback.source", FIELD(cfg.feedback.source), schema_choices<FeedbackSource>(),
                         "C: i.i.d. normal entries, or C = -W(0) (Fig 3a)"));
  k.push_back(
      number_key("feedback.std", FIELD(cfg.feedback.std), positive, "standard deviation of C's entries"));
  k.push_back(seed_key("feedback.seed", FIELD(cfg.feedback.seed), "random stream of C"));
  // [init]: the common starting point Z(0), W(0).
  k.push_back(choice_key("init.z", FIELD(cfg.init.z), schema_choices<InitZ>(),
                         "Z(0): i.i.d. normal, or orthonormal columns (Fig 3b-6)"));
  k.push_back(
      number_key("init.z_std", FIELD(cfg.init.z_std), positive, "standard deviation of Z(0)'s entries"));
  k.push_back(choice_key("init.w", FIELD(cfg.init.w), schema_choices<InitW>(),
                         "W(0): i.i.d. normal, or (ZᵀZ)⁻¹ZᵀY (Fig 3, 5); FA* always starts optimal"));
  k.push_back(
      number_key("init.w_std", FIELD(cfg.init.w_std), non_negative, "standard deviation of W(0)'s entries"));
  k.push_back(seed_key("init.seed", FIELD(cfg.init.seed), "random stream of Z(0), W(0)"));
  // [model]
  k.push_back(
      integer_key("model.r", FIELD(cfg.run.r), 1,
                  "inner dimension: Z is n×r, W and C are r×m; r <= min(n, m) (unit-vector: r <= n)"));
  // [run]
  k.push_back(algorithms_key());
  k.push_back(integer_key("run.steps", FIELD(cfg.run.steps), 0, "steps per algorithm"));
  k.push_back(choice_key("run.integrator", FIELD(cfg.run.integrator), schema_choices<IntegratorKind>(),
                         "time stepping of the flow"));
  k.push_back(integer_key("run.record_every", FIELD(cfg.run.record_every), 0,
                          "record the trajectory every this many steps (0 = off)"));
  auto record_points = integer_key("run.record_points", FIELD(cfg.run.record_points), 0,
                                   "also record at this many log-spaced steps over [1, steps] (0 = off)");
  record_points.default_note =
      std::to_string(kDefaultRecordPoints) + " when neither record key is set, else 0";
  k.push_back(std::move(record_points));
  k.push_back(number_key("run.stop_loss", FIELD(cfg.run.stop_loss), non_negative,
                         "stop an algorithm once loss <= stop_loss (0 = never)"));
  k.push_back(number_key("run.stop_stationarity", FIELD(cfg.run.stop_stationarity), non_negative,
                         "stop once the update norm <= this (0 = never)"));
  k.push_back(number_key("run.divergence_factor", FIELD(cfg.run.divergence_factor),
                         Bound{0, true, kInf, false, true},
                         "stop as diverged when loss > factor·max(‖Y‖², loss(0)) (inf = never)"));
  k.push_back(
      integer_key("run.probes", FIELD(cfg.run.probes), 0, "random unit vectors x for probe_xAx (Fig 4)"));
  k.push_back(seed_key("run.probe_seed", FIELD(cfg.run.probe_seed), "random stream of the probes"));
  // [gd], [fa], [fastar]: the paper uses lr 1 for GD and 0.1 for FA and FA*.
  k.push_back(number_key("gd.lr", FIELD(gd.lr), positive, "GD step size"));
  k.push_back(
      number_key("fa.lr", FIELD(fa.lr), positive, "FA step size for Z (and W unless fa.lr_w is set)"));
  KeyDef lr_w = number_key("fa.lr_w", FIELD(fa.lr_w), non_negative,
                           "FA step size for W (Fig 5 uses 0.5); 0 = same as fa.lr");
  lr_w.default_note = "fa.lr";
  k.push_back(std::move(lr_w));
  k.push_back(number_key("fastar.lr", FIELD(fastar.lr), positive, "FA* step size for Z"));
  k.push_back(bool_key("fastar.scale_free", FIELD(fastar.scale_free),
                       "FA* with dZ/dt = (Y-Ŷ)Cᵀ‖Z‖/(‖Y‖‖C‖) (Appendix A)"));
  // [usf], [frsf], [kp], [mixed]: the feedback rules (issue 15), rates as for FA.
  const auto rule_rates = [&](const std::string& name, auto access, const std::string& what) {
    k.push_back(number_key(
        name + ".lr", [access](auto& s) -> auto& { return access(s).lr; }, positive,
        what + " step size for Z (and W unless " + name + ".lr_w is set)"));
    KeyDef rate_w = number_key(
        name + ".lr_w", [access](auto& s) -> auto& { return access(s).lr_w; }, non_negative,
        what + " step size for W (and kp's B); 0 = same as " + name + ".lr");
    rate_w.default_note = name + ".lr";
    k.push_back(std::move(rate_w));
  };
  rule_rates("usf", FIELD(usf), "USF (B = sign(W))");
  rule_rates("frsf", FIELD(frsf), "FRSF (B = |C|∘sign(W))");
  rule_rates("kp", FIELD(kp), "KP (learned B)");
  k.push_back(number_key("kp.decay", FIELD(kp.decay), non_negative,
                         "KP weight decay λ of W and B: B − W decays as exp(−λ·t·lr_w/lr)"));
  rule_rates("mixed", FIELD(mixed), "mixed (B = α·W + (1−α)·C)");
  k.push_back(number_key("mixed.alpha", FIELD(mixed.alpha), Bound{0, false, 1, false},
                         "mixed: weight α of W in B (0 = FA, 1 = GD)"));
  rule_rates("dfa", FIELD(dfa), "DFA (networks: δ_l = (E·D_lᵀ)∘σ'(A_l); = FA with one hidden layer)");
  // [grid]
  k.push_back(integer_key("grid.rows", FIELD(cfg.grid.rows), 0,
                          "process grid rows P (0 = choose from the rank count)"));
  k.push_back(integer_key("grid.cols", FIELD(cfg.grid.cols), 0, "process grid columns Q (0 = choose)"));
  k.push_back(integer_key("grid.block", FIELD(cfg.grid.block), 1, "ScaLAPACK block size"));
  // [output]
  k.push_back(text_key("output.file", FIELD(cfg.output.file),
                       "HDF5 result file (relative to the working directory)"));
  k.push_back(bool_key("output.overwrite", FIELD(cfg.output.overwrite), "replace an existing output.file"));
  k.push_back(choice_key("output.save_target", FIELD(cfg.output.save_target), schema_choices<SaveTarget>(),
                         "store Y in the result file (auto: when n·m <= 4e6)"));
  k.push_back(integer_key("output.snapshot_every", FIELD(cfg.output.snapshot_every), 0,
                          "store Z and W every this many steps (0 = off)"));
  k.push_back(integer_key("output.checkpoint_every", FIELD(cfg.output.checkpoint_every), 0,
                          "checkpoint every this many steps (0 = off)"));
  k.push_back(number_key("output.checkpoint_seconds", FIELD(cfg.output.checkpoint_seconds), non_negative,
                         "checkpoint every this many wall seconds (0 = off): every run longer than this is "
                         "resumable after a crash"));
  KeyDef checkpoint_file = text_key("output.checkpoint_file", FIELD(cfg.output.checkpoint_file),
                                    "checkpoint file (empty = output.file + \".ckpt\")");
  checkpoint_file.default_note = "output.file + \".ckpt\"";
  k.push_back(std::move(checkpoint_file));
  k.push_back(integer_key("output.checkpoint_keep", FIELD(cfg.output.checkpoint_keep), 1,
                          "checkpoints kept (older ones are deleted)"));
  k.push_back(integer_key("output.flush_every", FIELD(cfg.output.flush_every), 0,
                          "flush the trajectory every this many records (0 = auto)"));
  k.push_back(number_key("output.progress_seconds", FIELD(cfg.output.progress_seconds), non_negative,
                         "print a progress line every this many seconds (0 = off)"));
  // [bench]
  k.push_back(integer_key("bench.steps", FIELD(cfg.bench.steps), 1, "timed steps of `fasim bench`"));
  k.push_back(integer_key("bench.warmup", FIELD(cfg.bench.warmup), 0, "untimed steps before them"));
  k.push_back(choice_key("bench.formulation", FIELD(cfg.bench.formulation),
                         schema_choices<BenchFormulation>(), "update formulation to time"));
  k.push_back(
      text_key("bench.io_dir", FIELD(cfg.bench.io_dir),
               "also time writing Y, Z, W (HDF5), a checkpoint and raw bytes in this existing directory "
               "(empty = off)"));
  // [system]
  k.push_back(integer_key("system.blas_threads", FIELD(cfg.blas_threads), 1, "BLAS threads per rank"));
  k.push_back(
      choice_key("system.products", FIELD(cfg.products), schema_choices<linalg::ProductPath>(),
                 "how products with Y are computed: panel (local GEMM + one reduction) or pdgemm (the "
                 "PBLAS reference path); results agree to rounding"));
  KeyDef plan =
      named("system.plan",
            "how each algorithm's step is computed: auto (cost model), measure (time the candidates at "
            "start-up, at most 2 s) or fixed plans such as 'fa:residual,path=panel "
            "gd:products,zt_y=yt_z' (space-separated; unlisted algorithms get auto)");
  plan.set = [](Settings& s, const std::string& text) {
    if (const std::string error = model::plan_request_error(text); !error.empty())
      fail("system.plan", text, error, "auto, measure or plans such as fa:products,zt_y=yt_z,path=panel");
    s.cfg.plan = text;
  };
  plan.get = [](const Settings& s) { return s.cfg.plan; };
  k.push_back(std::move(plan));
  return k;
}

#undef FIELD

} // namespace

const std::vector<KeyDef>& config_keys() {
  static const std::vector<KeyDef> keys = make_keys();
  return keys;
}

const KeyDef* find_key(std::string_view name) {
  for (const auto& key : config_keys())
    if (key.name == name) return &key;
  return nullptr;
}

std::vector<std::string> config_key_names() {
  std::vector<std::string> names;
  for (const auto& key : config_keys()) names.push_back(key.name);
  return names;
}

std::vector<std::string> config_sections() {
  std::vector<std::string> sections;
  for (const auto& key : config_keys())
    if (sections.empty() || sections.back() != key.section()) sections.push_back(key.section());
  return sections;
}

} // namespace fasim::io::detail
