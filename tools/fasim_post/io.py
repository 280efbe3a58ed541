"""Readers for fasim result files and `fasim collect` summaries.

The schema of a result file is docs/output-format.md; everything optional there is optional here:
a missing dataset or attribute is simply absent from the dicts below (use ``.get``).
"""
import csv
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

import numpy as np

#: the algorithms in the order in which they are plotted
ALGORITHMS = ("gd", "fa", "fastar", "usf", "frsf", "kp", "mixed")

#: the newest schema this reader understands ("MAJOR.MINOR"); a file without `schema_version` is 1.0
SCHEMA_VERSION = "1.4"


def open_h5(path):
    """h5py.File(path, "r"), also on file systems without locks (NFS without lockd, Lustre without flock): HDF5
    locks every file it opens and fails with "unable to lock file" when the file system answers ENOLCK (it only
    passes over ENOSYS). A reader needs no lock, so the open is then repeated without HDF5's file locking
    (what HDF5_USE_FILE_LOCKING=FALSE does for every open of a process)."""
    import h5py
    try:
        return h5py.File(path, "r")
    except OSError as e:
        if "lock" not in str(e).lower():
            raise
    try:
        return h5py.File(path, "r", locking=False)  # h5py >= 3.5
    except TypeError:
        pass
    saved = os.environ.get("HDF5_USE_FILE_LOCKING")
    os.environ["HDF5_USE_FILE_LOCKING"] = "FALSE"  # read by HDF5 (>= 1.10.7) at each open
    try:
        return h5py.File(path, "r")
    finally:
        if saved is None:
            del os.environ["HDF5_USE_FILE_LOCKING"]
        else:
            os.environ["HDF5_USE_FILE_LOCKING"] = saved


class SchemaVersionError(ValueError):
    """A file written by a newer fasim whose schema (major version) this fasim_post cannot read."""


def schema_version(path, attrs) -> str:
    """The file's `schema_version` root attribute ("1.0" when absent); raises SchemaVersionError for a newer
    major version than SCHEMA_VERSION's or an unreadable value."""
    value = _py(attrs.get("schema_version", "1.0"))
    try:
        major = int(str(value).split(".")[0])
    except ValueError:
        raise SchemaVersionError(f"{path}: schema_version '{value}' is not MAJOR.MINOR") from None
    if major > int(SCHEMA_VERSION.split(".")[0]):
        raise SchemaVersionError(f"{path}: schema_version {value} is newer than this fasim_post reads "
                                 f"({SCHEMA_VERSION.split('.')[0]}.x); install the fasim_post of the fasim that "
                                 "wrote it (pip install ./tools)")
    return str(value)


#: datasets of /problem and /init read when present
_PROBLEM_DATASETS = ("C", "Y", "singular_values", "X")
_INIT_DATASETS = ("Z0", "W0")


