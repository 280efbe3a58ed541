"""The tests' runner (no pytest needed): calls every test_* function of a module with a fresh temporary
directory, prints ok/FAIL per test and "N passed, M failed", and returns the exit status."""
import tempfile
import traceback


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
