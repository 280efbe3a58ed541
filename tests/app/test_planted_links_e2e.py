#!/usr/bin/python3
"""Files fasim creates never follow a planted link (#19, docs/lifecycle.md "Files fasim creates"): a symbolic link
(dangling, to a victim file, to a directory) and, separately, a regular file and a directory are planted at every
path fasim creates; the victim must be byte-identical afterwards and the run must either succeed or fail with one
clear line (exit 1 or 2). A result or checkpoint that is a link or belongs to another uid is refused for resume and
continuation. Results and checkpoints honour the umask; nothing is world-writable."""
import os
import pwd
import shutil
import stat
import subprocess

from e2e_support import ENV, Skip, run_tests, tmpdir, write
from lifecycle_support import Job, attr, command, error_lines, md5

CONFIG = """[problem]
source = synthetic
n = 24
m = 20
k = 12
seed = 5
[model]
r = 4
[run]
algorithms = gd,fa
steps = 300
record_every = 50
[output]
file = out/r.h5
progress_seconds = 0
checkpoint_every = 100
"""
VICTIM_TEXT = "a colleague's file: fasim must never write here\n"
KINDS = ("dangling-link", "link-to-file", "link-to-directory", "regular-file", "directory")
PEER = "fasimpeer"


def fasim_in(d, args, umask=None):
    preexec = (lambda: os.umask(umask)) if umask is not None else None
    p = subprocess.run(command(args, 1), cwd=d, env=ENV, capture_output=True, text=True, timeout=120,
                       preexec_fn=preexec)
    return p.returncode, p.stdout, p.stderr


class Scene:
    """A directory with small.ini, an out/ directory, and victims outside out/ that a planted thing points at."""

    def __init__(self):
        self.d = tmpdir()
        os.mkdir(f"{self.d}/out")
        write(f"{self.d}/small.ini", CONFIG)
        self.victim = write(f"{self.d}/victim.txt", VICTIM_TEXT)
        os.mkdir(f"{self.d}/victim-dir")
        write(f"{self.d}/victim-dir/inside.txt", VICTIM_TEXT)

    def plant(self, rel, kind):
        path = f"{self.d}/{rel}"
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if kind == "dangling-link":
            os.symlink(f"{self.d}/nowhere.h5", path)
        elif kind == "link-to-file":
            os.symlink(self.victim, path)
        elif kind == "link-to-directory":
            os.symlink(f"{self.d}/victim-dir", path)
        elif kind == "regular-file":
            write(path, VICTIM_TEXT)
        else:
            os.mkdir(path)
        return path

    def untouched(self):
        """What changed among the victims (empty if nothing)."""
        bad = []
        if md5(self.victim) != md5_text(VICTIM_TEXT):
            bad.append("victim.txt changed")
        if sorted(os.listdir(f"{self.d}/victim-dir")) != ["inside.txt"]:
            bad.append(f"victim-dir now holds {sorted(os.listdir(self.d + '/victim-dir'))}")
        if md5(f"{self.d}/victim-dir/inside.txt") != md5_text(VICTIM_TEXT):
            bad.append("victim-dir/inside.txt changed")
        if os.path.exists(f"{self.d}/nowhere.h5"):
            bad.append("the dangling link's target was created")
        return bad


def md5_text(text):
    import hashlib
    return hashlib.md5(text.encode()).hexdigest()


def outcome(scene, what, rc, err, planted=None, planted_kind=None, may_replace=False):
    """The run succeeded, or failed with one clear line; the victims are untouched; a planted regular file is
    untouched unless the verb was asked to replace it."""
    problems = [f"{what}: {p}" for p in scene.untouched()]
    if rc not in (0, 1, 2):
        problems.append(f"{what}: exit {rc}")
    if rc != 0:
        lines = error_lines(err)
        noise = [l for l in err.splitlines() if l.strip() and not l.startswith("fasim: error")]
        if len(lines) != 1 or len(noise) > 2 or "Traceback" in err:
            problems.append(f"{what}: exit {rc} without one clear error line:\n{err[-1500:]}")
    if planted_kind == "regular-file" and not may_replace and os.path.isfile(planted) \
            and not os.path.islink(planted) and md5(planted) != md5_text(VICTIM_TEXT):
        problems.append(f"{what}: the planted regular file was overwritten (exit {rc})")
    if planted_kind == "regular-file" and not may_replace and not os.path.lexists(planted):
        problems.append(f"{what}: the planted regular file was removed (exit {rc})")
    return problems


