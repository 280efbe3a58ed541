"""docs/networks.md's "Step plans" section: the rule that chooses a network's plan (src/model/network_plan.cpp)
and what fasim's own dry run says for the large run of issue 26 (jobs/network-large.ini) on a 2×1 and a 1×2
grid — printed by the binary, not computed here."""
import os
import re
import subprocess

JOB = "jobs/network-large.ini"
GRIDS = ((2, 1), (1, 2))

RULE = [
    "## Step plans: PDGEMM or replicated weights",
    "",
    "X, O and the activations A_l, H_l, δ_l are always block-cyclic over the grid (rows are samples). Where the "
    "weights live during a step is the plan, chosen per algorithm at start-up and printed (`plan: fa: "
    "network:…`), and by `fasim run --dry-run`:",
    "",
    "- **pdgemm**: every product (H_(l−1)·W_l, δ_(l+1)·B_(l+1)ᵀ, H_(l−1)ᵀ·δ_l) is one PDGEMM on the grid, the "
    "weights block-cyclic like the activations.",
    "- **replicated**: each evaluation gathers every W_l whole onto every rank (one MPI_Allgatherv per layer; "
    "fa's C_l, dfa's D_l and the rules' C_l once at start; the rules form their B_l from the whole W_l and C_l; "
    "kp gathers its learned B_l), the forward and backward products are local GEMMs over each rank's rows (its "
    "samples), and only the weight gradient H_(l−1)ᵀ·δ_l is summed: each rank's w_(l−1)×w_l share goes to the "
    "owners of its entries (one MPI_Alltoallv), which add the shares in rank order.",
    "",
    "**The rule** (`network_plan_cost`): replicated when (1) the grid has one process column and more than one "
    "rank — with more than one process column a rank holds only some columns of its samples' activations and "
    "would have to gather them along its process row for every product, which PDGEMM avoids; (2) the whole "
    "weights Σ_l w_(l−1)·w_l are no more numbers than the activations a rank holds, (N/P)·Σ_l w_l, and at most "
    "16·2²⁰ (128 MiB); (3) its estimated bytes per evaluation are fewer than pdgemm's, with W_l = w_(l−1)·w_l "
    "numbers over P ranks: pdgemm 8·(P−1)/P·W_l for each weight-shaped operand a product moves (W_l, B_l for "
    "l ≥ 2, the sum of H_(l−1)ᵀ·δ_l), replicated 8·(P−1)/P·W_l for gathering W_l, for summing the gradient and "
    "(kp only) for gathering B_l. So gd, fa, dfa and the formed rules replicate on a P×1 grid; kp moves as many "
    "bytes either way and stays on PDGEMM.",
    "",
    "Both plans give the serial reference's numbers (tests/model/test_network.cpp: every algorithm × activation "
    "× depth 2–4 × Euler/RK4 on the 1×1, 1×2, 2×1 and 2×2 grids, the two plans within 1e-12 of each other).",
    "",
]

BYTES = re.compile(r"grid (\d+x\d+), (\w+): pdgemm (\S+) bytes/rank/evaluation, replicated (\S+) "
                   r"\(estimates (\S+), (\S+)\)")


def measured_bytes(root):
    """The byte counts tests/model/test_network_plan.cpp measures at the MPI interface (PMPI), on 2 ranks: its
    doctest context lines, run here. [] when the test binary is missing or fails."""
    binary = os.path.join(root, "build", "tests", "test_model")
    if not os.path.exists(binary):
        return []
    launcher = os.environ.get("FASIM_MPIEXEC", "mpirun")
    cmd = [launcher, "-n", "2"] + (["--oversubscribe"] if "mpiexec.hydra" not in launcher else []) + \
          [binary, "-tc=network plans: the replicated*", "-s"]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=root)
    if p.returncode != 0:
        return []
    return sorted({m.groups() for m in BYTES.finditer(p.stdout)})


