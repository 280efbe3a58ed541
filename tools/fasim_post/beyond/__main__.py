"""scripts/beyond (or python3 -m tools.fasim_post.beyond from the checkout): run the experiments beyond the paper (issue 15) and write docs/beyond.md.

Modes:
  (default)        run every section's runs here with mpirun (nice'd, 1-rank runs side by side), then report
  --report-only    run nothing: report from the results already in --out
  --list           print the runs and their fasim commands, do nothing
Sections: the feedback rules (tools/fasim_post/beyond/rules.py), completion (completion.py, with the certified
minimum-nuclear-norm reference of reference.py) and sensing (sensing.py: fasim's sensing runs against the
certified minimum-nuclear-norm solution of their own measurements). Exit status: 0, or 1 when a run failed (the report is still written).
"""
import configparser
import os
import shlex
import sys
import time
from pathlib import Path
from string import Template

try:
    from ..reproduce import launch
    from ..reproduce.experiment_cli import enter_root, experiment_parser, report_header
    from ..reproduce.plan import Run
    from . import completion, sensing
except ImportError:        # run as a script path: make the package importable
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    from fasim_post.reproduce import launch
    from fasim_post.reproduce.experiment_cli import enter_root, experiment_parser, report_header
    from fasim_post.reproduce.plan import Run
    from fasim_post.beyond import completion, sensing

try:       # the feedback rules' section, written separately: optional until it is merged
    from . import rules
except ImportError:
    try:
        from fasim_post.beyond import rules
    except ImportError:
        rules = None

TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "beyond.md.in")


class SweepRun(Run):
    """`fasim sweep run JOB`: the points write <dir>/<label>-<i>.h5 (the launcher's own sweep kind is the
    reproduction's Theorem 3 sweep, whose seed range it rewrites; this one runs the job as written)."""

    def fasim_args(self):
        return ["sweep", "run", self.ini, *self.overrides, f"--output.file={self.output}"]


def _flags(overrides):
    if isinstance(overrides, dict):
        return [f"--{k}={v:g}" if isinstance(v, float) else f"--{k}={v}" for k, v in overrides.items()]
    return [o if o.startswith("--") else f"--{o}" for o in overrides]


def _is_sweep(root, ini):
    parser = configparser.ConfigParser(inline_comment_prefixes=("#", ";"), strict=False)
    parser.read(os.path.join(root, ini))
    return parser.has_section("sweep")


def plan(sections, root, out):
    """[(section module, [(label, Run)])]: every section's RUNS as launcher runs with outputs under `out`."""
    planned = []
    for module in sections:
        runs = []
        for label, ini, overrides in module.RUNS:
            if _is_sweep(root, ini):
                runs.append((label, SweepRun(label, ini, _flags(overrides), f"{out}/{label}/{label}.h5", kind="points")))
            else:
                runs.append((label, Run(label, ini, _flags(overrides), f"{out}/{label}.h5")))
        planned.append((module, runs))
    return planned


def result_paths(runs):
    """{label: Path}: a run's result file, a sweep's directory."""
    return {label: Path(run.result_dir if isinstance(run, SweepRun) else run.output) for label, run in runs}


def write_report(path, root, out, planned, texts, timings, how):
    rows, commands = [], []
    for _, runs in planned:
        for label, run in runs:
            t = timings.get(run.name, {})
            seconds = f"{t['seconds']:.0f}" if "seconds" in t else "—"
            rows.append(f"| {label} | `{run.display()}` | {seconds} | {t.get('rc', '—')} |")
            commands.append(run.display())
    text = Template(open(TEMPLATE).read()).substitute(
        **report_header(root, out, timings, how), sections="\n".join(texts), run_rows="\n".join(rows),
        commands="\n".join(commands))
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)


def main(argv=None, root=None):
    ap = experiment_parser("scripts/beyond", __doc__, "beyond", only=True)
    args = ap.parse_args(argv)
    root = enter_root(ap, args, root)
    sections = [m for m in (rules, completion, sensing) if m is not None]
    planned = plan(sections, root, args.out)
    every = [run for _, runs in planned for _, run in runs]
    only = [x.strip() for x in (args.only or "").split(",") if x.strip()]
    unknown = [x for x in only if x not in {r.name for r in every}]
    if unknown:
        ap.error(f"--only: unknown run(s) {', '.join(unknown)}; known: {', '.join(r.name for r in every)}")
    if args.list:
        for run in every:
            print(f"{run.name:20s} {run.display()}")
        return 0
    os.makedirs(args.out, exist_ok=True)
    timings = launch.load_timings(args.out)
    if not args.report_only:
        todo = [r for r in every if not only or r.name in only]
        for run in todo:
            if isinstance(run, SweepRun) and os.path.isdir(run.result_dir):
                for f in os.listdir(run.result_dir):      # a fresh sweep: complete points would be skipped
                    if f.endswith((".h5", ".ckpt")) or ".h5.ckpt" in f:
                        os.remove(os.path.join(run.result_dir, f))
        launch.run_all(todo, args, root, args.out, timings)
    texts = [module.section(result_paths(runs), Path(args.figures)) for module, runs in planned]
    how = "scripts/beyond" + (" --report-only" if args.report_only else "")
    write_report(args.report, root, args.out, planned, texts, timings, how)
    print(f"report: {args.report}; figures: {args.figures}/")
    return 0 if all(timings.get(r.name, {}).get("rc", 0) == 0 for r in every) else 1


if __name__ == "__main__":
    sys.exit(main())
