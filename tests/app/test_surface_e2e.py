#!/usr/bin/python3
"""The command line's surface: every verb's --help, output that cannot be written, what `info` prints, the INI
details a user writes (quotes, comments, BOM, CRLF), the default trajectory and an oversized grid.block."""
import os
import subprocess

import h5py
import numpy as np

from e2e_support import ENV, FASIM, SMALL, fasim, run_tests, tmpdir, write

D = tmpdir()
INI = write(f"{D}/base.ini", SMALL)
RESULT = f"{D}/result.h5"


def result():
    if not os.path.exists(RESULT):
        fasim(["run", INI, f"--output.file={RESULT}", "--output.progress_seconds=0"])
    return RESULT


def test_every_verb_has_help_with_an_example():
    for verb in ["run", "resume", "status", "info", "bench", "sweep", "collect", "version"]:
        for flag in ["--help", "-h"]:
            p = fasim([verb, flag], ranks=2, check=False)
            assert p.returncode == 0, f"{verb} {flag}: exit {p.returncode}\n{p.stderr}"
            assert p.stdout.startswith(f"usage: fasim {verb}"), f"{verb}: {p.stdout[:200]}"
            assert "example:" in p.stdout and f"fasim {verb}" in p.stdout.split("example:")[1], p.stdout
            assert p.stdout.count(f"usage: fasim {verb}") == 1, "printed once, by rank 0"
    run_help = fasim(["run", "--help"]).stdout
    assert "--dry-run" in run_help and "[problem]" in run_help and "record_points = (300" in run_help
    top = fasim(["--help"]).stdout
    for verb in ["run", "resume", "status", "info", "bench", "sweep", "collect", "version"]:
        assert f"\n  {verb}" in top, verb


def test_output_that_fails_is_an_error():
    # Started directly (one process, as on a login node): under mpirun, mpirun itself writes the forwarded output.
    path = result()
    for args in [["info", path, "--json"], ["info", path], ["version"], ["run", "--help"]]:
        with open("/dev/full", "w") as full:
            p = subprocess.run([FASIM] + args, env=ENV, stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
        assert p.returncode != 0, f"{args} > /dev/full exited 0"
        lines = [l for l in p.stderr.splitlines() if l.startswith("fasim: error")]
        assert len(lines) == 1 and "standard output" in lines[0], p.stderr
    # A failing stderr cannot be reported, but still makes the exit nonzero.
    with open("/dev/full", "w") as full:
        p = subprocess.run([FASIM, "info", "x.h5", "--jsn"], env=ENV, stdout=subprocess.PIPE, stderr=full, timeout=60)
    assert p.returncode != 0


def test_info_digits_and_an_unfinished_file():
    path = result()
    text = fasim(["info", path]).stdout
    for line in text.splitlines():
        if line.startswith("optimal error"):
            numbers = [w.strip(",") for w in line.split() if w[0].isdigit()]
            assert numbers and all(len(n.replace(".", "").lstrip("0").split("e")[0]) <= 8 for n in numbers), line
    assert "nan" not in text
    import json
    info = json.loads(fasim(["info", path, "--json"]).stdout)
    with h5py.File(path) as f:
        assert info["optimal_error"] == f["problem"].attrs["optimal_error"], "JSON reads back to the same double"
    running = f"{D}/running.h5"
    with open(path, "rb") as src, open(running, "wb") as dst:
        dst.write(src.read())
    with h5py.File(running, "r+") as f:
        f.attrs["status"] = "running"
        last = int(f["runs/fa/trajectory/step"][-1])
    text = fasim(["info", running]).stdout
    assert f"running, last step {last}" in text.splitlines()[0], text
    assert "nan" not in text, text


def test_ini_quotes_comments_bom_and_crlf():
    out = f"{D}/quoted.h5"
    body = SMALL.replace("[grid]", f"[output]\nfile = \"{out}\"   # the result\nprogress_seconds = 0 ; quiet\n[grid]")
    ini = f"{D}/windows.ini"
    with open(ini, "wb") as f:
        f.write(b"\xef\xbb\xbf" + body.replace("\n", "\r\n").encode())
    fasim(["run", ini, "--run.steps=20"])
    assert os.path.exists(out), os.listdir(D)
    assert not any('"' in name for name in os.listdir(D)), os.listdir(D)


def test_default_trajectory_is_log_spaced():
    ini = write(f"{D}/norecord.ini", "\n".join(l for l in SMALL.splitlines() if not l.startswith("record_")))
    out = f"{D}/log.h5"
    fasim(["run", ini, f"--output.file={out}", "--run.steps=3000", "--output.progress_seconds=0"])
    with h5py.File(out) as f:
        steps = f["runs/gd/trajectory/step"][()]
    assert steps[0] == 0 and steps[-1] == 3000
    assert 150 <= len(steps) <= 302, len(steps)
    gaps = np.diff(steps)
    assert gaps[:20].max() <= 1 and gaps[-1] > 20, "dense early, sparse late: log-spaced"


def test_oversized_block_is_clamped_without_a_huge_allocation():
    base = ["--problem.n=100", "--problem.m=100", "--problem.k=50", "--model.r=10"]
    dry = fasim(["run", INI] + base + ["--grid.block=100000", "--dry-run"]).stdout
    assert "clamped to 100" in dry and "block 100" in dry, dry
    for block in ["1e6", "100000"]:
        out = f"{D}/block-{block}.h5"
        # Started directly, in a child that reports its own peak memory (ru_maxrss of what it waited for).
        probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL);"
                 "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
        p = subprocess.run(["/usr/bin/python3", "-c", probe, FASIM, "run", INI] + base +
                           [f"--grid.block={block}", f"--output.file={out}", "--run.steps=50"],
                           env=ENV, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        peak_kib = int(p.stdout.split()[-1])
        assert 1000 < peak_kib < 500 * 1024, f"grid.block={block}: peak {peak_kib} KiB"
        with h5py.File(out) as f:
            assert f.attrs["block"] == 100


def test_memory_estimate_counts_block_padding_and_record_buffers():
    def estimate_mib(*overrides, ranks=4):
        out = fasim(["run", "--problem.n=2000", "--problem.m=2000", "--problem.k=50", "--model.r=10", "--dry-run"] +
                    list(overrides), ranks=ranks).stdout
        line = next(l for l in out.splitlines() if l.startswith("# memory per rank:"))
        value, unit = line.split(":")[1].split()[:2]
        return float(value) * {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024}[unit]
    # 2x2 grid: with block 64 each rank holds about a quarter of Y (7.6 MiB); with block 2000 rank 0 holds it all.
    small, padded = estimate_mib("--grid.block=64"), estimate_mib("--grid.block=2000")
    assert padded - small > 20, (small, padded)
    # Every rank keeps all recorded rows: 10^6 records x 3 algorithms x (13 metrics + 10 probes) x 8 B = 526 MiB.
    sparse = estimate_mib("--run.steps=1000000", "--run.record_every=0", "--run.record_points=0", ranks=1)
    dense = estimate_mib("--run.steps=1000000", "--run.record_every=1", ranks=1)
    assert 470 < dense - sparse < 580, (sparse, dense)


if __name__ == "__main__":
    run_tests([test_every_verb_has_help_with_an_example, test_output_that_fails_is_an_error,
               test_info_digits_and_an_unfinished_file, test_ini_quotes_comments_bom_and_crlf,
               test_default_trajectory_is_log_spaced, test_oversized_block_is_clamped_without_a_huge_allocation,
               test_memory_estimate_counts_block_padding_and_record_buffers])
