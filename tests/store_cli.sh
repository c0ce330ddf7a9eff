#!/bin/sh
# Black-box tests of `otter store`: a store built from the command line (create, learn
# from a generated file, snapshots), ls and inspect output, export then import into a
# second data directory with the same state, retention, restore, delete, verify passing
# and then naming a damaged snapshot file, --reset, and every usage and runtime error
# with its exit status and message. Run by `make check` with top_builddir set; prints
# each failure and exits 1 if any check failed.
set -u

top_builddir=${top_builddir:-.}
OTTER="$top_builddir/otter"
if [ ! -x "$OTTER" ]; then
    echo "FAIL: $OTTER not built"
    exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 is needed to damage a file byte-exactly"
    exit 77
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/otter-store-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# run NAME ARGS...: runs otter with stdout/stderr in $T/NAME.out/.err; sets $rc.
run() {
    name=$1
    shift
    "$OTTER" "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null
    rc=$?
}

# expect_rc NAME WANT: checks $rc of the last run.
expect_rc() {
    if [ "$rc" -ne "$2" ]; then
        fail "$1: exit status $rc, want $2; stderr: $(head -c 300 "$T/$1.err")"
        return 1
    fi
    return 0
}

# expect_in NAME FILE TEXT...: each TEXT (fixed string) occurs in FILE.
expect_in() {
    name=$1
    file=$2
    shift 2
    for text in "$@"; do
        grep -qF -- "$text" "$file" || fail "$name: '$text' not in $(basename "$file"): $(head -c 400 "$file")"
    done
}

# expect_fail NAME WANT TEXT...: the last run exited WANT with TEXT in its message.
expect_fail() {
    name=$1
    want=$2
    shift 2
    expect_rc "$name" "$want" || return
    [ -s "$T/$name.err" ] || fail "$name: no message on stderr"
    expect_in "$name" "$T/$name.err" "$@"
}

# field NAME COL KEYCOL KEY: column COL of the ls table row whose column KEYCOL is KEY.
field() {
    awk -v c="$2" -v k="$3" -v v="$4" '$k == v { print $c; exit }' "$T/$1.out"
}

D="$T/d"

# ---------------------------------------------------------------- help
run help store --help
expect_rc help 0 && expect_in help "$T/help.out" ls snapshot restore retain drop export import \
    inspect verify create-learner create-bandit delete learn --data-dir --key-groups --reset \
    --durability
run top_help --help
expect_rc top_help 0 && expect_in top_help "$T/top_help.out" store
run sub_help store ls --help
expect_rc sub_help 0 && expect_in sub_help "$T/sub_help.out" "otter store"

# ---------------------------------------------------------------- usage errors (status 2)
# None of these may create the data directory they name.
N="$T/never"
check_usage() {
    run usage "$@"
    expect_fail usage 2 "" || echo "      (otter $*)"
    [ ! -e "$N" ] || fail "otter $*: created $N"
    rm -rf "$N"
}
check_usage store
check_usage store frobnicate -d "$N"
expect_in usage "$T/usage.err" frobnicate
check_usage store ls
expect_in usage "$T/usage.err" --data-dir
check_usage store restore -d "$N"
expect_in usage "$T/usage.err" missing
for id in abc 0 -1 1.5 ""; do
    check_usage store restore "$id" -d "$N"
done
expect_in usage "$T/usage.err" "positive integer"
check_usage store drop x -d "$N"
for r in 5-2 0-32768 7 a-b 1- -3 1-2-3 99999-99999; do
    check_usage store ls --key-groups "$r" -d "$N"
    expect_in usage "$T/usage.err" "--key-groups" "$r"
