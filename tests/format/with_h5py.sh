#!/bin/sh
# Runs its arguments if the system python3 has h5py and numpy; otherwise exits 77, which ctest reports as a
# skipped test (SKIP_RETURN_CODE), never as a pass.
if ! /usr/bin/python3 -c 'import h5py, numpy' 2>/dev/null; then
  echo "SKIP: /usr/bin/python3 has no h5py/numpy (Debian: apt-get install python3-h5py)"
  exit 77
fi
exec "$@"
