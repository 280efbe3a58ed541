#include "fasim/format/mask_io.hpp"

#include "fasim/format/matrix_io.hpp"
#include "fasim/format/schema.hpp"
#include "fasim/parallel/error.hpp"

#include <algorithm>
#include <vector>

namespace fasim::io {

using parallel::DistMatrix;

void write_mask(const Group& location, const std::string& name, const linalg::EntryMask& mask,
                const DistMatrix& like) {
  const Where at = location.where(name);
  FASIM_REQUIRE(!like.grid()->active() || mask.lines_up(like),
                "write_mask: the mask does not line up with the matrix it masks (" + location.describe(name) +
                    ")");
  const hsize_t rows = static_cast<hsize_t>(like.rows()), cols = static_cast<hsize_t>(like.cols());
  if (rows == 0 || cols == 0) {
    location.create_dataset(name, H5T_STD_U8LE, {rows, cols});
    return;
  }
  const Dataset ds = location.create_dataset(
      name, H5T_STD_U8LE, {rows, cols}, {}, {std::min<hsize_t>(rows, 512), std::min<hsize_t>(cols, 2048)}, 4);
  const bool mine = like.grid()->active() && like.local_rows() > 0 && like.local_cols() > 0;
  const int lr = mine ? like.local_rows() : 0, lc = mine ? like.local_cols() : 0;
  // The local piece in row-major order (HDF5 visits the selection row by row), one byte per entry.
  std::vector<std::uint8_t> buffer(std::max<std::size_t>(1, static_cast<std::size_t>(lr) * lc));
  for (int j = 0; j < lc; ++j) {
    const std::uint8_t* col = mask.column(j);
    for (int i = 0; i < lr; ++i) buffer[static_cast<std::size_t>(i) * lc + j] = col[i];
  }
  const DataspaceHandle file_space = ds.space();
  select_local_piece(file_space.get(), like, at);
  const hsize_t n = buffer.size();
  const DataspaceHandle mem_space(check(H5Screate_simple(1, &n, nullptr), "H5Screate_simple", at));
  if (!mine) check(H5Sselect_none(mem_space.get()), "H5Sselect_none", at);
  // A compressed dataset takes collective writes only.
  const PropertyListHandle dxpl = collective_transfer();
  check_write(
      [&] {
        return H5Dwrite(ds.id(), H5T_NATIVE_UINT8, mem_space.get(), file_space.get(), dxpl.get(),
                        buffer.data());
      },
      "H5Dwrite", at, ds.comm());
}

void write_observed_entries(const Group& pg, const model::Problem& problem, const model::CompletionSpec& spec,
                            bool with_dataset) {
  if (!problem.mask) return;
  const DistMatrix* y = problem.target->dense();
  FASIM_REQUIRE(y != nullptr, "write_observed_entries: a mask without a dense Y");
  pg.write_attribute(schema::kObserve, schema::to_string(model::Observe::Completion));
  // |Ω| summed over the file's communicator (an inactive rank holds nothing and adds 0).
  long long mine = 0;
  if (y->grid()->active())
    for (int j = 0; j < problem.mask->local_cols(); ++j)
      mine += std::count(problem.mask->column(j), problem.mask->column(j) + problem.mask->local_rows(), 1);
  pg.write_attribute(schema::kObservedCount, pg.comm().allreduce_sum(mine));
  pg.write_attribute(schema::kMaskSource,
                     schema::to_string(problem.mask_from_input ? schema::MaskSource::InputFile
                                                               : schema::MaskSource::Bernoulli));
  if (!problem.mask_from_input) {
    pg.write_attribute(schema::kMaskFraction, spec.fraction);
    // The seed's 64 bits as an unsigned value do not fit a long long: its decimal text.
    pg.write_attribute(schema::kMaskSeed, std::to_string(spec.seed));
  }
  if (with_dataset) write_mask(pg, schema::kObservedDataset, *problem.mask, *y);
}

} // namespace fasim::io
