#!/bin/sh
# Black-box tests of the otter command-line tool: help and usage errors, deterministic
# generators in every format, prequential evaluation and its JSON report, the same data
# through several formats, malformed input, saving/loading/describing models (and a
# corrupted model), tree dumps (describe --tree, eval --dump-model), the learning
# curve, bandit simulations (otter bandit-sim) and off-policy evaluation (otter ope). Run by `make check` with top_builddir set.
# Prints each failure and exits 1 if any check failed.
set -u

top_builddir=${top_builddir:-.}
OTTER="$top_builddir/otter"
if [ ! -x "$OTTER" ]; then
    echo "FAIL: $OTTER not built"
    exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 is needed to check the JSON reports"
    exit 77
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/otter-cli.XXXXXX") || exit 1
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
    "$OTTER" "$@" >"$T/$name.out" 2>"$T/$name.err"
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

# expect_error NAME: a clean failure (status 1 or 2, a message, not a crash) with no
# report on stdout.
expect_error() {
    case $rc in
    1 | 2) ;;
    *) fail "$1: exit status $rc, want 1 or 2" ;;
    esac
    [ -s "$T/$1.err" ] || fail "$1: no error message on stderr"
    if grep -q '"rows"' "$T/$1.out"; then fail "$1: printed a report despite failing"; fi
}

# expect_in NAME FILE TEXT...: each TEXT (fixed string) occurs in FILE.
expect_in() {
    name=$1
    file=$2
    shift 2
    for text in "$@"; do
        grep -qiF -- "$text" "$file" || fail "$name: '$text' not in $(basename "$file"): $(head -c 300 "$file")"
    done
}

# json NAME FILE PYEXPR: the last line of FILE is JSON `r` and PYEXPR holds.
json() {
    tail -n 1 "$2" | python3 -c '
import json, sys
try:
    r = json.loads(sys.stdin.read())
except ValueError as e:
    print("last line is not JSON: %s" % e)
    sys.exit(1)
ok = eval(sys.argv[1], {"r": r})
if not ok:
    print("%s is false for %s" % (sys.argv[1], json.dumps(r)[:600]))
sys.exit(0 if ok else 1)
' "$3" >"$T/json.msg" 2>&1 || fail "$1: $(cat "$T/json.msg")"
}

# ---------------------------------------------------------------- help and usage
run help --help
expect_rc help 0 && expect_in help "$T/help.out" gen eval list describe bandit-sim ope
run gen_help gen --help
expect_rc gen_help 0 && expect_in gen_help "$T/gen_help.out" --seed --format --param -n sea fraud
run eval_help eval --help
expect_rc eval_help 0 &&
    expect_in eval_help "$T/eval_help.out" --model --param --format --skip-bad --curve \
        --curve-every --save --load --dump-model
run describe_help describe --help
expect_rc describe_help 0 && expect_in describe_help "$T/describe_help.out" --tree MODEL_FILE
run unknown frobnicate
expect_rc unknown 2 && expect_in unknown "$T/unknown.err" frobnicate
run noargs
expect_rc noargs 2
run gen_badopt gen sea --no-such-option
expect_rc gen_badopt 2
run gen_badn gen sea -n abc
expect_rc gen_badn 2 && expect_in gen_badn "$T/gen_badn.err" abc
run gen_unknown gen nosuchgen -n 5
expect_error gen_unknown && expect_in gen_unknown "$T/gen_unknown.err" nosuchgen
run eval_nomodel eval "$T/none.csv"
expect_rc eval_nomodel 2 && expect_in eval_nomodel "$T/eval_nomodel.err" --model
run list list
expect_rc list 0 && expect_in list "$T/list.out" logreg linreg svm hoeffding-reg sea friedman noise

# ---------------------------------------------------------------- gen: determinism
run sea3a gen sea -n 1000 --seed 3
run sea3b gen sea -n 1000 --seed 3
run sea4 gen sea -n 1000 --seed 4
cmp -s "$T/sea3a.out" "$T/sea3b.out" || fail "gen sea --seed 3 differs between runs"
if cmp -s "$T/sea3a.out" "$T/sea4.out"; then fail "gen sea --seed 3 and --seed 4 are identical"; fi
[ "$(wc -l <"$T/sea3a.out")" -eq 1001 ] || fail "gen sea -n 1000: $(wc -l <"$T/sea3a.out") lines"
run sea3o gen sea -n 1000 --seed 3 -o "$T/sea3.csv"
expect_rc sea3o 0
cmp -s "$T/sea3a.out" "$T/sea3.csv" || fail "gen -o FILE differs from stdout"
# Numbers are written to round trip: uniform doubles need 15-17 significant digits.
python3 - "$T/sea3.csv" >"$T/digits.msg" 2>&1 <<'EOF' || fail "gen sea csv: $(cat "$T/digits.msg")"
import sys
rows = [l.split(",") for l in open(sys.argv[1]).read().splitlines()[1:]]
digits = [len(v.lstrip("-").replace(".", "").lstrip("0").split("e")[0]) for r in rows for v in r[:3]]
if max(digits) < 15 or sum(d >= 15 for d in digits) < len(digits) // 2:
    print("x1..x3 are written with too few digits to round trip (max %d)" % max(digits))
    sys.exit(1)