def each_kind(setup, rel, verb_args, may_replace=False):
    problems = []
    for kind in KINDS:
        s = Scene()
        setup(s)
        planted = s.plant(rel, kind)
        rc, out, err = fasim_in(s.d, verb_args)
        problems += outcome(s, f"{kind} at {rel}, fasim {' '.join(verb_args)}", rc, err, planted, kind,
                            may_replace)
        shutil.rmtree(s.d, ignore_errors=True)
    return problems


def nothing(_):
    pass


def complete_run(s):
    rc, _, err = fasim_in(s.d, ["run", "small.ini"])
    assert rc == 0, err


def test_result_file():
    assert not (p := each_kind(nothing, "out/r.h5", ["run", "small.ini"])), "\n".join(p)


def test_result_replaced_with_overwrite():
    assert not (p := each_kind(nothing, "out/r.h5", ["run", "small.ini", "--output.overwrite=true"],
                               may_replace=True)), "\n".join(p)


def test_lock_file():
    # A regular file of ours at <out>.lock is a leftover lock (docs/lifecycle.md): taken over, then removed.
    assert not (p := each_kind(nothing, "out/r.h5.lock", ["run", "small.ini"], may_replace=True)), "\n".join(p)


def test_checkpoint_paths():
    problems = []
    for rel in ("out/r.h5.ckpt.tmp", "out/r.h5.ckpt", "out/r.h5.ckpt.1", "out/r.h5.ckpt.2"):
        problems += each_kind(nothing, rel, ["run", "small.ini"])
    assert not problems, "\n".join(problems)


def test_result_rebuilt_by_resume():
    # A complete run with checkpoints, its result deleted: `resume CKPT` rebuilds the result at out/r.h5.
    def setup(s):
        complete_run(s)
        os.unlink(f"{s.d}/out/r.h5")

    assert not (p := each_kind(setup, "out/r.h5", ["resume", "out/r.h5.ckpt", "--run.steps=400"])), "\n".join(p)


def test_collect_outputs():
    problems = []
    for flag in ("--output", "--csv"):
        for extra in ([], ["--overwrite"]):
            def verb(rel):
                args = ["collect", "out"]
                if flag == "--csv":
                    args += ["--output", "sum/s.h5"]
                return args + [flag, rel] + extra
            rel = "sum/s.h5" if flag == "--output" else "sum/s.csv"
            problems += each_kind(complete_run, rel, verb(rel))
    assert not problems, "\n".join(problems)


def test_bench_scratch_files():
    problems = []
    for kind in KINDS:
        s = Scene()
        os.mkdir(f"{s.d}/io")
        for name in ("fasim-bench-io.h5", "fasim-bench-ckpt.h5", "fasim-bench-raw.bin", "fasim-bench-io-.h5"):
            s.plant(f"io/{name}", kind)
        rc, out, err = fasim_in(s.d, ["bench", "--problem.n=60", "--problem.m=40", "--problem.k=10", "--model.r=4",
                                      "--run.algorithms=fa", "--bench.steps=2", "--bench.warmup=1",
                                      "--bench.io_dir=io"])
        problems += outcome(s, f"{kind}s in bench.io_dir", rc, err)
        left = [n for n in os.listdir(f"{s.d}/io") if n.startswith("fasim-bench-") and n.count("-") > 2
                and len(n) > 24]
        if left:
            problems.append(f"bench left scratch files {left}")
        shutil.rmtree(s.d, ignore_errors=True)
    assert not problems, "\n".join(problems)


def test_resume_refuses_links():
    s = Scene()
    complete_run(s)
    os.rename(f"{s.d}/out/r.h5", f"{s.d}/real.h5")
    os.symlink(f"{s.d}/real.h5", f"{s.d}/out/r.h5")
    before = md5(f"{s.d}/real.h5")
    problems = []
    rc, _, err = fasim_in(s.d, ["resume", "out/r.h5", "--run.steps=400"])
    if rc != 2 or md5(f"{s.d}/real.h5") != before:
        problems.append(f"continue through a linked result: exit {rc}, target changed "
                        f"{md5(s.d + '/real.h5') != before}: {err[-500:]}")
    problems += outcome(s, "continue through a linked result", rc, err)
    os.unlink(f"{s.d}/out/r.h5")
    os.rename(f"{s.d}/real.h5", f"{s.d}/out/r.h5")
    os.rename(f"{s.d}/out/r.h5.ckpt", f"{s.d}/real.ckpt")
    os.symlink(f"{s.d}/real.ckpt", f"{s.d}/out/r.h5.ckpt")
    os.unlink(f"{s.d}/out/r.h5")
    before = md5(f"{s.d}/real.ckpt")
    rc, _, err = fasim_in(s.d, ["resume", "out/r.h5.ckpt", "--run.steps=400"])
    if rc != 2:
        problems.append(f"resume of a linked checkpoint: exit {rc} (expected a refusal): {err[-500:]}")
    if md5(f"{s.d}/real.ckpt") != before:
        problems.append("resume of a linked checkpoint changed its target")
    problems += outcome(s, "resume of a linked checkpoint", rc, err)
    assert not problems, "\n".join(problems)


