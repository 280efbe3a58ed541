#!/usr/bin/python3
"""The lifecycle contract (docs/lifecycle.md), tried the way users break it: random sequences of `fasim run`,
`fasim resume CKPT`, `fasim resume RESULT --run.steps=N`, slurm/run.sbatch without Slurm, `fasim collect`,
`fasim status`, a second writer, a run of another configuration and a corrupted checkpoint, on one small config
WITHOUT output.overwrite, with SIGKILL/USR1/TERM at random moments (start-up included). After every operation:
the exit code is a documented one (never a death by signal, never a hang); a complete result equals the
uninterrupted run of its steps bitwise; a complete result is never replaced by a shorter one, another
configuration's or a lost one; the victim file beside the outputs is byte-identical; `status` is one of
running/checkpointed/failed/complete.

FASIM_LIFECYCLE_SEQUENCES (default 20) sequences; FASIM_LIFECYCLE_SEED fixes the seed (printed);
FASIM_LIFECYCLE_ONLY=I,J plays only sequences I and J of it.
A signal sent inside its launcher's start-up window (docs/lifecycle.md, "Signals right after launch": before the
process signalled and every rank have installed their handlers, read from /proc) may end the job by the signal
instead; that outcome, and only inside the window, is what the test accepts there. Every violation fails the
test."""
import glob
import os
import random
import re
import shutil
import signal
import subprocess
import time

import h5py
import numpy as np

from e2e_support import ENV, exit_with, tmpdir, write
from lifecycle_support import (DOCUMENTED_EXITS, STATUSES, Job, attr, command, compare_bitwise, error_lines,
                               flip_bytes_in, last_step, md5, past_launch_window, reap_session, sbatch_command,
                               window_death)

CONFIG = """[problem]
source = synthetic
n = 24
m = 20
k = 12
spectrum = two-level
seed = 5
[model]
r = 4
[run]
algorithms = gd,fa,fastar
steps = {steps}
record_every = {record}
record_points = 10
probes = 3
[gd]
lr = 1.0
[fa]
lr = 0.1
[fastar]
lr = 0.1
[grid]
block = 8
[output]
file = out/small.h5
progress_seconds = 0
checkpoint_every = {every}
"""
# Steps per rank count: one rank steps ~10x faster than two oversubscribed ones on a loaded 2-core machine.
PLAN = {1: dict(steps=(4000, 8000, 12000), record=500, every=1500),
        2: dict(steps=(400, 800, 1200), record=50, every=150)}
TIMEOUT = 180  # no operation of these tiny runs may take longer: beyond that it is a hang
SECOND_WRITER_BOUND = 20  # a second writer must be refused this fast


class Checker:
    def __init__(self):
        self.violations = []  # (kind, message)
        self.counts = {}  # what was exercised, printed at the end

    def count(self, what):
        self.counts[what] = self.counts.get(what, 0) + 1

    def violation(self, kind, message, repro):
        entry = f"[{kind}] {message}\n    reproduction: {repro}"
        self.violations.append(entry)
        print("VIOLATION " + entry, flush=True)