EOF

# ---------------------------------------------------------------- gen: every generator
N=200
for g in sea hyperplane agrawal rbf led fraud friedman; do
    for f in csv jsonl vw libsvm; do
        run "gen_${g}_$f" gen "$g" -n $N --seed 11 --format $f
        out="$T/gen_${g}_$f.out"
        if [ $f = libsvm ] && { [ $g = agrawal ] || [ $g = fraud ]; }; then
            expect_rc "gen_${g}_$f" 1 &&
                expect_in "gen_${g}_$f" "$T/gen_${g}_$f.err" libsvm categorical
            continue
        fi
        expect_rc "gen_${g}_$f" 0 || continue
        lines=$(wc -l <"$out")
        want=$N
        [ $f = csv ] && want=$((N + 1))
        [ "$lines" -eq "$want" ] || fail "gen $g --format $f: $lines lines, want $want"
        case $f in
        csv)
            head -n 1 "$out" | awk -F, '{ for (i = 1; i <= NF; i++) if ($i == "label") f = 1 }
                                       END { exit !f }' ||
                fail "gen $g csv: no label column in header: $(head -n 1 "$out")"
            awk -F, 'NR == 1 { n = NF } NF != n { bad = 1 } END { exit bad }' "$out" ||
                fail "gen $g csv: rows with a different field count than the header"
            ;;
        jsonl)
            python3 -c '
import json, sys
for i, line in enumerate(open(sys.argv[1]), 1):
    r = json.loads(line)
    assert isinstance(r, dict) and "label" in r, "line %d: %r" % (i, line)
' "$out" 2>"$T/jsonl.msg" || fail "gen $g jsonl: $(tail -n 1 "$T/jsonl.msg")"
            ;;
        vw)
            awk '!/^[^|]+ \|/ { bad = 1 } END { exit bad }' "$out" ||
                fail "gen $g vw: a line is not 'label | features': $(head -n 1 "$out")"
            ;;
        libsvm)
            awk '{ for (i = 2; i <= NF; i++) if ($i !~ /^[0-9]+:[-+0-9.eE]+$/) bad = 1 }
                 END { exit bad }' "$out" ||
                fail "gen $g libsvm: a pair is not index:value: $(head -n 1 "$out")"
            ;;
        esac
    done
done

# ---------------------------------------------------------------- eval: report
N=5000
run gen_sea gen sea -n $N --seed 5 --param noise=0 -o "$T/sea.csv"
expect_rc gen_sea 0
run eval_sea eval --model logreg --no-progress "$T/sea.csv"
expect_rc eval_sea 0 &&
    json eval_sea "$T/eval_sea.out" \
        "r['model'] == 'logreg' and r['rows'] == $N and r['skipped'] == 0 and \
         r['metrics']['rows'] == $N and r['metrics']['accuracy'] > 0.8 and \
         0 < r['metrics']['log_loss'] < 0.6 and r['rows_per_sec'] > 0 and \
         r['peak_model_bytes'] > 0"

# A regression stream: real-valued labels, MAE and RMSE instead of accuracy.
run gen_fried gen friedman -n $N --seed 5 -o "$T/fried.csv"
expect_rc gen_fried 0
run eval_fried eval --model linreg --no-progress "$T/fried.csv"
expect_rc eval_fried 0 &&
    json eval_fried "$T/eval_fried.out" \
        "r['model'] == 'linreg' and r['rows'] == $N and 'accuracy' not in r['metrics'] and \
         0 < r['metrics']['mae'] < r['metrics']['rmse'] < 4.0 and \
         0 < r['rolling']['rmse'] < 4.0"

# stdin and --limit
"$OTTER" gen sea -n 300 --seed 5 | "$OTTER" eval --model logreg --limit 250 - \
    >"$T/stdin.out" 2>"$T/stdin.err"
rc=$?
expect_rc stdin 0 && json stdin "$T/stdin.out" "r['rows'] == 250"

# ---------------------------------------------------------------- same data, three formats
for f in csv vw jsonl; do
    run "fmt_gen_$f" gen sea -n 3000 --seed 8 --format $f -o "$T/fmt.$f"
    expect_rc "fmt_gen_$f" 0
    run "fmt_$f" eval --model logreg --format $f "$T/fmt.$f"
    expect_rc "fmt_$f" 0