def _py(value):
    """An HDF5 attribute value as a plain Python/numpy value (bytes decoded, 0-d arrays unwrapped)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in ("S", "O"):
            out = np.array([_py(v) for v in value.ravel()], dtype=object).reshape(value.shape)
            if all(isinstance(v, str) for v in out.ravel()):
                out = out.astype(str)
            return out.item() if out.ndim == 0 else out
        return value.item() if value.ndim == 0 else value
    if isinstance(value, np.generic):
        return value.item()
    return value


def _attrs(obj) -> Dict[str, Any]:
    return {k: _py(v) for k, v in obj.attrs.items()}


def _read(ds) -> np.ndarray:
    arr = ds[()]
    if isinstance(arr, bytes) or (isinstance(arr, np.ndarray) and arr.dtype.kind in ("S", "O")):
        return _py(arr if isinstance(arr, np.ndarray) else np.array(arr))
    return np.asarray(arr)


def parse_ini(text: str) -> Dict[str, Dict[str, str]]:
    """Parse INI text into section -> key -> value (strings). Tolerant: '#' and ';' comments
    (whole-line, or after whitespace), keys before any section go to section '', repeated sections
    merge, later keys win."""
    out: Dict[str, Dict[str, str]] = {}
    section = ""
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and "]" in line:
            section = line[1:line.index("]")].strip()
            out.setdefault(section, {})
            continue
        for sep in ("=", ":"):
            if sep in line:
                key, value = line.split(sep, 1)
                break
        else:
            key, value = line, ""
        for marker in (" #", "\t#", " ;", "\t;"):
            if marker in value:
                value = value[:value.index(marker)]
        out.setdefault(section, {})[key.strip()] = value.strip()
    return out


@dataclass
class Config:
    text: str = ""
    sections: Dict[str, Dict[str, str]] = field(default_factory=dict)

    def get(self, section: str, key: str, default=None):
        return self.sections.get(section, {}).get(key, default)

    def __getitem__(self, section):
        return self.sections[section]

    def __contains__(self, section):
        return section in self.sections


@dataclass
class Run:
    """One algorithm's part of a result file (/runs/<name>)."""
    name: str
    trajectory: Dict[str, np.ndarray] = field(default_factory=dict)
    Z: Optional[np.ndarray] = None
    W: Optional[np.ndarray] = None
    #: kp's learned feedback matrix (r×m), None for the other algorithms
    B: Optional[np.ndarray] = None
    attrs: Dict[str, Any] = field(default_factory=dict)
    #: {'Z': S×n×r, 'W': S×r×m, 'step': S} (whichever exist; a network's 'W1' … 'WL'), or None when the run
    #: has no snapshots
    snapshots: Optional[Dict[str, np.ndarray]] = None
    #: a network's final weights 'W1' … 'WL' and kp's 'B2' … 'BL' (empty for the paper's model)
    layers: Dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def T(self) -> int:
        """Number of trajectory rows (the shortest metric, should a crashed file disagree)."""
        lens = [len(v) for v in self.trajectory.values()]
        return min(lens) if lens else 0

    def steps(self) -> np.ndarray:
        """The x axis: trajectory/step if recorded, else 0..T-1."""
        s = self.trajectory.get("step")
        return np.asarray(s[:self.T]) if s is not None else np.arange(self.T)

    def metric(self, name) -> Optional[np.ndarray]:
        v = self.trajectory.get(name)
        return None if v is None else np.asarray(v)[:self.T]


@dataclass
class Result:
    """A fasim result file. ``config`` holds the INI text (``config.text``) and the parsed
    ``config.sections`` (section -> key -> str)."""
    path: str
    config: Config
    attrs: Dict[str, Any]
    problem: Dict[str, Any]
    init: Dict[str, np.ndarray]
    runs: Dict[str, Run]
    summary: Dict[str, Any]

    @property
    def name(self) -> str:
        return experiment_name(self)


def load(path: str) -> Result:
    """Read a fasim result file. Missing optional objects are left out (dicts) or None (Run.Z etc.)."""
    import h5py
    with open_h5(path) as f:
        attrs = _attrs(f)
        schema_version(path, attrs)
        text = attrs.get("config", "") or ""
        config = Config(text=text, sections=parse_ini(text))
        problem: Dict[str, Any] = {}
        if "problem" in f:
            g = f["problem"]
            problem.update(_attrs(g))
            for name in g:
                if isinstance(g[name], h5py.Dataset):
                    problem[name] = _read(g[name])
        init: Dict[str, np.ndarray] = {}
        if "init" in f:
            for name in f["init"]:
                if isinstance(f["init"][name], h5py.Dataset):
                    init[name] = _read(f["init"][name])
        runs: Dict[str, Run] = {}
        if "runs" in f:
            names = list(f["runs"])
            names.sort(key=lambda a: (ALGORITHMS.index(a) if a in ALGORITHMS else len(ALGORITHMS), a))
            for alg in names:
                g = f["runs"][alg]
                if not isinstance(g, h5py.Group):
                    continue
                run = Run(name=alg, attrs=_attrs(g))
                if "Z" in g:
                    run.Z = _read(g["Z"])
                if "W" in g:
                    run.W = _read(g["W"])
                if "B" in g:
                    run.B = _read(g["B"])
                for name in g:
                    if name[:1] in "WB" and name[1:].isdigit() and isinstance(g[name], h5py.Dataset):
                        run.layers[name] = _read(g[name])
                if "trajectory" in g:
                    for metric in g["trajectory"]:
                        run.trajectory[metric] = _read(g["trajectory"][metric])
                if "snapshots" in g and len(g["snapshots"]):
                    run.snapshots = {k: _read(g["snapshots"][k]) for k in g["snapshots"]}
                runs[alg] = run
        summary = _attrs(f["summary"]) if "summary" in f else {}
    return Result(path=str(path), config=config, attrs=attrs, problem=problem, init=init, runs=runs,
                  summary=summary)


