#!/usr/bin/python3
"""tools/ installs offline as a package: `python3 -m venv --system-site-packages V && V/bin/pip install
--no-build-isolation --no-index tools` (on a copy, so the checkout gets no build/ or egg-info), then the console
scripts fasim-plot and fasim-reproduce answer --help and fasim-plot draws a real figure from outside the
checkout."""
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.realpath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from runner import run_tests  # noqa: E402


def sh(*cmd, cwd=None):
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert proc.returncode == 0, (cmd, proc.stdout[-2000:], proc.stderr[-2000:])
    return proc.stdout


def test_pip_install_and_console_scripts(tmp):
    src = os.path.join(tmp, "tools")
    shutil.copytree(os.path.join(REPO, "tools"), src, ignore=shutil.ignore_patterns("__pycache__", "build",
                                                                                    "*.egg-info"))
    venv = os.path.join(tmp, "venv")
    sh("/usr/bin/python3", "-m", "venv", "--system-site-packages", venv)
    sh(os.path.join(venv, "bin/pip"), "install", "-q", "--no-build-isolation", "--no-index", src)
    elsewhere = os.path.join(tmp, "elsewhere")
    os.makedirs(elsewhere)
    assert "usage: fasim-plot" in sh(os.path.join(venv, "bin/fasim-plot"), "--help", cwd=elsewhere)
    assert "--report-only" in sh(os.path.join(venv, "bin/fasim-reproduce"), "--help", cwd=elsewhere)
    # the installed package, not the checkout's
    where = sh(os.path.join(venv, "bin/python"), "-c", "import fasim_post, sys; print(fasim_post.__file__)",
               cwd=elsewhere)
    assert where.startswith(venv), where
    path = os.path.join(elsewhere, "run.h5")
    with h5py.File(path, "w") as f:
        f.attrs["status"] = "complete"
        f.create_group("problem").attrs["optimal_error"] = 0.25
        for alg in ("gd", "fa"):
            f[f"runs/{alg}/trajectory/step"] = np.arange(20.0)
            f[f"runs/{alg}/trajectory/loss"] = 0.25 + np.exp(-np.arange(20.0) / 4)
    printed = sh(os.path.join(venv, "bin/fasim-plot"), "run.h5", "--out", "figs", cwd=elsewhere).split()
    png = os.path.join("figs", "run_loss.png")
    assert png in printed, printed
    with open(os.path.join(elsewhere, png), "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
    assert not os.path.exists(os.path.join(REPO, "tools", "build"))


if __name__ == "__main__":
    sys.exit(run_tests(globals()))
