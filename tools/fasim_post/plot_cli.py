"""fasim-plot FILE... [--out DIR] [--pdf] [--zoom-from STEP]

Draws the paper's figures from fasim result files (Figs 2-6) and `fasim collect` summaries
(.h5 with /points, or .csv: Theorems 3 and 4), choosing by what each file holds; a file with a feedback
rule (usf, frsf, kp, mixed) also gets the alignment cos∠(B, W) (feedback_alignment) and ‖(Y − Ŷ)Bᵀ‖²,
‖B − W‖ (feedback) of every algorithm in it; a network result (docs/networks.md) gets its loss ‖O − Ŷ‖²_F
(network_loss) and each hidden layer's alignment align_l (layer_alignment). Writes
<DIR>/<file stem>_<kind>.png (and .pdf with --pdf) and prints the paths written.
"""
import argparse
import os
import sys

from . import plots
from .io import SchemaVersionError, is_summary, load, load_summary


def main(argv=None):
    ap = argparse.ArgumentParser(prog="fasim-plot", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", metavar="FILE", help="fasim result files or collect summaries")
    ap.add_argument("--out", default=".", metavar="DIR", help="output directory (default: .)")
    ap.add_argument("--pdf", action="store_true", help="also write PDF")
    ap.add_argument("--zoom-from", type=float, default=300, metavar="STEP",
                    help="first step of Fig 6's zoomed panel (default 300)")
    args = ap.parse_args(argv)
    failures = 0
    for path in args.files:
        stem = os.path.splitext(os.path.basename(path))[0]
        try:
            if is_summary(path):
                figs = plots.summary_figures(load_summary(path), stem)
            else:
                figs = plots.result_figures(load(path), zoom_from=args.zoom_from)
        except SchemaVersionError as exc:   # its message names the file
            print(f"fasim-plot: {exc}", file=sys.stderr)
            failures += 1
            continue
        except Exception as exc:  # keep going with the other files
            print(f"fasim-plot: {path}: {type(exc).__name__}: {exc}", file=sys.stderr)
            failures += 1
            continue
        if not figs:
            print(f"fasim-plot: {path}: nothing to plot", file=sys.stderr)
            continue
        for p in plots.save(figs, args.out, stem, pdf=args.pdf):
            print(p)
    return 1 if failures else 0
