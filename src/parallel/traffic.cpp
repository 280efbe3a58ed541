// The PMPI layer behind parallel::traffic() (the accounting rules are in traffic.hpp). Each function has the
// exact signature of the MPI standard's C binding as mpi.h declares it (Open MPI and MPICH alike).
#include "fasim/parallel/traffic.hpp"

#include <mpi.h>

namespace fasim::parallel {

namespace {
// MPI_THREAD_FUNNELED: one thread of a rank calls MPI, so plain counters suffice.
Traffic totals;
bool seen = false;

double type_bytes(MPI_Datatype type, long long count) {
  int size = 0;
  PMPI_Type_size(type, &size);
  return static_cast<double>(size) * static_cast<double>(count);
}

int size_of(MPI_Comm comm) {
  int size = 1;
  if (comm != MPI_COMM_NULL) PMPI_Comm_size(comm, &size);
  return size;
}

int rank_in(MPI_Comm comm) {
  int rank = 0;
  PMPI_Comm_rank(comm, &rank);
  return rank;
}

void p2p(int count, MPI_Datatype type, int dest, MPI_Comm comm) {
  seen = true;
  if (dest == MPI_PROC_NULL) return;
  int inter = 0;
  PMPI_Comm_test_inter(comm, &inter);
  if (!inter && dest == rank_in(comm)) return; // to itself: no traffic
  const double b = type_bytes(type, count);
  totals.bytes += b;
  totals.p2p_bytes += b;
  ++totals.messages;
  ++totals.p2p_messages;
}

/// A collective on `comm` in which this rank sends `bytes` (by the rules in traffic.hpp).
void collective(MPI_Comm comm, double bytes) {
  seen = true;
  if (size_of(comm) < 2) return;
  totals.bytes += bytes;
  ++totals.messages;
}

double spread(MPI_Comm comm, double factor, double bytes) {
  const int p = size_of(comm);
  return p < 2 ? 0.0 : factor * (p - 1) / p * bytes;
}

/// Sum of counts[i]·size over the ranks i other than this one.
double to_others(const int counts[], MPI_Datatype type, MPI_Comm comm) {
  const int p = size_of(comm), me = rank_in(comm);
  long long total = 0;
  for (int i = 0; i < p; ++i)
    if (i != me) total += counts[i];
  return type_bytes(type, total);
}
} // namespace

Traffic traffic() {
  return totals;
}

bool traffic_counted() {
  return seen;
}

} // namespace fasim::parallel

using fasim::parallel::collective;
using fasim::parallel::p2p;
using fasim::parallel::size_of;
using fasim::parallel::spread;
using fasim::parallel::to_others;
using fasim::parallel::type_bytes;

extern "C" {

int MPI_Send(const void* buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm) {
  p2p(count, type, dest, comm);
  return PMPI_Send(buf, count, type, dest, tag, comm);
}

int MPI_Ssend(const void* buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm) {
  p2p(count, type, dest, comm);
  return PMPI_Ssend(buf, count, type, dest, tag, comm);
}

int MPI_Rsend(const void* buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm) {
  p2p(count, type, dest, comm);
  return PMPI_Rsend(buf, count, type, dest, tag, comm);
}

int MPI_Bsend(const void* buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm) {
  p2p(count, type, dest, comm);
  return PMPI_Bsend(buf, count, type, dest, tag, comm);
}

int MPI_Isend(const void* buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm,
              MPI_Request* request) {
  p2p(count, type, dest, comm);
  return PMPI_Isend(buf, count, type, dest, tag, comm, request);
}

int MPI_Issend(const void* buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm,
               MPI_Request* request) {
  p2p(count, type, dest, comm);
  return PMPI_Issend(buf, count, type, dest, tag, comm, request);
}

int MPI_Irsend(const void* buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm,
               MPI_Request* request) {
  p2p(count, type, dest, comm);
  return PMPI_Irsend(buf, count, type, dest, tag, comm, request);
}

int MPI_Sendrecv(const void* sendbuf, int sendcount, MPI_Datatype sendtype, int dest, int sendtag,
                 void* recvbuf, int recvcount, MPI_Datatype recvtype, int source, int recvtag, MPI_Comm comm,
                 MPI_Status* status) {
  p2p(sendcount, sendtype, dest, comm);
  return PMPI_Sendrecv(sendbuf, sendcount, sendtype, dest, sendtag, recvbuf, recvcount, recvtype, source,
                       recvtag, comm, status);
}

int MPI_Allreduce(const void* sendbuf, void* recvbuf, int count, MPI_Datatype type, MPI_Op op,
                  MPI_Comm comm) {
  collective(comm, spread(comm, 2.0, type_bytes(type, count)));
  return PMPI_Allreduce(sendbuf, recvbuf, count, type, op, comm);
}

int MPI_Iallreduce(const void* sendbuf, void* recvbuf, int count, MPI_Datatype type, MPI_Op op, MPI_Comm comm,
                   MPI_Request* request) {
  collective(comm, spread(comm, 2.0, type_bytes(type, count)));
  return PMPI_Iallreduce(sendbuf, recvbuf, count, type, op, comm, request);
}

int MPI_Reduce(const void* sendbuf, void* recvbuf, int count, MPI_Datatype type, MPI_Op op, int root,
               MPI_Comm comm) {
  collective(comm, spread(comm, 1.0, type_bytes(type, count)));
  return PMPI_Reduce(sendbuf, recvbuf, count, type, op, root, comm);
}

int MPI_Bcast(void* buf, int count, MPI_Datatype type, int root, MPI_Comm comm) {
  collective(comm, spread(comm, 1.0, type_bytes(type, count)));
  return PMPI_Bcast(buf, count, type, root, comm);
}

int MPI_Allgather(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, int recvcount,
                  MPI_Datatype recvtype, MPI_Comm comm) {
  // MPI_IN_PLACE: this rank's piece is already in recvbuf, recvcount of recvtype.
  const double mine =
      sendbuf == MPI_IN_PLACE ? type_bytes(recvtype, recvcount) : type_bytes(sendtype, sendcount);
  collective(comm, mine * (size_of(comm) - 1));
  return PMPI_Allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm);
}

