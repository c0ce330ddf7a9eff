#!/bin/sh
# Black-box tests of the otter command-line tool: help and usage errors, deterministic
# generators in every format, prequential evaluation and its JSON report, the same data
# through several formats, malformed input, saving/loading/describing models (and a
# corrupted model), and the learning curve. Run by `make check` with top_builddir set.
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
expect_rc help 0 && expect_in help "$T/help.out" gen eval list describe
run gen_help gen --help
expect_rc gen_help 0 && expect_in gen_help "$T/gen_help.out" --seed --format --param -n sea fraud
run eval_help eval --help
expect_rc eval_help 0 &&
    expect_in eval_help "$T/eval_help.out" --model --param --format --skip-bad --curve \
        --curve-every --save --load
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
expect_rc list 0 && expect_in list "$T/list.out" logreg linreg svm sea noise

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
for g in sea hyperplane agrawal rbf led fraud; do
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

if [ "$failures" -ne 0 ]; then
    echo "$failures CLI check(s) failed"
    exit 1
fi
echo "all CLI checks passed"
exit 0
