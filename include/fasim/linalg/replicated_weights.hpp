#pragma once
// Small block-cyclic matrices held whole on every rank, and sums of whole matrices back onto their owners:
// the network's replicated plan (model/network_plan.hpp). Each moves a matrix's numbers once: the gather
// is one MPI_Allgatherv of the ranks' pieces ((p−1)/p of the matrix per rank), the sum one MPI_Alltoallv of
// the entries each other rank owns ((p−1)/p per rank, half an allreduce's bytes), then a local sum over the
// ranks in rank order (the same numbers on every grid shape up to the order of that sum).
#include "fasim/linalg/small_matrix.hpp"
#include "fasim/parallel/dist_matrix.hpp"

#include <vector>

namespace fasim::linalg {

struct OwnerBuffers {
  std::vector<double> send, recv;
  std::vector<int> send_counts, send_displs, recv_counts, recv_displs;
};

/// out = the whole of `a` on every rank of its grid. Collective over the grid.
void gather_whole(const parallel::DistMatrix& a, SmallMatrix& out, OwnerBuffers& buffers);

/// out's local piece = ρ·Σ_ranks part (each rank's part the same shape as out, whole), summed on the owner of
/// each entry. Collective over the grid.
void sum_to_owners(const SmallMatrix& part, double rho, parallel::DistMatrix& out, OwnerBuffers& buffers);

/// out (k×w) = Z_locᵀ·U_loc: this rank's share of ZᵀU for Z (N×k) and U (N×w) with one row layout on a grid
/// of one process column (each rank holds whole rows). Local: no communication.
void local_cross(const parallel::DistMatrix& z, const parallel::DistMatrix& u, SmallMatrix& out);

} // namespace fasim::linalg