done
check_usage store export 1 --key-groups 3-1 -o "$T/x.otrx" -d "$N"
check_usage store ls --key-groups 1-2 --snapshots -d "$N"
check_usage store retain 0 -d "$N"
check_usage store retain many -d "$N"
check_usage store export latest -o "$T/x.otrx" -d "$N"
check_usage store export -d "$N"
check_usage store import -d "$N"
check_usage store inspect -d "$N"
check_usage store inspect m --key-group 32768 -d "$N"
check_usage store create-learner m -d "$N"
check_usage store create-learner m nosuchtype -d "$N"
expect_in usage "$T/usage.err" nosuchtype
check_usage store create-learner m logreg --params nosuch=1 -d "$N"
expect_in usage "$T/usage.err" nosuch
check_usage store create-learner m logreg --arms a,b -d "$N"
check_usage store create-bandit b thompson -d "$N"
expect_in usage "$T/usage.err" --arms
check_usage store create-bandit b thompson --arms a,,b -d "$N"
check_usage store create-bandit b thompson --arms a,a -d "$N"
check_usage store create-bandit b nosuchpolicy --arms a,b -d "$N"
check_usage store learn m -d "$N"
check_usage store ls extra -d "$N"
check_usage store ls --reset -d "$N"
check_usage store verify --snapshots -d "$N"
check_usage store inspect m --format csv -d "$N"
check_usage store snapshot --durability maybe -d "$N"
check_usage store ls --no-such-option -d "$N"

# ---------------------------------------------------------------- runtime errors on no store
run nodir store ls -d "$T/missing"
expect_fail nodir 1 missing
[ ! -e "$T/missing" ] || fail "ls created the data directory it was asked to list"
run nodir_restore store restore 1 -d "$T/missing"
expect_fail nodir_restore 1 missing

# ---------------------------------------------------------------- build a store
run gen gen sea -n 3000 --seed 5 -o "$T/sea.csv"
expect_rc gen 0
run create store create-learner clicks logreg --params optimizer=ftrl,l1=1 -d "$D"
expect_rc create 0 && expect_in create "$T/create.out" "created learner 'clicks' (logreg)"
run create_again store create-learner clicks logreg --params optimizer=ftrl,l1=1 -d "$D"
expect_rc create_again 0 && expect_in create_again "$T/create_again.out" "already exists"
run create_other store create-learner clicks svm -d "$D"
expect_fail create_other 1 clicks "different definition"
run learn store learn clicks "$T/sea.csv" -d "$D" --durability none
expect_rc learn 0 && expect_in learn "$T/learn.out" "learned 3000 rows (skipped 0)" "version 3000"
# a few rows through the synced path, from stdin
head -n 201 "$T/sea.csv" | "$OTTER" store learn clicks - -d "$D" >"$T/learn_sync.out" 2>"$T/learn_sync.err"
rc=$?
expect_rc learn_sync 0 && expect_in learn_sync "$T/learn_sync.out" "learned 200 rows" "version 3200"
run bandit store create-bandit hero thompson --arms red,green,blue --params seed=3 --key-group 7 -d "$D"
expect_rc bandit 0 && expect_in bandit "$T/bandit.out" "created bandit 'hero' (thompson) in key group 7"

# malformed rows: the first stops the run naming its line, --skip-bad counts it
{ head -n 3 "$T/sea.csv"; sed -n 4p "$T/sea.csv" | sed 's/[^,]*$/7/'; sed -n 5,6p "$T/sea.csv"; } >"$T/bad.csv"
run learn_bad store learn clicks "$T/bad.csv" -d "$D" --durability none
expect_fail learn_bad 1 "line 4"
run learn_skip store learn clicks "$T/bad.csv" -d "$D" --durability none --skip-bad
expect_rc learn_skip 0 && expect_in learn_skip "$T/learn_skip.out" "learned 4 rows (skipped 1)"
run learn_bandit store learn hero "$T/sea.csv" --key-group 7 -d "$D"
expect_fail learn_bandit 1 hero bandit
run learn_nosuch store learn nosuch "$T/sea.csv" -d "$D"
expect_fail learn_nosuch 1 nosuch
run learn_nofile store learn clicks "$T/no-such.csv" -d "$D"
expect_fail learn_nofile 1 no-such.csv

