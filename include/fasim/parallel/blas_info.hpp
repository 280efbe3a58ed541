#pragma once
// What BLAS this process runs on, and whether it picked slow generic kernels on a fast CPU.
#include <string>

namespace fasim::parallel {

struct BlasInfo {
  std::string library;     ///< "OpenBLAS 0.3.21 ..." or "unknown"
  std::string core;        ///< OpenBLAS kernel family ("Haswell", "Prescott", ...), empty when unknown
  int threads = 0;         ///< BLAS threads per rank (0 when unknown)
  std::string cpu_isa;     ///< best vector ISA the CPU reports: "avx512", "avx2", "sse"
  std::string recommended; ///< OPENBLAS_CORETYPE to set, empty when the kernel already fits the CPU
  std::string warning;     ///< one-line warning when the kernels are generic on a capable CPU, else empty
};

/// Queries the linked BLAS (OpenBLAS through its C entry points, found at run time so MKL etc. still link).
BlasInfo query_blas();
/// Sets the number of BLAS threads for this rank where the library allows it; returns false if it cannot.
bool set_blas_threads(int threads);
/// The OPENBLAS_CORETYPE value that selects the best kernels this CPU can run, or "" if none is needed.
std::string best_openblas_coretype();

} // namespace fasim::parallel