class Sequence:
    """One random sequence in a fresh directory; `log` is the reproduction (the commands run so far)."""

    def __init__(self, rng, checker, refs, ranks, seq_id):
        self.rng, self.checker, self.refs, self.ranks = rng, checker, refs, ranks
        self.delay = None
        self.past_window = True  # whether the last signal was sent past the launcher's start-up window
        self.plan = PLAN[ranks]
        self.dir = tmpdir()
        self.seq_id = seq_id
        os.mkdir(f"{self.dir}/out")
        write(f"{self.dir}/small.ini", CONFIG.format(steps=self.plan["steps"][0], record=self.plan["record"],
                                                     every=self.plan["every"]))
        self.victim = write(f"{self.dir}/out/victim.txt", "a colleague's file, not fasim's\n")
        self.victim_md5 = md5(self.victim)
        self.result = f"{self.dir}/out/small.h5"
        self.complete_step = None
        self.log = [f"cd {self.dir}  (small.ini = CONFIG with {self.plan}, {ranks} rank(s))"]
        self.ops = 0

    # ---- running things ----------------------------------------------------------------------------------
    def start(self, args):
        self.log.append(" ".join(["fasim"] + args) + ("" if self.ranks == 1 else f"  [mpirun -n {self.ranks}]"))
        return Job(command(args, self.ranks), self.dir)

    def start_sbatch(self, extra):
        argv, env = sbatch_command("small.ini", self.ranks, extra, self.dir)
        self.log.append("SLURM_JOB_ID=1 SLURM_NTASKS=%d ... bash slurm/run.sbatch small.ini %s" %
                        (self.ranks, " ".join(extra)))
        return Job(argv, self.dir, env)

    def perturb(self, job, is_sbatch):
        """Maybe a signal at a random moment: right after launch, or anywhere in the expected run time."""
        kind = self.rng.choice(["none", "none", "KILL", "USR1", "TERM"])
        self.delay = None
        self.past_window = True
        if kind == "none":
            return kind, None
        est = 1.5 if self.ranks == 1 else 3.0
        delay = self.rng.uniform(0, 0.25) if self.rng.random() < 0.4 else self.rng.uniform(0, est)
        time.sleep(delay)
        self.delay = time.time() - job.t0
        if kind == "KILL":
            job.kill()
        else:
            sig = signal.SIGUSR1 if kind == "USR1" or (self.ranks > 1 and not is_sbatch) else signal.SIGTERM
            self.past_window = past_launch_window(job, sig, self.ranks, is_sbatch)
            job.signal(sig)
        self.log[-1] += f"   <- SIG{kind} after {delay:.3f} s" + ("" if self.past_window else " (launch window)")
        self.checker.count(f"SIG{kind}" + (" at launch" if self.delay < 0.25 else "") +
                           ("" if self.past_window else " in the launch window"))
        return kind, delay

    def finish(self, job, name, kind):
        rc, out, err = job.wait(TIMEOUT)
        if kind == "KILL":
            reap_session(job.p.pid)
        self.log[-1] += f"   => exit {rc}"
        repro = self.repro()
        if rc is None and not (kind not in ("none", "KILL") and not self.past_window and window_death(rc)):
            self.checker.violation("hang", f"{name}: no exit within {TIMEOUT} s\n{err[-2000:]}", repro)
        elif rc is None:
            reap_session(job.p.pid)
            self.checker.count("start-up hang in the launch window (Hydra)")
        elif kind != "KILL":
            in_window = kind != "none" and not self.past_window
            if in_window and rc not in DOCUMENTED_EXITS:
                # Inside the launcher's start-up window the signal's default action may end the job (the
                # launcher reports the rank's death by the signal with an exit code of its own): documented;
                # nothing of fasim ran, and the invariants below still hold.
                if not window_death(rc):
                    self.checker.violation("launch-window-exit", f"{name}: SIG{kind} inside the launch window "
                                           f"ended in exit {rc}, not a death by the signal\n{err[-2000:]}", repro)
            elif rc < 0 or rc >= 128:
                self.checker.violation("death-by-signal", f"{name}: exit {rc} (signal sent past the launch "
                                       f"window)\n{err[-2000:]}", repro)
            elif rc not in DOCUMENTED_EXITS:
                self.checker.violation("undocumented-exit", f"{name}: exit {rc}\n{err[-2000:]}", repro)
            elif kind in ("USR1", "TERM") and rc == 1:
                self.checker.violation("signal-failed", f"{name}: SIG{kind} ended in exit 1\n{err[-2000:]}", repro)
            if "Traceback" in err or "terminate called" in err or "Segmentation" in err:
                self.checker.violation("crash-output", f"{name}: {err[-2000:]}", repro)
            if not name.startswith("sbatch") and rc in (1, 2) and len(error_lines(err)) != 1:
                self.checker.violation("not-one-error-line", f"{name}: exit {rc}, stderr:\n{err[-2000:]}", repro)
        return rc, out, err

    def repro(self):
        return f"seed sequence #{self.seq_id}: " + "\n      ".join(self.log)

    def status(self, extra=()):
        p = Job(command(["status", "small.ini"] + list(extra), 1), self.dir)
        rc, out, err = p.wait(60)
        fields = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
        return rc, fields, err

    # ---- invariants --------------------------------------------------------------------------------------
    def snapshot(self):
        return {p: md5(p) for p in glob.glob(f"{self.dir}/out/*")}

    def check(self, name, before, may_change_result, interrupted, target_steps):
        repro = self.repro()
        if md5(self.victim) != self.victim_md5:
            self.checker.violation("victim-changed", f"{name} changed out/victim.txt", repro)
        if not os.path.exists(self.result):
            if self.complete_step is not None:
                self.checker.violation("result-lost", f"{name}: the complete result disappeared", repro)
            return
        status = attr(self.result, "status")
        if status not in STATUSES:
            self.checker.violation("bad-status", f"{name}: status attribute {status!r}", repro)
            return
        if status != "complete":
            if self.complete_step is not None:
                # Only an interrupted continuation may leave a complete result incomplete, and then it resumes.
                rc, st, _ = self.status([f"--run.steps={target_steps}"])
                if not (may_change_result and interrupted and st.get("action") in ("resume", "continue")):
                    self.checker.violation(
                        "complete-result-lost",
                        f"{name}: a complete result ({self.complete_step} steps) is now '{status}', "
                        f"status says action '{st.get('action')}' ({st.get('reason')})", repro)
            return
        step = last_step(self.result)
        if self.complete_step is not None and step < self.complete_step:
            self.checker.violation("result-shortened", f"{name}: complete {self.complete_step} -> {step} steps",
                                   repro)
        if not may_change_result and before.get(self.result) not in (None, md5(self.result)):
            self.checker.violation("result-touched", f"{name} modified the result file (it had nothing to do)",
                                   repro)
        ref = self.refs.get(self.ranks, step)
        if ref is None:
            self.checker.violation("unexpected-steps", f"{name}: a complete result at step {step}", repro)
        else:
            diffs = compare_bitwise(self.result, ref)
            if diffs:
                self.checker.violation("not-bitwise", f"{name}: complete result at step {step} differs from the "
                                       f"uninterrupted run in {diffs[:6]}", repro)
        self.complete_step = step

    # ---- operations --------------------------------------------------------------------------------------
    def steps(self):
        return self.rng.choice(self.plan["steps"])

    def op_run(self):
        s = self.steps()
        return self.runlike("run", self.start(["run", "small.ini", f"--run.steps={s}"]), s, False)

    def op_resume_checkpoint(self):
        ring = sorted(p for p in glob.glob(f"{self.result}.ckpt*") if not p.endswith(".tmp"))
        ck = self.rng.choice(ring) if ring else f"{self.result}.ckpt"
        args = ["resume", os.path.relpath(ck, self.dir)]
        s = None
        if self.rng.random() < 0.5:
            s = self.steps()
            args.append(f"--run.steps={s}")
        return self.runlike("resume-checkpoint", self.start(args), s or self.plan["steps"][-1], False)

    def op_continue(self):
        s = self.steps()
        return self.runlike("continue", self.start(["resume", "out/small.h5", f"--run.steps={s}"]), s, False)

    def op_sbatch(self):
        s = self.steps() if self.rng.random() < 0.7 else None
        extra = [f"--run.steps={s}"] if s else []
        return self.runlike("sbatch", self.start_sbatch(extra), s or self.plan["steps"][0], True)

    def runlike(self, name, job, target, is_sbatch):
        before = self.snapshot()
        # A complete result whose continuation was interrupted is 'checkpointed' on disk: finishing it (to the
        # same or more steps) may rewrite it; only a result that is complete right now must stay untouched.
        complete_now = os.path.exists(self.result) and attr(self.result, "status") == "complete"
        kind, _ = self.perturb(job, is_sbatch)
        rc, out, err = self.finish(job, name, kind)
        # Only a request for more steps than the complete result has may change it.
        may_change = self.complete_step is None or target > self.complete_step or not complete_now
        if rc == 75:
            st_rc, st, _ = self.status([f"--run.steps={target}"])
            # run.sbatch stopped before it started fasim requeues without state: its next start does whatever
            # was due, a fresh run or the restart of a result interrupted before its first checkpoint included
            # (slurm/run.sbatch: `run | restart) launch run`). Seen under MPICH, seed 20261201 sequence 11: a
            # SIGKILLed run at step 0, then USR1 11 ms into run.sbatch.
            fine = ("resume", "continue", "nothing") + (("run", "restart") if name == "sbatch" else ())
            if st.get("action") not in fine:
                self.checker.violation("exit75-not-resumable", f"{name} exited 75 but status says action "
                                       f"'{st.get('action')}' ({st.get('reason')})", self.repro())
        self.check(name, before, may_change, kind != "none" or rc in (1, 75), target)

    def op_status(self):
        before = self.snapshot()
        extra = [f"--run.steps={self.steps()}"] if self.rng.random() < 0.5 else []
        self.log.append("fasim status small.ini " + " ".join(extra))
        rc, st, err = self.status(extra)
        self.log[-1] += f"   => exit {rc}, state {st.get('state')}, action {st.get('action')}"
        if rc != 0 or st.get("state") not in ("absent", "running", "checkpointed", "interrupted", "failed",
                                               "complete", "foreign"):
            self.checker.violation("status-verb", f"status exit {rc}: {st} {err}", self.repro())
        if before != self.snapshot():
            self.checker.violation("status-wrote", "fasim status changed files", self.repro())

    def op_collect(self):
        target = self.rng.choice(["small.h5", "victim.txt", "summary.h5", "small.h5.ckpt"])
        args = ["collect", "out", "--output", f"out/{target}"] + (["--overwrite"] if self.rng.random() < 0.5 else [])
        before = self.snapshot()
        rc, out, err = self.finish(self.start(args), "collect", "none")
        after = self.snapshot()
        for p, h in before.items():
            if not p.endswith("/summary.h5") and after.get(p) != h:
                self.checker.violation("collect-overwrote", f"collect --output out/{target} changed "
                                       f"{os.path.basename(p)} (exit {rc})", self.repro())
        if after.get(self.result) != before.get(self.result) or after.get(self.victim) != self.victim_md5:
            # Reported above; start the sequence afresh so that one loss is not reported again by every later step.
            for p in glob.glob(f"{self.dir}/out/*"):
                os.unlink(p)
            self.victim = write(f"{self.dir}/out/victim.txt", "a colleague's file, not fasim's\n")
            self.complete_step = None
            self.log.append("(out/ emptied after the collect violation above)")
            return
        self.check("collect", before, False, False, 0)

    def op_other_config(self):
        if not os.path.exists(self.result):
            return self.op_status()
        before = self.snapshot()
        s = self.steps()
        rc, out, err = self.finish(self.start(["run", "small.ini", "--problem.seed=99", f"--run.steps={s}"]),
                                   "other-config", "none")
        if rc != 2:
            self.checker.violation("other-config-accepted", f"a run of another configuration on an existing "
                                   f"result exited {rc}", self.repro())
        self.check("other-config", before, False, False, s)

    def op_second_writer(self):
        s = self.plan["steps"][-1]
        if self.complete_step == s:
            return self.op_status()
        before = self.snapshot()
        first = self.start_sbatch([f"--run.steps={s}"])
        deadline = time.time() + 30
        holding = False
        while time.time() < deadline and first.p.poll() is None:
            rc, st, _ = self.status([f"--run.steps={s}"])
            if st.get("state") == "running":
                holding = True
                break
            time.sleep(0.05)
        if holding:
            which = self.rng.choice(["run", "continue", "sbatch"])
            if which == "sbatch":
                second = self.start_sbatch([f"--run.steps={s}"])
            elif which == "run":
                second = self.start(["run", "small.ini", f"--run.steps={s}"])
            else:
                second = self.start(["resume", "out/small.h5", f"--run.steps={s}"])
            t0 = time.time()
            self.checker.count("second writer while the first held the lock")
            rc, out, err = self.finish(second, "sbatch-second-writer" if which == "sbatch" else "second-writer",
                                       "none")
            elapsed = time.time() - t0
            text = out + err
            if first.p.poll() is None and rc != 2:
                self.checker.violation("second-writer-accepted", f"second writer ({which}) exited {rc} while the "
                                       f"first was running:\n{text[-1500:]}", self.repro())
            elif first.p.poll() is None:
                # The sbatch script outlives fasim by a status check: once fasim has finished (lock released), a
                # second `run` is refused because the result is complete; before that, the refusal names the holder.
                names_holder = "small.h5" in text and "pid" in text
                finished_first = "is complete" in text or "nothing to do" in text
                if not (names_holder or finished_first):
                    self.checker.violation("second-writer-message", f"refusal does not name the file and holder:"
                                           f"\n{text[-1500:]}", self.repro())
                if elapsed > SECOND_WRITER_BOUND:
                    self.checker.violation("second-writer-slow", f"refused after {elapsed:.1f} s", self.repro())
        self.log.append("(first writer, above, waited for)")
        rc, out, err = self.finish(first, "first-writer", "none")
        self.check("second-writer", before, True, rc in (1, 75), s)

    def op_corrupt(self):
        ring = sorted(p for p in glob.glob(f"{self.result}.ckpt*") if not p.endswith(".tmp"))
        if not ring:
            return self.op_status()
        ck = ring[0]  # the newest generation
        if not flip_bytes_in(ck, "algorithms/0/Z"):
            return self.op_status()
        self.log.append(f"flip 16 bytes inside {os.path.relpath(ck, self.dir)}:/algorithms/0/Z")
        before = self.snapshot()
        rc, out, err = self.finish(self.start(["resume", os.path.relpath(ck, self.dir)]), "resume-corrupted",
                                   "none")
        if rc != 2:
            self.checker.violation("corrupt-accepted", f"resume of a corrupted checkpoint exited {rc}:\n"
                                   f"{err[-1500:]}", self.repro())
        self.check("resume-corrupted", before, False, False, 0)

    OPS = [("op_run", 3), ("op_resume_checkpoint", 3), ("op_continue", 2), ("op_sbatch", 4), ("op_status", 1),
           ("op_collect", 1), ("op_other_config", 1), ("op_second_writer", 1), ("op_corrupt", 1)]

    def play(self, length):
        names = [n for n, w in self.OPS for _ in range(w)]
        for _ in range(length):
            name = self.rng.choice(names)
            self.checker.count(name)
            getattr(self, name)()
            self.ops += 1
        # Finally, resubmission brings every sequence to a complete result of the largest step count, which
        # must equal the uninterrupted run (unless a corrupted checkpoint blocks it: then exit 2 is the answer).
        final = self.plan["steps"][-1]
        for _ in range(4):
            job = self.start_sbatch([f"--run.steps={final}"])
            rc, _, _ = self.finish(job, "sbatch-final", "none")
            self.check("sbatch-final", self.snapshot(), True, False, final)
            self.ops += 1
            if rc != 75:
                break
        return self.complete_step == final


