#!/usr/bin/python3
"""The bad-input table (docs/bad-inputs.md): each row is refused with a one-line message naming the key or file,
a nonzero exit, in under 10 s, and without creating (or touching) an output file."""
import os
import resource
import time

import h5py
import numpy as np

from e2e_support import SMALL, fasim, run_tests, tmpdir, write

D = tmpdir()
INI = write(f"{D}/base.ini", SMALL)


def refused(args, expect, ranks=2, out=None, preexisting=None):
    out = out or f"{D}/out-{abs(hash(tuple(args)))}.h5"
    before = os.path.getmtime(preexisting) if preexisting else None
    t0 = time.time()
    p = fasim(list(args) + ([f"--output.file={out}"] if "--output.file" not in " ".join(args) else []),
              ranks=ranks, check=False, timeout=60)
    elapsed = time.time() - t0
    assert p.returncode != 0, f"{args} was accepted"
    lines = [l for l in p.stderr.splitlines() if l.startswith("fasim: error")]
    assert len(lines) == 1, f"{args}: expected one error line, got:\n{p.stderr}"
    assert expect in lines[0], f"{args}: '{expect}' not in: {lines[0]}"
    assert elapsed < 10, f"{args}: took {elapsed:.1f} s"
    if preexisting:
        assert os.path.getmtime(preexisting) == before, "an existing file was touched"
    else:
        assert not os.path.exists(out), f"{args}: left an output file"
    return lines[0]


CASES = [
    (["run", INI, f"--output.file={D}/q.h5", f"--output.checkpoint_file={D}/q.h5"], "is the result file"),
    (["run", INI, f"--output.file={D}/q.h5", f"--input.file={D}/q.h5"], "overwrite its own input"),
    (["run", INI, "--model.r=0"], "model.r"),
    (["run", INI, "--model.r=50"], "model.r"),
    (["run", INI, "--problem.n=0"], "problem.n"),
    (["run", INI, "--problem.k=60"], "problem.k"),
    (["run", INI, "--problem.k=4"], "problem.k"),
    (["run", INI, "--grid.rows=3", "--grid.cols=1"], "grid"),
    (["run", INI, "--grid.block=0"], "grid.block"),
    (["run", INI, "--fa.lr=-1"], "fa.lr"),
    (["run", INI, "--fa.lr=nan"], "fa.lr"),
    (["run", INI, "--run.steps=-5"], "run.steps"),
    (["run", INI, "--run.algorithms=gd,sgd"], "sgd"),
    (["run", INI, "--problem.nn=5"], "did you mean"),
    (["run", INI, "--problem.n=1e"], "problem.n"),
    (["run", INI, "--problem.n=abc"], "problem.n"),
    (["run", INI, "--problem.n=10x"], "problem.n"),
    (["run", f"{D}/missing.ini"], "missing.ini"),
    (["run", INI, f"--input.file={D}/missing.h5"], "missing.h5"),
]


def refused_verb(args, expect, ranks=1):
    """A verb other than run refuses args: exit 2, one error line naming expect, no MPI abort banner, < 10 s."""
    t0 = time.time()
    p = fasim(list(args), ranks=ranks, check=False, timeout=60)
    assert time.time() - t0 < 10, f"{args}: took {time.time() - t0:.1f} s"
    assert p.returncode == 2, f"{args}: exit {p.returncode}, expected 2:\n{p.stderr}"
    lines = [l for l in p.stderr.splitlines() if l.startswith("fasim: error")]
    assert len(lines) == 1, f"{args}: expected one error line, got:\n{p.stderr}"
    assert expect in lines[0], f"{args}: '{expect}' not in: {lines[0]}"
    assert "MPI_ABORT" not in p.stderr + p.stdout and "MPI_Abort" not in p.stderr, f"{args}: abort banner:\n{p.stderr}"
    return p


def test_config_inputs_that_are_not_small_regular_files():
    fifo = f"{D}/fifo.ini"
    os.mkfifo(fifo)  # nobody ever writes it: reading it must not block
    big = write(f"{D}/big.ini", "#" * (1024 * 1024 + 1))
    for path, expect in [("/dev/zero", "is a device"), (fifo, "is a FIFO"), (D, "is a directory"),
                         (big, "larger than 1024 KiB")]:
        line = refused(["run", path], expect)
        assert path in line, line
        refused_verb(["sweep", "list", path], expect)


def test_malformed_ini_lines_name_the_line():
    for text, expect in [("[problem]\nn 5\n", "line 2 of config file"), ("[output]\nfile = \"o.h5\n", "no closing"),
                         ("[output]\nfile = \"o.h5\"x\n", "after the closing quote"), ("[problem\n", "no closing ']'")]:
        ini = write(f"{D}/malformed-{abs(hash(text))}.ini", text)
        refused(["run", ini], expect)


