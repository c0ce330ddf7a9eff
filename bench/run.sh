#!/usr/bin/env bash
# One command for the linear-learner benchmark:
#   bash bench/run.sh [--rows N] [--river-rows N] [--quick] [--repeat N] [--otter-param k=v]...
# Sets up bench/.venv (pinned peers), builds otter if needed, then runs
# bench/linear.py with the venv's python, passing all arguments through.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

bash "$here/setup.sh"
# make is a no-op when the binary is current; configure first on a fresh clone.
if [[ ! -f "$root/Makefile" ]]; then
    (cd "$root" && { [[ -x ./configure ]] || autoreconf -fi; } && ./configure)
fi
make -C "$root" -j2 otter >/dev/null
exec "$here/.venv/bin/python" "$here/linear.py" "$@"
