"""fasim-reproduce (scripts/reproduce-paper): reproduce Garg & Vempala's experiments with fasim, check the
paper's claims, draw the figures, write a report.

Runs every paper job in jobs/ (fig2a, fig2b, fig3a, fig3b, fig5 and its lr_w = 0.5 variant, fig6, theorem4) at
sizes that fit in about 20 minutes on 2 cores, three short Fact 3 runs (Fig 3b's setting with two step sizes
and RK4), the Theorem 3 sweep (jobs/theorem3-sweep.ini) at two sizes and a Theorem 4 size series (jobs/
theorem4.ini with n = m = k overridden), then draws the figures and writes a Markdown report: for each claim
the fasim command, the measured value, the paper's statement and PASS/FAIL.

Modes:
  (default)        run everything here with mpirun (nice'd), then collect, plot and report
  --report-only    run nothing: collect, plot and report from the results already in --out
  --slurm          submit every run with sbatch (slurm/run.sbatch, slurm/sweep.sbatch) and exit; when the jobs
                   are done, rerun with --report-only (same --out / --quick / size options)
  --list           print the runs and their fasim commands, do nothing
Exit status: 0 every claim PASS; 1 some claim FAIL or a result missing (the report is still written);
2 usage error.
"""
import argparse
import copy
import os
import shlex
import sys
import time

from . import launch
from .claims import claims_for, Results
from .figures import draw_figures
from .plan import PROFILES, plan
from .report import write_report


def find_root(given=None):
    """The fasim checkout holding jobs/, slurm/ and scripts/env.sh: `given`, else $FASIM_ROOT, else the current
    directory or one above it, else the checkout this package lives in; None when there is none."""
    def is_root(d):
        return d and os.path.isfile(os.path.join(d, "jobs", "theorem3-sweep.ini"))
    if given:
        return os.path.realpath(given) if is_root(given) else None
    here = os.path.dirname(os.path.abspath(__file__))
    cwd = os.getcwd()
    parents = [cwd]
    while os.path.dirname(parents[-1]) != parents[-1]:
        parents.append(os.path.dirname(parents[-1]))
    for cand in [os.environ.get("FASIM_ROOT"), *parents, os.path.join(here, "..", "..", "..")]:
        if is_root(cand):
            return os.path.realpath(cand)
    return None


def sizes(ap, text, option):
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        ap.error(f"{option}: comma-separated integers expected")