def test_unknown_options_and_missing_arguments():
    refused_verb(["info", "x.h5", "--jsn"], "--jsn")
    refused_verb(["collect", D, "--output", f"{D}/s.h5", "--overwrit"], "--overwrit")
    refused_verb(["version", "--verbose"], "--verbose")
    for verb, needs in [("resume", "CHECKPOINT_OR_RESULT"), ("info", "FILE"), ("collect", "DIR_OR_FILE"),
                        ("sweep", "SWEEP.ini"), ("status", "CONFIG")]:
        p = refused_verb([verb], needs, ranks=2)
        assert f"usage: fasim {verb}" in p.stderr, p.stderr
    p = refused_verb(["resume", "--run.steps=10"], "CHECKPOINT_OR_RESULT", ranks=2)


def make_tests():
    tests = []
    for i, (args, expect) in enumerate(CASES):
        def t(args=args, expect=expect):
            refused(args, expect)
        t.__name__ = f"test_refuses_{'_'.join(a.split('=')[0].strip('-') for a in args[2:]) or 'config'}_{i}"
        tests.append(t)
    return tests


def test_duplicate_key():
    ini = write(f"{D}/dup.ini", SMALL + "\n[model]\nr = 7\n")
    refused(["run", ini], "model.r")


def test_existing_output_is_never_clobbered():
    out = f"{D}/exists.h5"
    write(out, "precious")
    refused(["run", INI, f"--output.file={out}"], "overwrite", preexisting=out)
    assert open(out).read() == "precious"


def test_input_dataset_wrong_shape_and_nan():
    bad = f"{D}/bad-input.h5"
    with h5py.File(bad, "w") as f:
        f["Y"] = np.ones((10, 10))
    refused(["run", INI, f"--input.file={bad}"], "Y")
    with h5py.File(bad, "w") as f:
        y = np.ones((45, 38))
        y[3, 4] = np.nan
        f["Y"] = y
    refused(["run", INI, f"--input.file={bad}"], "non-finite")
    with h5py.File(bad, "w") as f:
        f["C"] = np.ones((6, 38), dtype=np.int32).astype("S1")
    refused(["run", INI, f"--input.file={bad}"], "C")


def test_unwritable_output_directory():
    d = f"{D}/ro"
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o500)
    if os.geteuid() == 0:
        # root ignores permission bits; a directory path that is a file is unwritable for everyone
        write(f"{D}/notadir", "x")
        refused(["run", INI, f"--output.file={D}/notadir/x.h5"], "cannot create the directory")
    else:
        refused(["run", INI, f"--output.file={d}/x.h5"], "not writable")


