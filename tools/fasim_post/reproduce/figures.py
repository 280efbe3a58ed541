"""The report's figures, all drawn by fasim_post.plots: which kinds of which run, and the two the claims need
beyond what fasim-plot draws per file (Fact 3's drift over three runs, Fig 3a's cᵀw from the snapshots)."""
import os

from .. import plots
from ..io import load, load_summary
from .claims import FACT3, ctw

#: run -> the kinds of fasim-plot figure the report shows for it
RUN_FIGURES = {"fig2a": ["loss"], "fig2b": ["loss"], "fig3a": ["unit_vector"], "fig3a-smalllr": ["unit_vector"],
               "fig3b": ["fastar_fa_loss", "probes", "align_min_eig"], "fig5": ["fa_vs_fastar"],
               "fig5-lrw": ["fa_vs_fastar"], "fig6": ["fa_zoom"], "theorem4-n1000": ["loss"]}
#: summary -> kinds (every Theorem 3 sweep gets its histogram)
SUMMARY_FIGURES = {"theorem4": ["thm4_overlap"], "theorem3-": ["thm3_hist"]}
FACT3_LABELS = ("Euler, lr 0.1", "Euler, lr 0.05", "RK4, lr 0.1")


def _stem(path):
    return os.path.splitext(os.path.basename(path))[0]


def draw_figures(runs, summaries, figdir):
    """Draws the report's figures into `figdir` (its old PNGs removed first); returns the paths written."""
    if os.path.isdir(figdir):
        for f in os.listdir(figdir):
            if f.endswith(".png"):
                os.remove(os.path.join(figdir, f))
    by = {r.name: r for r in runs if os.path.exists(r.output)}
    paths = []

    def save(figs, stem):
        paths.extend(plots.save(figs, figdir, stem))

    for name, kinds in RUN_FIGURES.items():
        if name in by:
            save(plots.result_figures(load(by[name].output), kinds=kinds), _stem(by[name].output))
    for name, path in summaries.items():
        kinds = next((k for prefix, k in SUMMARY_FIGURES.items() if name.startswith(prefix)), [])
        save(plots.summary_figures(load_summary(path), _stem(path), kinds=kinds), _stem(path))
    save(plots.ztz_drift_plot([(label, load(by[n].output)) for n, label in zip(FACT3, FACT3_LABELS) if n in by]),
         "fact3")
    if "fig3a-smalllr" in by:
        try:
            save(plots.ctw_plot(*ctw(by["fig3a-smalllr"].output), "fig3a-smalllr"), "fig3a")
        except (KeyError, TypeError):     # no snapshots: the claim reports it
            pass
    return paths
