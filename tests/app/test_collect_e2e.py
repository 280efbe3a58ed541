#!/usr/bin/python3
"""`fasim collect` never loses a file: it does not write onto an input, replaces only its own summaries (with
--overwrite), replaces a link at the destination instead of writing through it, follows no link out of the
directory it scans, and its table carries the swept keys, k, steps and the learning rates."""
import hashlib
import os
import subprocess

import h5py

from e2e_support import ENV, FASIM, SMALL, fasim, run_tests, tmpdir, write

D = tmpdir()
R = f"{D}/results"
os.makedirs(R)
INI = write(f"{D}/base.ini", SMALL)
OUTSIDE = f"{D}/outside.h5"
VICTIM = write(f"{D}/victim.txt", "a colleague's notes\n")


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def setup():
    for name, r, lr in [("a", 5, 0.1), ("b", 6, 0.05)]:
        fasim(["run", INI, f"--output.file={R}/{name}.h5", f"--model.r={r}", f"--fa.lr={lr}", "--run.steps=40",
               "--output.progress_seconds=0"])
    fasim(["run", INI, f"--output.file={OUTSIDE}", "--run.steps=40", "--output.progress_seconds=0"])
    os.symlink(OUTSIDE, f"{R}/escape.h5")  # a link out of the scanned directory


def collect(args, code=0):
    p = fasim(["collect"] + args, check=False)
    assert p.returncode == code, f"collect {args}: exit {p.returncode}, expected {code}\n{p.stdout}{p.stderr}"
    if code:
        lines = [l for l in p.stderr.splitlines() if l.startswith("fasim: error")]
        assert len(lines) == 1, p.stderr
        return lines[0]
    return p.stdout


def no_temporaries():
    for d in [D, R]:
        left = [n for n in os.listdir(d) if n.endswith(".tmp")]
        assert not left, f"temporaries left in {d}: {left}"


def test_input_is_never_an_output():
    before = digest(f"{R}/a.h5")
    for args in [["--output", f"{R}/a.h5"], ["--output", f"{R}/../results/a.h5"], ["--csv", f"{R}/a.h5"],
                 ["--output", f"{D}/new.h5", "--csv", f"{R}/b.h5"]]:
        line = collect([R] + args + ["--overwrite"], code=2)
        assert "one of the inputs" in line, line
    os.link(f"{R}/a.h5", f"{D}/hardlink.h5")  # the same inode under another name
    line = collect([R, "--output", f"{D}/hardlink.h5", "--overwrite"], code=2)
    assert "one of the inputs" in line, line
    assert digest(f"{R}/a.h5") == before
    assert not os.path.exists(f"{D}/new.h5")
    no_temporaries()


def test_a_file_that_is_not_a_summary_is_never_replaced():
    notes = write(f"{D}/notes.h5", "not hdf5 at all\n")
    csv = write(f"{D}/data.csv", "x,y\n1,2\n")
    for target, flag in [(notes, "--output"), (OUTSIDE, "--output"), (csv, "--csv")]:
        before = digest(target)
        for extra in [[], ["--overwrite"]]:
            line = collect([R, flag, target] + extra, code=2)
            assert "not a summary" in line, line
        assert digest(target) == before, target
    no_temporaries()


def test_a_summary_is_replaced_only_with_overwrite():
    out, csv = f"{D}/summary.h5", f"{D}/summary.csv"
    collect([f"{R}/a.h5", "--output", out, "--csv", csv])
    with h5py.File(out) as f:
        assert f.attrs["kind"] == "fasim-collect-summary"
        assert len(f["points/file"]) == 1
    before = digest(out)
    assert "--overwrite" in collect([R, "--output", out], code=2)
    assert "--overwrite" in collect([R, "--csv", csv], code=2)
    assert digest(out) == before
    collect([R, "--output", out, "--csv", csv, "--overwrite"])
    with h5py.File(out) as f:
        assert len(f["points/file"]) == 2
    assert len(open(csv).read().splitlines()) == 3
    no_temporaries()


def test_a_link_at_the_destination_is_replaced_not_written_through():
    before = digest(VICTIM)
    for name, target in [("link.h5", VICTIM), ("dangling.h5", f"{D}/nowhere/x.h5"), ("link.csv", VICTIM)]:
        link = f"{D}/{name}"
        os.symlink(target, link)
        flag = "--csv" if name.endswith(".csv") else "--output"
        assert "symbolic link" in collect([R, flag, link], code=2)
        collect([R, flag, link, "--overwrite"])
        assert not os.path.islink(link) and os.path.isfile(link), name
        assert digest(VICTIM) == before, f"{name}: the link's target was written"
    assert not os.path.exists(f"{D}/nowhere")
    no_temporaries()


def test_no_link_out_of_the_scanned_directory_is_followed():
    out = f"{D}/scan.h5"
    stdout = collect([R, "--output", out])
    assert "escape.h5" in stdout and "link out of" in stdout, stdout
    with h5py.File(out) as f:
        files = [x.decode() if isinstance(x, bytes) else x for x in f["points/file"][()]]
    assert sorted(os.path.basename(x) for x in files) == ["a.h5", "b.h5"], files


def test_table_has_swept_keys_k_steps_and_learning_rates():
    out = f"{D}/table.h5"
    collect([R, "--output", out])
    with h5py.File(out) as f:
        cols = set(f["points"].keys())
        for key in ["model.r", "fa.lr", "problem.k", "run.steps", "gd.lr", "fa.lr_w", "fastar.lr"]:
            assert key in cols, f"{key} missing from {sorted(cols)}"
        assert sorted(f["points/model.r"][()]) == [5, 6]
        assert sorted(f["points/fa.lr"][()]) == [0.05, 0.1]
        assert list(f["points/run.steps"][()]) == [40, 40]
        assert not any(c.startswith("output.") for c in cols), cols


def test_outputs_honour_the_umask():
    out = f"{D}/private.h5"
    p = subprocess.run(["bash", "-c", f'umask 077 && exec "$0" collect {R} --output {out} --csv {out}.csv', FASIM],
                       env=ENV, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    for path in [out, out + ".csv"]:
        assert os.stat(path).st_mode & 0o077 == 0, oct(os.stat(path).st_mode)


if __name__ == "__main__":
    setup()
    run_tests([test_input_is_never_an_output, test_a_file_that_is_not_a_summary_is_never_replaced,
               test_a_summary_is_replaced_only_with_overwrite,
               test_a_link_at_the_destination_is_replaced_not_written_through,
               test_no_link_out_of_the_scanned_directory_is_followed,
               test_table_has_swept_keys_k_steps_and_learning_rates, test_outputs_honour_the_umask])