class References:
    """The uninterrupted run of each step count on each rank count, computed once, when first needed."""

    def __init__(self, root):
        self.root, self.done = root, {}

    def get(self, ranks, steps):
        if steps not in PLAN[ranks]["steps"]:
            return None
        if (ranks, steps) not in self.done:
            d = f"{self.root}/ref-{ranks}-{steps}"
            os.makedirs(d)
            write(f"{d}/small.ini", CONFIG.format(steps=steps, record=PLAN[ranks]["record"], every=0))
            rc, out, err = Job(command(["run", "small.ini", "--output.checkpoint_seconds=0"], ranks), d).wait(600)
            assert rc == 0, f"reference run {ranks} rank(s), {steps} steps: exit {rc}\n{err}"
            self.done[(ranks, steps)] = f"{d}/out/small.h5"
        return self.done[(ranks, steps)]


# ---- single items of issue #13 ---------------------------------------------------------------------------------
def small_dir(steps, every=0):
    d = tmpdir()
    write(f"{d}/small.ini", CONFIG.format(steps=steps, record=50, every=every))
    return d


def run_in(d, args, ranks=1, timeout=TIMEOUT):
    rc, out, err = Job(command(args, ranks), d).wait(timeout)
    return rc, out, err


def test_checkpoint_every_300_is_exact():
    d = small_dir(700, every=300)
    rc, _, err = run_in(d, ["run", "small.ini", "--output.checkpoint_keep=3"])
    assert rc == 0, err
    steps = [attr(f"{d}/out/small.h5{suffix}", "step") for suffix in (".ckpt", ".ckpt.1")]
    assert steps == [600, 300], f"checkpoint steps {steps}, expected [600, 300] (checkpoint_every = 300)"
    assert not os.path.exists(f"{d}/out/small.h5.ckpt.2"), "a checkpoint at a step that is no multiple of 300"


