"""docs/networks.md's "Step plans" section: the rule that chooses a network's plan (src/model/network_plan.cpp)
and what fasim's own dry run says for the large run of issue 26 (jobs/network-large.ini) on a 2×1 and a 1×2
grid — printed by the binary, not computed here."""
import os
import re
import subprocess

JOB = "jobs/network-large.ini"
GRIDS = ((2, 1), (1, 2))

RULE = [
    "## Step plans: PDGEMM, replicated weights, or the Gram plan",
    "",
    "X, O and the activations are always block-cyclic over the grid (rows are samples): per hidden layer A_l, "
    "overwritten by H_l = σ(A_l) (σ' is read from H_l: ReLU's A_l > 0 exactly where H_l > 0, tanh's 1 − H_l²), "
    "and δ_l; for the output Ŷ, overwritten by E = O − Ŷ. Where the "
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
    "- **gram** (σ = identity with an X only; src/model/network_gram.cpp): X and O are read once, at the start, "
    "into S = XᵀX (n×n) and R = XᵀO (n×m), held whole on every rank. Then H_l = X·P_l with P_l = W_1⋯W_l and "
    "δ_l = E·G_l for a G_l made of weights or feedback only, so every evaluation works on n-sized products: "
    "M = XᵀE = R − S·P_L, loss = ‖O‖²_F − ⟨P_L, R + M⟩, Xᵀδ_L = M, Xᵀδ_l = Xᵀδ_(l+1)·B_(l+1)ᵀ (dfa: M·D_lᵀ) "
    "and the gradient H_(l−1)ᵀ·δ_l = P_(l−1)ᵀ·Xᵀδ_l (P_0 = I). The weights are gathered whole each evaluation "
    "(as the replicated plan gathers them; the state stays distributed for checkpoints), every rank makes the "
    "same products and keeps the gradient entries it owns: no pass over X or O, nothing summed.",
    "",
    "**The rule** (`network_plan_cost`): replicated when (1) the grid has one process column and more than one "
    "rank — with more than one process column a rank holds only some columns of its samples' activations and "
    "would have to gather them along its process row for every product, which PDGEMM avoids; (2) the whole "
    "weights Σ_l w_(l−1)·w_l are no more numbers than the activations a rank holds, (N/P)·Σ_l w_l, and at most "
    "16·2²⁰ (128 MiB); (3) its estimated bytes per evaluation are fewer than pdgemm's, with W_l = w_(l−1)·w_l "
    "numbers over P ranks: pdgemm 8·(P−1)/P·W_l for each weight-shaped operand a product moves (W_l, B_l for "
    "l ≥ 2 — dfa: D_l, w_l·m numbers, for l < L — the sum of H_(l−1)ᵀ·δ_l), replicated 8·(P−1)/P·W_l for gathering W_l, for summing the gradient and "
    "(kp only) for gathering B_l. So gd, fa, dfa and the formed rules replicate on a P×1 grid; kp moves as many "
    "bytes either way and stays on PDGEMM. With `grid.rows` and `grid.cols` left at 0 a network runs on P×1 "
    "(all ranks in one process column), where the rule's replicated plan applies.",
    "",
    "**The Gram plan is chosen first** where it is possible (σ = identity and an X), its whole matrices (XᵀX, "
    "XᵀO, the weights, P_l and Xᵀδ_l) are at most 16·2²⁰ numbers, and its flops per evaluation on every rank, "
    "2·n²·m + Σ_(l≥2) 4·n·w_(l−1)·w_l + Σ_(l<L) 2·n·w_l·w_(l+1) (dfa: w_l·m), are no more than the sample-pass "
    "plans' per rank, (Σ_l 4·N·w_(l−1)·w_l + Σ_(l<L) 2·N·w_l·w_(l+1))/P. It is cheaper only when N/P is large "
    "against n (roughly N/P > n·(1 + n·m/Σ_l w_(l−1)·w_l)): the n-sized products are made on every rank, not "
    "split over them. Its bytes, 8·(P−1)/P·Σ_l w_(l−1)·w_l per evaluation (kp: and its B_l), are fewer than "
    "either other plan's on any grid. The one-time XᵀX and XᵀO (two PDGEMMs over X and O at the start of a run "
    "or resume) are not counted.",
    "",
    "The plan each algorithm ran is stored in the result's and its checkpoints' `plan` attribute "
    "(`<alg>:network=pdgemm` or `<alg>:network=replicated`, schema 1.4; `<alg>:network=gram`, schema 1.6); "
    "`fasim resume` and a continuation run the stored plan, on any grid (every plan runs on every grid), so a "
    "resume on the same grid stays bitwise. Files of schema 1.3 and before stored `<alg>:network`, no plan: "
    "they resume with the rule of then (pdgemm or replicated; it had no gram plan).",
    "",
    "Every plan gives the serial reference's numbers (tests/model/test_network.cpp: every algorithm × activation "
    "× depth 2–4 × Euler/RK4 on the 1×1, 1×2, 2×1 and 2×2 grids to 1e-10; the replicated and pdgemm plans within "
    "1e-12 of each other; the Gram plan, which rounds otherwise, for σ = identity with an X, to 1e-10 — "
    "docs/determinism.md).",
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


PASSES = [
    "## Passes and communication per step (`fasim bench`)",
    "",
    "`fasim bench` times a network's steps as it times the paper model's (BENCHMARKS.md, \"Networks in `fasim "
    "bench`\") and reports, per algorithm, the passes over X and O per step and per evaluation against the "
    "algebra's floor, and the bytes and messages a rank sends per step, counted at the MPI interface (PMPI), "
    "beside the plan's model and the floor (src/model/network_traffic.cpp). Derived:",
    "",
    "- **Passes** (whole reads of X, N×n, and O, N×m). Every evaluation reads X twice — A_1 = X·W_1 and the "
    "gradient Xᵀ·δ_1 (none without X: A_1 = W_1) — and O once (E = O − Ŷ), for every algorithm and plan. The "
    "floor is the same for a nonlinear σ: δ_1 depends on X·W_1 through σ, so neither product is constant, and O "
    "enters through E. For σ = identity with an X the floor is 0 and 0: XᵀX (n×n) and XᵀO (n×m) formed once "
    "carry every product (Xᵀ·δ_1 = (XᵀO − XᵀX·W_1⋯W_L)·(B…)ᵀ) — the Gram plan, which makes 0 and 0 (after "
    "forming them once); the sample-pass plans, where the rule keeps them (N/P small against n), make 2 and 1. "
    "Without X, O once (H_(L−1)ᵀ·O changes with H_(L−1)). A step makes 1 (Euler) or 4 (RK4) evaluations.",
    "- **Bytes** (per rank, mean over the P·Q ranks, parallel/traffic.hpp's conventions). The floor keeps the "
    "samples where they are (X and O never move) and the weights whole on every rank: each gradient "
    "H_(l−1)ᵀ·δ_l of a layer with a product is summed over the ranks once, with the loss in the same message — "
    "2·8·(p−1)/p·(Σ_l w_(l−1)·w_l + 1) bytes per evaluation, one message. The replicated plan sends "
    "8·(p−1)/p·w_(l−1)·w_l to gather each W_l and as much to sum each gradient onto its owners, and 16·(p−1)/p "
    "for the loss: exactly the floor with an X (without X it also gathers W_1, whose gradient is local; kp also "
    "gathers its B_l); its messages are one allgatherv per gathered matrix, one alltoallv per gradient, one "
    "allreduce. On one process column that is exact; PDGEMM chooses its own algorithm (and the replicated "
    "plan's row gathers on more process columns depend on the layout), so the pdgemm plan's bytes are the "
    "estimate of the rule above (`model_exact` false, no message count). For σ = identity with an X the floor "
    "is 0 bytes (every rank can make the n-sized products from weights it holds whole); the Gram plan sends "
    "8·(p−1)/p·w_(l−1)·w_l per W_l (kp: and per B_l) to gather the weights, one allgatherv each, exact on any "
    "grid.",
    "- **Why PDGEMM's bytes are an estimate.** PBLAS's PDGEMM (netlib PBLAS, pdgemm_.c) picks one of three "
    "algorithms per call — keep A and B in place (PB_CpgemmAB), or A and C, or B and C — from its own cost "
    "estimates of the operand shapes, blocks and grid (with a 1.3 margin between them), and moves the other "
    "operands' panels by BLACS broadcasts and combines in topologies it sets when M, N and K exceed the PBLAS "
    "block size (rings for broadcasts, BLACS's default for combines). The bytes each rank sends follow from "
    "that choice, the panels' alignment and the topology, and another ScaLAPACK build (MKL's, say) may choose "
    "otherwise. An exact model would re-implement that selection for each product and still hold for one "
    "PBLAS/BLACS only, so fasim's model is the estimate above, and `fasim bench` and "
    "`/summary` report it as `model_exact` false beside the counted bytes.",
    "",
]


def bench_table(root, out):
    """`fasim bench` on a small ReLU network (depth 3) on 2 ranks, 2×1 and 1×2: one row per grid and
    algorithm."""
    import json
    launcher = os.environ.get("FASIM_MPIEXEC", "mpirun")
    config = ["--problem.source=network", "--problem.n=200", "--problem.m=100", "--problem.k=10",
              "--problem.samples=20000", "--network.depth=3", "--network.widths=50,40", "--network.activation=relu",
              "--model.r=50", "--run.algorithms=gd,fa,dfa,kp,usf", "--grid.block=32", "--bench.steps=3",
              "--bench.warmup=1"]
    rows = []
    linear = [c if not c.startswith("--network.activation=") else "--network.activation=identity" for c in config]
    for grid, setting in (((2, 1), config), ((1, 2), config), ((2, 1), linear), ((1, 2), linear)):
        cmd = [launcher, "-n", "2", _fasim(root, out), "bench"] + setting + [f"--grid.rows={grid[0]}",
                                                                             f"--grid.cols={grid[1]}"]
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=root)
        if p.returncode != 0:
            return [f"(`fasim bench` failed here: {(p.stderr or p.stdout).strip()[:200]})", ""]
        rows += [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    out_lines = ["Measured by this script: `fasim bench` on 2 ranks, a network of depth 3 (N = 20,000, n = 200, "
                 "widths 50 and 40, m = 100, blocks of 32), ReLU and then identity (σ), Euler, 3 timed steps after "
                 "1 warm-up; bytes and messages per rank per step.", "",
                 "| grid | σ | algorithm | plan | X, O passes (floor) | bytes measured | bytes model | exact | "
                 "bytes floor | messages measured | messages model |",
                 "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        model_messages = "—" if r["model_messages_per_step"] is None else f"{r['model_messages_per_step']:g}"
        out_lines.append(
            f"| {r['grid'].replace('x', '×')} | {r['activation']} | {r['algorithm']} | {r['plan']} | {r['x_passes_per_step']:g}, "
            f"{r['o_passes_per_step']:g} ({r['floor_x_passes_per_step']:g}, {r['floor_o_passes_per_step']:g}) | "
            f"{r['bytes_per_step']:.0f} | {r['model_bytes_per_step']:.0f} | {'yes' if r['model_exact'] else 'no'} | "
            f"{r['floor_bytes_per_step']:.0f} | {r['messages_per_step']:g} | {model_messages} |")
    exact = [r for r in rows if r["model_exact"]]
    equal = sum(1 for r in exact if r["bytes_per_step"] == r["model_bytes_per_step"])
    ratios = [r["bytes_per_step"] / r["model_bytes_per_step"] for r in rows if not r["model_exact"]]
    gram = [r for r in rows if r["plan"].endswith("=gram")]
    sample = {(r["grid"], r["algorithm"]): r for r in rows if r["activation"] == "relu"}
    less = [r["bytes_per_step"] / sample[(r["grid"], r["algorithm"])]["bytes_per_step"] for r in gram
            if (r["grid"], r["algorithm"]) in sample and sample[(r["grid"], r["algorithm"])]["bytes_per_step"] > 0]
    out_lines += ["", f"Where the model is exact, the measured bytes equal it in {equal} of {len(exact)} rows"
                  + (f"; PDGEMM's measured bytes are {min(ratios):.2f}–{max(ratios):.2f} times the rule's "
                     "estimate" if ratios else "") + ".", ""]
    if gram:
        out_lines += [f"The identity rows ran the Gram plan in {len(gram)} of {sum(1 for r in rows if r['activation'] == 'identity')} "
                      f"rows: {min(r['x_passes_per_step'] for r in gram):g}–{max(r['x_passes_per_step'] for r in gram):g} "
                      "passes over X and O per step (the floor), and "
                      + (f"{min(less):.3f}–{max(less):.3f} of the bytes the ReLU network's plan sends on the same grid"
                         if less else "no ReLU row to compare with") + ".", ""]
    return out_lines


def _fasim(root, out):
    """The checkout's build (these sections describe the current code, as measured_bytes runs its test binary);
    the runs' private copy when there is no build."""
    built = os.path.join(root, "build", "bin", "fasim")
    return built if os.path.exists(built) else os.path.join(out, "bin", "fasim")


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
              "two process columns, not the plan. N = 10⁶ does not fit this 2-rank machine (23 GiB); the largest "
              "run that does, and its measured time per step and memory per rank, are in BENCHMARKS.md (\"The "
              "large network run\").", ""]
    lines += PASSES + bench_table(root, out)
    return "\n".join(lines) + "\n"