done
python3 - "$T/fmt_csv.out" "$T/fmt_vw.out" "$T/fmt_jsonl.out" >"$T/fmt.msg" 2>&1 <<'EOF' ||
import json, sys
rs = [json.loads(open(p).read().splitlines()[-1]) for p in sys.argv[1:]]
ll = [r["metrics"]["log_loss"] for r in rs]
acc = [r["metrics"]["accuracy"] for r in rs]
rows = [r["rows"] for r in rs]
ok = rows == [3000] * 3 and len(set(acc)) == 1 and \
    all(abs(x - ll[0]) <= 1e-6 * abs(ll[0]) for x in ll)
if not ok:
    print("csv/vw/jsonl disagree: rows %s accuracy %s log_loss %s" % (rows, acc, ll))
sys.exit(0 if ok else 1)
EOF
    fail "formats: $(cat "$T/fmt.msg")"

# ---------------------------------------------------------------- malformed input
printf 'x1,x2,x3,label\n1,2,3,1\n2,3,4,0\n3,4,5,1\n4,abc,6,0\n5,6,7,1\n6,7,8,0\n' >"$T/bad.csv"
run bad eval --model logreg "$T/bad.csv"
expect_rc bad 1 && expect_in bad "$T/bad.err" "line 5"
run skipbad eval --model logreg --skip-bad "$T/bad.csv"
expect_rc skipbad 0 && json skipbad "$T/skipbad.out" "r['skipped'] == 1 and r['rows'] == 5"

# The reader thread changes nothing but speed: the same report as --single-thread, bad
# rows skipped in the same places, on a file long enough to span many batches.
python3 - "$T/sea.csv" "$T/mixed.csv" <<'EOF'
import sys
lines = open(sys.argv[1]).read().splitlines()
out = [lines[0]]
for i, l in enumerate(lines[1:]):
    out.append(l)
    if i % 97 == 0:
        out.append("oops,1,2,1")       # a bad row every 97 rows
open(sys.argv[2], "w").write("\n".join(out) + "\n")
EOF
# (The reader thread also records the metrics and writes the curve: same curve too.)
run piped eval --model logreg --skip-bad --window 500 --curve-every 50 --curve "$T/piped.curve" \
    "$T/mixed.csv"
run single eval --model logreg --skip-bad --window 500 --curve-every 50 --curve "$T/single.curve" \
    --single-thread "$T/mixed.csv"
expect_rc piped 0 && expect_rc single 0 &&
    json piped "$T/piped.out" "r['skipped'] > 10 and r['rows'] > 1000" &&
    { tail -n 1 "$T/piped.out" | sed 's/"seconds":[^,]*,"rows_per_sec":[^,]*,//' >"$T/p.json"
      tail -n 1 "$T/single.out" | sed 's/"seconds":[^,]*,"rows_per_sec":[^,]*,//' >"$T/s.json"
      cmp -s "$T/p.json" "$T/s.json" || fail "reader thread: report differs from --single-thread"
      cmp -s "$T/piped.curve" "$T/single.curve" || fail "reader thread: curve differs"; }
run pipedstop eval --model logreg "$T/mixed.csv"
run singlestop eval --model logreg --single-thread "$T/mixed.csv"
expect_rc pipedstop 1 && cmp -s "$T/pipedstop.err" "$T/singlestop.err" ||
    fail "reader thread: first error differs: $(cat "$T/pipedstop.err") vs $(cat "$T/singlestop.err")"
# A run stopped by a bad row batches past the start still has every curve row before it.
sed '3000s/$/,oops/' "$T/sea.csv" >"$T/late.csv"
run pipedlate eval --model logreg --curve-every 10 --curve "$T/pipedlate.curve" "$T/late.csv"
run singlelate eval --model logreg --curve-every 10 --curve "$T/singlelate.curve" \
    --single-thread "$T/late.csv"
expect_rc pipedlate 1 && expect_rc singlelate 1 &&
    { [ "$(wc -l <"$T/pipedlate.curve")" -eq 300 ] || fail "stopped run: curve has $(wc -l <"$T/pipedlate.curve") lines, want 300"
      cmp -s "$T/pipedlate.curve" "$T/singlelate.curve" || fail "stopped run: curve differs"; }

printf 'x1,x2,x3,label\n1,2,3,1\n2,NaN,4,0\n' >"$T/nan.csv"
run nan eval --model logreg "$T/nan.csv"
expect_rc nan 1 && expect_in nan "$T/nan.err" "line 3" x2 nan

printf 'x1,x2,x3,label\n1,2,3,1\n2,3,4,7\n' >"$T/badlabel.csv"
run badlabel eval --model logreg "$T/badlabel.csv"
expect_rc badlabel 1 && expect_in badlabel "$T/badlabel.err" "line 3" label

