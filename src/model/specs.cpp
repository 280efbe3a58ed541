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
  }
  return "?";
}

} // namespace fasim::model
