#include "fasim/app/launcher.hpp"

#include "fasim/config/config_values.hpp"

#include <sys/prctl.h>
#include <termios.h>
#include <unistd.h> // environ
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <thread>

namespace fasim::app {

namespace {
int g_started_by_launcher = -1; // -1: not looked at yet

// Open MPI (ORTE and PRRTE), MPICH's Hydra and PMI-1/2 (srun --mpi=pmi2 too), PMIx (srun --mpi=pmix).
bool launcher_variable(const char* entry) {
  for (const char* var :
       {"OMPI_COMM_WORLD_SIZE=", "PMI_RANK=", "PMI_SIZE=", "PMIX_RANK=", "HYDI_CONTROL_FD="})
    if (std::strncmp(entry, var, std::strlen(var)) == 0) return true;
  return false;
}
} // namespace

bool started_by_launcher() {
  // Decided once, before MPI starts (from the preinit array's environment, or at the start of main()): an
  // Open MPI singleton's MPI_Init sets OMPI_COMM_WORLD_SIZE in its own environment, so a later look would see
  // a launcher that is not there.
  if (g_started_by_launcher < 0) {
    g_started_by_launcher = 0;
    for (char** e = environ; e && *e; ++e)
      if (launcher_variable(*e)) g_started_by_launcher = 1;
  }
  return g_started_by_launcher == 1;
}

void exit_with_launcher(char** envp) {
  if (envp && g_started_by_launcher < 0) { // the preinit array runs before libc has set `environ`
    g_started_by_launcher = 0;
    for (char** e = envp; *e; ++e)
      if (launcher_variable(*e)) g_started_by_launcher = 1;
  }
  if (!started_by_launcher()) return; // a singleton outlives its shell (nohup) as any program does
  const pid_t parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The parent may have died before the request: then it is already re-parented.
  if (getppid() != parent || parent == 1) raise(SIGKILL);
}

void plain_launcher_terminal() {
  termios t{};
  if (!started_by_launcher() || !isatty(STDOUT_FILENO) || tcgetattr(STDOUT_FILENO, &t) != 0) return;
  t.c_oflag &= ~static_cast<tcflag_t>(ONLCR);
  tcsetattr(STDOUT_FILENO, TCSANOW, &t);
}

namespace {
struct ProcessInfo {
  std::string name;      ///< comm: the executable's name, at most 15 characters
  long long parent = -1; ///< ppid
  std::string start;     ///< start time since boot (field 22): a reused pid has another
  bool alive = false;    ///< exists and is not a zombie
};

ProcessInfo process_info(long long pid) {
  ProcessInfo info;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto open = text.find('('), close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos) return info;
  info.name = text.substr(open + 1, close - open - 1);
  std::istringstream rest(text.substr(close + 1));
  std::string state, ppid, field;
  rest >> state >> ppid;
  info.parent = io::detail::parse_integer(ppid).value_or(-1); // the configuration's one number parser
  for (int i = 5; i <= 22 && rest >> field; ++i)
    if (i == 22) info.start = field;
  info.alive = state != "Z" && state != "X";
  return info;
}
} // namespace

void watch_launcher() {
  if (!started_by_launcher()) return;
  const ProcessInfo parent = process_info(getppid());
  if (parent.name != "hydra_pmi_proxy") return;
  const ProcessInfo launcher = process_info(parent.parent);
  if (launcher.name.rfind("mpiexec", 0) != 0)
    return; // a proxy started by srun or ssh: its own launcher's care
  const long long pid = parent.parent;
  std::thread([pid, start = launcher.start] {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      const ProcessInfo now = process_info(pid);
      if (!now.alive || now.start != start) raise(SIGKILL);
    }
  }).detach();
}

namespace {
io::ProgressStyle asked_progress = io::ProgressStyle::Auto; // set once at start-up, before any verb runs
} // namespace

void set_progress_style(io::ProgressStyle style) {
  asked_progress = style;
}

bool progress_rewrites_line() {
  static const bool rewrite = [] {
    if (asked_progress == io::ProgressStyle::Bar) return true;
    if (asked_progress == io::ProgressStyle::Lines) return false;
    for (const char* batch : {"SLURM_JOB_ID", "PBS_JOBID", "LSB_JOBID", "FLUX_JOB_ID"})
      if (std::getenv(batch)) return false;
    const char* term = std::getenv("TERM");
    return !started_by_launcher() && isatty(STDOUT_FILENO) && !(term && std::strcmp(term, "dumb") == 0);
  }();
  return rewrite;
}

} // namespace fasim::app
