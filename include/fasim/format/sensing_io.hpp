#pragma once
// Matrix sensing's measurements in a result file (docs/output-format.md, /problem): the attributes observe =
// sensing, sensing_kind, measurements (M), sensing_source, sensing_seed (generated ones) and measured_norm2
// (Σ y_i²), and for rank-one measurements the datasets A (n×M) and B (m×M) with a_i, b_i as columns — with
// Y, enough to post-process a result (y_i = a_iᵀ·Y·b_i). Dense Gaussian A_i are not stored: they are
// regenerated from sensing_seed (docs/config.md, "Matrix sensing").
#include "fasim/config/config.hpp"
#include "fasim/format/hdf5.hpp"
#include "fasim/model/problem.hpp"

namespace fasim::io {

/// /problem's record of the measurements of a problem with problem.sensing (nothing otherwise); A and B when
/// `with_datasets`. Collective.
void write_measurements(const Group& problem_group, const model::Problem& problem,
                        const model::SensingSpec& spec, bool with_datasets);

/// Whether a result saves rank-one A and B of `count` measurements: output.save_target = yes, or auto with
/// (n + m)·M <= 4·10⁶.
bool saves_measurements(const RunConfig& config, int count);

} // namespace fasim::io
