#pragma once
// How fasim relates to the MPI launcher that started it (Open MPI's mpirun, MPICH's Hydra, srun), if any.
#include "fasim/config/environment.hpp"

namespace fasim::app {

/// True when an MPI launcher started this process (its rank environment is set).
bool started_by_launcher();

/// Makes this process exit (SIGKILL, like a node failure: resume from the last checkpoint) when the process
/// that started it dies, if that is an MPI launcher or its per-node proxy: a rank never outlives its
/// launcher, and never holds a result's lock after the job is gone. Async-signal-safe; called before anything
/// else runs, from the preinit array with the process's environment `envp` (libc has not set `environ` yet),
/// or from main().
void exit_with_launcher(char** envp = nullptr);

/// A rank whose stdout is a pseudo-terminal its launcher made (Open MPI does) stops the terminal's "\n" to
/// "\r\n" translation: the launcher relays the bytes into a log that may be a file, where a stray "\r" (Open
/// MPI drops the "\r" of "\r\n" only within one read) is not a plain line.
void plain_launcher_terminal();

/// Under MPICH's Hydra a rank's parent is hydra_pmi_proxy, which runs in a session of its own and may outlive
/// mpiexec (the rank's parent then never dies): a thread checks twice a second that the mpiexec above the
/// proxy is still there and ends the rank (SIGKILL) when it is not. Nothing happens under other launchers.
void watch_launcher();

/// Whether progress lines rewrite themselves (\r, erase to the end of the line): only on a terminal of a
/// process started without a launcher (Open MPI gives each rank a pseudo-terminal, whatever the launcher's
/// own output is), or when FASIM_PROGRESS=bar asks for it; FASIM_PROGRESS=lines, a batch job or TERM=dumb:
/// plain lines.
bool progress_rewrites_line();
/// The style FASIM_PROGRESS asked for (read once by the configuration, before any verb runs).
void set_progress_style(io::ProgressStyle style);

} // namespace fasim::app