run missing eval --model logreg "$T/no-such-file.csv"
expect_rc missing 1 && expect_in missing "$T/missing.err" no-such-file.csv

run badmodel eval --model nosuchmodel "$T/sea.csv"
expect_error badmodel && expect_in badmodel "$T/badmodel.err" nosuchmodel

run badkey eval --model logreg --param nosuchkey=1 "$T/sea.csv"
expect_error badkey && expect_in badkey "$T/badkey.err" nosuchkey
run badrange eval --model logreg --param lr=0 "$T/sea.csv"
expect_error badrange && expect_in badrange "$T/badrange.err" "'lr'"
run badbits eval --model logreg --param bits=99 "$T/sea.csv"
expect_error badbits && expect_in badbits "$T/badbits.err" bits
run badl1 eval --model logreg --param l1=0.5,optimizer=adagrad "$T/sea.csv"
expect_error badl1 && expect_in badl1 "$T/badl1.err" l1
run badfmt eval --model logreg --format xml "$T/sea.csv"
expect_error badfmt && expect_in badfmt "$T/badfmt.err" xml

# ---------------------------------------------------------------- save, describe, load
run save eval --model logreg --param bits=12 --save "$T/m.bin" "$T/sea.csv"
expect_rc save 0
[ -s "$T/m.bin" ] || fail "save: no model file written"
run describe describe "$T/m.bin"
expect_rc describe 0 &&
    json describe "$T/describe.out" \
        "r['type'] == 'logreg' and r['updates'] == $N and r['params']['bits'] == 12"
run load eval --load "$T/m.bin" --save "$T/m2.bin" "$T/sea.csv"
expect_rc load 0 && json load "$T/load.out" "r['model'] == 'logreg' and r['rows'] == $N"
run describe2 describe "$T/m2.bin"
expect_rc describe2 0 && json describe2 "$T/describe2.out" "r['updates'] == 2 * $N"
run loadparam eval --load "$T/m.bin" --param lr=0.1 "$T/sea.csv"
expect_rc loadparam 2

# A regression tree: saved, described (its size and splits), loaded and trained further.
run savetree eval --model hoeffding-reg --param grace_period=100 --save "$T/tree.bin" "$T/fried.csv"
expect_rc savetree 0
run describetree describe "$T/tree.bin"
expect_rc describetree 0 &&
    json describetree "$T/describetree.out" \
        "r['type'] == 'hoeffding-reg' and r['updates'] == $N and r['nodes'] >= 3 and \
         r['leaves'] >= 2 and r['split_attributes'] != '' and r['params']['grace_period'] == 100"
# ... and printed as text: one 'if' line per split, one leaf line (prediction, target
# mean and sd, weight, adaptive strategy) per leaf, as describe counts them.
run regtree_text describe --tree "$T/tree.bin"
expect_rc regtree_text 0
head -n 1 "$T/regtree_text.out" | grep -qE '^if x[0-9] <= [-+0-9.e]+ \(w=[0-9.]+(, takes missing)?\)$' ||
    fail "regression tree dump: first line is '$(head -n 1 "$T/regtree_text.out")'"
num='-?[0-9.]+(e[-+][0-9]+)?'
leaves=$(grep -cE "^ *leaf: $num \(mean=$num, sd=$num, w=[0-9.]+, adaptive: (mean|model, [0-9]+ inputs)\)$" \
    "$T/regtree_text.out")
ifs=$(grep -c '^ *if ' "$T/regtree_text.out")
json describetree "$T/describetree.out" \
    "r['leaves'] == $leaves and r['nodes'] - r['leaves'] == $ifs and \
     $(wc -l <"$T/regtree_text.out") == r['nodes'] - 1 + r['leaves']"
run loadtree eval --load "$T/tree.bin" "$T/fried.csv"
expect_rc loadtree 0 &&
    json loadtree "$T/loadtree.out" \
        "r['model'] == 'hoeffding-reg' and r['rows'] == $N and r['metrics']['rmse'] < 3.0"

# One byte flipped in the middle of the saved model.
python3 - "$T/m.bin" "$T/flipped.bin" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 2] ^= 0x10
open(sys.argv[2], "wb").write(b)
EOF
run flipped describe "$T/flipped.bin"
expect_rc flipped 1
grep -qiE 'checksum|corrupt' "$T/flipped.err" ||
    fail "flipped: error does not mention checksum/corrupt: $(cat "$T/flipped.err")"
run flipload eval --load "$T/flipped.bin" "$T/sea.csv"
expect_rc flipload 1
head -c 100 "$T/m.bin" >"$T/short.bin"
run short describe "$T/short.bin"
expect_rc short 1
printf 'not a model at all, just some text that is long enough\n' >"$T/text.bin"
run notmodel describe "$T/text.bin"
expect_rc notmodel 1
run nomodel describe "$T/no-such-model.bin"
expect_rc nomodel 1

