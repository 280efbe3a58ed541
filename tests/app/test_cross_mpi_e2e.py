#!/usr/bin/python3
"""End-to-end across MPI implementations: result files and checkpoints hold no trace of the MPI that wrote them.
A run checkpointed by one build (FASIM_BINARY under FASIM_MPIEXEC, e.g. MPICH) is read by `fasim info`, resumed
and collected by the other (FASIM_OTHER_BINARY under FASIM_OTHER_MPIEXEC, e.g. Open MPI), and the other way
round; the resumed state matches an uninterrupted run."""
import json
import os
import subprocess

from e2e_support import ENV, SMALL, datasets, max_rel_diff, run_tests, tmpdir, write

BUILDS = {
    "this": (os.environ["FASIM_MPIEXEC"], os.environ["FASIM_BINARY"]),
    "other": (os.environ["FASIM_OTHER_MPIEXEC"], os.environ["FASIM_OTHER_BINARY"]),
}
STATE = [f"runs/{a}/{m}" for a in ("gd", "fa", "fastar") for m in ("Z", "W")]


def fasim_with(build, args, ranks=2):
    launcher, binary = BUILDS[build]
    cmd = [launcher, "-n", str(ranks), binary] + list(args)
    p = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, f"{' '.join(cmd)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    return p.stdout


def info(build, path):
    return json.loads(fasim_with(build, ["info", path, "--json"], ranks=1))


def _checkpoint_with_one_resume_with_the_other(writer, resumer):
    d = tmpdir()
    ini = write(f"{d}/a.ini", SMALL.replace("steps = 400", "steps = 600"))
    fasim_with(resumer, ["run", ini, f"--output.file={d}/full.h5"])
    fasim_with(writer, ["run", ini, f"--output.file={d}/cut.h5", "--run.steps=300", "--output.checkpoint_every=300"])
    summary = info(resumer, f"{d}/cut.h5")
    assert summary["status"] == "complete" and summary["algorithms"]["fa"]["steps_done"] == 300, summary
    assert info(resumer, f"{d}/cut.h5.ckpt")  # the checkpoint's header reads too
    fasim_with(resumer, ["resume", f"{d}/cut.h5.ckpt", "--run.steps=600"])
    assert info(writer, f"{d}/cut.h5")["algorithms"]["fa"]["steps_done"] == 600
    # Same BLAS, same grid: only the MPI's reduction order may differ, a rounding-level effect.
    worst = max_rel_diff(datasets(f"{d}/cut.h5"), datasets(f"{d}/full.h5"), STATE)
    assert worst < 1e-12, f"{writer}-written, {resumer}-resumed state differs by {worst}"


def test_checkpoint_of_this_mpi_resumes_under_the_other():
    _checkpoint_with_one_resume_with_the_other("this", "other")


def test_checkpoint_of_the_other_mpi_resumes_under_this():
    _checkpoint_with_one_resume_with_the_other("other", "this")


def test_collect_reads_results_of_both():
    d = tmpdir()
    os.mkdir(f"{d}/res")
    ini = write(f"{d}/a.ini", SMALL.replace("steps = 400", "steps = 40"))
    fasim_with("this", ["run", ini, f"--output.file={d}/res/this.h5"])
    fasim_with("other", ["run", ini, f"--output.file={d}/res/other.h5"])
    for build in BUILDS:
        fasim_with(build, ["collect", f"{d}/res", "--output", f"{d}/{build}.h5", "--csv", f"{d}/{build}.csv"], 1)
        with open(f"{d}/{build}.csv") as f:
            rows = [line for line in f if line.strip() and not line.startswith("#")]
        assert len(rows) == 3, f"collect by {build}: expected a header and 2 rows, got {rows}"
        assert any("this.h5" in r for r in rows) and any("other.h5" in r for r in rows), rows


if __name__ == "__main__":
    run_tests([test_checkpoint_of_this_mpi_resumes_under_the_other,
               test_checkpoint_of_the_other_mpi_resumes_under_this, test_collect_reads_results_of_both])
