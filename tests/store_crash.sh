#!/bin/sh
# The state store under SIGKILL: tests/store_crash learns and ranks/rewards with
# durability sync (acknowledging each call on stdout) and is killed at a random moment,
# ROUNDS times on the same data directory, so every run starts by recovering the one
# before. After each kill `store_crash check` reopens the directory and requires the
# state to be exactly the acknowledged calls (plus at most the one in flight), byte for
# byte. Odd rounds also take snapshots while running, so kills land mid-snapshot too;
# every 5th round restores the newest snapshot in a copy of the directory and checks it
# the same way, then takes a snapshot in its own process (a clean open and close).
# Short delays kill some runs during their open, that is during recovery.
# Delays come from a fixed seed: a failure replays with the same schedule.
# Run by `make check` with top_builddir set; ROUNDS (default 25), SEED and VERBOSE (print
# every round's results) may be set.
set -u

top_builddir=${top_builddir:-.}
BIN="$top_builddir/tests/store_crash"
if [ ! -x "$BIN" ]; then
    echo "SKIP: $BIN not built"
    exit 77
fi
ROUNDS=${ROUNDS:-25}
SEED=${SEED:-7}

T=$(mktemp -d "${TMPDIR:-/tmp}/otter-crash.XXXXXX") || exit 1
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
D="$T/store"
ACK="$T/acks"
: >"$ACK"

# delay ROUND: seconds to let round ROUND run, 0.05 to 0.4, the same on every run.
delay() {
    awk -v r="$1" -v s="$SEED" 'BEGIN { srand(s * 1000 + r); printf "%.3f", 0.05 + 0.35 * rand() }'
}

start=$(date +%s)
restores=0
round=1
while [ "$round" -le "$ROUNDS" ]; do
    snap_ms=0
    if [ $((round % 2)) -eq 1 ]; then snap_ms=40; fi
    "$BIN" run "$D" "$SEED" "$snap_ms" >>"$ACK" 2>"$T/run.err" &
    pid=$!
    sleep "$(delay "$round")"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null # no "Killed" from the shell
    rc=$?
    pid=
    if [ "$rc" -ne 137 ]; then
        echo "FAIL: round $round: store_crash run exited with $rc before the kill:"
        cat "$T/run.err"
        exit 1
    fi
    if ! "$BIN" check "$D" "$SEED" "$ACK" >"$T/check.out" 2>"$T/check.err"; then
        echo "FAIL: round $round: the recovered state is not the acknowledged one:"
        cat "$T/check.err" "$T/check.out"
        cp "$ACK" "$T.acks" && echo "(acknowledgements kept in $T.acks)"
        exit 1
    fi
    [ -n "${VERBOSE:-}" ] && echo "round $round: $(cat "$T/check.out")"
    if [ $((round % 5)) -eq 0 ]; then
        # the newest snapshot (taken while a run was busy) restores exactly, in a copy
        rm -rf "$T/copy" && cp -R "$D" "$T/copy" || exit 1
        if ! "$BIN" restore "$T/copy" "$SEED" >"$T/restore.out" 2>&1; then
            echo "FAIL: round $round: restoring the newest snapshot:"
            cat "$T/restore.out"
            exit 1
        fi
        restores=$((restores + 1))
        [ -n "${VERBOSE:-}" ] && echo "round $round: $(cat "$T/restore.out")"
        if ! "$BIN" snapshot "$D" >"$T/snap.out" 2>&1; then
            echo "FAIL: round $round: snapshot:"
            cat "$T/snap.out"
            exit 1
        fi
    fi
    round=$((round + 1))
done
echo "store_crash: $ROUNDS kills, $restores snapshot restores in $(($(date +%s) - start)) s"
echo "last check: $(cat "$T/check.out")"
exit 0
