// Every configuration key whose value is an enum word takes its choices from the one word table of that enum
// (fasim/config/words.hpp), the table result files, JSON and `fasim status` print: a key with a private list
// would drift from it.
#include "fasim/config/words.hpp"
#include "test_config_support.hpp"

using fasim::testing::check_refused;
namespace schema = fasim::io::schema;

namespace {
/// "expected one of a|b|c": the words of E's table in its order, as a refusal of the key lists them.
template <class E> std::string expected_words() {
  std::string joined;
  for (const auto& [word, value] : schema::Names<E>::list) {
    if (!joined.empty()) joined += '|';
    joined += word;
  }
  return "expected one of " + joined + " ";
}

template <class E> void check_key(const std::string& key) {
  INFO("key: " << key);
  check_refused("", {"--" + key + "=not-a-word"},
                {key + " = 'not-a-word': not a choice", expected_words<E>()});
}
} // namespace

TEST_CASE("config: every enum key accepts exactly the words of its enum's table") {
  namespace model = fasim::model;
  check_key<model::Source>("problem.source");
  check_key<model::Representation>("problem.representation");
  check_key<model::Spectrum>("problem.spectrum");
  check_key<model::Activation>("network.activation");
  check_key<model::Observe>("problem.observe");
  check_key<model::FeedbackSource>("feedback.source");
  check_key<model::InitZ>("init.z");
  check_key<model::InitW>("init.w");
  check_key<model::IntegratorKind>("run.integrator");
  check_key<fasim::io::SaveTarget>("output.save_target");
  check_key<fasim::io::BenchFormulation>("bench.formulation");
  check_key<fasim::linalg::ProductPath>("system.products");
}