def parser(prog):
    ap = argparse.ArgumentParser(prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", help="fasim checkout with jobs/, slurm/, build/bin/fasim (default: found from the "
                                   "current directory, $FASIM_ROOT or this package)")
    ap.add_argument("--out", help="results directory (default results/reproduce; --quick: results/reproduce-quick)")
    ap.add_argument("--report", help="report path (default docs/reproduction.md; --quick: OUT/reproduction.md)")
    ap.add_argument("--figures", help="figure directory (default docs/figures; --quick: OUT/figures)")
    ap.add_argument("--np", type=int, default=2, help="MPI ranks of the large runs (default 2; n <= 200: 1 rank)")
    ap.add_argument("--slots", type=int, default=2, help="cores to fill: 1-rank runs go side by side (default 2)")
    ap.add_argument("--nice", type=int, default=10, help="niceness of the runs (default 10)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test of the pipeline (~1-2 min)")
    ap.add_argument("--thm3-seeds", type=int, metavar="N",
                    help="seeds of C at the larger Theorem 3 size (default 100, the job's count)")
    ap.add_argument("--thm4-sizes", metavar="N,N,...", help="Theorem 4 sizes n (default 100,200,500,1000,2000,4000)")
    ap.add_argument("--thm4-diagonal-sizes", metavar="N,N,...",
                    help="Theorem 4 sizes n with a diagonal Y (default 10000,100000,1000000; empty: none)")
    ap.add_argument("--only", metavar="NAME,...", help="run only these runs (names from --list); report on all")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--report-only", action="store_true", help="run nothing: collect, plot, report")
    mode.add_argument("--slurm", action="store_true", help="submit the runs with sbatch and exit")
    mode.add_argument("--list", action="store_true", help="print the runs and their commands and exit")
    ap.add_argument("--sbatch-args", metavar="ARGS", help='extra sbatch options, e.g. "--time=01:00:00 -p short"')
    ap.add_argument("--dry-run", action="store_true", help="with --slurm: print the sbatch commands only")
    return ap


def main(argv=None, prog="fasim-reproduce", root=None):
    ap = parser(prog)
    args = ap.parse_args(argv)
    root = find_root(args.root or root)
    if root is None:
        ap.error("no fasim checkout found (a directory with jobs/theorem3-sweep.ini): pass --root DIR")
    os.chdir(root)
    prof = "quick" if args.quick else "full"
    profile = copy.deepcopy(PROFILES[prof])
    if args.out:
        out = os.path.relpath(args.out) if not os.path.relpath(args.out).startswith("..") else os.path.abspath(args.out)
    else:
        out = "results/reproduce-quick" if args.quick else "results/reproduce"
    args.report = args.report or (os.path.join(out, "reproduction.md") if args.quick else "docs/reproduction.md")
    args.figures = args.figures or (os.path.join(out, "figures") if args.quick else "docs/figures")
    if args.np < 1:
        ap.error("--np must be >= 1")
    if args.thm3_seeds is not None:
        if args.thm3_seeds < 1:
            ap.error("--thm3-seeds must be >= 1")
        profile["thm3"][-1]["seeds"] = args.thm3_seeds
    if args.thm4_sizes:
        profile["thm4"]["sizes"] = sizes(ap, args.thm4_sizes, "--thm4-sizes")
    if args.thm4_diagonal_sizes is not None:
        profile["thm4"]["diagonal_sizes"] = sizes(ap, args.thm4_diagonal_sizes, "--thm4-diagonal-sizes")
    runs = plan(profile, out, args.np)
    only = [x.strip() for x in (args.only or "").split(",") if x.strip()]
    unknown = [x for x in only if x not in {r.name for r in runs}]
    if unknown:
        ap.error(f"--only: unknown run(s) {', '.join(unknown)}; known: {', '.join(r.name for r in runs)}")
    todo = [r for r in runs if not only or r.name in only]
    if args.list:
        for r in runs:
            print(f"{r.name:16s} {r.display()}")
        return 0
    os.makedirs(out, exist_ok=True)

    if args.slurm:
        ids = launch.submit_slurm(todo, args, root, out)
        if ids is None:
            return 1
        if args.dry_run:
            print("\n(dry run: nothing submitted)")
            return 0
        again = " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])
                         if a not in ("--slurm", "--dry-run"))
        print(f"\nSubmitted {len(todo)} job(s){': ' + ' '.join(ids) if ids else ''}. When they have finished "
              f"(squeue --me), draw the figures and write the report with:\n\n"
              f"    {prog} --report-only {again}".rstrip() + "\n")
        return 0

    timings = launch.load_timings(out)
    total = None
    t0 = time.monotonic()
    if not args.report_only:
        launch.run_all(todo, args, root, out, timings)
    print("collecting, plotting, checking the claims", flush=True)
    summaries = launch.collect_sweeps(runs, root, out)
    figures = draw_figures(runs, summaries, args.figures)
    results = Results(runs, summaries)
    claims = [(c, c.evaluate(results)) for c in claims_for(runs)]
    if args.report_only:
        total = timings.get("_total")
    else:
        total = time.monotonic() - t0
        if not only:     # the report's total is that of the last complete run
            timings["_total"] = total
            launch.save_timings(out, timings)
    write_report(args.report, dict(root=root, runs=runs, claims=claims, figures=figures, args=args, timings=timings,
                                   total=total, prof=prof, profile=profile, out=out))
    for c, o in claims:
        print(f"{'PASS' if o.passed else 'FAIL'}  {c.title}\n      {o.measured}")
    print(f"report: {args.report}; figures: {args.figures}/")
    return 0 if all(o.passed for _, o in claims) else 1