def test_input_with_unknown_dataset_names_is_refused():
    d = small_dir(100)
    with h5py.File(f"{d}/lower.h5", "w") as f:
        f["y"] = np.ones((24, 20))
        f["c"] = np.ones((4, 20))
    rc, _, err = run_in(d, ["run", "small.ini", f"--input.file={d}/lower.h5"])
    lines = error_lines(err)
    assert rc == 2 and len(lines) == 1, f"exit {rc}, stderr:\n{err}"
    assert "y" in lines[0] and "c" in lines[0] and "Y" in lines[0], lines[0]
    assert not os.path.exists(f"{d}/out/small.h5"), "a result was written from a synthetic Y"


def test_own_result_as_input_repeats_the_run():
    """Bitwise (same build, kernel and grid: docs/determinism.md)."""
    d = small_dir(300)
    rc, _, err = run_in(d, ["run", "small.ini"])
    assert rc == 0, err
    rc, _, err = run_in(d, ["run", "small.ini", "--input.file=out/small.h5", "--output.file=out/again.h5",
                            "--problem.seed=77"])  # the seed must not matter: Y comes from the file
    assert rc == 0, err
    with h5py.File(f"{d}/out/small.h5", "r") as a, h5py.File(f"{d}/out/again.h5", "r") as b:
        assert np.array_equal(a["problem/Y"][()], b["problem/Y"][()]), "/problem/Y differs"
        for alg in a["runs"]:
            x, y = a["runs"][alg]["trajectory"]["loss"][()], b["runs"][alg]["trajectory"]["loss"][()]
            assert x.tobytes() == y.tobytes(), f"{alg}: losses differ"


