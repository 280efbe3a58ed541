#pragma once
// RAII MPI environment and a communicator wrapper that turns MPI error codes into exceptions.
#include <mpi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fasim::parallel {

/// Throws MpiError naming `what` when rc is not MPI_SUCCESS.
void check_mpi(int rc, const char* what);

/// Initialises MPI (MPI_THREAD_FUNNELED) on construction and finalises it on destruction.
/// MPI errors on MPI_COMM_WORLD return codes instead of aborting, so they become exceptions.
class MpiEnvironment {
public:
  MpiEnvironment(int* argc, char*** argv);
  ~MpiEnvironment();
  MpiEnvironment(const MpiEnvironment&) = delete;
  MpiEnvironment& operator=(const MpiEnvironment&) = delete;
  static bool initialized();

private:
  bool owns_ = false;
};

/// A communicator; owns (frees) it when made by split/dup, borrows it otherwise.
class Communicator {
public:
  /// Borrows MPI_COMM_WORLD.
  static Communicator world();
  /// Borrows an existing communicator (the caller keeps ownership).
  static Communicator borrow(MPI_Comm comm);

  MPI_Comm get() const { return handle_ ? *handle_ : MPI_COMM_NULL; }
  bool is_null() const { return get() == MPI_COMM_NULL; }
  /// Same group of ranks in the same order (MPI_IDENT or MPI_CONGRUENT).
  bool congruent(const Communicator& other) const;
  int rank() const;
  int size() const;

  void barrier() const;
  /// Splits into groups by colour (MPI_UNDEFINED gives a null communicator); the result owns its handle.
  Communicator split(int colour, int key) const;
  Communicator dup() const;

  double allreduce_sum(double value) const;
  double allreduce_max(double value) const;
  double allreduce_min(double value) const;
  long long allreduce_max(long long value) const;
  /// Sum modulo 2⁶⁴ (digests: the order of the terms does not matter).
  std::uint64_t allreduce_sum_wrapping(std::uint64_t value) const;
  int allreduce_min(int value) const;
  int allreduce_max(int value) const;
  void allreduce_sum(double* values, int count) const;
  long long allreduce_sum(long long value) const;
  /// Sum of `value` over the ranks below this one (0 on rank 0).
  long long exscan_sum(long long value) const;
  /// Every member's `count` doubles, rank-major, into `out` (size()·count).
  void allgather(const double* mine, int count, double* out) const;
  /// Every member's piece (counts[p] doubles at displs[p]) into `out`; `mine` holds counts[rank()].
  void allgatherv(const double* mine, int count, double* out, const int* counts, const int* displs) const;
  /// Personalised all-to-all of doubles (MPI_Alltoallv).
  void alltoallv(const double* send, const int* send_counts, const int* send_displs, double* recv,
                 const int* recv_counts, const int* recv_displs) const;
  void broadcast(void* data, int bytes, int root) const;
  void broadcast(std::string& text, int root) const;
  void broadcast(std::vector<double>& values, int root) const;

private:
  explicit Communicator(std::shared_ptr<MPI_Comm> handle) : handle_(std::move(handle)) {}
  std::shared_ptr<MPI_Comm> handle_;
};

} // namespace fasim::parallel
