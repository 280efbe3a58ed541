#pragma once
// What this rank hands MPI to send, counted at the MPI interface itself: src/parallel/traffic.cpp defines
// MPI_Send, MPI_Isend, MPI_Allreduce, MPI_Bcast, … in the fasim binary; each counts and calls its PMPI_ twin.
// The dynamic linker resolves every library's MPI calls to the executable's definitions first, so the counts
// include what ScaLAPACK/BLACS and parallel HDF5 send, not only fasim's own calls (tests/parallel checks it
// with a PDGEMM, whose traffic is all BLACS's).
//
// Bytes are a rank's share of the data a call must move between ranks, by the bandwidth-optimal algorithm
// of each operation (an MPI library may move more, never less; docs/cluster.md compares them with what the
// simulated cluster's links carried):
//   point-to-point send of N bytes: N (none to itself or MPI_PROC_NULL)
//   allreduce of N bytes over p ranks: 2·(p−1)/p·N (reduce-scatter, then allgather)
//   reduce, broadcast of N bytes over p ranks: (p−1)/p·N (every rank but one must receive N; the sends are
//     spread over the ranks)
//   allgather(v): this rank's piece, to each of the p−1 others
//   alltoall(v): the pieces addressed to the other ranks
//   gather(v), scatter(v): the pieces that leave this rank
// Messages are point-to-point sends plus collective calls (one each, on communicators of two or more ranks).
#include <cstdint>

namespace fasim::parallel {

struct Traffic {
  double bytes = 0;           ///< bytes this rank sent (see above)
  double p2p_bytes = 0;       ///< of which point-to-point
  long long messages = 0;     ///< point-to-point sends + collective calls
  long long p2p_messages = 0; ///< of which point-to-point

  Traffic operator-(const Traffic& o) const {
    return {bytes - o.bytes, p2p_bytes - o.p2p_bytes, messages - o.messages, p2p_messages - o.p2p_messages};
  }
};

/// This rank's totals since the process started (local: no communication).
Traffic traffic();

/// Whether the interposed MPI functions are the ones this process calls: false when a library resolved MPI
/// in a way that bypasses them (then every count is 0 and must not be reported as a measurement).
bool traffic_counted();

} // namespace fasim::parallel
