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
    "× depth 2–4 × Euler/RK4 on the 1×1, 1×2, 2×1 and 2×2 grids, the two plans within 1e-12 of each other). "
    "tests/model/test_network_plan.cpp counts the bytes at the MPI interface (PMPI, parallel/traffic.hpp) on a "
    "depth-3 tanh network with N = 600: on a 2×1 grid gd, fa, dfa and usf send 840 bytes per rank and "
    "evaluation under the replicated plan (the estimate exactly) against 1016–1040 under PDGEMM; kp 1040 either "
    "way; on 1×2 and 2×2 the replicated plan would send 5–6 times PDGEMM's bytes (the row gathers), which is "
    "why the rule keeps PDGEMM there. The saving on P×1 grids is in messages and bytes of weight size, not of "
    "sample size: PBLAS already moves only weight-sized panels for these tall products on one process column.",
    "",
]


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
    lines = list(RULE)
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
