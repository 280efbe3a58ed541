#include "fasim/parallel/blas_info.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>

namespace fasim::parallel {

namespace {
template <class F> F lookup(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_DEFAULT, name));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool generic_core(const std::string& core) {
  const std::string c = lower(core);
  return c == "prescott" || c == "core2" || c == "nehalem" || c == "katmai" || c == "atom" || c == "penryn" ||
         c == "dunnington" || c == "generic" || c == "barcelona" || c == "opteron" || c == "bulldozer";
}
} // namespace

std::string best_openblas_coretype() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
  return "";
}

BlasInfo query_blas() {
  BlasInfo info;
  __builtin_cpu_init();
  info.cpu_isa = __builtin_cpu_supports("avx512f") ? "avx512"
                 : __builtin_cpu_supports("avx2")  ? "avx2"
                                                   : "sse";
  auto corename = lookup<char* (*)()>("openblas_get_corename");
  auto config = lookup<char* (*)()>("openblas_get_config");
  auto threads = lookup<int (*)()>("openblas_get_num_threads");
  if (!corename) {
    info.library = lookup<void (*)()>("mkl_get_version") ? "Intel MKL" : "unknown (not OpenBLAS)";
    return info;
  }
  info.library = config ? std::string(config()) : "OpenBLAS";
  info.core = corename();
  info.threads = threads ? threads() : 0;
  const std::string best = best_openblas_coretype();
  const std::string core = lower(info.core);
  const bool slower_than_cpu = (best == "SkylakeX" && core != "skylakex" && core != "cooperlake" &&
                                core != "sapphirerapids" && core != "zen") ||
                               (best == "Haswell" && generic_core(info.core));
  if (!best.empty() && (generic_core(info.core) || slower_than_cpu) && lower(best) != core) {
    info.recommended = best;
    info.warning = "OpenBLAS chose generic '" + info.core + "' kernels on a CPU with " + info.cpu_isa +
                   " (often a CPU newer than the OpenBLAS build): set OPENBLAS_CORETYPE=" + best +
                   " in the job environment for several times faster BLAS";
  }
  return info;
}

bool set_blas_threads(int threads) {
  if (auto set = lookup<void (*)(int)>("openblas_set_num_threads")) {
    set(threads);
    return true;
  }
  return false;
}

} // namespace fasim::parallel
