#include "fasim/model/specs.hpp"

namespace fasim::model {

const char* to_string(AlgorithmKind kind) {
  switch (kind) {
  case AlgorithmKind::GD:
    return "gd";
  case AlgorithmKind::FA:
    return "fa";
  case AlgorithmKind::FAStar:
    return "fastar";
  case AlgorithmKind::USF:
    return "usf";
  case AlgorithmKind::FRSF:
    return "frsf";
  case AlgorithmKind::KP:
    return "kp";
  case AlgorithmKind::Mixed:
    return "mixed";
  case AlgorithmKind::DFA:
    return "dfa";
  }
  return "?";
}

bool constant_feedback(AlgorithmKind kind) {
  return kind == AlgorithmKind::FA || kind == AlgorithmKind::FAStar || kind == AlgorithmKind::DFA;
}

bool learned_feedback(AlgorithmKind kind) {
  return kind == AlgorithmKind::KP;
}

} // namespace fasim::model