def test_missing_output_directory_is_created():
    d = small_dir(100)
    rc, _, err = run_in(d, ["run", "small.ini", "--output.file=new/deeper/r.h5", "--output.checkpoint_every=50"])
    assert rc == 0, err
    assert attr(f"{d}/new/deeper/r.h5", "status") == "complete"
    assert os.path.exists(f"{d}/new/deeper/r.h5.ckpt")


def test_collect_never_replaces_an_input():
    d = small_dir(200, every=100)
    rc, _, err = run_in(d, ["run", "small.ini"])
    assert rc == 0, err
    problems = []
    for target in ("small.h5.ckpt", "small.h5"):
        before = md5(f"{d}/out/{target}")
        rc, out, err = run_in(d, ["collect", "out", "--output", f"out/{target}"])
        if md5(f"{d}/out/{target}") != before:
            problems.append(f"`fasim collect out --output out/{target}` replaced it (exit {rc}): {out.strip()}")
    assert not problems, "\n".join(problems)


def test_output_to_a_full_device_is_an_error():
    """#13: output to stdout that fails (a full disk, /dev/full) is an error, not exit 0."""
    d = small_dir(100)
    rc, _, err = run_in(d, ["run", "small.ini"])
    assert rc == 0, err
    problems = []
    for args in (["info", "out/small.h5", "--json"], ["info", "out/small.h5"], ["status", "small.ini"]):
        with open("/dev/full", "w") as full:
            p = subprocess.run(command(args, 1), cwd=d, env=ENV, stdout=full, stderr=subprocess.PIPE, text=True,
                               timeout=60)
        if p.returncode == 0:
            problems.append(f"`fasim {' '.join(args)} > /dev/full` exited 0")
    assert not problems, "; ".join(problems)


