"""The tests' runner (no pytest needed): calls every test_* function of a module with a fresh temporary
directory, prints ok/FAIL per test and "N passed, M failed", and returns the exit status."""
import os
import sys
import tempfile
import traceback

#: the repository root (tests/tools/ is two levels down)
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))


def use_repo(argv=None):
    """Makes tools/ (fasim_post) and tests/app (the end-to-end helpers) importable and points those helpers at the
    fasim binary the test was given as argv[1], if any. Returns the repository root."""
    argv = sys.argv if argv is None else argv
    for path in (os.path.join(REPO, "tools"), os.path.join(REPO, "tests", "app")):
        if path not in sys.path:
            sys.path.insert(0, path)
    if len(argv) > 1:
        os.environ["FASIM_BINARY"] = os.path.abspath(argv[1])
    return REPO


def run_tests(namespace, prefix="fasim_tools_test_"):
    tests = [(name, fn) for name, fn in namespace.items() if name.startswith("test_") and callable(fn)]
    passed = failed = 0
    for name, fn in tests:
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            try:
                fn(tmp)
            except Exception:
                failed += 1
                print(f"FAIL {name}")
                traceback.print_exc()
            else:
                passed += 1
                print(f"ok   {name}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1
