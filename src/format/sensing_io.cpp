#include "fasim/format/sensing_io.hpp"

#include "fasim/format/matrix_io.hpp"
#include "fasim/format/schema.hpp"
#include "fasim/model/sensing.hpp"

namespace fasim::io {

void write_measurements(const Group& pg, const model::Problem& problem, const model::SensingSpec& spec,
                        bool with_datasets) {
  if (!problem.sensing) return;
  const model::Measurements& s = *problem.sensing;
  pg.write_attribute(schema::kObserve, schema::to_string(model::Observe::Sensing));
  pg.write_attribute(schema::kSensingKind, schema::to_string(s.kind()));
  pg.write_attribute(schema::kMeasurementCount, static_cast<long long>(s.count()));
  pg.write_attribute(schema::kSensingSource,
                     schema::to_string(problem.sensing_from_input ? model::SensingSource::InputFile
                                                                  : model::SensingSource::Generated));
  // The seed's 64 bits as an unsigned value do not fit a long long: its decimal text.
  if (!problem.sensing_from_input) pg.write_attribute(schema::kSensingSeed, std::to_string(spec.seed));
  // Every active rank holds the same sum; rank 0 of the grid writes it (an inactive rank's 0 is not taken).
  pg.write_attribute(schema::kMeasuredNorm2, pg.comm().allreduce_max(s.measured_norm2()));
  if (with_datasets && s.a()) {
    write_matrix(pg, schema::kSensingA, *s.a());
    write_matrix(pg, schema::kSensingB, *s.b());
  }
}

bool saves_measurements(const RunConfig& config, int count) {
  if (config.output.save_target == SaveTarget::Yes) return true;
  if (config.output.save_target == SaveTarget::No) return false;
  return static_cast<double>(config.problem.n + config.problem.m) * count <= 4e6;
}

} // namespace fasim::io
