#!/usr/bin/python3
"""Checks, from h5py, a file written by test_hdf5_orientation.cpp: matrices read as f[name][i, j] == A(i, j),
snapshots as f[name][s, i, j], strings as str, series as 1-D / T×p arrays. Exit 0 when all hold, 77 when h5py
is missing (a skip), 1 with the reason otherwise."""
import sys

try:
    import h5py
    import numpy as np
except ImportError as missing:
    print(f"skip: {missing}")
    sys.exit(77)


def expect(condition, what):
    if not condition:
        print(f"FAIL: {what}")
        sys.exit(1)


def main(path):
    with h5py.File(path, "r") as f:
        a = f["problem/Y"][...]
        expect(a.shape == (37, 53), f"problem/Y shape {a.shape}, expected (37, 53)")
        i, j = np.indices(a.shape)
        expect(np.array_equal(a, 1000.0 * i + j), "problem/Y[i, j] != 1000*i + j")

        s = f["runs/gd/snapshots/Z"][...]
        expect(s.shape == (2, 37, 5), f"snapshots shape {s.shape}, expected (2, 37, 5)")
        k, i, j = np.indices(s.shape)
        expect(np.array_equal(s, 1e6 * k + 1000.0 * i + j), "snapshots[s, i, j] != 1e6*s + 1000*i + j")
        expect(f["runs/gd/snapshots/Z"].maxshape == (None, 37, 5), "snapshots are not extendible")

        loss = f["runs/gd/trajectory/loss"]
        expect(loss.shape == (3,) and loss.maxshape == (None,), f"loss shape {loss.shape}")
        expect(list(loss[...]) == [3.0, 2.0, 1.0], f"loss values {loss[...]}")
        probe = f["runs/gd/trajectory/probe_xAx"]
        expect(probe.shape == (2, 3) and probe.maxshape == (None, 3), f"probe shape {probe.shape}")
        expect(probe.dtype == np.float64, f"probe dtype {probe.dtype}")
        step = f["runs/gd/trajectory/step"]
        expect(step.dtype == np.int64 and list(step[...]) == [1, 2], f"step {step.dtype} {step[...]}")

        attrs = f.attrs
        expect(isinstance(attrs["status"], str), f"status is {type(attrs['status'])}, not str")
        expect(attrs["status"] == "complete", f"status {attrs['status']!r}")
        expect(attrs["spectrum"] == "σ_i = 1/i", f"spectrum {attrs['spectrum']!r}")
        expect(float(attrs["lr"]) == 0.125 and np.ndim(attrs["lr"]) == 0, f"lr {attrs['lr']!r}")
        expect(int(attrs["mpi_size"]) >= 1 and np.ndim(attrs["mpi_size"]) == 0, f"mpi_size {attrs['mpi_size']!r}")
        expect(list(attrs["grid"]) == [2, 2], f"grid {attrs['grid']!r}")
        expect(list(f["problem"].attrs["sigma"]) == [3.0, 2.0], "sigma attribute")
        expect(isinstance(f["problem/Y"].attrs["source"], str), "dataset attribute is not str")
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1])
