"""Running the plan: here with mpirun (1-rank runs side by side up to --slots cores), or by sbatch submission;
then `fasim collect` over the sweeps and the Theorem 4 series."""
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time

from .plan import write_sweep_ini


def mpi_env(root):
    """The environment of scripts/env.sh (MPI as root, one BLAS thread per rank, OpenBLAS kernel)."""
    out = subprocess.run(["bash", "-c", f"source {shlex.quote(root)}/scripts/env.sh && env -0"],
                         check=True, capture_output=True).stdout.decode()
    return dict(kv.split("=", 1) for kv in out.split("\0") if "=" in kv)


def ensure_binary(root, out):
    """A private copy of build/bin/fasim, so a concurrent rebuild of build/ cannot change it mid-reproduction."""
    src = os.path.join(root, "build/bin/fasim")
    if not os.access(src, os.X_OK):
        print("reproduce-paper: build/bin/fasim missing: building with scripts/setup", flush=True)
        subprocess.run([os.path.join(root, "scripts/setup")], check=True)
    dst = os.path.join(out, "bin", "fasim")
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copy2(src, dst + ".tmp")
    os.replace(dst + ".tmp", dst)
    return dst


def load_timings(out):
    try:
        with open(os.path.join(out, "timings.json")) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return {}


def save_timings(out, timings):
    with open(os.path.join(out, "timings.json"), "w") as fh:
        json.dump(timings, fh, indent=1)


def run_all(runs, args, root, out, timings):
    """Runs everything, filling args.slots cores: 1-rank runs go side by side, larger runs alone."""
    env = mpi_env(root)
    env["OMPI_MCA_mpi_yield_when_idle"] = "1"     # waiting ranks yield the core (the machine is shared)
    fasim = ensure_binary(root, out)
    timings["_fasim_version"] = subprocess.run([fasim, "version"], env=env, capture_output=True,
                                               text=True).stdout.strip()
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    pending, active, free, done = list(runs), [], args.slots, 0

    def start(run):
        if run.kind == "sweep":
            write_sweep_ini(run, root)
            if os.path.isdir(run.result_dir):
                shutil.rmtree(run.result_dir)      # a fresh sweep (complete points would be skipped)
        os.makedirs(run.result_dir, exist_ok=True)
        log = os.path.join(out, "logs", f"{run.name}.log")
        print(f"start {run.name:16s} {run.display()}", flush=True)
        fh = open(log, "w")
        proc = subprocess.Popen(["nice", "-n", str(args.nice), "mpirun", "-n", str(run.np), fasim, *run.fasim_args()],
                                cwd=root, env=env, stdout=fh, stderr=subprocess.STDOUT)
        return proc, run, time.monotonic(), fh, log

    def stop(signum, _frame):      # Ctrl-C / TERM: end our own runs (by pid), then leave
        for proc, *_ in active:
            if proc.poll() is None:
                proc.terminate()
        for proc, *_ in active:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        print(f"reproduce-paper: stopped by signal {signum}", file=sys.stderr)
        sys.exit(128 + signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while pending or active:
        for run in list(pending):
            if run.np <= free or not active:
                active.append(start(run))
                pending.remove(run)
                free -= run.np
        time.sleep(0.5)
        for item in list(active):
            proc, run, t0, fh, log = item
            rc = proc.poll()
            if rc is None:
                continue
            fh.close()
            active.remove(item)
            free += run.np
            done += 1
            dt = time.monotonic() - t0
            timings[run.name] = dict(seconds=dt, rc=rc, command=run.display())
            save_timings(out, timings)
            status = "ok" if rc == 0 else f"FAILED (exit {rc}; see {log})"
            print(f"[{done:2d}/{len(runs)}] {run.name:16s} {dt:7.1f} s  {status}", flush=True)


def sbatch_command(run, out, extra):
    """The sbatch line of one run: a job array over the seeds for a sweep, one job otherwise."""
    if run.kind == "sweep":
        return ["sbatch", f"--array=0-{run.seeds - 1}", "-n", "1", f"--job-name=fasim-{run.name}",
                f"--output={out}/logs/%x-%A_%a.out", *extra, "slurm/sweep.sbatch", run.ini, *run.overrides,
                f"--output.file={run.output}"]
    return ["sbatch", "-n", str(run.np), f"--job-name=fasim-{run.name}", f"--output={out}/logs/%x-%j.out", *extra,
            "slurm/run.sbatch", run.ini, *run.overrides, f"--output.file={run.output}", "--output.overwrite=true"]


def submit_slurm(runs, args, root, out):
    """sbatch every run (printing only with args.dry_run); returns the job ids, or None when sbatch failed."""
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    extra = shlex.split(args.sbatch_args or "")
    ids = []
    for run in runs:
        if run.kind == "sweep":
            write_sweep_ini(run, root)
        os.makedirs(run.result_dir, exist_ok=True)
        cmd = sbatch_command(run, out, extra)
        print(" ".join(shlex.quote(c) for c in cmd), flush=True)
        if args.dry_run:
            continue
        res = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
        if res.returncode != 0:
            print(f"reproduce-paper: sbatch failed for {run.name}: {res.stderr.strip()}", file=sys.stderr)
            return None
        m = re.search(r"(\d+)", res.stdout)
        ids.append(m.group(1) if m else "?")
        print(f"  -> {res.stdout.strip()}", flush=True)
    return ids


def collect_sweeps(runs, root, out):
    """fasim collect for the Theorem 3 sweeps and the Theorem 4 series; returns {name: summary.h5}."""
    env = mpi_env(root)
    fasim = os.path.join(out, "bin", "fasim")
    if not os.access(fasim, os.X_OK):
        fasim = os.path.join(root, "build/bin/fasim")
    summaries = {}
    if not os.access(fasim, os.X_OK):
        print(f"reproduce-paper: {fasim} missing: no sweep summaries (build fasim first)", file=sys.stderr)
        return summaries
    dirs = [(r.name, r.result_dir) for r in runs if r.kind == "sweep"]
    dirs.append(("theorem4", os.path.join(out, "theorem4")))
    for name, d in dirs:
        if not os.path.isdir(d) or not any(f.endswith(".h5") for f in os.listdir(d)):
            continue
        dest = os.path.join(out, f"{name}-summary.h5")
        res = subprocess.run([fasim, "collect", d, "--output", dest, "--csv", dest[:-3] + ".csv", "--overwrite"],
                             cwd=root, env=env, capture_output=True, text=True)
        if res.returncode == 0:
            summaries[name] = dest
        else:
            print(f"reproduce-paper: fasim collect {d} failed: {res.stderr.strip()}", file=sys.stderr)
    return summaries