# ---------------------------------------------------------------- tree dumps
run gen_agrawal gen agrawal -n 20000 --seed 3 -o "$T/agrawal.csv"
expect_rc gen_agrawal 0
run tree eval --model hoeffding --save "$T/tree.bin" --dump-model "$T/tree.txt" "$T/agrawal.csv"
expect_rc tree 0 && json tree "$T/tree.out" "r['model'] == 'hoeffding' and r['rows'] == 20000"
run tree_describe describe --tree "$T/tree.bin"
expect_rc tree_describe 0
cmp -s "$T/tree.txt" "$T/tree_describe.out" || fail "describe --tree differs from eval --dump-model"
# agrawal function 1 (the default) is a rule on age (and salary in other functions)
head -n 1 "$T/tree.txt" | grep -qE '^if (age|salary) <= [-+0-9.e]+ \(w=[0-9.]+(, takes missing)?\)$' ||
    fail "tree dump: first line is '$(head -n 1 "$T/tree.txt")'"
# one 'leaf:' line per leaf and one 'if' line per split node, as describe counts them
run tree_json describe "$T/tree.bin"
leaves=$(grep -c '^ *leaf: class [0-9]' "$T/tree.txt")
ifs=$(grep -c '^ *if ' "$T/tree.txt")
expect_rc tree_json 0 && json tree_json "$T/tree_json.out" \
    "r['nodes'] > 1 and r['leaves'] == $leaves and r['nodes'] - r['leaves'] == $ifs"
run hat_tree eval --model hat --dump-model "$T/hat.txt" "$T/agrawal.csv"
expect_rc hat_tree 0 && json hat_tree "$T/hat_tree.out" "r['model'] == 'hat'"
grep -q '^ *leaf: class' "$T/hat.txt" || fail "hat dump has no leaf: $(head -c 300 "$T/hat.txt")"
# A linear model has no text view: a clear error and status 1 after the report, no file.
run lin_dump eval --model logreg --dump-model "$T/lin.txt" "$T/sea.csv"
expect_rc lin_dump 1 && expect_in lin_dump "$T/lin_dump.err" --dump-model logreg "no text dump"
json lin_dump "$T/lin_dump.out" "r['model'] == 'logreg' and r['rows'] == $N"
[ ! -e "$T/lin.txt" ] || fail "lin_dump: wrote $T/lin.txt although the dump failed"
run lin_tree describe --tree "$T/m.bin"
expect_rc lin_tree 1 && expect_in lin_tree "$T/lin_tree.err" logreg "no text dump"
[ ! -s "$T/lin_tree.out" ] || fail "lin_tree: printed to stdout although it failed"
run tree_nofile describe --tree
expect_rc tree_nofile 2
run tree_twofiles describe --tree "$T/tree.bin" "$T/m.bin"
expect_rc tree_twofiles 2
run tree_badopt describe --trees "$T/tree.bin"
expect_rc tree_badopt 2

# ---------------------------------------------------------------- learning curve
run curve eval --model logreg --curve "$T/curve.csv" --curve-every 1000 "$T/sea.csv"
expect_rc curve 0
if [ -s "$T/curve.csv" ]; then
    head -n 1 "$T/curve.csv" | grep -q '^rows,.*accuracy' ||
        fail "curve: header is '$(head -n 1 "$T/curve.csv")'"
    got=$(awk -F, 'NR > 1 { printf "%s ", $1 }' "$T/curve.csv")
    [ "$got" = "1000 2000 3000 4000 5000 " ] || fail "curve: row counts are '$got'"
    awk -F, 'NR == 1 { n = NF } NF != n { bad = 1 } NR > 1 && ($2 < 0 || $2 > 1) { bad = 1 }
             END { exit bad }' "$T/curve.csv" ||
        fail "curve: ragged rows or accuracy outside [0, 1]"
else
    fail "curve: $T/curve.csv missing or empty"
fi
run curve0 eval --model logreg --curve "$T/c0.csv" --curve-every 0 "$T/sea.csv"
expect_rc curve0 2

# ---------------------------------------------------------------- bandits: bandit-sim
run bs_help bandit-sim --help
expect_rc bs_help 0 &&
    expect_in bs_help "$T/bs_help.out" --policy --param --arms --horizon --seed --scenario \
        --rates --context-dim --delay --curve --curve-every --log --env-out
run list_bandits list
expect_rc list_bandits 0 && expect_in list_bandits "$T/list_bandits.out" "Bandit policies" epsilon-greedy
BS_OK="r['cumulative_regret'] >= 0 and 0 <= r['best_arm_share'] <= 1 and \
       0 <= r['best_arm_share_last10'] <= 1 and r['decisions_per_sec'] > 0"
