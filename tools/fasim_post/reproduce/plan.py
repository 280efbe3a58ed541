"""The reproduction's run plan, as data: which job of jobs/ each run starts from and which keys it overrides.

A run is `fasim run JOB --key=value ...` (or `fasim sweep run`); everything not overridden is the job's own.
PROFILES give the overrides per run and profile ("full": what docs/reproduction.md reports, sized for about 20
minutes on 2 cores; "quick": tiny sizes, a smoke test of the pipeline whose numbers prove nothing). The
Theorem 3 and 4 series are lists of sizes, which --thm3-seeds, --thm4-sizes and --thm4-diagonal-sizes change.
"""
import os
import re
import shlex
from dataclasses import dataclass, field
from typing import Dict, List, Optional


def square(n, k=None, r=None):
    """problem.n = problem.m = n (and k, model.r when given)."""
    out = {"problem.n": n, "problem.m": n}
    if k is not None:
        out["problem.k"] = k
    if r is not None:
        out["model.r"] = r
    return out


def _fact3(size, steps, record_every):
    base = {**size, "run.record_points": 0}
    return {
        "fact3-lr0.1": {**base, "run.record_every": record_every, "run.steps": steps, "fastar.lr": 0.1},
        "fact3-lr0.05": {**base, "run.record_every": 2 * record_every, "run.steps": 2 * steps, "fastar.lr": 0.05},
        "fact3-rk4": {**base, "run.record_every": record_every, "run.steps": steps, "fastar.lr": 0.1,
                      "run.integrator": "rk4"},
    }


def _paper_runs(fig2a, fig2b, fig3a_steps, flow_lr, fig3b, fig56, fact3):
    return {
        "fig2a": {**fig2a, "run.stop_loss": 1e-11},
        "fig2b": fig2b,
        "fig3a": {"run.steps": fig3a_steps, "output.snapshot_every": 10},
        "fig3a-smalllr": {"run.steps": fig3a_steps, "fastar.lr": flow_lr, "output.snapshot_every": 10},
        "fig3b": fig3b,
        "fig5": fig56,
        "fig5-lrw": {**fig56, "fa.lr_w": 0.5},
        "fig6": fig56,
        **fact3,
    }


#: per profile: the overrides of each fixed run, and the Theorem 3 / Theorem 4 series
PROFILES = {
    "full": dict(
        runs=_paper_runs(fig2a={**square(200, k=20, r=20), "run.steps": 20000},
                         fig2b={"run.steps": 800},                     # paper size n = m = k = 500, r = 50
                         fig3a_steps=3000, flow_lr=2e-7,
                         fig3b={"run.steps": 20000},                   # paper size n = m = 100, r = 99
                         fig56={"run.steps": 5000},
                         fact3=_fact3({}, 1000, 10)),
        thm3=[dict(tag="n200", n=200, r=20, seeds=100, steps=600),
              dict(tag="n500", n=500, r=50, seeds=100, steps=600)],
        thm4=dict(sizes=[100, 200, 500, 1000, 2000, 4000], steps=1000, diagonal_sizes=[10_000, 100_000, 1_000_000]),
    ),
    "quick": dict(
        runs=_paper_runs(fig2a={**square(40, k=4, r=4), "run.steps": 20000},
                         fig2b={**square(60, k=60, r=6), "problem.head": 6, "run.steps": 1500},
                         fig3a_steps=1000, flow_lr=6e-7,
                         fig3b={**square(20, k=19, r=19), "run.steps": 1000},
                         fig56={**square(20, k=19, r=19), "run.steps": 500},
                         fact3=_fact3(square(20, k=19, r=19), 300, 10)),
        thm3=[dict(tag="n60", n=60, r=6, seeds=10, steps=800),
              dict(tag="n100", n=100, r=10, seeds=4, steps=800)],
        thm4=dict(sizes=[50, 100, 200], steps=1000, diagonal_sizes=[10_000]),
    ),
}

#: the fixed runs: name -> (job, output path under the results directory, purpose); in execution order
RUNS = {
    "fig2a": ("fig2a.ini", "fig2a.h5", "Theorem 2 / Fig 2a"),
    "fig2b": ("fig2b.ini", "fig2b.h5", "Lemma 1 / Fig 2b"),
    "fig3a": ("fig3a.ini", "fig3a.h5", "Fig 3a as in the job (lr 0.1)"),
    "fig3a-smalllr": ("fig3a.ini", "fig3a-smalllr.h5", "Example 1 / Fig 3a, lr {fastar.lr}"),
    "fig3b": ("fig3b.ini", "fig3b.h5", "Fig 3b, Fig 4a, 4b"),
    "fig5": ("fig5.ini", "fig5.h5", "Fig 5 (lr_w = 0.1)"),
    "fig5-lrw": ("fig5.ini", "fig5-lrw.h5", "Fig 5 (lr_w = 0.5)"),
    "fig6": ("fig6.ini", "fig6.h5", "Fig 6"),
    "fact3-lr0.1": ("fig3b.ini", "fact3/lr0.1.h5", "Fact 3 (Euler, lr 0.1)"),
    "fact3-lr0.05": ("fig3b.ini", "fact3/lr0.05.h5", "Fact 3 (Euler, lr 0.05)"),
    "fact3-rk4": ("fig3b.ini", "fact3/rk4.h5", "Fact 3 (RK4, lr 0.1)"),
}
#: runs of at least this size n use --np ranks; smaller ones one rank (two such runs go side by side)
MANY_RANKS_FROM_N = {"fig2b": 300, "theorem4": 1000}
PAPER_N = {"fig2b": 500}   # the job's own n, when the profile does not override it


