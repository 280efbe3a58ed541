"""fasim across simulated nodes (scripts/cluster-sim: network namespaces on a bridge, MPI over TCP between them):
the same job on 2 and 4 nodes gives the single-node result bitwise (same grid, same BLAS kernel), a checkpoint
written on 4 nodes resumes on 1 node and on 2, a rank killed on one node leaves a resumable checkpoint, and the
parallel HDF5 result written from 4 nodes equals the 1-node file. Skipped (exit 77) where namespaces cannot be
made. The build's MPI launches across the nodes: Open MPI's mpirun through the rsh agent, or MPICH's Hydra
through the same agent (docs/cluster.md)."""
import atexit
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from e2e_support import ENV, FASIM, MPIEXEC, SMALL, datasets, fasim, run_tests, tmpdir, write  # noqa: E402

SOURCE = os.environ.get("FASIM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
SIM = os.path.join(SOURCE, "scripts/cluster-sim")
NAME = f"fasim-t{os.getpid()}"
SIM_ENV = dict(ENV, FASIM_CLUSTER_NAME=NAME, FASIM_CLUSTER_DIR=f"/run/{NAME}")

# e2e_support's SMALL job, larger, on a given grid, recording every 20 steps only (log-spaced points depend on
# run.steps, and a resumed run must record the rows of a run made for its total), with snapshots of Z and W.
JOB = (SMALL.replace("n = 45", "n = 96").replace("m = 38", "m = 80").replace("k = 20", "k = 30")
       .replace("seed = 5", "seed = 11").replace("steps = 400", "steps = 200")
       .replace("record_points = 10", "record_points = 0").replace("block = 8", "rows = {rows}\ncols = {cols}\nblock = 8")
       + "[output]\nsnapshot_every = 100\n")


def sim(*args, check=True):
    p = subprocess.run([SIM, *args], env=SIM_ENV, capture_output=True, text=True, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"cluster-sim {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p


# The build's MPI (ctest's FASIM_MPIEXEC): MPICH's launcher is Hydra (mpiexec.mpich links to mpiexec.hydra).
HYDRA = any(w in os.path.basename(os.path.realpath(MPIEXEC)) for w in ("hydra", "mpich"))


def on_cluster(hosts, args, check=True, timeout=300, background=False):
    """fasim ARGS launched from node0 by the build's MPI with `hosts` (e.g. node0:2,node1:2), TCP between nodes
    only."""
    ranks = sum(int(h.split(":")[1]) for h in hosts.split(","))
    launch = (f"$FASIM_CLUSTER_MPIEXEC -hosts {hosts}" if HYDRA  # Hydra passes the whole environment
              else f"$FASIM_CLUSTER_MPIRUN -x FASIM_AGREE_TIMEOUT -x OPENBLAS_NUM_THREADS --host {hosts}")
    line = f"{launch} -n {ranks} {FASIM} " + " ".join(f"'{a}'" for a in args)
    cmd = [SIM, "exec", "node0", "bash", "-c", line]
    if background:
        return subprocess.Popen(cmd, env=SIM_ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p = subprocess.run(cmd, env=SIM_ENV, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"{line} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


def assert_same(a, b):
    """Every dataset bitwise equal (attributes hold dates and timings; the history of a resumed file differs)."""
    x, y = datasets(a), datasets(b)
    keys = [k for k in x if "history" not in k]
    assert sorted(keys) == sorted(k for k in y if "history" not in k), f"{a} and {b} hold different datasets"
    for k in keys:
        u, v = np.asarray(x[k]), np.asarray(y[k])
        if u.dtype.kind in "fc":
            assert u.shape == v.shape and np.array_equal(u.view(np.uint8), v.view(np.uint8)), f"{k} differs bitwise"
        else:
            assert np.array_equal(u, v), f"{k} differs"


D = None


def job(rows, cols):
    return write(f"{D}/job{rows}x{cols}.ini", JOB.format(rows=rows, cols=cols))


def reference(rows, cols, steps=200):
    """The single-node result: the same grid, ranks on one machine over shared memory."""
    out = f"{D}/ref{rows}x{cols}-{steps}.h5"
    if not os.path.exists(out):
        fasim(["run", job(rows, cols), f"--output.file={out}", f"--run.steps={steps}"], ranks=rows * cols)
    return out


def test_two_and_four_nodes_give_the_single_node_result_bitwise():
    for hosts, (rows, cols) in (("node0:1,node1:1", (1, 2)), ("node0:1,node1:1,node2:1,node3:1", (2, 2)),
                                ("node0:2,node1:2", (2, 2))):
        out = f"{D}/cl-{hosts.replace(':', '').replace(',', '-')}.h5"
        on_cluster(hosts, ["run", job(rows, cols), f"--output.file={out}"])
        assert_same(out, reference(rows, cols))


def test_parallel_hdf5_result_from_four_nodes_equals_the_one_node_file():
    # The 4-node result file itself, Y and the snapshots of Z and W included, written collectively from 4 nodes.
    out = f"{D}/four.h5"
    on_cluster("node0:1,node1:1,node2:1,node3:1",
               ["run", job(2, 2), f"--output.file={out}", "--output.save_target=yes"])
    ref = f"{D}/one-saved.h5"
    fasim(["run", job(2, 2), f"--output.file={ref}", "--output.save_target=yes"], ranks=4)
    assert "target/Y" in datasets(out) or any(k.endswith("/Y") or k == "Y" for k in datasets(out)), \
        sorted(datasets(out))
    assert_same(out, ref)


def test_checkpoint_from_four_nodes_resumes_on_one_node_and_on_two():
    for where in ("one", "two"):
        out = f"{D}/ck-{where}.h5"
        on_cluster("node0:1,node1:1,node2:1,node3:1",
                   ["run", job(2, 2), f"--output.file={out}", "--run.steps=100", "--output.checkpoint_every=50"])
        if where == "one":
            fasim(["resume", f"{out}.ckpt", "--run.steps=200"], ranks=4)
        else:
            on_cluster("node0:2,node1:2", ["resume", f"{out}.ckpt", "--run.steps=200"])
        assert_same(out, reference(2, 2))


def node_pids(node):
    pids = subprocess.run(["ip", "netns", "pids", f"{NAME}-node{node}"], capture_output=True, text=True).stdout.split()
    mine = []
    for pid in pids:
        try:
            if os.path.realpath(f"/proc/{pid}/exe") == os.path.realpath(FASIM):
                mine.append(int(pid))
        except OSError:
            pass
    return mine


def test_a_rank_killed_on_one_node_leaves_a_resumable_checkpoint():
    out = f"{D}/killed.h5"
    steps = 100000  # long enough to be killed in the middle
    p = on_cluster("node0:1,node1:1,node2:1,node3:1",
                   ["run", job(2, 2), f"--output.file={out}", f"--run.steps={steps}",
                    "--output.checkpoint_every=200", "--run.algorithms=fa"], background=True)
    try:
        deadline = time.time() + 120
        while not os.path.exists(f"{out}.ckpt") and time.time() < deadline and p.poll() is None:
            time.sleep(0.2)
        assert os.path.exists(f"{out}.ckpt"), f"no checkpoint appeared: {p.communicate()}"
        time.sleep(0.5)
        victims = node_pids(3)
        assert victims, "no fasim rank found on node3"
        os.kill(victims[0], signal.SIGKILL)
        stdout, stderr = p.communicate(timeout=120)
        assert p.returncode != 0, "the job went on after a rank was killed"
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    # The checkpoint is complete and resumes (here to a shorter total, on one node): the same numbers as a run
    # that was never interrupted.
    r = fasim(["resume", f"{out}.ckpt", "--run.steps=3000"], ranks=4, check=False)
    assert r.returncode == 0, f"resume after the kill failed: {r.stdout}\n{r.stderr}"
    ref = f"{D}/unbroken.h5"
    fasim(["run", job(2, 2), f"--output.file={ref}", "--run.steps=3000", "--run.algorithms=fa"], ranks=4)
    assert_same(out, ref)


def remove_stale_clusters():
    """Clusters of earlier runs of this test that were killed (ctest's timeout sends SIGKILL: no atexit)."""
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
    for pid in {w.split("-")[1][1:] for w in listing if w.startswith("fasim-t") and w.split("-")[1][1:].isdigit()}:
        if not os.path.exists(f"/proc/{pid}"):
            name = f"fasim-t{pid}"
            subprocess.run([SIM, "down"], env=dict(SIM_ENV, FASIM_CLUSTER_NAME=name, FASIM_CLUSTER_DIR=f"/run/{name}"))


def main():
    global D
    check = subprocess.run([SIM, "check"], env=SIM_ENV)
    if check.returncode != 0:
        print("SKIPPED: network namespaces cannot be made here (needs root and iproute2): scripts/cluster-sim check")
        sys.exit(77)
    remove_stale_clusters()
    atexit.register(lambda: sim("down", check=False))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # ctest's timeout: still tear the cluster down
    sim("up", "4", "--rate", "10gbit")
    D = tmpdir()
    atexit.register(lambda: shutil.rmtree(D, ignore_errors=True))
    run_tests([test_two_and_four_nodes_give_the_single_node_result_bitwise,
               test_parallel_hdf5_result_from_four_nodes_equals_the_one_node_file,
               test_checkpoint_from_four_nodes_resumes_on_one_node_and_on_two,
               test_a_rank_killed_on_one_node_leaves_a_resumable_checkpoint])


if __name__ == "__main__":
    main()
