#!/usr/bin/python3
"""docs/output-format.md and a real result file agree both ways: every documented name exists in the file (with
the documented kind: attribute, group or dataset, and type where the docs state one), and nothing in the file is
undocumented. The file is made by fasim with every optional part switched on (every algorithm, probes,
snapshots, the target saved)."""
import os
import re
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "app"))
from e2e_support import SMALL, fasim, run_tests, tmpdir, write  # noqa: E402

SOURCE = os.environ.get("FASIM_SOURCE_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DOC = open(os.path.join(SOURCE, "docs", "output-format.md")).read()
# HDF5's own dimension-scale bookkeeping (documented as such in the netCDF-4 paragraph).
SCALE_ATTRIBUTES = {"CLASS", "NAME", "REFERENCE_LIST", "DIMENSION_LIST", "coordinates"}
# Documented objects that only some runs have: factored targets, linear networks, failed runs.
CONDITIONAL = {"/problem/U", "/problem/V", "/problem/X", "/@error"}  # error: failed runs only
# Completion's record of Ω (problem.observe = completion only).
OMEGA = {"/problem/observed", "/problem@observe", "/problem@observed_count", "/problem@mask_source",
         "/problem@mask_fraction", "/problem@mask_seed"}
CONDITIONAL |= OMEGA
# Sensing's record of its measurements (problem.observe = sensing only; A and B for rank-one ones).
SENSING = {"/problem/A", "/problem/B", "/problem@observe", "/problem@sensing_kind", "/problem@measurements",
           "/problem@sensing_source", "/problem@sensing_seed", "/problem@measured_norm2"}
CONDITIONAL |= SENSING


def section(title):
    """The text of the '## title' section (up to the next '## ')."""
    start = DOC.index("## " + title)
    end = DOC.find("\n## ", start + 3)
    return DOC[start:end if end >= 0 else len(DOC)]


def names(text):
    return re.findall(r"`([^`]+)`", text)


def table_rows(text):
    return [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| name")
            and not line.startswith("| object") and not line.startswith("|---")]


def documented():
    """{path: kind} with kind 'attribute', 'dataset' or 'group'; attribute paths are 'object@name'."""
    doc = {}
    for row in table_rows(section("Root attributes")):
        for n in names(row.split("|")[1]):
            doc["/@" + n] = "attribute"
    for row in table_rows(section("`/problem`")):
        first = row.split("|")[1]
        kind = "attribute" if first.strip().startswith("attributes") else "dataset"
        for n in names(first):
            doc[("/problem@" if kind == "attribute" else "/problem/") + n] = kind
    for n in names(section("`/init`").split("\n", 2)[1]):
        if re.fullmatch(r"\w+", n):
            doc["/init/" + n] = "dataset"
    runs = section("`/runs/<algorithm>`")
    metrics = names(runs[runs.index("Trajectory metrics:"):runs.index("\n\n", runs.index("Trajectory metrics:"))])
    metrics = [m for m in metrics if re.fullmatch(r"\w+", m) and not m.startswith("run")]
    start = runs.index("Completion metrics")
    completion = [m for m in names(runs[start:runs.index("\n\n", start)])
                  if re.fullmatch(r"[a-z_]+", m) and m not in metrics]
    for m in completion:
        doc["/runs/*/trajectory/" + m] = "dataset"
        CONDITIONAL.add("/runs/*/trajectory/" + m)
    for row in table_rows(runs):
        first = row.split("|")[1]
        for n in names(first):
            if first.strip().startswith("attributes"):
                doc["/runs/*@" + n] = "attribute"
            elif n == "trajectory/<metric>":
                for m in metrics:
                    doc["/runs/*/trajectory/" + m] = "dataset"
            else:
                doc["/runs/*/" + n] = "dataset"
    for n in names(section("`/summary` attributes").split("\n", 2)[1] + section("`/summary` attributes")):
        if re.fullmatch(r"\w+", n) and n != "summary":
            doc["/summary@" + n] = "attribute"
    return doc, metrics


def written(path):
    found = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            p = "/" + name
            generic = re.sub(r"^/runs/(gd|fastar|fa|usf|frsf|kp|mixed)(?=/|$)", "/runs/*", p)
            if isinstance(obj, h5py.Dataset):
                found[generic] = ("dataset", obj.dtype)
            for a in obj.attrs:
                if a not in SCALE_ATTRIBUTES:
                    found[generic + "@" + a] = ("attribute", None)
        for a in f.attrs:
            found["/@" + a] = ("attribute", None)
        f.visititems(visit)
    return found


def test_result_file_matches_docs_both_ways():
    d = tmpdir()
    # Every algorithm, the feedback rules included (kp's B and decay, mixed's alpha are theirs only).
    ini = write(f"{d}/a.ini", SMALL.replace("algorithms = gd,fa,fastar", "algorithms = gd,fa,fastar,usf,frsf,kp,mixed")
                + "\n[output]\nsnapshot_every = 100\nsave_target = yes\n")
    out = f"{d}/a.h5"
    fasim(["run", ini, f"--output.file={out}"], ranks=2)
    doc, metrics = documented()
    assert len(metrics) >= 10, metrics
    found = written(out)
    missing = sorted(p for p in doc if p not in found and p not in CONDITIONAL)
    undocumented = sorted(p for p in found if p not in doc)
    assert not missing, f"documented in docs/output-format.md but not written: {missing}"
    assert not undocumented, f"written but not documented in docs/output-format.md: {undocumented}"
    # Types the docs state.
    with h5py.File(out, "r") as f:
        assert f["runs/fa/trajectory/step"].dtype == np.float64
        assert f["runs/fa/snapshots/step"].dtype == np.int64
        assert f.attrs["schema_version"] == "1.6"
        assert f.attrs["status"] in ("running", "checkpointed", "failed", "complete")
        assert f["problem"].attrs["spectrum"] == "two-level"
    # Completion writes its documented columns (and nothing undocumented).
    completion = sorted(p for p in doc if "/trajectory/" in p and p in CONDITIONAL)
    assert len(completion) == 4, completion
    out = f"{d}/c.h5"
    fasim(["run", ini, f"--output.file={out}", "--problem.observe=completion", "--run.algorithms=gd,fa"], ranks=2)
    found = written(out)
    assert not [p for p in completion if p not in found], f"completion metrics not written: {completion}"
    assert not [p for p in OMEGA if p not in doc], f"Ω's record not documented: {sorted(OMEGA - set(doc))}"
    assert not [p for p in OMEGA if p not in found], f"Ω's record not written: {sorted(OMEGA - set(found))}"
    assert found["/problem/observed"][1] == np.uint8
    undocumented = sorted(p for p in found if p not in doc)
    assert not undocumented, f"written but not documented in docs/output-format.md: {undocumented}"
    # Sensing writes the completion columns and its record of the measurements, all documented.
    out = f"{d}/s.h5"
    fasim(["run", ini, f"--output.file={out}", "--problem.observe=sensing", "--sensing.measurements=60",
           "--run.algorithms=gd,fa", "--run.steps=20", "--gd.lr=0.01", "--fa.lr=0.01"], ranks=2)
    found = written(out)
    assert not [p for p in completion if p not in found], f"completion metrics not written: {completion}"
    assert not [p for p in SENSING if p not in doc], f"sensing's record not documented: {sorted(SENSING - set(doc))}"
    assert not [p for p in SENSING if p not in found], f"sensing's record not written: {sorted(SENSING - set(found))}"
    undocumented = sorted(p for p in found if p not in doc)
    assert not undocumented, f"written but not documented in docs/output-format.md: {undocumented}"


def schema_words(enum):
    """The words of `enum`'s table in include/fasim/config/words.hpp or fasim/model/words.hpp, in order."""
    header = "".join(open(os.path.join(SOURCE, "include", "fasim", layer, "words.hpp")).read()
                     for layer in ("config", "model"))
    start = header.index(f"struct Names<{enum}>")
    return re.findall(r'\{"([^"]+)", ', header[start:header.index("};", start)])


def test_documented_words_are_the_schema_tables():
    runs = section("`/runs/<algorithm>`")
    sentence = runs[runs.index("`stop_reason` is one of"):]
    sentence = sentence[:sentence.index("Checkpoints use")]
    documented = [w for w in names(sentence) if w != "stop_reason"]
    assert documented == schema_words("StopReason"), (documented, schema_words("StopReason"))
    status_row = next(r for r in table_rows(section("Root attributes")) if r.startswith("| `status`"))
    assert names(status_row.split("|")[3]) == schema_words("FileStatus"), status_row


if __name__ == "__main__":
    run_tests([test_result_file_matches_docs_both_ways, test_documented_words_are_the_schema_tables])
