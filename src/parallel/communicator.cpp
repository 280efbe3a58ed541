#include "fasim/parallel/communicator.hpp"

#include "fasim/parallel/error.hpp"

namespace fasim::parallel {

void check_mpi(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw MpiError(std::string(what) + " failed: " + std::string(text, static_cast<size_t>(len)));
}

MpiEnvironment::MpiEnvironment(int* argc, char*** argv) {
  if (initialized()) return;
  int provided = 0;
  check_mpi(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  owns_ = true;
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

MpiEnvironment::~MpiEnvironment() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (owns_ && !finalized) MPI_Finalize();
}

bool MpiEnvironment::initialized() {
  int flag = 0;
  MPI_Initialized(&flag);
  return flag != 0;
}

Communicator Communicator::world() {
  return borrow(MPI_COMM_WORLD);
}

Communicator Communicator::borrow(MPI_Comm comm) {
  return Communicator(std::shared_ptr<MPI_Comm>(new MPI_Comm(comm)));
}

int Communicator::rank() const {
  int r = 0;
  check_mpi(MPI_Comm_rank(get(), &r), "MPI_Comm_rank");
  return r;
}

int Communicator::size() const {
  int s = 0;
  check_mpi(MPI_Comm_size(get(), &s), "MPI_Comm_size");
  return s;
}

void Communicator::barrier() const {
  check_mpi(MPI_Barrier(get()), "MPI_Barrier");
}

namespace {
std::shared_ptr<MPI_Comm> owning(MPI_Comm comm) {
  return std::shared_ptr<MPI_Comm>(new MPI_Comm(comm), [](MPI_Comm* c) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (*c != MPI_COMM_NULL && !finalized) MPI_Comm_free(c);
    delete c;
  });
}
} // namespace

Communicator Communicator::split(int colour, int key) const {
  MPI_Comm out = MPI_COMM_NULL;
  check_mpi(MPI_Comm_split(get(), colour, key, &out), "MPI_Comm_split");
  if (out != MPI_COMM_NULL) MPI_Comm_set_errhandler(out, MPI_ERRORS_RETURN);
  return Communicator(owning(out));
}

Communicator Communicator::dup() const {
  MPI_Comm out = MPI_COMM_NULL;
  check_mpi(MPI_Comm_dup(get(), &out), "MPI_Comm_dup");
  MPI_Comm_set_errhandler(out, MPI_ERRORS_RETURN);
  return Communicator(owning(out));
}

namespace {
template <class T> T reduce(MPI_Comm comm, T value, MPI_Datatype type, MPI_Op op) {
  T out{};
  check_mpi(MPI_Allreduce(&value, &out, 1, type, op, comm), "MPI_Allreduce");
  return out;
}
} // namespace

double Communicator::allreduce_sum(double v) const {
  return reduce(get(), v, MPI_DOUBLE, MPI_SUM);
}
double Communicator::allreduce_max(double v) const {
  return reduce(get(), v, MPI_DOUBLE, MPI_MAX);
}
double Communicator::allreduce_min(double v) const {
  return reduce(get(), v, MPI_DOUBLE, MPI_MIN);
}
long long Communicator::allreduce_max(long long v) const {
  return reduce(get(), v, MPI_LONG_LONG, MPI_MAX);
}
int Communicator::allreduce_min(int v) const {
  return reduce(get(), v, MPI_INT, MPI_MIN);
}
int Communicator::allreduce_max(int v) const {
  return reduce(get(), v, MPI_INT, MPI_MAX);
}
std::uint64_t Communicator::allreduce_sum_wrapping(std::uint64_t v) const {
  return reduce(get(), v, MPI_UINT64_T, MPI_SUM);
}

void Communicator::allreduce_sum(double* values, int count) const {
  check_mpi(MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_DOUBLE, MPI_SUM, get()), "MPI_Allreduce");
}

bool Communicator::congruent(const Communicator& other) const {
  int result = MPI_UNEQUAL;
  check_mpi(MPI_Comm_compare(get(), other.get(), &result), "MPI_Comm_compare");
  return result == MPI_IDENT || result == MPI_CONGRUENT;
}

long long Communicator::allreduce_sum(long long v) const {
  return reduce(get(), v, MPI_LONG_LONG, MPI_SUM);
}

long long Communicator::exscan_sum(long long value) const {
  long long out = 0;
  check_mpi(MPI_Exscan(&value, &out, 1, MPI_LONG_LONG, MPI_SUM, get()), "MPI_Exscan");
  return rank() == 0 ? 0 : out; // MPI_Exscan leaves rank 0's result undefined
}

void Communicator::allgather(const double* mine, int count, double* out) const {
  check_mpi(MPI_Allgather(mine, count, MPI_DOUBLE, out, count, MPI_DOUBLE, get()), "MPI_Allgather");
}

void Communicator::allgatherv(const double* mine, int count, double* out, const int* counts,
                              const int* displs) const {
  check_mpi(MPI_Allgatherv(mine, count, MPI_DOUBLE, out, counts, displs, MPI_DOUBLE, get()),
            "MPI_Allgatherv");
}

void Communicator::alltoallv(const double* send, const int* send_counts, const int* send_displs, double* recv,
                             const int* recv_counts, const int* recv_displs) const {
  check_mpi(MPI_Alltoallv(send, send_counts, send_displs, MPI_DOUBLE, recv, recv_counts, recv_displs,
                          MPI_DOUBLE, get()),
            "MPI_Alltoallv");
}

void Communicator::broadcast(void* data, int bytes, int root) const {
  check_mpi(MPI_Bcast(data, bytes, MPI_BYTE, root, get()), "MPI_Bcast");
}

void Communicator::broadcast(std::string& text, int root) const {
  long long n = static_cast<long long>(text.size());
  broadcast(&n, sizeof n, root);
  text.resize(static_cast<size_t>(n));
  if (n > 0) broadcast(text.data(), static_cast<int>(n), root);
}

void Communicator::broadcast(std::vector<double>& values, int root) const {
  long long n = static_cast<long long>(values.size());
  broadcast(&n, sizeof n, root);
  values.resize(static_cast<size_t>(n));
  if (n > 0) check_mpi(MPI_Bcast(values.data(), static_cast<int>(n), MPI_DOUBLE, root, get()), "MPI_Bcast");
}

} // namespace fasim::parallel
