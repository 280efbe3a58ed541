#include "fasim/model/specs.hpp"

#include "fasim/model/words.hpp"

namespace fasim::model {

const char* to_string(AlgorithmKind kind) {
  return io::schema::to_string(kind);
}

bool constant_feedback(AlgorithmKind kind) {
  return kind == AlgorithmKind::FA || kind == AlgorithmKind::FAStar || kind == AlgorithmKind::DFA;
}

bool learned_feedback(AlgorithmKind kind) {
  return kind == AlgorithmKind::KP;
}

} // namespace fasim::model