def is_summary(path) -> bool:
    """True for a `fasim collect` summary (CSV, or HDF5 with /points and no /runs)."""
    if str(path).lower().endswith(".csv"):
        return True
    with open_h5(path) as f:
        return "points" in f and "runs" not in f


def experiment_name(res: Result) -> str:
    """A human name for the experiment: a `name`/`experiment` key of the config if any, else the
    stem of the file name."""
    for section in ("experiment", "output", "run", ""):
        for key in ("name", "experiment", "title"):
            v = res.config.get(section, key)
            if v:
                return v
    return os.path.splitext(os.path.basename(res.path))[0]


# --------------------------------------------------------------------------------------- summaries

def _maybe_numeric(values) -> np.ndarray:
    """Strings -> float array when every entry parses as a number (empty -> nan), else str array."""
    strs = [v.decode() if isinstance(v, bytes) else str(v) for v in values]
    try:
        return np.array([float(s) if s.strip() not in ("", "nan", "NaN") else np.nan for s in strs],
                        dtype=float)
    except ValueError:
        return np.array(strs, dtype=str)


def load_summary(path: str) -> Dict[str, np.ndarray]:
    """Read the table written by `fasim collect`: an HDF5 file with group /points holding one 1-D
    dataset per column (a compound dataset /points is accepted too), or its CSV twin (header row).
    Returns column -> 1-D numpy array; string columns whose entries all parse as numbers become
    float arrays, other string columns are numpy str arrays."""
    ext = os.path.splitext(str(path))[1].lower()
    if ext == ".csv":
        with open(path, newline="") as fh:
            rows = list(csv.reader(fh))
        for r in rows:     # a "# schema_version = X.Y" comment line, should a summary carry one
            if r and r[0].startswith("#") and "schema_version" in r[0]:
                schema_version(path, {"schema_version": r[0].split("schema_version")[1].strip(" =:")})
        rows = [r for r in rows if r and not r[0].startswith("#")]
        if not rows:
            return {}
        header, body = [h.strip() for h in rows[0]], rows[1:]
        cols = {}
        for j, name in enumerate(header):
            cols[name] = _maybe_numeric([r[j] if j < len(r) else "" for r in body])
        return cols
    import h5py
    cols: Dict[str, np.ndarray] = {}
    with open_h5(path) as f:
        schema_version(path, _attrs(f))
        node = f["points"] if "points" in f else f
        if isinstance(node, h5py.Dataset):
            data = node[()]
            for name in data.dtype.names or ():
                cols[name] = _column(data[name])
        else:
            for name in node:
                if isinstance(node[name], h5py.Dataset):
                    cols[name] = _column(node[name][()])
    return cols


def _column(arr) -> np.ndarray:
    arr = np.asarray(arr)
    if arr.dtype.kind in ("S", "O", "U"):
        return _maybe_numeric(list(arr.ravel()))
    return arr


def summary_column(points: Dict[str, np.ndarray], *names) -> Optional[np.ndarray]:
    """The first of `names` present in `points`, also trying a dotted prefix ('n' matches
    'problem.n'); None when absent."""
    for name in names:
        if name in points:
            return points[name]
    for name in names:
        for key in points:
            if key.endswith("." + name) or key.endswith("/" + name):
                return points[key]
    return None