def test_resubmission_with_overrides_continues():
    """A finished job submitted with --output.file=... resubmitted with a larger --run.steps is continued (the
    sbatch script passes the job's overrides to `fasim resume RESULT`, which must accept the same output.file)."""
    d = small_dir(300)
    argv, env = sbatch_command("small.ini", 1, ["--output.file=out/x.h5"], d)
    rc, out, err = Job(argv, d, env).wait(TIMEOUT)
    assert rc == 0, f"first submission exited {rc}:\n{out[-800:]}{err[-800:]}"
    argv, env = sbatch_command("small.ini", 1, ["--output.file=out/x.h5", "--run.steps=600"], d)
    rc, out, err = Job(argv, d, env).wait(TIMEOUT)
    assert rc == 0 and attr(f"{d}/out/x.h5", "status") == "complete" and last_step(f"{d}/out/x.h5") == 600, \
        f"resubmission with --run.steps=600 exited {rc}: {[l for l in (out + err).splitlines() if 'error' in l]}"


def launch_window(ranks, sig, bound=10.0):
    """Seconds from launch until a signal `sig` is past the launch window (polled every 2 ms), or None."""
    d = small_dir(100000)
    job = Job(command(["run", "small.ini"], ranks), d)
    try:
        while time.time() - job.t0 < bound and job.p.poll() is None:
            if past_launch_window(job, sig, ranks):
                return time.time() - job.t0
            time.sleep(0.002)
        return None
    finally:
        job.kill()
        job.wait(30)
        shutil.rmtree(d, ignore_errors=True)