run bs bandit-sim --policy epsilon-greedy --arms 5 --horizon 5000 --seed 7
expect_rc bs 0 &&
    json bs "$T/bs.out" "r['policy'] == 'epsilon-greedy' and r['scenario'] == 'bernoulli' and \
        r['horizon'] == 5000 and r['arms'] == 5 and r['params']['seed'] == 7 and \
        len(r['rates']) == 5 and all(0.01 <= p < 0.1 for p in r['rates']) and \
        'cumulative_reward' in r and r['expired'] == 0 and r['pending'] == 0 and $BS_OK"
# deterministic with the same seed (timings aside), different with another
untimed() { tail -n 1 "$1" | sed 's/"seconds":.*//'; }
run bs_again bandit-sim --policy epsilon-greedy --arms 5 --horizon 5000 --seed 7
run bs_other bandit-sim --policy epsilon-greedy --arms 5 --horizon 5000 --seed 8
[ "$(untimed "$T/bs.out")" = "$(untimed "$T/bs_again.out")" ] ||
    fail "bandit-sim: the same seed gave different reports"
[ "$(untimed "$T/bs.out")" != "$(untimed "$T/bs_other.out")" ] ||
    fail "bandit-sim: seeds 7 and 8 gave the same report"
# a clear best arm is found: epsilon-greedy exploits it in the last 10%
run bs_rates bandit-sim --policy epsilon-greedy --rates 0.1,0.1,0.9 --horizon 5000
expect_rc bs_rates 0 &&
    json bs_rates "$T/bs_rates.out" "r['arms'] == 3 and r['rates'] == [0.1, 0.1, 0.9] and \
        r['best_arm_share_last10'] > 0.85 and $BS_OK"
for sc in gaussian drifting; do
    run "bs_$sc" bandit-sim --policy epsilon-greedy --arms 4 --horizon 4000 --scenario $sc --delay 20
    expect_rc "bs_$sc" 0 && json "bs_$sc" "$T/bs_$sc.out" "r['scenario'] == '$sc' and $BS_OK"
done
run bs_linear bandit-sim --policy epsilon-greedy --arms 3 --horizon 3000 --scenario linear \
    --context-dim 4 --log "$T/lin.jsonl" --env-out "$T/env.csv"
expect_rc bs_linear 0 &&
    json bs_linear "$T/bs_linear.out" "r['scenario'] == 'linear' and r['context_dim'] == 4 and $BS_OK"
python3 - "$T/lin.jsonl" "$T/env.csv" >"$T/lin.msg" 2>&1 <<'EOF2' || fail "bandit-sim --log/--env-out: $(cat "$T/lin.msg")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 3000, len(rows)
for r in rows:
    assert set(r) == {"event", "arm", "propensity", "reward", "x0", "x1", "x2", "x3"}, r
    assert r["arm"] in ("arm0", "arm1", "arm2") and 0 < r["propensity"] <= 1, r
assert len({r["event"] for r in rows}) == 3000
env = open(sys.argv[2]).read().splitlines()
head = json.loads(env[0])
assert head["scenario"] == "linear" and len(head["theta"]) == 3 and len(head["theta"][0]) == 4
assert env[1] == "t,u,x0,x1,x2,x3" and len(env) == 3002, env[1]
# the log's contexts are the world's
for r, line in zip(rows, env[2:]):
    assert [float(v) for v in line.split(",")[2:]] == [r["x%d" % j] for j in range(4)]
EOF2
# rewards later than reward_wait expire: a delay of 10 decisions 100 ms apart vs 0.5 s
run bs_expire bandit-sim --policy epsilon-greedy --arms 3 --horizon 1000 --delay 10 \
    --param reward_wait=0.5
expect_rc bs_expire 0 && json bs_expire "$T/bs_expire.out" "r['expired'] > 900 and $BS_OK"
run bs_curve bandit-sim --policy epsilon-greedy --arms 3 --horizon 5000 --curve "$T/bs_curve.csv" \
    --curve-every 1000
expect_rc bs_curve 0
if [ -s "$T/bs_curve.csv" ]; then
    [ "$(head -n 1 "$T/bs_curve.csv")" = "t,cumulative_regret,best_arm_share" ] ||
        fail "bandit-sim curve: header '$(head -n 1 "$T/bs_curve.csv")'"
    got=$(awk -F, 'NR > 1 { printf "%s ", $1 }' "$T/bs_curve.csv")
    [ "$got" = "1000 2000 3000 4000 5000 " ] || fail "bandit-sim curve: steps '$got'"
    awk -F, 'NR > 2 && $2 < prev { bad = 1 } NR > 1 { prev = $2; if ($3 < 0 || $3 > 1) bad = 1 }
             END { exit bad }' "$T/bs_curve.csv" || fail "bandit-sim curve: regret falls or share outside [0, 1]"
