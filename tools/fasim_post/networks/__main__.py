"""scripts/networks (or python3 -m fasim_post.networks from tools/): run the network experiments of issue 26
and write docs/networks.md with its figures.

Modes:
  (default)        write the teacher inputs, run every run here with mpirun (nice'd, 1-rank runs side by side),
                   then report
  --report-only    run nothing: report from the results already in --out
  --list           print the runs and their fasim commands, do nothing
Exit status: 0, or 1 when a run failed (the report is still written from what exists).
"""
import argparse
import datetime
import os
import subprocess
import sys

try:
    from ..reproduce import launch
    from ..reproduce.cli import find_root
    from ..reproduce.plan import Run
    from . import experiments as ex
    from . import report
except ImportError:        # run as a script path: make the package importable
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    from fasim_post.reproduce import launch
    from fasim_post.reproduce.cli import find_root
    from fasim_post.reproduce.plan import Run
    from fasim_post.networks import experiments as ex
    from fasim_post.networks import report


def planned_runs(out):
    runs = []
    for label, ini, over in ex.width_runs(out) + ex.deep_runs(out):
        runs.append(Run(label, ini, [f"--{k}={v}" for k, v in over.items()], f"{out}/{label}.h5"))
    return runs


def main(argv=None, root=None):
    ap = argparse.ArgumentParser(prog="scripts/networks", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", help="fasim checkout (default: found from the current directory)")
    ap.add_argument("--out", default="results/networks", help="results directory (default results/networks)")
    ap.add_argument("--report", default="docs/networks.md", help="report path (default docs/networks.md)")
    ap.add_argument("--figures", default="docs/figures/networks",
                    help="figure directory (default docs/figures/networks)")
    ap.add_argument("--slots", type=int, default=2, help="cores to fill (default 2)")
    ap.add_argument("--nice", type=int, default=10, help="niceness of the runs (default 10)")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--report-only", action="store_true", help="run nothing: write the report")
    mode.add_argument("--list", action="store_true", help="print the runs and their commands and exit")
    args = ap.parse_args(argv)
    root = find_root(args.root or root)
    if root is None:
        ap.error("no fasim checkout found (a directory with jobs/theorem3-sweep.ini): pass --root DIR")
    os.chdir(root)
    runs = planned_runs(args.out)
    if args.list:
        for run in runs:
            print(f"{run.name:22s} {run.display()}")
        return 0
    os.makedirs(args.out, exist_ok=True)
    timings = launch.load_timings(args.out)
    if not args.report_only:
        for seed in ex.SEEDS:
            ex.write_teacher(args.out, seed)
        launch.run_all(runs, args, root, args.out, timings)
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True,
                            text=True).stdout.strip() or "?"
    header = dict(how="scripts/networks" + (" --report-only" if args.report_only else ""),
                  now=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                  commit=commit, version=(timings.get("_fasim_version") or "fasim").splitlines()[0],
                  cores=os.cpu_count(), out=args.out)
    report.write(args.report, args.figures, args.out, runs, timings, header)
    print(f"report: {args.report}; figures: {args.figures}/")
    return 0 if all(timings.get(r.name, {}).get("rc", 1) == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