def peer_uid():
    """The uid of a second user (created with useradd if missing); Skip when there can be none."""
    try:
        return pwd.getpwnam(PEER).pw_uid
    except KeyError:
        pass
    if os.geteuid() != 0 or not shutil.which("useradd"):
        raise Skip(f"cannot create user '{PEER}' (not root or no useradd)")
    p = subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", PEER], capture_output=True,
                       text=True)
    if p.returncode != 0:
        raise Skip(f"useradd failed: {p.stderr.strip()}")
    return pwd.getpwnam(PEER).pw_uid


def test_other_uid():
    uid = peer_uid()
    problems = []
    # A result and a checkpoint owned by another uid are not continued or resumed.
    s = Scene()
    os.chmod(s.d, 0o755)
    complete_run(s)
    for f in ("out/r.h5", "out/r.h5.ckpt", "out/r.h5.ckpt.1"):
        os.chown(f"{s.d}/{f}", uid, uid)
    before = md5(f"{s.d}/out/r.h5")
    rc, _, err = fasim_in(s.d, ["resume", "out/r.h5", "--run.steps=400"])
    if rc != 2 or md5(f"{s.d}/out/r.h5") != before:
        problems.append(f"continue of another uid's result: exit {rc}: {err[-400:]}")
    problems += outcome(s, "continue of another uid's result", rc, err)
    rc, _, err = fasim_in(s.d, ["resume", "out/r.h5.ckpt", "--run.steps=400"])
    if rc != 2 or md5(f"{s.d}/out/r.h5") != before:
        problems.append(f"resume of another uid's checkpoint: exit {rc}: {err[-400:]}")
    problems += outcome(s, "resume of another uid's checkpoint", rc, err)
    # In a directory shared with the other uid (group project space: writable, no sticky bit, so the kernel's
    # protected_symlinks does not help), links planted by that user are not followed either.
    for rel in ("out/r.h5", "out/r.h5.lock", "out/r.h5.ckpt.tmp", "out/r.h5.ckpt"):
        t = Scene()
        os.chmod(t.d, 0o755)
        os.chmod(f"{t.d}/out", 0o777)
        target = t.victim
        q = subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "ln", "-s", target,
                            f"{t.d}/{rel}"], capture_output=True, text=True)
        if q.returncode != 0:
            assert not problems, "\n".join(problems)
            raise Skip(f"cannot plant a link as uid {uid} (setpriv): {q.stderr.strip()}")
        rc, _, err = fasim_in(t.d, ["run", "small.ini"])
        problems += outcome(t, f"{PEER}'s link at {rel} in a shared directory", rc, err)
        shutil.rmtree(t.d, ignore_errors=True)
    assert not problems, "\n".join(problems)


def test_umask_and_modes():
    problems = []
    for umask, expect in ((0o077, 0o600), (0o022, 0o644)):
        s = Scene()
        rc, _, err = fasim_in(s.d, ["run", "small.ini", "--output.file=new/r.h5"], umask=umask)
        assert rc == 0, err
        rc, _, err = fasim_in(s.d, ["collect", "new", "--output", "sum.h5", "--csv", "sum.csv"], umask=umask)
        assert rc == 0, err
        for rel in ("new/r.h5", "new/r.h5.ckpt", "new/r.h5.ckpt.1", "sum.h5", "sum.csv"):
            mode = stat.S_IMODE(os.stat(f"{s.d}/{rel}").st_mode)
            if mode != expect:
                problems.append(f"umask {umask:03o}: {rel} has mode {mode:03o}, expected {expect:03o}")
        mode = stat.S_IMODE(os.stat(f"{s.d}/new").st_mode)
        if mode & 0o002 or mode != 0o777 & ~umask:
            problems.append(f"umask {umask:03o}: created directory new/ has mode {mode:03o}")
        for root, dirs, files in os.walk(s.d):
            for n in dirs + files:
                p = os.path.join(root, n)
                if not os.path.islink(p) and os.stat(p).st_mode & 0o002:
                    problems.append(f"world-writable: {p}")
        shutil.rmtree(s.d, ignore_errors=True)
    assert not problems, "\n".join(problems)


if __name__ == "__main__":
    run_tests([test_result_file, test_result_replaced_with_overwrite, test_lock_file, test_checkpoint_paths,
               test_result_rebuilt_by_resume, test_collect_outputs, test_bench_scratch_files,
               test_resume_refuses_links, test_other_uid, test_umask_and_modes])