else
    fail "bandit-sim curve: $T/bs_curve.csv missing or empty"
fi
# usage errors: status 2, a message, no report
for args in "--arms 3 --horizon 10" \
    "--policy epsilon-greedy --horizon 10" \
    "--policy epsilon-greedy --arms 3" \
    "--policy epsilon-greedy --arms 0 --horizon 10" \
    "--policy epsilon-greedy --arms 3 --horizon 10 --scenario nosuch" \
    "--policy epsilon-greedy --arms 3 --horizon 10 --scenario linear --rates 0.1,0.2,0.3" \
    "--policy epsilon-greedy --arms 3 --horizon 10 --context-dim 4" \
    "--policy epsilon-greedy --arms 2 --horizon 10 --rates 0.1,0.2,0.3" \
    "--policy epsilon-greedy --horizon 10 --rates 0.1,1.5" \
    "--policy epsilon-greedy --horizon 10 --rates 0.1,abc" \
    "--policy epsilon-greedy --arms x --horizon 10" \
    "--policy epsilon-greedy --arms 3 --horizon 10 --param epsilon=2" \
    "--policy epsilon-greedy --arms 3 --horizon 10 --param nosuchparam=1" \
    "--policy nosuchpolicy --arms 3 --horizon 10" \
    "--policy epsilon-greedy --arms 3 --horizon 10 extra" \
    "--policy epsilon-greedy --arms 3 --horizon 10 --bogus"; do
    # shellcheck disable=SC2086
    run bs_usage bandit-sim $args
    expect_rc bs_usage 2 || continue
    [ -s "$T/bs_usage.err" ] || fail "bandit-sim $args: no message"
    if grep -q '"policy"' "$T/bs_usage.out"; then fail "bandit-sim $args: printed a report"; fi
done
run bs_unknown bandit-sim --policy nosuchpolicy --arms 3 --horizon 10
expect_in bs_unknown "$T/bs_unknown.err" nosuchpolicy
run bs_badparam bandit-sim --policy epsilon-greedy --arms 3 --horizon 10 --param epsilon=2
expect_in bs_badparam "$T/bs_badparam.err" epsilon
run bs_nodir bandit-sim --policy epsilon-greedy --arms 3 --horizon 10 --log "$T/no/such/dir.jsonl"
expect_rc bs_nodir 1

# ---------------------------------------------------------------- bandits: ope
run ope_help ope --help
expect_rc ope_help 0 &&
    expect_in ope_help "$T/ope_help.out" --log --format --policy --param --arms --accept-floor --dr-param
# a uniformly random logger; its log evaluated for the same uniform policy and a learner
run bs_log bandit-sim --policy epsilon-greedy --param epsilon=1 --rates 0.2,0.5,0.7 \
    --horizon 6000 --log "$T/u.jsonl"
expect_rc bs_log 0
OPE_OK="r['events'] == 6000 and r['arms'] == ['arm0', 'arm1', 'arm2'] and \
        all(r[k]['lower'] <= r[k]['value'] <= r[k]['upper'] and r[k]['se'] > 0 \
            for k in ('ips', 'snips', 'dr')) and r['ess'] > 0 and r['max_weight'] > 0 and \
        'zero_probability_events' in r and 'estimated_probability_events' in r and \
        r['replay']['accepted'] > 0"
run ope_same ope --log "$T/u.jsonl" --policy epsilon-greedy --param epsilon=1
expect_rc ope_same 0 &&
    json ope_same "$T/ope_same.out" "$OPE_OK and r['policy'] == 'epsilon-greedy' and \
        abs(r['ips']['value'] - r['logged_value']) < 1e-12 and r['mean_weight'] == 1 and \
        r['ips']['lower'] < 0.4667 < r['ips']['upper'] and r['accept_floor'] > 0.333"
run ope_learn ope --log "$T/u.jsonl" --policy epsilon-greedy --param epsilon=0.1
expect_rc ope_learn 0 &&
    json ope_learn "$T/ope_learn.out" "$OPE_OK and r['ips']['value'] > 0.6 and \
        r['replay']['mean_reward']['value'] > 0.6 and r['params']['reward_wait'] == 1"
run ope_learn2 ope --log "$T/u.jsonl" --policy epsilon-greedy --param epsilon=0.1
[ "$(untimed "$T/ope_learn.out")" = "$(untimed "$T/ope_learn2.out")" ] ||
    fail "ope: two runs on the same log differ"
"$OTTER" ope --log - --policy epsilon-greedy --param epsilon=0.1 <"$T/u.jsonl" \
    >"$T/ope_stdin.out" 2>"$T/ope_stdin.err"
