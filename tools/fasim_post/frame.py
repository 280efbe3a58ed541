"""Result files as pandas DataFrames (long format: one row per algorithm and recorded step)."""
import numpy as np

from .io import load


def to_dataframe(paths):
    """The trajectories of every run in one result file (or several: a list of paths adds a `file` column) as a
    pandas DataFrame with columns algorithm, step, then every scalar metric (time, loss, fa_loss, …); a T×p
    metric such as probe_xAx becomes p columns probe_xAx_0 … probe_xAx_{p−1}. Rows are sorted by file,
    algorithm (gd, fa, fastar, usf, frsf, kp, mixed) and step; `step` is int64."""
    import pandas as pd
    many = not isinstance(paths, (str, bytes)) and not hasattr(paths, "__fspath__")
    frames = []
    for path in (paths if many else [paths]):
        for alg, run in load(path).runs.items():
            T = run.T
            cols = {"algorithm": np.repeat(alg, T), "step": run.steps().astype(np.int64)}
            # time (= step × lr) next to step, then the metrics by name
            for metric, values in sorted(run.trajectory.items(), key=lambda kv: (kv[0] != "time", kv[0])):
                values = np.asarray(values)[:T]
                if metric == "step":
                    continue
                if values.ndim == 1:
                    cols[metric] = values
                else:
                    cols.update({f"{metric}_{j}": values[:, j] for j in range(values.shape[1])})
            frame = pd.DataFrame(cols)
            if many:
                frame.insert(0, "file", str(path))
            frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=(["file"] if many else []) + ["algorithm", "step"])
    return pd.concat(frames, ignore_index=True)


def summary_dataframe(path):
    """A `fasim collect` summary (.h5 or .csv) as a pandas DataFrame, one row per result file."""
    import pandas as pd
    from .io import load_summary
    return pd.DataFrame(load_summary(path))