# ---------------------------------------------------------------- snapshots
run snap1 store snapshot -d "$D"
expect_rc snap1 0 && [ "$(field snap1 1 1 1)" = 1 ] || fail "snapshot: no row for id 1: $(cat "$T/snap1.out")"
run learn2 store learn clicks "$T/sea.csv" -d "$D" --durability none
expect_rc learn2 0 && expect_in learn2 "$T/learn2.out" "version 6206"
run snap2 store snapshot -d "$D"
expect_rc snap2 0
[ "$(field snap2 2 1 2)" = 1 ] || fail "snapshot 2: parent is not 1: $(cat "$T/snap2.out")"
run snap_old store snapshot 2 -d "$D"
expect_fail snap_old 2 "must be greater"

# ---------------------------------------------------------------- ls
run ls store ls -d "$D"
expect_rc ls 0 && expect_in ls "$T/ls.out" KEY_GROUP NAME KIND TYPE VERSION BYTES \
    "entities=2" "last_snapshot=2"
KG=$(field ls 1 2 clicks)
[ "$(field ls 3 2 clicks) $(field ls 4 2 clicks) $(field ls 5 2 clicks)" = "learner logreg 6206" ] ||
    fail "ls: clicks row: $(grep clicks "$T/ls.out")"
[ "$(field ls 1 2 hero) $(field ls 3 2 hero) $(field ls 4 2 hero) $(field ls 5 2 hero)" = "7 bandit thompson 0" ] ||
    fail "ls: hero row: $(grep hero "$T/ls.out")"
# the columns line up: NAME starts at the same offset in every row
[ "$(awk 'NF >= 6 { print index($0, $2) }' "$T/ls.out" | sort -u | wc -l)" -eq 1 ] ||
    fail "ls: columns are not aligned: $(cat "$T/ls.out")"
run ls_kg store ls --key-groups 0-7 -d "$D"
expect_rc ls_kg 0 && expect_in ls_kg "$T/ls_kg.out" hero
if [ "$KG" -gt 7 ] && grep -q clicks "$T/ls_kg.out"; then fail "ls --key-groups 0-7 lists clicks (key group $KG)"; fi
run ls_snap store ls --snapshots -d "$D"
expect_rc ls_snap 0 && expect_in ls_snap "$T/ls_snap.out" ID PARENT TIME ENTITIES EVENTS KEY_GROUPS \
    FILES BYTES SECONDS
[ "$(awk 'NR > 1 && NF == 9 { print $1 }' "$T/ls_snap.out" | tr '\n' ' ')" = "1 2 " ] ||
    fail "ls --snapshots: ids: $(cat "$T/ls_snap.out")"
grep -Eq '^2 +1 +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z +2 +0 +7-[0-9]+ ' "$T/ls_snap.out" ||
    fail "ls --snapshots: row 2: $(cat "$T/ls_snap.out")"

# ---------------------------------------------------------------- inspect
run inspect store inspect clicks -d "$D"
expect_rc inspect 0 && expect_in inspect "$T/inspect.out" "type       logreg" "kind       learner" \
    "version    6206" "key_group  $KG" "optimizer=ftrl" "l1=1" params stats updates
run inspect_b store inspect hero --key-group 7 -d "$D"
expect_rc inspect_b 0 && expect_in inspect_b "$T/inspect_b.out" "kind       bandit" "type       thompson" \
    "seed=3" arms PULLS PROB_BEST red green blue decisions
run inspect_wrong_kg store inspect hero -d "$D"
expect_fail inspect_wrong_kg 1 hero "key group"
run inspect_nosuch store inspect nosuch -d "$D"
expect_fail inspect_nosuch 1 nosuch

