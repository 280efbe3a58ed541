#pragma once
// The enum <-> word tables: every enumerated value fasim stores or reads as a word (file status, stop
// reasons, configuration choices) is written and read through one table per enum: to_string() writes the
// documented word, parse() reads it back, and parse_attribute() refuses an unknown word naming the file, the
// attribute and the value. docs/output-format.md and docs/config.md document the words (tests/format/
// test_output_format_docs.py checks them against these tables). The HDF5 names live in
// fasim/format/schema.hpp; these tables sit in the config layer because configuration keys parse the same
// words.
#include "fasim/config/config.hpp"
#include "fasim/linalg/product_context.hpp"
#include "fasim/model/network.hpp"
#include "fasim/model/specs.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fasim::io::schema {

/// The root attribute `status` of a result file.
enum class FileStatus {
  Running,      ///< a process is writing it, or one was killed while writing it
  Checkpointed, ///< stopped by a signal after writing a checkpoint: resume it
  Failed,       ///< the run failed; `error` says why
  Complete      ///< every algorithm ran to its last step or stopped early
};

/// The attribute `stop_reason` of /runs/<algorithm> and of a checkpoint's algorithms.
enum class StopReason {
  Running,          ///< not stopped (the run is going on, was checkpointed, or was killed)
  Steps,            ///< ran all its steps
  StopLoss,         ///< loss <= run.stop_loss
  StopStationarity, ///< stationarity <= run.stop_stationarity
  NonFinite,        ///< the loss or Z became non-finite
  Diverged          ///< the loss exceeded run.divergence_factor·max(‖Y‖², loss(0))
};

/// /problem's attribute `mask_source`: where completion's Ω came from.
enum class MaskSource {
  Bernoulli, ///< drawn entry by entry from (mask_seed, mask_fraction): fasim_post regenerates it exactly
  InputFile  ///< the dataset M of the run's input.file
};

/// One enumerated value and the word that stands for it in files and configurations.
template <class E> struct Named {
  const char* text;
  E value;
};

/// The words of enum E (specialised below for every enum stored as a string), in documented order.
template <class E> struct Names;

