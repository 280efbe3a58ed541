#pragma once
// Which steps are recorded: step 0, every `every` steps, `points` log-spaced steps over [1, steps] (dynamics
// span decades), and the last step. The union, sorted.
#include <vector>

namespace fasim::model {

class RecordSchedule {
public:
  RecordSchedule(long long steps, long long every, int points);
  bool records(long long step) const;
  /// The recorded steps in order.
  const std::vector<long long>& steps() const { return steps_; }
  /// Number of recorded steps <= step.
  std::size_t count_through(long long step) const;

private:
  std::vector<long long> steps_;
};

} // namespace fasim::model