int MPI_Allgatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf,
                   const int recvcounts[], const int displs[], MPI_Datatype recvtype, MPI_Comm comm) {
  const double mine = sendbuf == MPI_IN_PLACE
                          ? type_bytes(recvtype, recvcounts[fasim::parallel::rank_in(comm)])
                          : type_bytes(sendtype, sendcount);
  collective(comm, mine * (size_of(comm) - 1));
  return PMPI_Allgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype, comm);
}

int MPI_Alltoall(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, int recvcount,
                 MPI_Datatype recvtype, MPI_Comm comm) {
  const double piece =
      sendbuf == MPI_IN_PLACE ? type_bytes(recvtype, recvcount) : type_bytes(sendtype, sendcount);
  collective(comm, piece * (size_of(comm) - 1));
  return PMPI_Alltoall(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm);
}

int MPI_Alltoallv(const void* sendbuf, const int sendcounts[], const int sdispls[], MPI_Datatype sendtype,
                  void* recvbuf, const int recvcounts[], const int rdispls[], MPI_Datatype recvtype,
                  MPI_Comm comm) {
  const double out =
      sendbuf == MPI_IN_PLACE ? to_others(recvcounts, recvtype, comm) : to_others(sendcounts, sendtype, comm);
  collective(comm, out);
  return PMPI_Alltoallv(sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts, rdispls, recvtype, comm);
}

int MPI_Gather(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, int recvcount,
               MPI_Datatype recvtype, int root, MPI_Comm comm) {
  const bool at_root = fasim::parallel::rank_in(comm) == root;
  collective(comm, at_root ? 0.0 : type_bytes(sendtype, sendcount));
  return PMPI_Gather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm);
}

int MPI_Gatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf,
                const int recvcounts[], const int displs[], MPI_Datatype recvtype, int root, MPI_Comm comm) {
  const bool at_root = fasim::parallel::rank_in(comm) == root;
  collective(comm, at_root ? 0.0 : type_bytes(sendtype, sendcount));
  return PMPI_Gatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype, root, comm);
}

int MPI_Scatter(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, int recvcount,
                MPI_Datatype recvtype, int root, MPI_Comm comm) {
  const bool at_root = fasim::parallel::rank_in(comm) == root;
  collective(comm,
             at_root ? type_bytes(sendtype, static_cast<long long>(sendcount) * (size_of(comm) - 1)) : 0.0);
  return PMPI_Scatter(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm);
}

int MPI_Scatterv(const void* sendbuf, const int sendcounts[], const int displs[], MPI_Datatype sendtype,
                 void* recvbuf, int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm) {
  const bool at_root = fasim::parallel::rank_in(comm) == root;
  collective(comm, at_root ? to_others(sendcounts, sendtype, comm) : 0.0);
  return PMPI_Scatterv(sendbuf, sendcounts, displs, sendtype, recvbuf, recvcount, recvtype, root, comm);
}

int MPI_Exscan(const void* sendbuf, void* recvbuf, int count, MPI_Datatype type, MPI_Op op, MPI_Comm comm) {
  collective(comm, type_bytes(type, count)); // each rank passes its partial sum on once
  return PMPI_Exscan(sendbuf, recvbuf, count, type, op, comm);
}

int MPI_Barrier(MPI_Comm comm) {
  collective(comm, 0.0);
  return PMPI_Barrier(comm);
}

} // extern "C"