rc=$?
expect_rc ope_stdin 0 && json ope_stdin "$T/ope_stdin.out" "$OPE_OK and r['log'] == '-'"
# the same log as CSV gives the same estimates
python3 - "$T/u.jsonl" "$T/u.csv" <<'EOF2'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
with open(sys.argv[2], "w") as f:
    f.write("event,arm,propensity,reward\n")
    for r in rows:
        f.write("%s,%s,%r,%r\n" % (r["event"], r["arm"], r["propensity"], r["reward"]))
EOF2
run ope_csv ope --log "$T/u.csv" --format csv --policy epsilon-greedy --param epsilon=0.1
expect_rc ope_csv 0 && json ope_csv "$T/ope_csv.out" "$OPE_OK"
[ "$(untimed "$T/ope_csv.out" | sed 's/"log":"[^"]*"//')" = \
  "$(untimed "$T/ope_learn.out" | sed 's/"log":"[^"]*"//')" ] || fail "ope: csv and jsonl logs differ"
# a linear log for a contextual reward model
run ope_lin ope --log "$T/lin.jsonl" --policy epsilon-greedy --arms arm0,arm1,arm2 --accept-floor 0
expect_rc ope_lin 0 && json ope_lin "$T/ope_lin.out" "r['events'] == 3000 and r['accept_floor'] == 0"
# malformed logs: status 1 naming the line
head -n 2 "$T/u.jsonl" >"$T/bad.jsonl"
echo '{"arm":"arm1","propensity":0.5,"reward":1' >>"$T/bad.jsonl"
run ope_badjson ope --log "$T/bad.jsonl" --policy epsilon-greedy
expect_rc ope_badjson 1 && expect_in ope_badjson "$T/ope_badjson.err" "line 3"
for bad in '"propensity":0' '"propensity":1.5' '"propensity":"x"'; do
    { head -n 1 "$T/u.jsonl"; echo "{\"arm\":\"arm1\",$bad,\"reward\":1}"; } >"$T/badp.jsonl"
    run ope_badp ope --log "$T/badp.jsonl" --policy epsilon-greedy
    expect_rc ope_badp 1 && expect_in ope_badp "$T/ope_badp.err" "line 2" propensity
done
{ head -n 1 "$T/u.jsonl"; echo '{"propensity":0.5,"reward":1}'; } >"$T/noarm.jsonl"
run ope_noarm ope --log "$T/noarm.jsonl" --policy epsilon-greedy
expect_rc ope_noarm 1 && expect_in ope_noarm "$T/ope_noarm.err" "line 2" arm
for floor in 0 auto; do
    run ope_unlisted ope --log "$T/u.jsonl" --policy epsilon-greedy --arms arm0,arm1 --accept-floor $floor
    expect_rc ope_unlisted 1 && expect_in ope_unlisted "$T/ope_unlisted.err" line arm2
done
run ope_arms ope --log "$T/u.jsonl" --policy epsilon-greedy --arms arm2,arm1,arm0,arm3
expect_rc ope_arms 0 &&
    json ope_arms "$T/ope_arms.out" "r['arms'] == ['arm2', 'arm1', 'arm0', 'arm3'] and r['accept_floor'] > 0.33"
: >"$T/empty.jsonl"
run ope_empty ope --log "$T/empty.jsonl" --policy epsilon-greedy
expect_rc ope_empty 1 && expect_in ope_empty "$T/ope_empty.err" "no events"
run ope_missing ope --log "$T/no-such-log.jsonl" --policy epsilon-greedy
expect_rc ope_missing 1 && expect_in ope_missing "$T/ope_missing.err" no-such-log
for args in "--policy epsilon-greedy" "--log $T/u.jsonl" \
    "--log $T/u.jsonl --policy nosuchpolicy" \
    "--log $T/u.jsonl --policy epsilon-greedy --param epsilon=2" \
    "--log $T/u.jsonl --policy epsilon-greedy --format vw" \
    "--log $T/u.jsonl --policy epsilon-greedy --accept-floor 2" \
    "--log $T/u.jsonl --policy epsilon-greedy --arms a,,b" \
    "--log $T/u.jsonl --policy epsilon-greedy --arms a,a" \
    "--log $T/u.jsonl --policy epsilon-greedy --dr-param bits=99" \
    "--log $T/u.jsonl --policy epsilon-greedy --seed x" \
    "--log $T/u.jsonl --policy epsilon-greedy extra"; do
    # shellcheck disable=SC2086
    run ope_usage ope $args
    expect_rc ope_usage 2 || continue
    [ -s "$T/ope_usage.err" ] || fail "ope $args: no message"
    if grep -q '"events"' "$T/ope_usage.out"; then fail "ope $args: printed a report"; fi
done

if [ "$failures" -ne 0 ]; then
    echo "$failures CLI check(s) failed"
    exit 1
fi
echo "all CLI checks passed"
exit 0
