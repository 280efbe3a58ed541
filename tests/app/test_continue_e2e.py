#!/usr/bin/python3
"""End-to-end: a complete result continued in place to more steps (`fasim resume RESULT --run.steps=N`) equals a
run asked for N steps from the start; what cannot be continued is refused with the file untouched."""
import hashlib
import os

import h5py
import numpy as np

from e2e_support import SMALL, fasim, run_tests, tmpdir, write

# With kp: its learned feedback B is state that a continuation reads back from the result (runs/kp/B).
CONFIG = SMALL.replace("steps = 400", "steps = 500").replace("record_every = 20", "record_every = 10").replace(
    "algorithms = gd,fa,fastar", "algorithms = gd,fa,fastar,kp") + \
    "\n[kp]\nlr = 0.1\ndecay = 0.2\n[output]\nsnapshot_every = 100\n"
ALGORITHMS = ("gd", "fa", "fastar", "kp")


def md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def rows_by_step(group):
    steps = group["trajectory/step"][()]
    return {name: dict(zip(steps, group[f"trajectory/{name}"][()])) for name in group["trajectory"]}


def compare(continued, reference, exact, tolerance=0.0):
    with h5py.File(continued, "r") as a, h5py.File(reference, "r") as b:
        assert a.attrs["status"] == "complete"
        for alg in ALGORITHMS:
            ga, gb = a[f"runs/{alg}"], b[f"runs/{alg}"]
            for m in ("Z", "W", "B") if alg == "kp" else ("Z", "W"):
                x, y = ga[m][()], gb[m][()]
                if exact:
                    assert np.array_equal(x, y), f"{alg}/{m} differs"
                else:
                    rel = np.max(np.abs(x - y)) / np.max(np.abs(y))
                    assert rel < tolerance, f"{alg}/{m}: relative difference {rel}"
            ra, rb = rows_by_step(ga), rows_by_step(gb)
            common = sorted(set(ra["loss"]) & set(rb["loss"]))
            assert len(common) >= 50, f"{alg}: only {len(common)} common rows"
            for name in ra:
                for s in common:
                    x, y = ra[name][s], rb[name][s]
                    if exact:
                        assert np.array_equal(x, y, equal_nan=True), f"{alg} {name} at step {s}: {x} vs {y}"
            assert ga.attrs["steps_done"] == gb.attrs["steps_done"] == 1000
            if exact:
                assert np.array_equal(ga["snapshots/step"][()], gb["snapshots/step"][()])
                assert np.array_equal(ga["snapshots/Z"][()], gb["snapshots/Z"][()]), f"{alg} snapshots differ"
        history = a.attrs["history"]
        assert "continued: from step 500 to run.steps = 1000" in history, history


def test_continued_result_equals_the_longer_run_bitwise():
    for ranks in (1, 2):
        d = tmpdir()
        ini = write(f"{d}/a.ini", CONFIG)
        fasim(["run", ini, f"--output.file={d}/long.h5", "--run.steps=1000"], ranks=ranks)
        fasim(["run", ini, f"--output.file={d}/short.h5"], ranks=ranks)
        fasim(["resume", f"{d}/short.h5", "--run.steps=1000"], ranks=ranks)
        compare(f"{d}/short.h5", f"{d}/long.h5", exact=True)


def test_continued_on_another_grid_agrees_to_1e12():
    d = tmpdir()
    ini = write(f"{d}/a.ini", CONFIG)
    fasim(["run", ini, f"--output.file={d}/long.h5", "--run.steps=1000"], ranks=2)
    fasim(["run", ini, f"--output.file={d}/short.h5"], ranks=2)
    fasim(["resume", f"{d}/short.h5", "--run.steps=1000", "--grid.rows=1", "--grid.cols=1"], ranks=1)
    compare(f"{d}/short.h5", f"{d}/long.h5", exact=False, tolerance=1e-12)


def test_what_cannot_be_continued_is_refused_and_untouched():
    d = tmpdir()
    ini = write(f"{d}/a.ini", CONFIG)
    out = f"{d}/r.h5"
    fasim(["run", ini, f"--output.file={out}"], ranks=1)
    before = md5(out)
    for steps, words in ((500, "larger than 500"), (300, "larger than 500")):
        r = fasim(["resume", out, f"--run.steps={steps}"], ranks=1, check=False)
        assert r.returncode == 2 and words in r.stderr and "untouched" in r.stderr, r.stderr
        assert md5(out) == before
    # A checkpoint of this run resumed to fewer steps than the complete result: refused as well.
    fasim(["run", ini, f"--output.file={d}/c.h5", "--output.checkpoint_every=100"], ranks=1)
    c_before = md5(f"{d}/c.h5")
    r = fasim(["resume", f"{d}/c.h5.ckpt", "--run.steps=300"], ranks=1, check=False)
    assert r.returncode == 2 and "shorter run" in r.stderr, r.stderr
    assert md5(f"{d}/c.h5") == c_before
    # `fasim run` on a complete result says how to continue it, and does not touch it.
    r = fasim(["run", ini, f"--output.file={out}"], ranks=1, check=False)
    assert r.returncode == 2 and f"fasim resume {out} --run.steps=N" in r.stderr, r.stderr
    assert md5(out) == before
    # Every algorithm stopped early (stop_loss reached at once): nothing to continue, and it says why.
    stopped = f"{d}/stopped.h5"
    fasim(["run", ini, f"--output.file={stopped}", "--run.stop_loss=1e6"], ranks=1)
    s_before = md5(stopped)
    r = fasim(["resume", stopped, "--run.steps=2000"], ranks=1, check=False)
    assert r.returncode == 2 and "stopped early" in r.stderr and "nothing to continue" in r.stderr, r.stderr
    assert md5(stopped) == s_before
    # `fasim status` agrees with all of this.
    st = fasim(["status", ini, f"--output.file={out}", "--run.steps=900"], ranks=1).stdout
    assert "state: complete" in st and "action: continue" in st, st
    st = fasim(["status", ini, f"--output.file={stopped}", "--run.steps=900", "--run.stop_loss=1e6"], ranks=1).stdout
    assert "action: nothing" in st, st


def test_resuming_a_checkpoint_of_a_complete_result_continues_it():
    # The checkpoint of a result that has since completed, resumed to more steps: the complete result is
    # continued in place (not rebuilt from the older checkpoint), and equals the longer run bitwise.
    d = tmpdir()
    ini = write(f"{d}/a.ini", CONFIG)
    fasim(["run", ini, f"--output.file={d}/long.h5", "--run.steps=1000"], ranks=1)
    fasim(["run", ini, f"--output.file={d}/short.h5", "--output.checkpoint_every=200"], ranks=1)
    fasim(["resume", f"{d}/short.h5.ckpt", "--run.steps=1000"], ranks=1)
    compare(f"{d}/short.h5", f"{d}/long.h5", exact=True)  # checks the history says "continued"
    # A checkpoint beyond run.steps has nothing to resume towards: refused, nothing changed.
    os.remove(f"{d}/short.h5")
    r = fasim(["resume", f"{d}/short.h5.ckpt", "--run.steps=300"], ranks=1, check=False)
    assert r.returncode == 2 and "beyond run.steps = 300" in r.stderr, r.stderr
    assert not os.path.exists(f"{d}/short.h5")


if __name__ == "__main__":
    run_tests([test_continued_result_equals_the_longer_run_bitwise, test_continued_on_another_grid_agrees_to_1e12,
               test_what_cannot_be_continued_is_refused_and_untouched,
               test_resuming_a_checkpoint_of_a_complete_result_continues_it])
