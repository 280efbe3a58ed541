"""scripts/networks (or python3 -m fasim_post.networks from tools/): run the network experiments of issue 26
and write docs/networks.md with its figures.

Modes:
  (default)        write the teacher inputs, run every run here with mpirun (nice'd, 1-rank runs side by side),
                   then report
  --report-only    run nothing: report from the results already in --out
  --list           print the runs and their fasim commands, do nothing
Exit status: 0, or 1 when a run failed (the report is still written from what exists).
"""
import os
import sys

try:
    from ..reproduce import launch
    from ..reproduce.experiment_cli import enter_root, experiment_parser, report_header
    from ..reproduce.plan import Run
    from . import experiments as ex
    from . import report
except ImportError:        # run as a script path: make the package importable
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    from fasim_post.reproduce import launch
    from fasim_post.reproduce.experiment_cli import enter_root, experiment_parser, report_header
    from fasim_post.reproduce.plan import Run
    from fasim_post.networks import experiments as ex
    from fasim_post.networks import report


def planned_runs(out):
    runs = []
    from . import deep_seeds
    for label, ini, over in ex.width_runs(out) + ex.deep_runs(out) + deep_seeds.runs(out):
        runs.append(Run(label, ini, [f"--{k}={v}" for k, v in over.items()], f"{out}/{label}.h5"))
    return runs


def main(argv=None, root=None):
    ap = experiment_parser("scripts/networks", __doc__, "networks")
    args = ap.parse_args(argv)
    root = enter_root(ap, args, root)
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
    header = report_header(root, args.out, timings,
                           "scripts/networks" + (" --report-only" if args.report_only else ""))
    report.write(args.report, args.figures, args.out, runs, timings, header, root)
    print(f"report: {args.report}; figures: {args.figures}/")
    return 0 if all(timings.get(r.name, {}).get("rc", 1) == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