def _value(v):
    return f"{v:g}" if isinstance(v, float) else str(v)


@dataclass
class Run:
    """One fasim invocation: `run` (one result file) or `sweep` (a directory of point files)."""
    name: str
    ini: str
    overrides: List[str]
    output: str
    kind: str = "run"
    purpose: str = ""
    seeds: Optional[int] = None
    groups: Optional[int] = None
    np: int = 1
    extra: Dict = field(default_factory=dict)

    def fasim_args(self):
        if self.kind == "run":
            return ["run", self.ini, *self.overrides, f"--output.file={self.output}", "--output.overwrite=true"]
        groups = ["--groups", str(self.groups)] if self.groups else []
        return ["sweep", "run", self.ini, *groups, *self.overrides, f"--output.file={self.output}"]

    def display(self):
        return " ".join(shlex.quote(a) for a in ["mpirun", "-n", str(self.np), "build/bin/fasim", *self.fasim_args()])

    @property
    def result_dir(self):
        return os.path.dirname(self.output)


def _flags(overrides):
    return [f"--{key}={_value(v)}" for key, v in overrides.items()]


def plan(profile: dict, out: str, np_: int) -> List[Run]:
    """Every run of the reproduction, in execution order, with its results under `out`."""
    runs = []
    for name, (job, output, purpose) in RUNS.items():
        over = profile["runs"][name]
        ranks = np_ if over.get("problem.n", PAPER_N.get(name, 0)) >= MANY_RANKS_FROM_N.get(name, float("inf")) else 1
        runs.append(Run(name, f"jobs/{job}", _flags(over), f"{out}/{output}",
                        purpose=purpose.replace("{fastar.lr}", _value(over.get("fastar.lr", 0.0))), np=ranks))
    t4 = profile["thm4"]
    for n in t4["sizes"]:
        runs.append(Run(f"theorem4-n{n}", "jobs/theorem4.ini", _flags({**square(n, k=n), "run.steps": t4["steps"]}),
                        f"{out}/theorem4/thm4-n{n}.h5", purpose=f"Theorem 4, n = {n}",
                        np=np_ if n >= MANY_RANKS_FROM_N["theorem4"] else 1))
    # Beyond a dense Y's reach: Y = diag(σ) (problem.representation = diagonal), the job made for n = 10⁶ (its
    # step sizes suit the stiffer FA plateau of large n); one rank each, O(n) work per step.
    for n in t4.get("diagonal_sizes", []):
        runs.append(Run(f"theorem4-n{n}", "jobs/theorem4-1e6-diagonal.ini", _flags(square(n, k=n)),
                        f"{out}/theorem4/thm4-n{n}.h5", purpose=f"Theorem 4, n = {n}, diagonal Y"))
    for t in profile["thm3"]:
        runs.append(Run(f"theorem3-{t['tag']}", f"{out}/inis/theorem3-{t['tag']}.ini",
                        _flags({**square(t["n"], k=t["n"], r=t["r"]), "run.steps": t["steps"]}),
                        f"{out}/theorem3-{t['tag']}/thm3.h5", kind="sweep", seeds=t["seeds"],
                        groups=np_ if np_ > 1 else None, np=np_,
                        purpose=f"Theorem 3, n = {t['n']}, r = {t['r']}, {t['seeds']} seeds of C"))
    return runs


def write_sweep_ini(run: Run, root: str):
    """jobs/theorem3-sweep.ini with its [sweep] seed range cut to run.seeds (a swept key cannot be overridden)."""
    with open(os.path.join(root, "jobs/theorem3-sweep.ini")) as fh:
        text = fh.read()
    new, count = re.subn(r"(?m)^(\s*feedback\.seed\s*=\s*)\S+.*$", rf"\g<1>0:{run.seeds}", text)
    if count != 1:
        raise RuntimeError("jobs/theorem3-sweep.ini: expected one 'feedback.seed = a:b' line in [sweep]")
    os.makedirs(os.path.dirname(os.path.join(root, run.ini)), exist_ok=True)
    with open(os.path.join(root, run.ini), "w") as fh:
        fh.write(f"# Written by scripts/reproduce-paper: jobs/theorem3-sweep.ini with feedback.seed = 0:{run.seeds}.\n"
                 + new)