template <> struct Names<FileStatus> {
  static constexpr Named<FileStatus> list[] = {{"running", FileStatus::Running},
                                               {"checkpointed", FileStatus::Checkpointed},
                                               {"failed", FileStatus::Failed},
                                               {"complete", FileStatus::Complete}};
};
template <> struct Names<StopReason> {
  static constexpr Named<StopReason> list[] = {
      {"running", StopReason::Running},      {"steps", StopReason::Steps},
      {"stop_loss", StopReason::StopLoss},   {"stop_stationarity", StopReason::StopStationarity},
      {"non-finite", StopReason::NonFinite}, {"diverged", StopReason::Diverged}};
};
template <> struct Names<MaskSource> {
  static constexpr Named<MaskSource> list[] = {{"bernoulli", MaskSource::Bernoulli},
                                               {"input-file", MaskSource::InputFile}};
};
template <> struct Names<model::Observe> {
  static constexpr Named<model::Observe> list[] = {{"full", model::Observe::Full},
                                                   {"completion", model::Observe::Completion},
                                                   {"sensing", model::Observe::Sensing}};
};
template <> struct Names<model::SensingKind> {
  static constexpr Named<model::SensingKind> list[] = {{"rank-one", model::SensingKind::RankOne},
                                                       {"gaussian", model::SensingKind::Gaussian}};
};
/// /problem's attribute `sensing_source`: where sensing's measurement vectors came from.
template <> struct Names<model::SensingSource> {
  static constexpr Named<model::SensingSource> list[] = {{"generated", model::SensingSource::Generated},
                                                         {"input-file", model::SensingSource::InputFile}};
};
template <> struct Names<model::Source> {
  static constexpr Named<model::Source> list[] = {{"synthetic", model::Source::Synthetic},
                                                  {"gaussian-product", model::Source::GaussianProduct},
                                                  {"unit-vector", model::Source::UnitVector},
                                                  {"linear-network", model::Source::LinearNetwork},
                                                  {"network", model::Source::Network}};
};
template <> struct Names<model::Representation> {
  static constexpr Named<model::Representation> list[] = {{"dense", model::Representation::Dense},
                                                          {"factored", model::Representation::Factored},
                                                          {"diagonal", model::Representation::Diagonal}};
};
template <> struct Names<model::Spectrum> {
  static constexpr Named<model::Spectrum> list[] = {{"flat", model::Spectrum::Flat},
                                                    {"two-level", model::Spectrum::TwoLevel},
                                                    {"spiked", model::Spectrum::Spiked},
                                                    {"list", model::Spectrum::List},
                                                    {"power", model::Spectrum::Power}};
};
template <> struct Names<model::FeedbackSource> {
  static constexpr Named<model::FeedbackSource> list[] = {{"gaussian", model::FeedbackSource::Gaussian},
                                                          {"minus-w0", model::FeedbackSource::MinusW0}};
};
template <> struct Names<model::InitZ> {
  static constexpr Named<model::InitZ> list[] = {{"gaussian", model::InitZ::Gaussian},
                                                 {"orthonormal", model::InitZ::Orthonormal}};
};
template <> struct Names<model::InitW> {
  static constexpr Named<model::InitW> list[] = {{"gaussian", model::InitW::Gaussian},
                                                 {"optimal", model::InitW::Optimal}};
};
template <> struct Names<model::Activation> {
  static constexpr Named<model::Activation> list[] = {{"identity", model::Activation::Identity},
                                                      {"relu", model::Activation::ReLU},
                                                      {"tanh", model::Activation::Tanh}};
};
template <> struct Names<model::IntegratorKind> {
  static constexpr Named<model::IntegratorKind> list[] = {{"euler", model::IntegratorKind::Euler},
                                                          {"rk4", model::IntegratorKind::RK4}};
};
template <> struct Names<linalg::ProductPath> {
  static constexpr Named<linalg::ProductPath> list[] = {{"panel", linalg::ProductPath::Panel},
                                                        {"pdgemm", linalg::ProductPath::Pdgemm}};
};
template <> struct Names<SaveTarget> {
  static constexpr Named<SaveTarget> list[] = {
      {"auto", SaveTarget::Auto}, {"yes", SaveTarget::Yes}, {"no", SaveTarget::No}};
};
template <> struct Names<BenchFormulation> {
  static constexpr Named<BenchFormulation> list[] = {{"fast", BenchFormulation::Fast},
                                                     {"naive", BenchFormulation::Naive}};
};

/// The word of `value` in `list` (any table of Named values, e.g. the words `fasim status` prints).
template <class E, std::size_t N> const char* word_of(const Named<E> (&list)[N], E value) {
  for (const auto& n : list)
    if (n.value == value) return n.text;
  return "?"; // only for a value outside the enum
}

/// The documented word of `value`.
template <class E> const char* to_string(E value) {
  return word_of(Names<E>::list, value);
}

/// The value `text` stands for; nullopt for a word that is not in E's table.
template <class E> std::optional<E> parse(std::string_view text) {
  for (const auto& n : Names<E>::list)
    if (text == n.text) return n.value;
  return std::nullopt;
}

/// E's words joined by `separator` ("running, steps, ...").
template <class E> std::string word_list(std::string_view separator = ", ") {
  std::string out;
  for (const auto& n : Names<E>::list) out += (out.empty() ? "" : std::string(separator)) + n.text;
  return out;
}

/// Throws UsageError: attribute `attribute` of file `file` holds `text`, which is none of `words`.
[[noreturn]] void refuse_unknown_word(const std::string& file, const std::string& attribute,
                                      std::string_view text, const std::string& words);

/// parse(), refusing (UsageError naming the file, the attribute and the value) a word that is not in E's
/// table.
template <class E>
E parse_attribute(std::string_view text, const std::string& file, const std::string& attribute) {
  if (const auto value = parse<E>(text)) return *value;
  refuse_unknown_word(file, attribute, text, word_list<E>());
}

} // namespace fasim::io::schema
