"""fasim_post: read fasim result files (HDF5, see docs/output-format.md) and `fasim collect` summaries.

    from fasim_post import load, load_summary
    res = load("run.h5")
    res.runs["fa"].trajectory["loss"]        # numpy array, one entry per recorded step
    res.problem["optimal_error"]             # float
    pts = load_summary("summary.h5")         # or summary.csv: dict column -> numpy array
"""
from .io import (ALGORITHMS, Result, Run, experiment_name, load, load_summary, parse_ini,
                 summary_column)

__all__ = ["ALGORITHMS", "Result", "Run", "experiment_name", "load", "load_summary", "parse_ini",
           "summary_column"]
