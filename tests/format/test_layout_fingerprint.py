#!/usr/bin/python3
"""The written layout changes only with its version. A small result (gd, fa and kp — kp's learned B —, probes,
snapshots, the target saved) and its checkpoint, and a network run (depth 3, every algorithm a network has) and
its checkpoint, are reduced to a fingerprint of their layout: every group, every
dataset with its rank, dtype and trailing extents (a row's width), every attribute with its rank and dtype (no
values, no lengths that grow with the run). The fingerprint must equal the one recorded for the file's
schema_version (tests/format/layout/result-<schema_version>.txt, network-result-<schema_version>.txt) and the
checkpoint's for its format_version (checkpoint-<format_version>.txt, network-checkpoint-<format_version>.txt). A layout change without a version bump fails here; after a bump
(include/fasim/format/schema.hpp), `tests/format/test_layout_fingerprint.py --record` records the new version's
fingerprint (it never overwrites an existing one)."""
import os
import sys

import h5py

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "app"))
from e2e_support import SMALL, fasim, run_tests, tmpdir, write  # noqa: E402

LAYOUTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "layout")
JOB = (SMALL.replace("algorithms = gd,fa,fastar", "algorithms = gd,fa,kp").replace("[fastar]", "[kp]")
       + "\n[output]\nsnapshot_every = 100\nsave_target = yes\ncheckpoint_every = 200\n")

NETWORK_JOB = """
[problem]
source = network
n = 5
m = 3
k = 3
samples = 7
[network]
depth = 3
widths = 4,3
activation = tanh
[run]
algorithms = gd,fa,dfa,kp
steps = 40
record_every = 10
[gd]
lr = 0.01
[fa]
lr = 0.01
[dfa]
lr = 0.01
[kp]
lr = 0.01
decay = 0.1
[output]
snapshot_every = 20
save_target = yes
checkpoint_every = 20
"""


def dtype_word(dtype):
    if h5py.check_string_dtype(dtype) is not None:
        return "string"
    return dtype.str


def fingerprint(path):
    lines = []
    with h5py.File(path, "r") as f:
        def attributes(name, obj):
            for a in obj.attrs:
                attr = h5py.h5a.open(obj.id, a.encode())
                lines.append(f"attribute {name}@{a} rank {len(attr.shape or ())} {dtype_word(attr.dtype)}")

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                # The trailing extents are the layout's (a row's width: 13 metrics + probes); the first one
                # grows with the run.
                trailing = "x".join(str(n) for n in (obj.shape or ())[1:])
                lines.append(f"dataset /{name} rank {len(obj.shape or ())} {dtype_word(obj.dtype)} {trailing}".rstrip())
            else:
                lines.append(f"group /{name}")
            attributes("/" + name, obj)
        attributes("/", f)
        f.visititems(visit)
        versions = {key: f.attrs[key] for key in ("schema_version", "format_version") if key in f.attrs}
    return sorted(lines), versions


def recorded_name(kind, versions):
    key = "format_version" if kind.endswith("checkpoint") else "schema_version"
    return os.path.join(LAYOUTS, f"{kind}-{versions[key]}.txt")


def written_files():
    d = tmpdir()
    ini = write(f"{d}/job.ini", JOB)
    fasim(["run", ini, f"--output.file={d}/r.h5"])
    assert os.path.exists(f"{d}/r.h5.ckpt"), os.listdir(d)
    # A network run (depth 3, tanh, X and O generated; kp's learned B) and its checkpoint: since schema 1.2.
    net = write(f"{d}/net.ini", NETWORK_JOB)
    fasim(["run", net, f"--output.file={d}/n.h5"])
    assert os.path.exists(f"{d}/n.h5.ckpt"), os.listdir(d)
    return {"result": f"{d}/r.h5", "checkpoint": f"{d}/r.h5.ckpt", "network-result": f"{d}/n.h5",
            "network-checkpoint": f"{d}/n.h5.ckpt"}


def test_layout_matches_its_version():
    problems = []
    for kind, path in written_files().items():
        lines, versions = fingerprint(path)
        recorded = recorded_name(kind, versions)
        if not os.path.exists(recorded):
            problems.append(f"no layout recorded for this {kind}'s version ({os.path.basename(recorded)}): a new "
                            "version's layout is recorded with tests/format/test_layout_fingerprint.py --record")
            continue
        want = open(recorded).read().splitlines()
        if lines != want:
            gone = sorted(set(want) - set(lines))
            new = sorted(set(lines) - set(want))
            problems.append(f"the {kind} layout differs from {os.path.basename(recorded)} (recorded for the "
                            f"version it still carries: {versions}): gone {gone}, new {new}. Bump kSchemaVersion "
                            "(kCheckpointFormat for a checkpoint) in include/fasim/format/schema.hpp, document the "
                            "change in docs/output-format.md, and record the new version with --record")
    assert not problems, "\n".join(problems)


def test_fingerprint_sees_a_layout_change():
    # The fingerprint is not blind: a dataset, an attribute or a dtype more or less changes it.
    path = written_files()["result"]
    before, _ = fingerprint(path)
    with h5py.File(path, "r+") as f:
        f["runs/fa"].attrs["extra"] = 1
    after, _ = fingerprint(path)
    assert set(after) - set(before) == {"attribute /runs/fa@extra rank 0 <i8"}, set(after) ^ set(before)


def record():
    os.makedirs(LAYOUTS, exist_ok=True)
    for kind, path in written_files().items():
        lines, versions = fingerprint(path)
        target = recorded_name(kind, versions)
        if os.path.exists(target):
            print(f"{target} exists: a recorded version is never rewritten (bump the version instead)")
            continue
        with open(target, "w") as out:
            out.write("\n".join(lines) + "\n")
        print(f"recorded {target}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--record"]:
        record()
    else:
        run_tests([test_layout_matches_its_version, test_fingerprint_sees_a_layout_change])
