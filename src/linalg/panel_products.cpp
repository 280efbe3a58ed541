#include "fasim/linalg/panel_products.hpp"

#include "fasim/parallel/communicator.hpp"
#include "fasim/parallel/error.hpp"
#include "local_gemm.hpp"

#include <algorithm>

namespace fasim::linalg {

using detail::local_gemm;
using parallel::DistMatrix;

template <Coord C> void gather_into(const DistMatrix& a, std::vector<double>& out, GatherBuffers& buf) {
  constexpr Coord O = kOther<C>;
  const auto& g = *a.grid();
  const int mine = local_extent<C>(a), full = layout<O>(a).n;
  // Every element is overwritten below (all of my rows × all columns): no zero-fill on the per-step path.
  out.resize(static_cast<std::size_t>(std::max(1, mine)) * full);
  if (!g.active() || mine == 0) std::fill(out.begin(), out.end(), 0.0); // nothing of mine to overwrite
  if (!g.active()) return;
  const parallel::BlockCyclic1D& spread = layout<O>(a);
  const int procs = proc_count<O>(g);
  buf.counts.resize(static_cast<std::size_t>(procs));
  buf.displs.resize(static_cast<std::size_t>(procs));
  // Every member's count follows from the layout: no message needed to learn it.
  for (int p = 0; p < procs; ++p) {
    buf.counts[p] = spread.local_count(p) * mine;
    buf.displs[p] = p == 0 ? 0 : buf.displs[p - 1] + buf.counts[p - 1];
  }
  buf.packed.resize(static_cast<std::size_t>(a.local_rows()) * a.local_cols());
  for (int j = 0; j < a.local_cols(); ++j)
    std::copy_n(a.data() + static_cast<std::size_t>(j) * a.lld(), a.local_rows(),
                buf.packed.data() + static_cast<std::size_t>(j) * a.local_rows());
  buf.gathered.resize(static_cast<std::size_t>(buf.displs.back() + buf.counts.back()));
  sharing<C>(g).allgatherv(buf.packed.data(), static_cast<int>(buf.packed.size()), buf.gathered.data(),
                           buf.counts.data(), buf.displs.data());
  // Process p's piece holds `count` of the full dimension's indices for each of my `mine` ones; they go to
  // their global positions (C = Row: whole columns of out, C = Col: one element per column).
  for (int p = 0; p < procs; ++p) {
    const int count = spread.local_count(p);
    const double* piece = buf.gathered.data() + buf.displs[p];
    for (int t = 0; t < count; ++t) {
      const auto at = static_cast<std::size_t>(spread.to_global({t}, p).value);
      if constexpr (C == Coord::Row)
        std::copy_n(piece + static_cast<std::size_t>(t) * mine, mine, out.data() + at * mine);
      else
        for (int l = 0; l < mine; ++l)
          out[static_cast<std::size_t>(l) * full + at] = piece[static_cast<std::size_t>(l) * count + t];
    }
  }
}

template <Coord C>
PanelView panel(const DistMatrix& a, std::vector<double>& storage, GatherBuffers& buffers) {
  if (proc_count<kOther<C>>(*a.grid()) == 1) return {a.data(), a.lld()};
  gather_into<C>(a, storage, buffers);
  return {storage.data(), std::max(1, C == Coord::Row ? a.local_rows() : a.rows())};
}

template <Coord C>
void pass_over_y(const DistMatrix& y, PanelView thin, int r, DistMatrix& out, Orientation orientation,
                 PassBuffers& buf) {
  constexpr Coord O = kOther<C>;
  const auto& g = *y.grid();
  if (!g.active()) return;
  FASIM_REQUIRE(out.grid() == y.grid() && layout<O>(out).n == layout<O>(y).n &&
                    layout<O>(out).block == layout<O>(y).block && layout<C>(out).n == r,
                "pass over Y: the result does not line up with Y (same grid and block size needed)");
  const int contract = local_extent<C>(y), ylen = local_extent<O>(y);
  const bool thin_first = orientation == Orientation::ThinFirst;
  // The sum runs over the processes that split Y's contracted dimension. Without one, and in the layout of
  // out's own local block (r × my columns for ZᵀY, my rows × r for Y·Bᵀ), the GEMM writes straight into out.
  const bool reduce = proc_count<C>(g) > 1;
  const bool direct = !reduce && thin_first == (C == Coord::Row);
  double* dst = out.data();
  int ldc = out.lld();
  if (!direct) {
    buf.partial.resize(static_cast<std::size_t>(r) * std::max(1, ylen));
    dst = buf.partial.data();
    ldc = std::max(1, thin_first ? r : ylen);
  }
  constexpr char ta = C == Coord::Row ? 'T' : 'N', tb = C == Coord::Row ? 'N' : 'T';
  if (thin_first)
    local_gemm(ta, tb, r, ylen, contract, 1.0, thin.data, thin.ld, y.data(), y.lld(), 0.0, dst, ldc);
  else
    local_gemm(ta, tb, ylen, r, contract, 1.0, y.data(), y.lld(), thin.data, thin.ld, 0.0, dst, ldc);
  if (direct) return;
  if (reduce) sharing<O>(g).allreduce_sum(buf.partial.data(), r * ylen);
  // Keep the indices of r this rank owns in out (its rows for ZᵀY, its columns for Y·Bᵀ).
  const parallel::BlockCyclic1D& own = layout<C>(out);
  const int mine = local_extent<C>(out), me = my_proc<C>(g);
  for (int rl = 0; rl < mine; ++rl) {
    const auto gi = static_cast<std::size_t>(own.to_global({rl}, me).value);
    for (int yl = 0; yl < ylen; ++yl) {
      const double v = thin_first ? buf.partial[static_cast<std::size_t>(yl) * r + gi]
                                  : buf.partial[gi * ylen + static_cast<std::size_t>(yl)];
      if constexpr (C == Coord::Row)
        out.local({rl}, {yl}) = v;
      else
        out.local({yl}, {rl}) = v;
    }
  }
}

void residual_panel(const DistMatrix& y, PanelView z_rows, PanelView w_cols, int r, int j0, int width,
                    double* e) {
  const int nloc = y.local_rows(), lde = std::max(1, nloc);
  for (int j = 0; j < width; ++j)
    std::copy_n(y.data() + static_cast<std::size_t>(j0 + j) * y.lld(), nloc,
                e + static_cast<std::size_t>(j) * lde);
  local_gemm('N', 'N', nloc, width, r, -1.0, z_rows.data, z_rows.ld,
             w_cols.data + static_cast<std::size_t>(j0) * w_cols.ld, w_cols.ld, 1.0, e, lde);
}

void residual_pass(const DistMatrix& y, PanelView z_rows, PanelView w_cols, PanelView b_cols, int r,
                   DistMatrix& dz, DistMatrix* dw, double rho, PassBuffers& buf, const EntryMask* mask) {
  const auto& g = *y.grid();
  if (!g.active()) return;
  FASIM_REQUIRE(!mask || mask->lines_up(y), "residual pass: the mask does not line up with Y");
  const int nloc = y.local_rows(), mloc = y.local_cols(), lde = std::max(1, nloc);
  // 128 columns of E stay in the cache between the GEMM that forms them and the two that use them.
  constexpr int kWidth = 128;
  const bool dz_direct = g.cols() == 1, dw_direct = g.rows() == 1;
  double* z_dst = dz.data();
  int ldz = dz.lld();
  if (!dz_direct) {
    buf.partial.resize(static_cast<std::size_t>(lde) * r);
    z_dst = buf.partial.data();
    ldz = lde;
  }
  double* w_dst = dw ? dw->data() : nullptr;
  int ldw = dw ? dw->lld() : 1;
  if (dw && !dw_direct) {
    buf.spare.resize(static_cast<std::size_t>(r) * std::max(1, mloc));
    w_dst = buf.spare.data();
    ldw = std::max(1, r);
  }
  buf.panel.resize(static_cast<std::size_t>(lde) * std::min(kWidth, std::max(1, mloc)));
  if (mloc == 0) local_gemm('N', 'T', nloc, r, 0, 1.0, nullptr, 1, nullptr, 1, 0.0, z_dst, ldz); // dz = 0
  for (int j0 = 0; j0 < mloc; j0 += kWidth) {
    const int width = std::min(kWidth, mloc - j0);
    residual_panel(y, z_rows, w_cols, r, j0, width, buf.panel.data());
    if (mask) keep_observed(*mask, j0, width, buf.panel.data(), lde);
    local_gemm('N', 'T', nloc, r, width, 1.0, buf.panel.data(), lde,
               b_cols.data + static_cast<std::size_t>(j0) * b_cols.ld, b_cols.ld, j0 == 0 ? 0.0 : 1.0, z_dst,
               ldz);
    if (dw)
      local_gemm('T', 'N', r, width, nloc, dw_direct ? rho : 1.0, z_rows.data, z_rows.ld, buf.panel.data(),
                 lde, 0.0, w_dst + static_cast<std::size_t>(j0) * ldw, ldw);
  }
  if (!dz_direct) {
    g.row_comm().allreduce_sum(buf.partial.data(), nloc * r);
    for (int lj = 0; lj < dz.local_cols(); ++lj)
      std::copy_n(buf.partial.data() + static_cast<std::size_t>(dz.global_col({lj}).value) * lde, nloc,
                  dz.data() + static_cast<std::size_t>(lj) * dz.lld());
  }
  if (dw && !dw_direct) {
    g.col_comm().allreduce_sum(buf.spare.data(), r * mloc);
    for (int lj = 0; lj < mloc; ++lj)
      for (int li = 0; li < dw->local_rows(); ++li)
        dw->local({li}, {lj}) =
            rho * buf.spare[static_cast<std::size_t>(lj) * r + dw->global_row({li}).value];
  }
}

template void gather_into<Coord::Row>(const DistMatrix&, std::vector<double>&, GatherBuffers&);
template void gather_into<Coord::Col>(const DistMatrix&, std::vector<double>&, GatherBuffers&);
template PanelView panel<Coord::Row>(const DistMatrix&, std::vector<double>&, GatherBuffers&);
template PanelView panel<Coord::Col>(const DistMatrix&, std::vector<double>&, GatherBuffers&);
template void pass_over_y<Coord::Row>(const DistMatrix&, PanelView, int, DistMatrix&, Orientation,
                                      PassBuffers&);
template void pass_over_y<Coord::Col>(const DistMatrix&, PanelView, int, DistMatrix&, Orientation,
                                      PassBuffers&);

} // namespace fasim::linalg
