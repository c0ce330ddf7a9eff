#!/usr/bin/env python3
"""Linear-learner benchmark: Otter's logreg against Vowpal Wabbit, River and
scikit-learn on two synthetic streams written by `otter gen`.

Run it with the venv made by bench/setup.sh (bench/run.sh does both):

    bench/.venv/bin/python bench/linear.py [--rows N] [--river-rows N] [--quick]
                                           [--repeat N] [--otter-param k=v]...

Writes bench/out/linear.md (tables, machine, versions) and linear.json; data
files go to bench/data/, per-run logs to bench/out/logs/.

Fairness rules (the point of the benchmark is an honest comparison):
  * Same data: both the CSV and the VW-format file of a stream are written by
    `otter gen` from the same seed; row counts and labels are checked to match.
  * Each tool reads the file itself, parsing included in its time: Otter and VW
    parse with their own native parsers, River with the csv module, sklearn
    with pandas. Every tool runs in its own process.
  * One pass, prequential (predict each row before learning from it).
  * Same hash size where hashing applies: 2^18 (Otter bits=18, VW -b 18,
    sklearn FeatureHasher n_features=2**18). River and the dense sklearn path
    need no hashing.
  * Library defaults otherwise; every non-default setting is listed in the
    tables. Otter gets no tuning here either (only --otter-param, default none).
  * Where a choice had to be made, it favours the peer: River's and sklearn's
    rows/s exclude interpreter start-up and imports (timed inside the worker
    from opening the file to the last prediction), VW's include them.
"""

import argparse
import csv
import datetime
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import time
from array import array

from benchlib import (count_lines, loadavg, machine_info, mib, otter_versions,
                      package_versions, run_timed, same_head, spread, warm)

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
HASH_BITS = 18
SEED = 42

# The two streams. `otter gen` writes both formats from the same seed.
STREAMS = [
    {"name": "hyperplane", "gen": "hyperplane", "params": ["features=50"]},
    {"name": "fraud", "gen": "fraud", "params": []},
]

# VW through its Python module: the pip wheel has no `vw` program, but
# Workspace() given -d FILE runs VW's native C++ parser and learning driver
# over the file (pylibvw's run_parser), as the `vw` binary does; finish()
# flushes the prediction file and prints the summary. Started as its own
# process so its wall time, import included, is measured from outside.
VW_SCRIPT = (
    "import sys, time, json\n"
    "t0 = time.perf_counter()\n"
    "import vowpalwabbit\n"
    "t1 = time.perf_counter()\n"
    "w = vowpalwabbit.Workspace(arg_list=sys.argv[1:])\n"
    "assert w.parser_ran, 'VW did not run its own parser'\n"
    "w.finish()\n"
    "t2 = time.perf_counter()\n"
    "print(json.dumps({'import_s': t1 - t0, 'run_s': t2 - t1}))\n"
)


# --------------------------------------------------------------------------
# Helpers


# Peak RSS: os.wait4's ru_maxrss is useless here because a child forked from
# this (large, numpy-loaded) process inherits our resident set as its
# high-water mark. GNU time forks from its own tiny process, so its %M is the
# tool's own peak; without /usr/bin/time the column says n/a.


def log_loss(y, p):
    import numpy as np

    p = np.clip(p, 1e-15, 1 - 1e-15)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def auc(y, p):
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p))