# ---------------------------------------------------------------- export, import
run export store export 2 -o "$T/e2.otrx" -d "$D"
expect_rc export 0 && expect_in export "$T/export.out" "exported snapshot 2" "$T/e2.otrx"
"$OTTER" store export 2 -d "$D" >"$T/e2_stdout.otrx" 2>"$T/e2_stdout.err" ||
    fail "export to stdout: $(cat "$T/e2_stdout.err")"
cmp -s "$T/e2.otrx" "$T/e2_stdout.otrx" || fail "export -o FILE and export to stdout differ"
head -c 4 "$T/e2.otrx" | grep -q OTRX || fail "export: no OTRX magic"
run export_missing store export 9 -o "$T/e9.otrx" -d "$D"
expect_fail export_missing 1 "no snapshot 9"
[ ! -e "$T/e9.otrx" ] || fail "a failed export left its file behind"
run import store import "$T/e2.otrx" -d "$T/d2"
expect_rc import 0 && expect_in import "$T/import.out" "imported 2 entities, 0 pending events"
for e in "clicks" "hero --key-group 7"; do
    # shellcheck disable=SC2086
    "$OTTER" store inspect $e -d "$D" >"$T/i1.out" 2>&1
    # shellcheck disable=SC2086
    "$OTTER" store inspect $e -d "$T/d2" >"$T/i2.out" 2>&1
    cmp -s "$T/i1.out" "$T/i2.out" || fail "inspect $e differs after export/import: $(diff "$T/i1.out" "$T/i2.out" | head -5)"
done
# the same snapshot id on both sides: the key group's export is the same bytes
run snap_d2 store snapshot 2 -d "$T/d2"
expect_rc snap_d2 0
"$OTTER" store export 2 --key-groups "$KG-$KG" -o "$T/k1.otrx" -d "$D" >/dev/null &&
    "$OTTER" store export 2 --key-groups "$KG-$KG" -o "$T/k2.otrx" -d "$T/d2" >/dev/null ||
    fail "export --key-groups $KG-$KG failed"
cmp -s "$T/k1.otrx" "$T/k2.otrx" || fail "key group $KG exports differ between the original and the import"
# the live state, through stdin
"$OTTER" store export live -d "$D" 2>"$T/live.err" | "$OTTER" store import - -d "$T/d3" >"$T/live.out" 2>>"$T/live.err" ||
    fail "export live | import -: $(cat "$T/live.err")"
"$OTTER" store inspect clicks -d "$T/d3" >"$T/i3.out" 2>&1
"$OTTER" store inspect clicks -d "$D" >"$T/i1.out" 2>&1
cmp -s "$T/i1.out" "$T/i3.out" || fail "inspect differs after export live | import -"
# damaged streams change nothing
printf 'not an export' >"$T/junk.otrx"
run import_junk store import "$T/junk.otrx" -d "$T/d2"
expect_fail import_junk 1 junk.otrx
head -c 100 "$T/e2.otrx" >"$T/short.otrx"
run import_short store import "$T/short.otrx" -d "$T/d2"
expect_fail import_short 1 truncated
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[30] ^= 0x40; open(sys.argv[2], "wb").write(b)' \
    "$T/e2.otrx" "$T/flipped.otrx"
run import_flip store import "$T/flipped.otrx" -d "$T/d2"
expect_rc import_flip 1
run import_nofile store import "$T/no-such.otrx" -d "$T/d2"
expect_fail import_nofile 1 no-such.otrx
run ls_d2 store ls -d "$T/d2"
expect_rc ls_d2 0 && expect_in ls_d2 "$T/ls_d2.out" clicks hero "entities=2"
if command -v script >/dev/null 2>&1; then
    script -qec "$OTTER store export 2 -d $D" /dev/null >"$T/tty.out" 2>&1 </dev/null
    rc=$?
    [ "$rc" -eq 2 ] && grep -q terminal "$T/tty.out" || fail "export to a terminal: status $rc: $(head -c 300 "$T/tty.out")"
fi

