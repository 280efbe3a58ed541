#!/usr/bin/python3
"""A real full disk (docs/faults.md): small tmpfs file systems, filled by their own size or by a filler file while
fasim writes, in each phase reachable in seconds (new result, trajectory flush, checkpoint, continue, collect).
Unlike the LD_PRELOAD shim of test_storage_faults_e2e.py, the kernel decides here how a write fails — a short
write first (no errno), ENOSPC on the next — and MPI-IO passes that on its own way (Open MPI's aggregator
reports a short count as success). Every case: exit 1 within 30 s of the disk filling, one `fasim: error:`
line with `no space left on device`, the path and the next step; nothing that existed before is changed and
no temporary or lock is left.

The test runs itself in a private mount namespace (`unshare --mount`), so its mounts vanish with it whatever
happens; it is skipped (77) where mounting is not allowed."""
import glob
import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager

import h5py


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "app"))
from e2e_support import SMALL, SKIP_EXIT, fasim, run_tests, tmpdir, write  # noqa: E402
from fault_support import launch, leftovers, sha, status, wait  # noqa: E402

FULL = "no space left on device"
BOUND = 30.0  # seconds from the disk filling to every rank's exit
LONG = (SMALL.replace("steps = 400", "steps = 400000").replace("record_every = 20", "record_every = 10")
        + "[output]\nflush_every = 2\nprogress_seconds = 0\n")


@contextmanager
def tmpfs(size):
    """A fresh tmpfs of `size` (mount's syntax: 64k, 4m), unmounted afterwards."""
    mount_point = os.path.join(tmpdir(), "disk")
    os.mkdir(mount_point)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "fasim-full-disk", mount_point], check=True)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", mount_point], check=False)