def feature_columns(csv_path, sample=2000):
    """Split the CSV's feature columns into numeric and categorical, as Otter
    does: a column is categorical if any sampled value is not a number.
    Columns starting with '_' (e.g. fraud's _label_delay) are ignored by Otter,
    so the peers ignore them too."""
    with open(csv_path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        cat = set()
        for i, row in enumerate(r):
            if i >= sample:
                break
            for name, v in zip(header, row):
                try:
                    float(v)
                except ValueError:
                    cat.add(name)
    feats = [h for h in header if h != "label" and not h.startswith("_")]
    return [h for h in feats if h not in cat], [h for h in feats if h in cat]


# --------------------------------------------------------------------------
# Workers: run as `linear.py _worker TOOL CSV ROWS PREDS NUM CAT` in a
# process of their own. They write progressive predictions to PREDS (float64
# .npy) and print {"loop_s": ...} timed from opening the file to the end.


def worker_river(path, rows, num, cat):
    # River: LogisticRegression() with its defaults (optimizer SGD(0.01),
    # Log loss, l2=0, intercept_lr=0.01, zero init). Rows are read with the
    # csv module; numeric values become floats, a categorical value becomes
    # the one-hot feature "name=value": 1.0 (the same encoding as the VW file).
    from river import linear_model

    model = linear_model.LogisticRegression()
    num, cat = set(num), set(cat)
    preds = array("d")
    t0 = time.perf_counter()
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        li = header.index("label")
        cols = [(i, h, h in cat) for i, h in enumerate(header) if h in num or h in cat]
        for n, row in enumerate(r):
            if n >= rows:
                break
            x = {}
            for i, h, is_cat in cols:
                if is_cat:
                    x[h + "=" + row[i]] = 1.0
                else:
                    x[h] = float(row[i])
            y = row[li] == "1"
            preds.append(model.predict_proba_one(x).get(True, 0.5))
            model.learn_one(x, y)
    return time.perf_counter() - t0, preds


def worker_sklearn(path, rows, num, cat):
    # scikit-learn: SGDClassifier(loss="log_loss"), defaults otherwise
    # (penalty l2, alpha 1e-4, learning_rate "optimal", shuffle within each
    # partial_fit) except random_state=0 for repeatable runs. Per-row
    # partial_fit would measure Python call overhead, not sklearn, so it is
    # prequential in mini-batches of 1000: predict the batch, then learn it
    # (the first batch is predicted 0.5). pandas reads the CSV in chunks of
    # that size. Dense float matrix when all features are numeric; otherwise
    # FeatureHasher(2**18) on dict rows: a numeric value is its feature's
    # value, a string becomes "name=value" with value 1 (FeatureHasher's rule).
    import numpy as np
    import pandas as pd
    from sklearn.feature_extraction import FeatureHasher
    from sklearn.linear_model import SGDClassifier

    clf = SGDClassifier(loss="log_loss", random_state=0)
    hasher = FeatureHasher(n_features=2**HASH_BITS, input_type="dict") if cat else None
    feats = num + cat
    preds = array("d")
    t0 = time.perf_counter()
    # keep_default_na=False: a category such as "NA" must stay a string.
    reader = pd.read_csv(path, chunksize=1000, nrows=rows, usecols=feats + ["label"],
                         dtype={c: str for c in cat}, keep_default_na=False)
    fitted = False
    for chunk in reader:
        y = chunk["label"].to_numpy()
        if hasher is not None:
            X = hasher.transform(chunk[feats].to_dict("records"))
        else:
            X = chunk[feats].to_numpy(dtype=np.float64)
        if fitted:
            preds.extend(clf.predict_proba(X)[:, 1])
        else:
            preds.extend([0.5] * len(y))
        clf.partial_fit(X, y, classes=[0, 1])
        fitted = True
    return time.perf_counter() - t0, preds


def worker_main(argv):
    import numpy as np

    tool, path, rows, out, num, cat = argv
    num = [c for c in num.split(",") if c]
    cat = [c for c in cat.split(",") if c]
    fn = {"river": worker_river, "sklearn": worker_sklearn}[tool]
    loop_s, preds = fn(path, int(rows), num, cat)
    np.save(out, np.frombuffer(preds, dtype=np.float64))
    print(json.dumps({"loop_s": loop_s, "rows": len(preds)}))


# --------------------------------------------------------------------------
# Data


def generate(otter, stream, rows, data_dir):
    """Write the stream as CSV and VW format (skipped when already there with
    the right row count) and check that both hold the same rows."""
    import numpy as np
    import pandas as pd

    stem = os.path.join(data_dir, f"{stream['name']}_s{SEED}_n{rows}")
    paths = {"csv": stem + ".csv", "vw": stem + ".vw"}
    pargs = [a for p in stream["params"] for a in ("--param", p)]
    cmds = {}
    for fmt, path in paths.items():
        cmd = [otter, "gen", stream["gen"], "-n", str(rows), "--seed", str(SEED),
               "--format", fmt, *pargs, "-o", path]
        cmds[fmt] = shlex.join([os.path.relpath(c, ROOT) if os.path.isabs(c) else c for c in cmd])
        want = rows + (1 if fmt == "csv" else 0)  # CSV has a header line
        if not (os.path.exists(path) and count_lines(path) == want
                and same_head(cmd, path, min(rows, 1000))):
            print(f"  generating {os.path.relpath(path, ROOT)}", flush=True)
            subprocess.run(cmd, check=True)
    n_csv = count_lines(paths["csv"]) - 1
    n_vw = count_lines(paths["vw"])
    if not n_csv == n_vw == rows:
        sys.exit(f"row counts differ: csv {n_csv}, vw {n_vw}, wanted {rows}")
    # Same labels in the same order (VW's are -1/1).
    y = pd.read_csv(paths["csv"], usecols=["label"])["label"].to_numpy(dtype=np.int8)
    with open(paths["vw"], "rb") as f:
        yv = np.fromiter((1 if line.split(b" ", 1)[0] == b"1" else 0 for line in f),
                         dtype=np.int8, count=rows)
    if not np.array_equal(y, yv):
        sys.exit(f"{stream['name']}: CSV and VW files have different labels")
    return paths, cmds, y


# --------------------------------------------------------------------------
# Runs


def run_otter(otter, path, fmt, extra, logs, limit=None):
    cmd = [otter, "eval", "--model", "logreg", "--no-progress"]
    for p in extra:
        cmd += ["--param", p]
    if fmt != "csv":
        cmd += ["--format", fmt]
    if limit is not None:
        cmd += ["--limit", str(limit)]
    cmd.append(path)
    warm(path)
    r = run_timed(cmd, logs)
    rep = json.loads(r["stdout"].strip().splitlines()[-1])
    m = rep["metrics"]
    return {
        "rows": rep["rows"], "wall_s": r["wall_s"], "peak_rss_bytes": r["peak_rss_bytes"],
        "log_loss": m["log_loss"], "auc": m["auc"], "auc_error_bound": m.get("auc_error_bound"),
        "report_seconds": rep.get("seconds"), "report_rows_per_sec": rep.get("rows_per_sec"),
        "peak_model_bytes": rep.get("peak_model_bytes"), "params": rep.get("params"),
        "command": shlex.join(cmd),
    }


def run_vw(path, y, logs, preds_path):
    # Logistic loss, 2^18 weights, one pass (no --passes), no cache (no -c),
    # VW's default update (adaptive, normalized, invariant; lr 0.5,
    # power_t 0.5), constant feature on (the default, like Otter's intercept).
    # --link logistic makes -p write probabilities. Each example is predicted
    # before VW learns from it, so the -p file holds progressive predictions.
    import numpy as np

    args = ["-d", path, "--loss_function", "logistic", "-b", str(HASH_BITS),
            "--link", "logistic", "-p", preds_path]
    cmd = [sys.executable, "-c", VW_SCRIPT, *args]
    warm(path)
    r = run_timed(cmd, logs)
    inner = json.loads(r["stdout"].strip().splitlines()[-1])
    p = np.loadtxt(preds_path, dtype=np.float64, ndmin=1)
    if len(p) != len(y):
        sys.exit(f"VW wrote {len(p)} predictions for {len(y)} rows")
    avg = re.search(r"average loss = ([0-9.eE+-]+)", r["stderr"])
    return {
        "rows": len(p), "wall_s": r["wall_s"], "peak_rss_bytes": r["peak_rss_bytes"],
        "log_loss": log_loss(y, p), "auc": auc(y, p),
        "vw_average_loss": float(avg.group(1)) if avg else None,
        "vw_run_s": inner["run_s"], "vw_import_s": inner["import_s"],
        "command": "python -c 'vowpalwabbit.Workspace(arg_list=ARGS).finish()' "
                   + shlex.join(args),
        "settings": "vw " + shlex.join(args[:1] + ["FILE.vw"] + args[2:-1] + ["PREDS"]),
    }


def combine(key, rounds):
    """Best (lowest) time over the rounds; metrics of the first round."""
    r = dict(rounds[0])
    for t in ("wall_s", "loop_s"):
        if t in r:
            r[t + "_rounds"] = [x[t] for x in rounds]
            r[t] = min(r[t + "_rounds"])
    for t, best in (("report_rows_per_sec", max), ("vw_run_s", min)):
        if r.get(t) is not None:
            r[t] = best(x[t] for x in rounds)
    rss = [x["peak_rss_bytes"] for x in rounds if x["peak_rss_bytes"] is not None]
    r["peak_rss_bytes"] = max(rss) if rss else None
    if any(abs(x["log_loss"] - r["log_loss"]) > 1e-9 for x in rounds):
        print(f"  warning: {key}: log loss differs between rounds", file=sys.stderr)
    return r


def run_worker(tool, path, rows, y, num, cat, logs, preds_path):
    import numpy as np

    cmd = [sys.executable, os.path.abspath(__file__), "_worker", tool, path, str(rows),
           preds_path, ",".join(num), ",".join(cat)]
    warm(path)
    r = run_timed(cmd, logs)
    inner = json.loads(r["stdout"].strip().splitlines()[-1])
    p = np.load(preds_path)
    n = len(p)
    return {
        "rows": n, "loop_s": inner["loop_s"], "wall_s": r["wall_s"],
        "peak_rss_bytes": r["peak_rss_bytes"],
        "log_loss": log_loss(y[:n], p), "auc": auc(y[:n], p),
    }


# --------------------------------------------------------------------------
# Report


def versions(otter):
    v = otter_versions(otter, ROOT)
    v.update(package_versions(["vowpalwabbit", "river", "scikit-learn", "numpy", "pandas",
                               "scipy"]))
    v["python"] = platform.python_version()
    return v


def fmt_rate(x):
    return f"{x:,.0f}"


def stream_table(s):
    """Markdown table for one stream, with the ratio of Otter's rows/s to each
    peer's (format-matched: Otter on the same file format as the peer)."""
    res = s["results"]
    rate = {k: r["rows_per_sec"] for k, r in res.items()}
    lines = [
        "| tool | input | rows | time (s) | rounds (s) | rows/s | Otter/peer | log loss | AUC | peak RSS (MiB) | settings |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]

    def row(label, key, inp, ratio, settings):
        r = res[key]
        lines.append(
            f"| {label} | {inp} | {r['rows']:,} | {r['time_s']:.2f} | {spread(r)} | {fmt_rate(rate[key])} | {ratio} "
            f"| {r['log_loss']:.4f} | {r['auc']:.4f} | {mib(r['peak_rss_bytes'])} | {settings} |")

    ocmd = " ".join(["otter eval --model logreg"] + [f"--param {p}" for p in s["otter_params"]])
    row("otter", "otter_csv", "csv", "-", f"`{ocmd} FILE.csv`")
    row("otter", "otter_vw", "vw", "-", f"`{ocmd} --format vw FILE.vw`")
    row("vw", "vw", "vw",
        f"otter(vw)/vw = {rate['otter_vw'] / rate['vw']:.2f}x; otter(csv)/vw = {rate['otter_csv'] / rate['vw']:.2f}x",
        f"`{res['vw']['settings']}` (no -c, one pass, default adaptive+normalized+invariant)")
    row("scikit-learn", "sklearn", "csv", f"otter/sklearn = {rate['otter_csv'] / rate['sklearn']:.2f}x",
        "`SGDClassifier(loss='log_loss', random_state=0)`, partial_fit on batches of 1000, "
        + ("FeatureHasher(2**18) dict rows" if s["cat"] else "dense float matrix"))
    row("river", "river", "csv", f"otter/river = {rate['otter_csv'] / rate['river']:.2f}x",
        "`LogisticRegression()` defaults (SGD(0.01)), predict_proba_one then learn_one, "
        f"first {res['river']['rows']:,} rows only")
    row("otter", "otter_csv_head", "csv", "-",
        f"as line 1, `--limit {res['otter_csv_head']['rows']}`: quality on River's rows")
    return "\n".join(lines)


def stream_notes(s):
    res = s["results"]
    oc, ov, vw, sk, rv = (res[k] for k in ("otter_csv", "otter_vw", "vw", "sklearn", "river"))
    return "\n".join([
        f"- Otter rows/s are from the script's wall clock around the `otter eval` process "
        f"(parse, learn, report); Otter's own report says {fmt_rate(oc['report_rows_per_sec'])} rows/s "
        f"on csv and {fmt_rate(ov['report_rows_per_sec'])} on vw. Otter's log loss/AUC are its report's; "
        f"its AUC is a 65536-bin histogram AUC with a stated error bound of "
        f"{oc['auc_error_bound']:.2g} (csv) / {ov['auc_error_bound']:.2g} (vw). "
        f"Peak model bytes: {oc['peak_model_bytes']:,}. Effective parameters: `{s['otter_defaults']}`.",
        f"- VW time is the whole process (Python start, `import vowpalwabbit` "
        f"{vw['vw_import_s']:.2f}s, parse+learn+write predictions); the Workspace run alone took "
        f"{vw['vw_run_s']:.2f}s ({fmt_rate(vw['rows'] / vw['vw_run_s'])} rows/s). Log loss/AUC are computed from "
        f"VW's -p file (6 decimals, clipped at 1e-15); VW's own exact progressive average loss is "
        f"{vw['vw_average_loss']}.",
        f"- scikit-learn and River times run from opening the file to the last prediction "
        f"(interpreter start and imports excluded: whole process took {sk['wall_s']:.2f}s and "
        f"{rv['wall_s']:.2f}s).",
        f"- River ran on the first {rv['rows']:,} rows only (it is slow); its log loss/AUC are on those "
        f"rows, so compare them with the last Otter line, which stops at the same row.",
    ])


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "_worker":
        return worker_main(sys.argv[2:])

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows per stream (default 1000000)")
    ap.add_argument("--river-rows", type=int, default=100_000,
                    help="rows River runs on (default 100000; River is slow)")
    ap.add_argument("--quick", action="store_true", help="smoke test: 20000 rows")
    ap.add_argument("--otter-param", action="append", default=[], metavar="K=V",
                    help="extra `--param K=V` for otter eval on both streams (repeatable)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="timed rounds per tool; the best is reported (default 3, 1 with --quick)")
    ap.add_argument("--otter", default=os.path.join(ROOT, "otter"), help="otter binary")
    args = ap.parse_args()
    if args.quick:
        args.rows = 20_000
        if "--repeat" not in sys.argv:
            args.repeat = 1
    args.repeat = max(1, args.repeat)
    river_rows = min(args.river_rows, args.rows)

    data_dir = os.path.join(BENCH, "data")
    out_dir = os.path.join(BENCH, "out")
    log_dir = os.path.join(out_dir, "logs")
    for d in (data_dir, out_dir, log_dir):
        os.makedirs(d, exist_ok=True)
    if not os.access(args.otter, os.X_OK):
        sys.exit(f"no otter binary at {args.otter}: run `make -j2` in {ROOT}")

    started = datetime.datetime.now().astimezone()
    load_start = loadavg()
    reproduce = " ".join(["bash bench/run.sh", shlex.join(sys.argv[1:])]).strip()
    streams = []
    for st in STREAMS:
        name = st["name"]
        print(f"== {name}: {args.rows:,} rows", flush=True)
        paths, gen_cmds, y = generate(args.otter, st, args.rows, data_dir)
        num, cat = feature_columns(paths["csv"])
        L = lambda tool: os.path.join(log_dir, f"{name}.{tool}")
        # One thunk per tool line. Rounds are interleaved (every tool once per
        # round) so a burst of outside load hits all tools alike; each tool's
        # time is its best round, its metrics come from round 1 (all tools are
        # deterministic here, which combine() checks).
        tasks = [
            ("otter_csv", lambda: run_otter(args.otter, paths["csv"], "csv", args.otter_param,
                                            L("otter_csv"))),
            ("otter_vw", lambda: run_otter(args.otter, paths["vw"], "vw", args.otter_param,
                                           L("otter_vw"))),
            ("otter_csv_head", lambda: run_otter(args.otter, paths["csv"], "csv", args.otter_param,
                                                 L("otter_csv_head"), limit=river_rows)),
            ("vw", lambda: run_vw(paths["vw"], y, L("vw"), os.path.join(data_dir, f"{name}.vw.preds"))),
            ("sklearn", lambda: run_worker("sklearn", paths["csv"], args.rows, y, num, cat, L("sklearn"),
                                           os.path.join(data_dir, f"{name}.sklearn.npy"))),
            ("river", lambda: run_worker("river", paths["csv"], river_rows, y, num, cat, L("river"),
                                         os.path.join(data_dir, f"{name}.river.npy"))),
        ]
        rounds = {k: [] for k, _ in tasks}
        for rnd in range(args.repeat):
            for k, fn in tasks:
                print(f"  round {rnd + 1}/{args.repeat}: {k}", flush=True)
                rounds[k].append(fn())
        res = {k: combine(k, rs) for k, rs in rounds.items()}
        # The time each tool's rows/s is taken from (see module docstring).
        for k, r in res.items():
            r["time_s"] = r["loop_s"] if k in ("sklearn", "river") else r["wall_s"]
            r["rows_per_sec"] = r["rows"] / r["time_s"]
        if res["otter_csv"]["rows"] != args.rows or res["otter_vw"]["rows"] != args.rows:
            sys.exit(f"{name}: otter evaluated {res['otter_csv']['rows']} / {res['otter_vw']['rows']} rows")
        rate = {k: r["rows_per_sec"] for k, r in res.items()}
        ratios = {  # Otter's rows/s over each peer's, format-matched first
            "otter_vw/vw": rate["otter_vw"] / rate["vw"],
            "otter_csv/vw": rate["otter_csv"] / rate["vw"],
            "otter_csv/sklearn": rate["otter_csv"] / rate["sklearn"],
            "otter_csv/river": rate["otter_csv"] / rate["river"],
        }
        params = res["otter_csv"]["params"] or {}  # the report's params object
        defaults = " ".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}"
                            for k, v in params.items())
        streams.append({
            "name": name, "rows": args.rows, "gen_commands": gen_cmds,
            "numeric": num, "cat": cat, "otter_params": args.otter_param,
            "otter_defaults": " ".join(defaults.split()), "results": res, "ratios": ratios,
        })

    info = machine_info()
    info["loadavg_1m_start"], info["loadavg_1m_end"] = load_start, loadavg()
    vers = versions(args.otter)
    md = [
        "# Linear learners: Otter vs Vowpal Wabbit, scikit-learn, River",
        "",
        f"- Date: {started.isoformat(timespec='seconds')}",
        f"- Machine: {info['nproc']} CPUs, {info['cpu']}, {info['ram_gib']} GiB RAM, Linux {info['kernel']}",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in vers.items()),
        f"- Load average (1 min) at start / end: {info['loadavg_1m_start']} / {info['loadavg_1m_end']}",
        f"- Reproduce: `{reproduce}`",
        "- Task: binary logistic regression, one prequential pass (predict each row, then learn it). "
        "Every tool reads the file itself in its own process; same data (both formats written by "
        f"`otter gen` with seed {SEED}, row counts and labels checked); 2^18 hashed weights where "
        "hashing applies; defaults otherwise.",
        "- VW: no `vw` program on PyPI; run as `vowpalwabbit.Workspace('-d FILE ...')`, which uses VW's "
        "native C++ parser and driver on the file, then `finish()`.",
        "- rows/s: rows / time, where time is the wall clock of the tool's process (Otter, VW) or, "
        "for River and scikit-learn, of their loop from opening the file to the last prediction. "
        f"Each tool ran {args.repeat} interleaved round(s); time is the best round, 'rounds' the "
        "range; metrics are from round 1 (runs are deterministic). "
        "Otter/peer is Otter's rows/s over the peer's, on the same file format. Peak RSS is GNU "
        "time's %M for the process (Otter's includes the libtool wrapper script, a ~13 ms start).",
        "",
    ]
    for s in streams:
        md += [f"## {s['name']} ({s['rows']:,} rows)", "",
               f"Data: `{s['gen_commands']['csv']}` (and `--format vw`).", "",
               stream_table(s), "", stream_notes(s), ""]
    text = "\n".join(md)
    print()
    print(text)
    with open(os.path.join(out_dir, "linear.md"), "w") as f:
        f.write(text)
    with open(os.path.join(out_dir, "linear.json"), "w") as f:
        json.dump({"date": started.isoformat(timespec="seconds"), "machine": info, "versions": vers,
                   "reproduce": reproduce, "seed": SEED, "hash_bits": HASH_BITS, "repeat": args.repeat,
                   "river_rows": river_rows, "streams": streams}, f, indent=2)
    print(f"\nwrote {os.path.relpath(out_dir, ROOT)}/linear.md and linear.json")


if __name__ == "__main__":
    main()