def test_truncated_and_contradicting_checkpoints():
    out = f"{D}/ck.h5"
    fasim(["run", INI, f"--output.file={out}", "--output.checkpoint_every=100"], ranks=2)
    ck = out + ".ckpt"
    refused(["resume", ck, "--model.r=5"], "contradicts", out=out, preexisting=out)
    data = open(ck, "rb").read()
    with open(f"{D}/trunc.ckpt", "wb") as f:
        f.write(data[: len(data) // 2])
    refused(["resume", f"{D}/trunc.ckpt"], "trunc.ckpt", out=out, preexisting=out)


def test_memory_estimate_above_available_is_refused():
    line = refused(["run", INI, "--problem.n=2000000", "--problem.m=2000000", "--problem.spectrum=flat"], "per rank")
    assert "GiB" in line or "TiB" in line


def test_disk_full_keeps_previous_checkpoint():
    out = f"{D}/full.h5"
    fasim(["run", INI, f"--output.file={out}", "--output.checkpoint_every=100"], ranks=1)
    ck = out + ".ckpt"
    before = open(ck, "rb").read()
    result_before = open(out, "rb").read()
    # RLIMIT_FSIZE: any write past 64 KiB fails (SIGXFSZ ignored -> EFBIG), as a full disk would.
    import subprocess
    from e2e_support import ENV, FASIM, MPIEXEC
    def limit():
        import signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
    p = subprocess.run([MPIEXEC, "-n", "1", FASIM, "resume", ck, "--run.steps=800"], env=ENV,
                       capture_output=True, text=True, preexec_fn=limit, timeout=60)
    assert p.returncode != 0, "a write past the file size limit must fail"
    assert open(ck, "rb").read() == before or os.path.exists(ck + ".1"), "the previous checkpoint was lost"
    assert open(out, "rb").read() == result_before, "the complete result was changed by a failed resume"
    r = fasim(["resume", ck if open(ck, "rb").read() == before else ck + ".1", "--run.steps=800"], ranks=1,
              check=False)
    assert r.returncode == 0, r.stderr


def test_bad_agree_timeout_is_refused():
    """FASIM_AGREE_TIMEOUT is read by the configuration's number parser (config/environment.hpp) before any verb
    starts: a value that is not a number of seconds above 0 is one error line naming it, exit 2, nothing written."""
    import subprocess
    from e2e_support import ENV, FASIM, MPIEXEC
    for bad in ["abc", "0", "-3", "10s"]:
        out = f"{D}/timeout-{bad}.h5"
        p = subprocess.run([MPIEXEC, "-n", "2", FASIM, "run", INI, f"--output.file={out}"],
                           env=dict(ENV, FASIM_AGREE_TIMEOUT=bad), capture_output=True, text=True, timeout=60)
        assert p.returncode == 2, f"FASIM_AGREE_TIMEOUT={bad}: exit {p.returncode}\n{p.stderr}"
        lines = [l for l in p.stderr.splitlines() if l.startswith("fasim: error")]
        assert len(lines) == 1, f"FASIM_AGREE_TIMEOUT={bad}: expected one error line, got:\n{p.stderr}"
        assert f"FASIM_AGREE_TIMEOUT='{bad}'" in lines[0] and "unset it" in lines[0], lines[0]
        assert not os.path.exists(out), f"FASIM_AGREE_TIMEOUT={bad}: left an output file"


def test_bad_progress_style_is_refused():
    """FASIM_PROGRESS is bar, lines or unset (docs/config.md): another word is one error line naming it, exit 2,
    nothing written, not a silent choice of fasim's own."""
    import subprocess
    from e2e_support import ENV, FASIM, MPIEXEC
    out = f"{D}/progress.h5"
    p = subprocess.run([MPIEXEC, "-n", "2", FASIM, "run", INI, f"--output.file={out}"],
                       env=dict(ENV, FASIM_PROGRESS="Lines"), capture_output=True, text=True, timeout=60)
    lines = [l for l in p.stderr.splitlines() if l.startswith("fasim: error")]
    assert p.returncode == 2 and len(lines) == 1, f"exit {p.returncode}\n{p.stderr}"
    assert "FASIM_PROGRESS='Lines'" in lines[0] and "unset it" in lines[0], lines[0]
    assert not os.path.exists(out), "FASIM_PROGRESS=Lines: left an output file"


def test_bad_projection_machine_is_refused():
    """FASIM_PROJECT_GFLOPS and FASIM_PROJECT_RANKS_PER_NODE (the machine a dry run projects for, docs/cluster.md)
    are read by the same parser: a bad value is one error line naming it, exit 2, never this machine's rate."""
    import subprocess
    from e2e_support import ENV, FASIM, MPIEXEC
    for name, bad in [("FASIM_PROJECT_GFLOPS", "fast"), ("FASIM_PROJECT_GFLOPS", "0"),
                      ("FASIM_PROJECT_RANKS_PER_NODE", "2.5")]:
        p = subprocess.run([MPIEXEC, "-n", "2", FASIM, "run", INI, "--dry-run"],
                           env=dict(ENV, **{name: bad}), capture_output=True, text=True, timeout=60)
        assert p.returncode == 2, f"{name}={bad}: exit {p.returncode}\n{p.stderr}"
        lines = [l for l in p.stderr.splitlines() if l.startswith("fasim: error")]
        assert len(lines) == 1, f"{name}={bad}: expected one error line, got:\n{p.stderr}"
        assert f"{name}='{bad}'" in lines[0] and "unset it" in lines[0], lines[0]
    p = subprocess.run([MPIEXEC, "-n", "2", FASIM, "run", INI, "--dry-run"],
                       env=dict(ENV, FASIM_PROJECT_GFLOPS="40", FASIM_PROJECT_RANKS_PER_NODE="64"),
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert "64 rank(s) per node, DGEMM 40.0 GFLOP/s per rank (FASIM_PROJECT_GFLOPS)" in p.stdout, p.stdout


if __name__ == "__main__":
    run_tests(make_tests() + [test_duplicate_key, test_existing_output_is_never_clobbered,
                              test_input_dataset_wrong_shape_and_nan, test_unwritable_output_directory,
                              test_truncated_and_contradicting_checkpoints,
                              test_memory_estimate_above_available_is_refused, test_disk_full_keeps_previous_checkpoint,
                              test_config_inputs_that_are_not_small_regular_files, test_malformed_ini_lines_name_the_line,
                              test_unknown_options_and_missing_arguments, test_bad_agree_timeout_is_refused,
                              test_bad_progress_style_is_refused,
                              test_bad_projection_machine_is_refused])
