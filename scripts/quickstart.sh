#!/usr/bin/env bash
# Quick start: installs the Debian packages (only missing ones), builds Otter and runs
# the main job. Until the REST service lands, the main job is the `otter` demo: generate
# a card-transaction stream with a rare fraud pattern and evaluate an online logistic
# regression on it prequentially (score each transaction, then learn its label).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure
make -j"$(nproc 2>/dev/null || echo 2)"
mkdir -p demo
echo "== otter gen fraud -n 200000 --seed 7 > demo/fraud.csv"
./otter gen fraud -n 200000 --seed 7 > demo/fraud.csv
head -3 demo/fraud.csv
echo "== otter eval --model logreg --save demo/fraud.model demo/fraud.csv"
./otter eval --model logreg --save demo/fraud.model demo/fraud.csv
echo "== otter describe demo/fraud.model"
./otter describe demo/fraud.model