# ---------------------------------------------------------------- restore, retain, drop, delete
run learn3 store learn clicks "$T/sea.csv" -d "$D" --durability none
expect_rc learn3 0 && expect_in learn3 "$T/learn3.out" "version 9206"
run restore store restore 2 -d "$D"
expect_rc restore 0 && expect_in restore "$T/restore.out" "restored snapshot 2"
run inspect_r store inspect clicks -d "$D"
expect_rc inspect_r 0 && expect_in inspect_r "$T/inspect_r.out" "version    6206"
run restore_missing store restore 9 -d "$D"
expect_fail restore_missing 1 "no snapshot 9"
run snap3 store snapshot -d "$D"
expect_rc snap3 0 && [ "$(field snap3 2 1 3)" = 2 ] || fail "snapshot after restore: $(cat "$T/snap3.out")"
run retain store retain 1 -d "$D"
expect_rc retain 0 && expect_in retain "$T/retain.out" "dropped 2 snapshot(s); kept 3"
run ls_retained store ls --snapshots -d "$D"
[ "$(awk 'NR > 1 && NF == 9 { print $1 }' "$T/ls_retained.out" | tr '\n' ' ')" = "3 " ] ||
    fail "retain 1 left: $(cat "$T/ls_retained.out")"
run drop_missing store drop 1 -d "$D"
expect_fail drop_missing 1 "no snapshot 1"
run snap4 store snapshot 10 -d "$D"
expect_rc snap4 0
run drop store drop 10 -d "$D"
expect_rc drop 0 && expect_in drop "$T/drop.out" "dropped snapshot 10"
run delete store delete hero --key-group 7 -d "$D"
expect_rc delete 0 && expect_in delete "$T/delete.out" "deleted 'hero'"
run delete_again store delete hero --key-group 7 -d "$D"
expect_fail delete_again 1 hero
run ls_deleted store ls -d "$D"
expect_in ls_deleted "$T/ls_deleted.out" "entities=1"
if grep -q hero "$T/ls_deleted.out"; then fail "ls still lists a deleted entity"; fi

# ---------------------------------------------------------------- verify
run verify store verify -d "$D"
expect_rc verify 0 && expect_in verify "$T/verify.out" "ok:" "1 snapshot(s)"
# a damaged snapshot file: break the hard link to the live database first, so only the
# snapshot's copy changes
SST=$(ls -S "$D"/snapshots/3/*.sst | head -n 1)
if [ -z "$SST" ]; then
    fail "no SST file in snapshot 3"
else
    cp "$SST" "$SST.x" && mv "$SST.x" "$SST"
    python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 0xff; open(p, "wb").write(b)' "$SST"
    run verify_bad store verify -d "$D"
    expect_fail verify_bad 1 "$SST" checksum "1 problem(s)"
    run restore_bad store restore 3 -d "$D"
    expect_fail restore_bad 1 "$SST"
    run inspect_after store inspect clicks -d "$D"
    expect_rc inspect_after 0 && expect_in inspect_after "$T/inspect_after.out" "version    6206"
fi

# ---------------------------------------------------------------- --reset
run reset_base store create-learner m linreg -d "$T/d4"
expect_rc reset_base 0
echo "garbage" >"$T/d4/OTTER-STORE"
run reset_no store create-learner m2 linreg -d "$T/d4"
expect_fail reset_no 1 OTTER-STORE
run reset_ls store ls -d "$T/d4"
expect_fail reset_ls 1 OTTER-STORE
run reset_yes store create-learner m2 linreg --reset -d "$T/d4"
expect_rc reset_yes 0
run reset_after store ls -d "$T/d4"
expect_rc reset_after 0 && expect_in reset_after "$T/reset_after.out" m2 "entities=1"

if [ "$failures" -ne 0 ]; then
    echo "$failures store CLI check(s) failed"
    exit 1
fi
echo "all store CLI checks passed"
exit 0