def fill(mount_point):
    """Fills the file system to its last byte (a filler file; tmpfs allocates whole pages)."""
    fd = os.open(f"{mount_point}/filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for chunk in (1 << 20, 1 << 12, 1):
            while True:
                try:
                    os.write(fd, b"\0" * chunk)
                except OSError:
                    break
    finally:
        os.close(fd)


def fails_clearly(p, words, filled_at=None, limit=120):
    """exit 1 (within BOUND of `filled_at`), one error line naming the full disk and `words`, no crash."""
    out, err = wait(p, limit if filled_at is None else max(1.0, filled_at + BOUND - time.time()),
                    " of the disk filling")
    return says_full(p.returncode, out, err, words)


def says_full(code, out, err, words):
    assert code == 1, f"exit {code}, expected 1:\n{out}\n{err}"
    lines = [line for line in err.splitlines() if line.startswith("fasim: error")]
    assert len(lines) == 1, f"expected one error line:\n{err}"
    for w in [FULL] + list(words):
        assert w in lines[0], f"'{w}' not in: {lines[0]}"
    for bad in ("Segmentation", "Signal", "aborting the job", "MPI_ABORT", ".tmp'", " failed (H5"):
        assert bad not in err, f"'{bad}' in:\n{err}"
    return lines[0]


def arm_when(p, condition, timeout=60):
    deadline = time.time() + timeout
    while not condition() and time.time() < deadline and p.poll() is None:
        time.sleep(0.02)
    assert p.poll() is None, f"the run ended before the disk was filled: {p.communicate()}"
    assert condition(), "the phase to break was never reached"


def test_new_result():
    """The disk is too small for the result: whichever write it fills on (a short write in the middle of a
    dataset, the header, the end of the run), the line says so, and no result says complete."""
    ini = write(f"{tmpdir()}/a.ini", SMALL)
    for size in ("16k", "96k", "192k", "288k", "320k", "352k"):
        with tmpfs(size) as disk:
            out = f"{disk}/r.h5"
            p = launch(["run", ini, f"--output.file={out}"], 2)
            out_text, err = wait(p, 120)
            if p.returncode == 0:  # it fitted (HDF5's files are sparse): no fault to look at
                continue
            says_full(p.returncode, out_text, err, [f"'{out}'", "rerun"])
            if os.path.exists(out):  # the header fitted: the result is that of a failed run, never complete
                try:
                    assert status(out) != "complete", f"{size}: a failed run's result says complete"
                except OSError:
                    pass  # its last metadata did not fit either
            assert leftovers(disk, "r.h5") == [], leftovers(disk, "r.h5")


def test_trajectory_flush():
    """The disk fills while the run flushes its trajectory (no checkpoint): every rank leaves within 30 s."""
    ini = write(f"{tmpdir()}/a.ini", LONG)
    with tmpfs("8m") as disk:
        out = f"{disk}/r.h5"
        p = launch(["run", ini, f"--output.file={out}", "--output.checkpoint_seconds=0"], 2)
        arm_when(p, lambda: os.path.exists(out))
        time.sleep(0.5)
        fill(disk)
        filled_at = time.time()
        fails_clearly(p, [f"'{out}'", "rerun"], filled_at)
        assert leftovers(disk, "r.h5") == [], leftovers(disk, "r.h5")


def test_checkpoint():
    """The checkpoint's disk fills: the line names the newest complete generation, which the ring keeps."""
    ini = write(f"{tmpdir()}/a.ini", LONG)
    with tmpfs("8m") as results, tmpfs("2m") as checkpoints:
        out, ck = f"{results}/r.h5", f"{checkpoints}/r.ckpt"
        p = launch(["run", ini, f"--output.file={out}", f"--output.checkpoint_file={ck}",
                    "--output.checkpoint_every=300", "--output.checkpoint_seconds=0"], 2)
        arm_when(p, lambda: os.path.exists(ck))
        time.sleep(0.2)
        fill(checkpoints)
        filled_at = time.time()
        fails_clearly(p, ["fasim resume " + ck], filled_at)
        with h5py.File(ck, "r") as f:
            assert f.attrs["complete"] == 1, "the newest checkpoint is not complete"
            # How many generations were written before the disk filled depends on the machine's speed
            # (an idle AVX-512 core reached step 1200): the resume goes on 300 steps from wherever it is.
            step = int(f.attrs["step"])
        assert leftovers(checkpoints, "r.ckpt") == [] and leftovers(results, "r.h5") == []
        os.unlink(f"{checkpoints}/filler")
        fasim(["resume", ck, f"--run.steps={step + 300}"], ranks=2)
        assert status(out) == "complete"


def test_continue():
    """`fasim resume RESULT --run.steps=N` on a full disk: the complete result stays complete and
    byte-identical, whether the disk is full from the start (no room for the copy kept aside) or fills
    while the continuation writes."""
    ini = write(f"{tmpdir()}/a.ini", LONG.replace("steps = 400000", "steps = 400"))
    with tmpfs("8m") as disk:
        out = f"{disk}/r.h5"
        fasim(["run", ini, f"--output.file={out}"], ranks=2)
        before = sha(out)
        args = ["resume", out, "--run.steps=400000", "--output.checkpoint_seconds=0"]
        # Full from the start.
        fill(disk)
        fails_clearly(launch(args, 2), [f"'{out}'"])
        assert sha(out) == before and status(out) == "complete"
        assert leftovers(disk, "r.h5") == [], leftovers(disk, "r.h5")
        # Room for the copy; full once the continuation runs.
        os.unlink(f"{disk}/filler")
        p = launch(args, 2)
        arm_when(p, lambda: glob.glob(f"{disk}/r.h5.*.tmp"))
        time.sleep(0.5)
        fill(disk)
        filled_at = time.time()
        fails_clearly(p, [f"'{out}'", "as it was before this continuation"], filled_at)
        assert sha(out) == before, "the complete result changed"
        assert status(out) == "complete"
        assert leftovers(disk, "r.h5") == [], leftovers(disk, "r.h5")


def test_collect():
    """`fasim collect` on a full disk: the summary it would replace stays, no temporary is left; with no room
    at all, nothing appears."""
    d = tmpdir()
    os.mkdir(f"{d}/res")
    ini = write(f"{d}/a.ini", SMALL)
    fasim(["run", ini, f"--output.file={d}/res/r.h5"], ranks=1)
    with tmpfs("2m") as disk:
        summary = f"{disk}/sum.h5"
        fasim(["collect", f"{d}/res", "--output", summary], ranks=1)
        before = sha(summary)
        fill(disk)
        fails_clearly(launch(["collect", f"{d}/res", "--output", summary, "--overwrite"], 2), [f"'{summary}'"])
        assert sha(summary) == before, "the previous summary changed"
        assert leftovers(disk, "sum.h5") == [], leftovers(disk, "sum.h5")
        os.unlink(summary)
        fill(disk)  # the old summary's room too
        fails_clearly(launch(["collect", f"{d}/res", "--output", summary], 2), [f"'{summary}'"])
        assert not os.path.exists(summary) and leftovers(disk, "sum.h5") == []


def mounting_allowed():
    """'' when this process may mount a tmpfs, else the reason."""
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root (or a user namespace with its own mounts)"
    probe = tmpdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "fasim-full-disk", probe],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return f"mount -t tmpfs is not allowed here: {r.stderr.strip()}"
    subprocess.run(["umount", probe], check=False)
    os.rmdir(probe)
    return ""


if __name__ == "__main__":
    if os.environ.get("FASIM_FULL_DISK_NAMESPACE") != "1":
        if not shutil.which("unshare") or subprocess.run(["unshare", "--mount", "true"],
                                                          capture_output=True).returncode != 0:
            print("SKIP: no private mount namespace here (unshare --mount is not allowed)")
            sys.exit(SKIP_EXIT)
        env = dict(os.environ, FASIM_FULL_DISK_NAMESPACE="1")
        sys.exit(subprocess.run(["unshare", "--mount", "--propagation", "private", sys.executable,
                                 os.path.abspath(__file__)] + sys.argv[1:], env=env).returncode)
    reason = mounting_allowed()
    if reason:
        print(f"SKIP: {reason}")
        sys.exit(SKIP_EXIT)
    run_tests([t for name, t in sorted(globals().items()) if name.startswith("test_")])
