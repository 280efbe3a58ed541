"""fasim_post: read fasim result files (HDF5, see docs/output-format.md) and `fasim collect` summaries.

    from fasim_post import load, load_summary, to_dataframe
    res = load("run.h5")
    res.runs["fa"].trajectory["loss"]        # numpy array, one entry per recorded step
    res.problem["optimal_error"]             # float
    pts = load_summary("summary.h5")         # or summary.csv: dict column -> numpy array
    df = to_dataframe("run.h5")              # pandas: columns algorithm, step, time, loss, ...
    omega = observed_entries(res)            # completion: Ω as an n×m bool array
    ms = measurements(res)                   # sensing: the A_i (rank-one a_i, b_i or dense), 𝒜 and 𝒜*
"""
from .frame import summary_dataframe, to_dataframe
from .observed import observed_entries, observed_loss
from .sensing import measurements, sensing_loss
from .io import (ALGORITHMS, SCHEMA_VERSION, Result, Run, SchemaVersionError, experiment_name, is_summary, load,
                 load_summary, parse_ini, schema_version, summary_column)

__all__ = ["ALGORITHMS", "SCHEMA_VERSION", "Result", "Run", "SchemaVersionError", "experiment_name", "is_summary",
           "load", "load_summary", "measurements", "observed_entries", "observed_loss", "parse_ini", "schema_version",
           "sensing_loss", "summary_column", "summary_dataframe", "to_dataframe"]
