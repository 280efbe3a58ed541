#!/usr/bin/python3
"""docs/beyond.md's feedback-rule section (fasim_post.beyond.rules) from a real fasim run of every rule on the
end-to-end tests' small problem: a table row per algorithm, GD at its optimum and FA at Lemma 1's error, kp's
decay rate measured from the file, Lemma 1's error with the final B, and the figures written and linked. Runs the real fasim (argv[1])."""
import os
import re
import sys
from pathlib import Path

from runner import run_tests, use_repo

REPO = use_repo()
from e2e_support import SMALL, fasim  # noqa: E402
from fasim_post.beyond import rules  # noqa: E402

JOB = SMALL.replace("algorithms = gd,fa,fastar", "algorithms = gd,fa,usf,frsf,kp,mixed").replace(
    "steps = 400", "steps = 3000") + "[kp]\nlr = 0.1\ndecay = 0.2\n[mixed]\nalpha = 0.5\n"


def test_section_from_a_real_run(tmp):
    job = os.path.join(tmp, "rules.ini")
    with open(job, "w") as fh:
        fh.write(JOB)
    out = os.path.join(tmp, "rules.h5")
    fasim(["run", job, f"--output.file={out}"], ranks=2)
    docdir = Path(tmp) / "docs"
    text = rules.section({"rules": Path(out)}, docdir / "figures" / "beyond", docdir)
    assert text.startswith("## The family of feedback rules"), text[:80]
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| algorithm")]
    assert [r.split("|")[1].strip().split(" ")[0] for r in rows] == ["GD", "FA", "uSF", "frSF", "KP", "mixed"], rows
    assert all(len(re.split(r"(?<!\\)\|", r)) == 11 for r in rows), rows   # 9 cells: escaped bars stay inside
    # Lemma 1's argument with the final B: FA's column equals Lemma 1's error, GD's is its optimum.
    assert re.search(r"^\| FA \|.*\| ([0-9.]+): \\\|Δ\\\| = [^|]*\| ([0-9.]+): \\\|Δ", rows[1]), rows[1]
    assert "Final errors on it (within 1e-06): GD, FA" in text, text
    assert "At GD's optimum (within 1e-06): GD" in text and "At Lemma 1's error (within 1e-06): FA" in text, text
    rate = float(re.search(r"measured decay rate \(slope of log‖B − W‖ against t\) is ([0-9.e+-]+)", text).group(1))
    assert abs(rate - 0.2) < 0.02 * 0.2, rate           # Euler at lr·λ = 0.02: −ln(1 − 0.02)/0.1 = 0.202
    # mixed's scale: ‖W‖_F and ‖C‖_F from the file, and the identity stated as automatic, not a prediction.
    import h5py
    import numpy as np
    with h5py.File(out, "r") as f:
        w_norm, c_norm = np.linalg.norm(f["runs/mixed/W"][:]), np.linalg.norm(f["problem/C"][:])
    assert f"‖W‖_F = {w_norm:.3g} at the end against ‖C‖_F = {c_norm:.3g}, so B ≈ 0.5·C" in text, text
    assert "holds automatically at any rest point where W·Bᵀ is invertible" in text, text
    links = re.findall(r"!\[[^]]*\]\(([^)]+)\)", text)
    assert any(link.endswith("rules_feedback_alignment.png") for link in links), links
    for link in links:
        assert (docdir / link).is_file(), link


def test_missing_result_is_said(tmp):
    text = rules.section({}, Path(tmp) / "fig", Path(tmp))
    assert "Not measured" in text and "jobs/rules.ini" in text, text


if __name__ == "__main__":
    sys.exit(run_tests(globals()))