def test_signals_right_after_launch():
    """USR1/USR2/TERM at random moments in the first 0.3 s or right after the launch window, to fasim alone and to
    the build's launcher with 2 ranks:
    past the launch window (docs/lifecycle.md) USR2 lets the run finish (exit 0) and USR1/TERM end it in exit 75
    with a resumable checkpoint (or 0 if it finished); inside the window the job may instead die of the signal,
    with nothing written that a rerun could not start over from. Prints how many tries fell in the window."""
    for ranks, sig in ((1, signal.SIGUSR1), (2, signal.SIGUSR1), (2, signal.SIGUSR2)):
        spans = [launch_window(ranks, sig) for _ in range(3)]
        print(f"launch window, {'fasim alone' if ranks == 1 else os.path.basename(command([], 2)[0]) + ' -n 2'}, "
              f"{sig.name}: " + ", ".join("never closed in 10 s" if s is None else f"{1000 * s:.0f} ms" for s in spans),
              flush=True)
    rng = random.Random(13)
    problems, windows = [], {}
    trials = [(1, sig) for sig in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM) for _ in range(4)]
    # Under a launcher TERM ends the job through the launcher's own kill (docs/lifecycle.md): USR1 is the request.
    trials += [(2, sig) for sig in (signal.SIGUSR1, signal.SIGUSR2) for _ in range(6)]
    for i, (ranks, sig) in enumerate(trials):
        d = small_dir(4000 if ranks == 1 else 400)
        job = Job(command(["run", "small.ini"], ranks), d)
        if i % 2:  # at a random moment of the first 0.3 s
            delay = rng.uniform(0, 0.3)
            time.sleep(delay)
        else:  # as soon as the window has closed (it may never, see docs/lifecycle.md: then after 10 s)
            while time.time() - job.t0 < 10 and job.p.poll() is None and not past_launch_window(job, sig, ranks):
                time.sleep(0.002)
            delay = time.time() - job.t0
        past = past_launch_window(job, sig, ranks)
        job.signal(sig)
        rc, _, err = job.wait(60)
        reap_session(job.p.pid)
        what = f"{'fasim' if ranks == 1 else f'launcher -n {ranks}'} + {sig.name} after {delay:.3f} s"
        windows[(ranks, past)] = windows.get((ranks, past), 0) + 1
        wanted = (0,) if sig == signal.SIGUSR2 else (0, 75)
        if rc not in wanted:
            if past or not window_death(rc):
                problems.append(f"{what} ({'past' if past else 'inside'} the launch window): exit {rc} "
                                f"{err[-300:]}")
            elif os.path.exists(f"{d}/out/small.h5"):
                # (Hydra's mpiexec dies of USR2 at any time: then the job ends like a node failure.)
                _, out, _ = run_in(d, ["status", "small.ini"])
                if not re.search(r"^action: (run|restart|resume)$", out, re.M):
                    problems.append(f"{what}: died in the launch window (exit {rc}), and then status:\n{out}")
        elif rc == 75:
            _, out, _ = run_in(d, ["status", "small.ini"])
            if "action: resume" not in out:
                problems.append(f"{what}: exit 75 but status:\n{out}")
            rc3, _, err3 = run_in(d, ["resume", "out/small.h5.ckpt"], ranks)
            if rc3 != 0:
                problems.append(f"{what}: resume exited {rc3}: {err3[-300:]}")
        shutil.rmtree(d, ignore_errors=True)  # fasim has exited and its session is reaped
    print("signals right after launch: " + ", ".join(
        f"{n} tries {'past' if past else 'inside'} the window on {ranks} rank(s)"
        for (ranks, past), n in sorted(windows.items())), flush=True)
    assert not problems, "\n".join(problems)


