#!/usr/bin/env bash
# Creates bench/.venv with the pinned peers from bench/requirements.txt.
# `bash bench/setup.sh moa` also creates bench/.venv-moa with capymoa (MOA in
# the JVM) from bench/requirements-moa.txt, for bench/trees.py.
# Idempotent: a stamp holding the requirements' checksum makes a second run a
# no-op (well under a second) until requirements.txt changes.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
req="$here/requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    echo "setup: $venv is up to date"
else
    echo "setup: creating $venv with $("$python" --version 2>&1)"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    # Binary wheels only: building vowpalwabbit or scipy from source would
    # need cmake/boost/fortran and take a long time; every pin has a cp311 wheel.
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --only-binary=:all: -r "$req"
    "$venv/bin/python" -c 'import vowpalwabbit, river, sklearn, numpy, pandas, mabwiser' \
        || { echo "setup: import check failed" >&2; exit 1; }
    echo "$want" > "$stamp"
fi

# Vowpal Wabbit's command-line program is not on PyPI (the vowpalwabbit wheel
# ships only the Python module around libvw) and Debian has no package for it.
# linear.py therefore drives VW through vowpalwabbit.Workspace("-d FILE ..."),
# which runs VW's own C++ text parser and learning loop on the file, exactly as
# the `vw` binary does. A real `vw` on PATH is only reported, not used, so the
# benchmark is the same on every machine.
if command -v vw >/dev/null 2>&1; then
    echo "setup: note: a vw binary exists at $(command -v vw) (not used; see linear.py)"
else
    echo "setup: no vw binary on PATH; VW runs via vowpalwabbit.Workspace with -d (native parser)"
fi

# MOA through capymoa, only when asked (`setup.sh moa`, done by `run.sh trees`).
# Separate venv: capymoa pins pandas~=2.2, the linear benchmark pandas 3.1.1.
# A failure here is reported but not fatal: trees.py then runs without MOA and
# says so in its output.
if [[ "${1:-}" == "moa" ]]; then
    mvenv="$here/.venv-moa"
    mreq="$here/requirements-moa.txt"
    mstamp="$mvenv/.requirements.sha256"
    mwant="$(sha256sum "$mreq" | cut -d' ' -f1)"
    if [[ -x "$mvenv/bin/python" && -f "$mstamp" && "$(cat "$mstamp")" == "$mwant" ]]; then
        echo "setup: $mvenv is up to date"
    elif ! command -v java >/dev/null 2>&1; then
        echo "setup: warning: no java on PATH; MOA (capymoa) is skipped" >&2
    elif "$python" -m venv "$mvenv" \
        && "$mvenv/bin/python" -m pip install --quiet --disable-pip-version-check \
            --only-binary=:all: -r "$mreq" \
        && (cd /tmp && "$mvenv/bin/python" -c 'import capymoa.classifier') >/dev/null 2>&1; then
        echo "$mwant" > "$mstamp"
        echo "setup: $mvenv ready (capymoa $("$mvenv/bin/python" -c 'from importlib.metadata import version; print(version("capymoa"))'))"
    else
        echo "setup: warning: could not set up capymoa in $mvenv; MOA is skipped" >&2
    fi
fi
