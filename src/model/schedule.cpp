#include "fasim/model/schedule.hpp"

#include <algorithm>
#include <cmath>

namespace fasim::model {

RecordSchedule::RecordSchedule(long long steps, long long every, int points) {
  steps_.push_back(0);
  if (every > 0)
    for (long long s = every; s <= steps; s += every) steps_.push_back(s);
  if (points > 0 && steps > 0) {
    const double top = std::log(static_cast<double>(steps));
    for (int i = 0; i < points; ++i) {
      const double f = points == 1 ? 1.0 : static_cast<double>(i) / (points - 1);
      steps_.push_back(std::clamp(std::llround(std::exp(f * top)), 1LL, steps));
    }
  }
  steps_.push_back(steps);
  std::sort(steps_.begin(), steps_.end());
  steps_.erase(std::unique(steps_.begin(), steps_.end()), steps_.end());
}

bool RecordSchedule::records(long long step) const {
  return std::binary_search(steps_.begin(), steps_.end(), step);
}

std::size_t RecordSchedule::count_through(long long step) const {
  return static_cast<std::size_t>(std::upper_bound(steps_.begin(), steps_.end(), step) - steps_.begin());
}

} // namespace fasim::model
