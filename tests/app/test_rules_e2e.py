#!/usr/bin/python3
"""End-to-end: the feedback rules of issue 15 (usf, frsf, kp, mixed) through `fasim run`, checked on the file."""
import h5py
import numpy as np

from e2e_support import SMALL, fasim, run_tests, tmpdir, write

RULES = SMALL.replace("algorithms = gd,fa,fastar", "algorithms = gd,fa,usf,frsf,kp,mixed") + """
[usf]
lr = 0.1
[frsf]
lr = 0.1
[kp]
lr = 0.02
decay = 0.5
[mixed]
lr = 0.1
alpha = 0
"""


def test_every_rule_runs_and_writes_its_columns():
    d = tmpdir()
    fasim(["run", write(f"{d}/a.ini", RULES), f"--output.file={d}/a.h5"], ranks=2)
    with h5py.File(f"{d}/a.h5", "r") as f:
        assert f.attrs["status"] == "complete"
        y2 = f["problem"].attrs["optimal_error"]  # finite, known spectrum
        assert np.isfinite(y2)
        for alg in ("gd", "fa", "usf", "frsf", "kp", "mixed"):
            t = f[f"runs/{alg}/trajectory"]
            for column in ("feedback_loss", "feedback_cos", "feedback_gap"):
                assert np.all(np.isfinite(t[column][()])), f"{alg}/{column} has non-finite values"
            loss = t["loss"][()]
            assert loss[-1] < loss[0], f"{alg} does not learn: loss {loss[0]} -> {loss[-1]}"
            assert ("B" in f[f"runs/{alg}"]) == (alg == "kp"), f"{alg}: B is kp's state only"
        gd = f["runs/gd/trajectory"]
        assert np.all(gd["feedback_gap"][()] == 0) and np.allclose(gd["feedback_cos"][()], 1, atol=1e-14)
        fa = f["runs/fa/trajectory"]
        assert np.allclose(fa["feedback_cos"][()], fa["alignment_cos"][()], rtol=1e-12, atol=0)
        usf = f["runs/usf/trajectory"]
        assert np.all(usf["feedback_cos"][()] > 0), "sign(W) is sign-concordant with W: cos∠ > 0"
        assert f["runs/kp"].attrs["decay"] == 0.5 and f["runs/mixed"].attrs["alpha"] == 0
        final = {alg: f[f"runs/{alg}/trajectory/loss"][-1] for alg in ("gd", "fa", "usf", "frsf", "kp", "mixed")}
    # fasim collect gives the rules' final losses and stop reasons their own columns.
    fasim(["collect", f"{d}/a.h5", "--output", f"{d}/summary.h5"])
    with h5py.File(f"{d}/summary.h5", "r") as s:
        p = s["points"]
        for alg, loss in final.items():
            assert p[f"{alg}_final_loss"][0] == loss, alg
            assert p[f"stop_reason_{alg}"][0] in (b"steps", "steps"), alg
        assert np.isnan(p["fastar_final_loss"][0])


def test_kp_gap_decays_like_exp_minus_lambda_t():
    d = tmpdir()
    ini = write(f"{d}/a.ini", RULES)
    for decay in (0.5, 0.0):
        fasim(["run", ini, f"--output.file={d}/kp{decay}.h5", "--run.algorithms=kp", f"--kp.decay={decay}",
               "--run.steps=2000"], ranks=2)
        with h5py.File(f"{d}/kp{decay}.h5", "r") as f:
            t, gap = f["runs/kp/trajectory/time"][()], f["runs/kp/trajectory/feedback_gap"][()]
            # B(0) − W(0) = C − W(0); ‖B − W‖ = ‖C − W(0)‖·e^(−λt) while Z and W learn.
            assert gap[0] > 0.1, gap[0]
            if decay == 0:
                assert np.max(np.abs(gap / gap[0] - 1)) < 1e-10, "λ = 0: B − W is constant"
                continue
            rate = -np.polyfit(t[1:], np.log(gap[1:]), 1)[0]
            # Euler's factor per step is 1 − h·λ: the measured rate is −ln(1 − hλ)/h, within 1 % of λ at hλ = 0.01.
            assert abs(rate - decay) < 0.01 * decay, f"measured decay rate {rate}, λ = {decay}"
            assert np.max(np.abs(np.log(gap / gap[0]) + decay * t)) < 0.01 * decay * t[-1] + 1e-12


def test_mixed_alpha_0_is_fa_and_alpha_1_is_gd_step_for_step():
    d = tmpdir()
    ini = write(f"{d}/a.ini", RULES)
    fasim(["run", ini, f"--output.file={d}/a0.h5", "--run.algorithms=fa,mixed", "--mixed.alpha=0"], ranks=2)
    fasim(["run", ini, f"--output.file={d}/a1.h5", "--run.algorithms=gd,mixed", "--mixed.alpha=1",
           "--mixed.lr=1.0"], ranks=2)
    for path, other in ((f"{d}/a0.h5", "fa"), (f"{d}/a1.h5", "gd")):
        with h5py.File(path, "r") as f:
            a, b = f["runs/mixed"], f[f"runs/{other}"]
            for column in ("step", "loss", "fa_loss", "stationarity", "feedback_loss", "feedback_cos"):
                x, y = a[f"trajectory/{column}"][()], b[f"trajectory/{column}"][()]
                assert x.shape == y.shape and x.shape[0] > 10
                assert np.allclose(x, y, rtol=1e-12, atol=1e-14), f"mixed vs {other}: {column} differs"
            for m in ("Z", "W"):
                assert np.allclose(a[m][()], b[m][()], rtol=1e-12, atol=1e-14), f"mixed vs {other}: {m} differs"


if __name__ == "__main__":
    run_tests([test_every_rule_runs_and_writes_its_columns, test_kp_gap_decays_like_exp_minus_lambda_t,
               test_mixed_alpha_0_is_fa_and_alpha_1_is_gd_step_for_step])