def bytes_table(root):
    rows = measured_bytes(root)
    if not rows:
        return ["The byte counts of tests/model/test_network_plan.cpp could not be measured here (no "
                "build/tests/test_model, or it failed).", ""]
    out = ["Bytes a rank sends per evaluation, counted at the MPI interface (PMPI, parallel/traffic.hpp) by "
           "tests/model/test_network_plan.cpp on 2 ranks, run by this script: a depth-3 tanh network, N = 600, "
           "n = 9, widths 6 and 5, m = 4, blocks of 8; both plans on each grid, whichever the rule picks.", "",
           "| grid | algorithm | pdgemm (measured) | replicated (measured) | pdgemm (estimate) | replicated (estimate) |",
           "|---|---|---|---|---|---|"]
    out += [f"| {g.replace('x', '×')} | {a} | {float(d):.0f} | {float(r):.0f} | {float(ed):.0f} | {float(er):.0f} |"
            for g, a, d, r, ed, er in rows]
    ratio = [float(r) / float(d) for g, a, d, r, _, _ in rows if g.endswith("x1") and a != "kp"]
    kp = [float(r) / float(d) for g, a, d, r, _, _ in rows if g.endswith("x1") and a == "kp"]
    worse = [float(r) / float(d) for g, a, d, r, _, _ in rows if not g.endswith("x1")]
    out += ["", (f"On 2×1 the replicated plan sends {min(ratio):.2f}–{max(ratio):.2f} of PDGEMM's bytes for gd, fa, "
                 "dfa and usf" if ratio else "On 2×1 —") +
            (f", {kp[0]:.2f} for kp (it gathers its B_l: the rule keeps kp on PDGEMM)" if kp else "") +
            "; on 1×2 it would send " + (f"{min(worse):.1f}–{max(worse):.1f}" if worse else "—") +
            " times as many (the row gathers), which is why the rule keeps PDGEMM there. The saving on P×1 grids is "
            "in bytes of weight size, not of sample size: PBLAS already moves only weight-sized panels for these "
            "tall products on one process column.", ""]
    return out


def _fasim(root, out):
    private = os.path.join(out, "bin", "fasim")
    return private if os.path.exists(private) else os.path.join(root, "build", "bin", "fasim")


def dry_run(root, out, rows, cols):
    """(memory line, plan line) of `fasim run JOB --dry-run` on a rows×cols grid, or an error line."""
    cmd = [_fasim(root, out), "run", os.path.join(root, JOB), f"--grid.rows={rows}", f"--grid.cols={cols}",
           "--dry-run"]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=root)
    memory = re.search(r"^# memory per rank: (.*)$", p.stdout, re.M)
    plan = re.search(r"^# plan fa on \S+: (.*)$", p.stdout, re.M)
    if not memory or not plan:
        return f"(dry run failed: {(p.stderr or p.stdout).strip()[:200]})", ""
    return memory.group(1).strip(), plan.group(1).strip()


def section(root, out):
    lines = list(RULE) + bytes_table(root)
    lines += [f"**The large run** (`{JOB}`: N = 10⁶, n = m = 1000, width 500, ReLU, FA), fasim's dry run on "
              "one process as a projection (`fasim run " + JOB + " --grid.rows=P --grid.cols=Q --dry-run`):", "",
              "| grid | memory per rank (dry run) | plan (dry run) |", "|---|---|---|"]
    for rows, cols in GRIDS:
        memory, plan = dry_run(root, out, rows, cols)
        lines.append(f"| {rows}×{cols} | {memory} | {plan} |")
    lines += ["", "The replicated plan adds the whole weights and their gather buffers (≈ 4·10⁶ numbers, 32 MB, "
              "for FA here) and removes nothing: X, O and the activations stay distributed as before. Any "
              "difference between the two grids' memory is the block rounding of the 1,000 columns over one or "
              "two process columns, not the plan. Neither fits this 2-rank machine; the run was not made.", ""]
    return "\n".join(lines) + "\n"