ITEMS = [test_checkpoint_every_300_is_exact, test_input_with_unknown_dataset_names_is_refused,
         test_own_result_as_input_repeats_the_run, test_missing_output_directory_is_created,
         test_collect_never_replaces_an_input, test_output_to_a_full_device_is_an_error,
         test_resubmission_with_overrides_continues,
         test_signals_right_after_launch]


def run_items():
    failed = 0
    for t in ITEMS:
        t0 = time.time()
        try:
            t()
            print(f"PASS {t.__name__} ({time.time() - t0:.0f} s)", flush=True)
        except Exception as e:  # noqa: BLE001 - report every failure and go on
            failed += 1
            print(f"FAIL {t.__name__}: {e}", flush=True)
    return failed


def main():
    n = int(os.environ.get("FASIM_LIFECYCLE_SEQUENCES", "20"))
    seed = int(os.environ.get("FASIM_LIFECYCLE_SEED", str(random.SystemRandom().randrange(1 << 31))))
    print(f"lifecycle: {n} sequences, seed {seed} (FASIM_LIFECYCLE_SEED={seed} repeats them)", flush=True)
    t0 = time.time()
    item_failures = run_items() if os.environ.get("FASIM_LIFECYCLE_ITEMS", "1") == "1" else 0
    root = tmpdir()
    refs = References(root)
    checker = Checker()
    rng = random.Random(seed)
    ops = completed = 0
    # FASIM_LIFECYCLE_ONLY=50,51 plays only those sequences of the seed (the others' draws are still made).
    only = {int(x) for x in os.environ.get("FASIM_LIFECYCLE_ONLY", "").split(",") if x.strip()}
    for i in range(n):
        ranks = 2 if rng.random() < 0.15 else 1
        seq_rng = random.Random(rng.randrange(1 << 62))
        length = rng.randint(2, 4)
        if only and i not in only:
            continue
        seq = Sequence(seq_rng, checker, refs, ranks, i)
        before = len(checker.violations)
        done = seq.play(length)
        ops += seq.ops
        completed += done
        print(f"sequence {i}: {ranks} rank(s), {seq.ops} operations, final result "
              f"{'complete' if done else 'NOT complete'}, {len(checker.violations) - before} violation(s) "
              f"[{time.time() - t0:.0f} s]", flush=True)
        if len(checker.violations) == before and done:
            shutil.rmtree(seq.dir, ignore_errors=True)
        else:
            print("    " + "\n    ".join(seq.log), flush=True)
    shutil.rmtree(root, ignore_errors=True)
    print("exercised: " + ", ".join(f"{k} {v}" for k, v in sorted(checker.counts.items())))
    print(f"lifecycle: {n} sequences, {ops} operations, {completed} ended complete, "
          f"{len(checker.violations)} violation(s), seed {seed}, {time.time() - t0:.0f} s")
    exit_with(1 if checker.violations or item_failures else 0)


if __name__ == "__main__":
    main()
