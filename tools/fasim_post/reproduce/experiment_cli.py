"""What the report scripts beyond the paper (scripts/beyond, scripts/networks) share: their command line, the
checkout they run in, and the header of the report they write."""
import argparse
import datetime
import os
import subprocess

from .cli import find_root


def experiment_parser(prog, doc, name, only=False):
    """The options of a report script writing docs/<name>.md from runs in results/<name>: --root, --out,
    --report, --figures, --slots, --nice, (--only) and the modes --report-only and --list."""
    ap = argparse.ArgumentParser(prog=prog, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", help="fasim checkout (default: found from the current directory)")
    ap.add_argument("--out", default=f"results/{name}", help=f"results directory (default results/{name})")
    ap.add_argument("--report", default=f"docs/{name}.md", help=f"report path (default docs/{name}.md)")
    ap.add_argument("--figures", default=f"docs/figures/{name}",
                    help=f"figure directory (default docs/figures/{name})")
    ap.add_argument("--slots", type=int, default=2, help="cores to fill (default 2)")
    ap.add_argument("--nice", type=int, default=10, help="niceness of the runs (default 10)")
    if only:
        ap.add_argument("--only", metavar="LABEL,...", help="run only these runs (labels from --list); report on all")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--report-only", action="store_true", help="run nothing: write the report")
    mode.add_argument("--list", action="store_true", help="print the runs and their commands and exit")
    return ap


def enter_root(ap, args, root=None):
    """The fasim checkout (--root, else `root`, else found from the current directory), made the current
    directory; a usage error when there is none."""
    root = find_root(args.root or root)
    if root is None:
        ap.error("no fasim checkout found (a directory with jobs/theorem3-sweep.ini): pass --root DIR")
    os.chdir(root)
    return root


def report_header(root, out, timings, how):
    """The facts a report states about itself: how it was made, when, from which commit and fasim, on how many
    cores, from which results directory."""
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True,
                            text=True).stdout.strip() or "?"
    return dict(how=how, now=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                commit=commit, version=(timings.get("_fasim_version") or "fasim").splitlines()[0],
                cores=os.cpu_count(), out=out)
