#!/usr/bin/env python3
"""Tree-learner benchmark: Otter's Hoeffding tree (and Hoeffding Adaptive Tree
when registered) against MOA (through capymoa) and River on three synthetic
streams written by `otter gen`.

Run it with the venvs made by bench/setup.sh (bench/run.sh does both):

    bench/.venv/bin/python bench/trees.py [--rows N] [--river-rows N] [--moa-rows N]
                                          [--quick] [--repeat N] [--no-moa]

Writes bench/out/trees.md (tables, machine, versions) and trees.json; data
files go to bench/data/, per-run logs to bench/out/logs/.

Fairness rules (as in linear.py):
  * Same data: every stream is one CSV written by `otter gen` with a fixed
    seed. MOA reads an ARFF copy of it: the ARFF header (attribute types, the
    nominal values found in the CSV) followed by the CSV's data lines,
    byte for byte, so MOA's own Java reader (ArffFileStream) parses the same
    text; its row count is checked.
  * Each tool reads the file itself in its own process, parsing included:
    Otter with its C parser, MOA with its Java ARFF reader (capymoa's
    ARFFStream; the prequential loop then runs in Java,
    EfficientEvaluationLoops.PrequentialEvaluation), River with the csv module.
  * One pass, prequential: predict each row, then learn from it; accuracy is
    the share of rows predicted right.
  * Same tree settings everywhere, set explicitly (MOA's defaults): grace
    period 200, split confidence 1e-7, tie threshold 0.05, information gain,
    naive Bayes adaptive leaves, nb threshold 0, Gaussian numeric observer with
    10 candidate split points, multiway nominal splits, pre-pruning on, no
    memory limit 32 MiB = 33554432 bytes on every side (MOA max_byte_size
    with memory_estimate_period 1000000; Otter max_bytes with memory_period
    1000000; River max_size 32.0), never reached by these streams.
  * Where a choice had to be made it favours the peer: River's and MOA's rows/s
    exclude interpreter/JVM start-up and imports (timed inside the worker from
    opening the file to the last prediction); Otter's is the wall clock of the
    whole `otter eval` process.
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

from benchlib import (binary_id, count_lines, loadavg, machine_info, mib, moa_versions,
                      otter_versions, package_versions, run_timed, same_head, sh, spread,
                      warm)

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
SEED = 42
MOA_PYTHON = os.path.join(BENCH, ".venv-moa", "bin", "python")

STREAMS = [
    {"name": "agrawal_f1", "gen": "agrawal", "params": ["function=1"]},
    {"name": "rbf10", "gen": "rbf", "params": ["features=10"]},
    {"name": "sea_drift", "gen": "sea", "params": ["drift_at=250000,500000,750000"]},
]

# The shared tree settings, spelled in each tool's own terms.
TREE = {"grace_period": 200, "delta": 1e-7, "tau": 0.05, "split_criterion": "info_gain",
        "leaf_prediction": "nba", "nb_threshold": 0, "bins": 10}
MAX_BYTES = 33554432  # MOA's maxByteSize default (32 MiB)
# Hoeffding Adaptive Tree: MOA's HAT (ADWIN delta 0.002 per node, no bootstrap).
RIVER_HAT_EXTRA = "bootstrap_sampling=False, drift_detector=ADWIN(delta=0.002), seed=1"


def river_settings(model):
    base = ("grace_period=200, delta=1e-7, tau=0.05, split_criterion='info_gain', "
            "leaf_prediction='nba', nb_threshold=0, splitter=GaussianSplitter(n_splits=10), "
            "binary_split=False, merit_preprune=True, stop_mem_management=False, "
            "remove_poor_attrs=False, max_size=32.0")
    if model == "hat":
        return f"HoeffdingAdaptiveTreeClassifier({base}, {RIVER_HAT_EXTRA})"
    return f"HoeffdingTreeClassifier({base})"


def moa_kwargs():
    return dict(grace_period=200, confidence=1e-7, tie_threshold=0.05,
                split_criterion="InfoGainSplitCriterion", leaf_prediction="NaiveBayesAdaptive",
                nb_threshold=0, numeric_attribute_observer="GaussianNumericAttributeClassObserver -n 10",
                binary_split=False, max_byte_size=MAX_BYTES, memory_estimate_period=1000000,
                stop_mem_management=False, remove_poor_attrs=False, disable_prepruning=False)


# --------------------------------------------------------------------------
# Helpers (same measuring rules as linear.py)



def column_kinds(csv_path, sample=5000):
    """Numeric and categorical feature columns (categorical if any sampled
    value is not a number, Otter's rule)."""
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
    return header, [h for h in feats if h not in cat], [h for h in feats if h in cat]


# --------------------------------------------------------------------------
# Workers: `trees.py _worker TOOL MODEL FILE ROWS` in a process of their own;
# they print {"loop_s", "rows", "correct", ...} as the last stdout line.


def worker_river(model_name, path, rows):
    from river import drift, tree
    from river.tree.splitter import GaussianSplitter

    kw = dict(grace_period=200, delta=1e-7, tau=0.05, split_criterion="info_gain",
              leaf_prediction="nba", nb_threshold=0, splitter=GaussianSplitter(n_splits=10),
              binary_split=False, merit_preprune=True, stop_mem_management=False,
              remove_poor_attrs=False, max_size=32.0)
    if model_name == "hat":
        model = tree.HoeffdingAdaptiveTreeClassifier(
            **kw, bootstrap_sampling=False, drift_detector=drift.ADWIN(delta=0.002), seed=1)
    else:
        model = tree.HoeffdingTreeClassifier(**kw)
    _, num, cat = column_kinds(path)
    num, cat = set(num), set(cat)
    correct = n = 0
    t0 = time.perf_counter()
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        li = header.index("label")
        cols = [(i, h, h in cat) for i, h in enumerate(header) if h in num or h in cat]
        for row in r:
            if n >= rows:
                break
            # Numbers as floats, categorical values kept as strings (River
            # treats non-numeric values as nominal).
            x = {h: (row[i] if is_cat else float(row[i])) for i, h, is_cat in cols}
            y = int(row[li])
            if model.predict_one(x) == y:
                correct += 1
            model.learn_one(x, y)
            n += 1
    loop_s = time.perf_counter() - t0
    return {"loop_s": loop_s, "rows": n, "correct": correct,
            "n_nodes": getattr(model, "n_nodes", None), "height": getattr(model, "height", None)}


def worker_moa(model_name, path, rows):
    # capymoa: ARFFStream wraps MOA's ArffFileStream (Java reads and parses the
    # file); prequential_evaluation with a MOA stream and a MOA learner runs
    # MOA's EfficientEvaluationLoops.PrequentialEvaluation in Java.
    t_imp = time.perf_counter()
    from capymoa.classifier import HoeffdingAdaptiveTree, HoeffdingTree
    from capymoa.evaluation import prequential_evaluation
    from capymoa.stream import ARFFStream

    import_s = time.perf_counter() - t_imp
    t0 = time.perf_counter()
    stream = ARFFStream(path=path)
    cls = HoeffdingAdaptiveTree if model_name == "hat" else HoeffdingTree
    learner = cls(schema=stream.get_schema(), random_seed=1, **moa_kwargs())
    res = prequential_evaluation(stream, learner, max_instances=rows, window_size=rows,
                                 optimise=True)
    loop_s = time.perf_counter() - t0
    ev = res.cumulative
    m = dict(zip(ev.metrics_header(), ev.metrics()))
    n = int(float(m["instances"]))
    acc = ev.accuracy() / 100.0
    return {"loop_s": loop_s, "rows": n, "correct": round(acc * n), "accuracy": acc,
            "capymoa_wallclock_s": res.wallclock(), "capymoa_cpu_s": res.cpu_time(),
            "import_s": import_s, "moa_cli": str(learner.CLI),
            "moa_class": str(learner.moa_learner.getClass().getName()),
            "fast_loop": True}


def worker_main(argv):
    tool, model, path, rows = argv
    fn = {"river": worker_river, "moa": worker_moa}[tool]
    print(json.dumps(fn(model, path, int(rows))))


# --------------------------------------------------------------------------
# Data


def generate(otter, stream, rows, data_dir, want_arff):
    stem = os.path.join(data_dir, f"{stream['name']}_s{SEED}_n{rows}")
    path = stem + ".csv"
    pargs = [a for p in stream["params"] for a in ("--param", p)]
    cmd = [otter, "gen", stream["gen"], "-n", str(rows), "--seed", str(SEED),
           "--format", "csv", *pargs, "-o", path]
    gen_cmd = shlex.join([os.path.relpath(c, ROOT) if os.path.isabs(c) else c for c in cmd])
    fresh = False
    if not (os.path.exists(path) and count_lines(path) == rows + 1
            and same_head(cmd, path, min(rows, 1000))):
        print(f"  generating {os.path.relpath(path, ROOT)}", flush=True)
        subprocess.run(cmd, check=True)
        fresh = True
    arff = stem + ".arff"
    if want_arff and (fresh or not os.path.exists(arff)
                      or os.path.getmtime(arff) < os.path.getmtime(path)):
        print(f"  writing {os.path.relpath(arff, ROOT)}", flush=True)
        write_arff(path, arff, stream["name"])
    if want_arff and count_lines(arff) - count_lines(path) != arff_header_lines(arff) - 1:
        sys.exit(f"{arff}: row count differs from the CSV")
    return path, (arff if want_arff else None), gen_cmd


def write_arff(csv_path, arff_path, name):
    """ARFF header from the CSV's columns, then the CSV's data lines unchanged.
    Categorical columns (and the label) become NOMINAL with the values seen in
    the file, in sorted order; others NUMERIC."""
    header, num, cat = column_kinds(csv_path)
    nominal = {h: set() for h in cat + ["label"]}
    idx = {h: header.index(h) for h in nominal}
    with open(csv_path, newline="") as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            for h, i in idx.items():
                nominal[h].add(row[i])
    def key(v):
        m = re.match(r"^([^0-9]*)([0-9]+)$", v)
        return (m.group(1), int(m.group(2))) if m else (v, -1)
    if header[-1] != "label" or any(h.startswith("_") for h in header):
        sys.exit(f"{csv_path}: expected the label last and no ignored columns")
    tmp = arff_path + ".tmp"
    with open(tmp, "w") as out, open(csv_path, "rb") as src:
        out.write(f"@relation {name}\n\n")
        for h in header:
            if h in nominal:
                out.write(f"@attribute {h} {{{','.join(sorted(nominal[h], key=key))}}}\n")
            else:
                out.write(f"@attribute {h} numeric\n")
        out.write("\n@data\n")
        out.flush()
        src.readline()
        while True:
            b = src.read(1 << 24)
            if not b:
                break
            out.buffer.write(b)
    os.replace(tmp, arff_path)


def arff_header_lines(path):
    n = 0
    with open(path) as f:
        for line in f:
            n += 1
            if line.startswith("@data"):
                return n
    return n


# --------------------------------------------------------------------------
# Runs


def run_otter(otter, model, path, logs, limit=None):
    cmd = [otter, "eval", "--model", model, "--no-progress"]
    if model in ("hoeffding", "hat"):  # every parameter explicit, equal to the defaults
        cmd += ["--param", "grace_period=200", "--param", "delta=1e-7", "--param", "tau=0.05",
                "--param", "split_criterion=info_gain", "--param", "leaf_prediction=nba",
                "--param", "nb_threshold=0", "--param", "bins=10",
                "--param", f"max_bytes={MAX_BYTES}", "--param", "memory_period=1000000"]
    if limit is not None:
        cmd += ["--limit", str(limit)]
    cmd.append(path)
    warm(path)
    r = run_timed(cmd, logs)
    rep = json.loads(r["stdout"].strip().splitlines()[-1])
    return {
        "rows": rep["rows"], "wall_s": r["wall_s"], "peak_rss_bytes": r["peak_rss_bytes"],
        "accuracy": rep["metrics"]["accuracy"], "report_seconds": rep.get("seconds"),
        "report_rows_per_sec": rep.get("rows_per_sec"),
        "peak_model_bytes": rep.get("peak_model_bytes"), "params": rep.get("params"),
        "command": shlex.join(cmd),
    }


def run_worker(python, tool, model, path, rows, logs):
    cmd = [python, os.path.abspath(__file__), "_worker", tool, model, path, str(rows)]
    warm(path)
    r = run_timed(cmd, logs)
    inner = json.loads(r["stdout"].strip().splitlines()[-1])
    inner.setdefault("accuracy", inner["correct"] / max(1, inner["rows"]))
    inner.update({"wall_s": r["wall_s"], "peak_rss_bytes": r["peak_rss_bytes"]})
    return inner


def combine(key, rounds):
    r = dict(rounds[0])
    for t in ("wall_s", "loop_s"):
        if t in r:
            r[t + "_rounds"] = [x[t] for x in rounds]
            r[t] = min(r[t + "_rounds"])
    if r.get("report_rows_per_sec") is not None:
        r["report_rows_per_sec"] = max(x["report_rows_per_sec"] for x in rounds)
    # Secondary timings: best round too, like the main time.
    for t in ("report_seconds", "capymoa_wallclock_s", "capymoa_cpu_s", "import_s"):
        if r.get(t) is not None:
            r[t] = min(x[t] for x in rounds)
    rss = [x["peak_rss_bytes"] for x in rounds if x["peak_rss_bytes"] is not None]
    r["peak_rss_bytes"] = max(rss) if rss else None
    if any(abs(x["accuracy"] - r["accuracy"]) > 1e-12 for x in rounds):
        print(f"  warning: {key}: accuracy differs between rounds", file=sys.stderr)
    return r


# --------------------------------------------------------------------------
# Report


def versions(otter, moa_ok):
    v = otter_versions(otter, ROOT)
    v.update(package_versions(["river"]))
    if moa_ok:
        v.update(moa_versions(MOA_PYTHON))
    v["python"] = platform.python_version()
    return v


def stream_table(s, models):
    res = s["results"]
    lines = [
        "| tool | model | rows | time (s) | rounds (s) | rows/s | Otter/peer | accuracy | peak RSS (MiB) | Otter peak model bytes | settings |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]

    def otter_line(m, rows):
        return res.get(f"otter_{m}_n{rows}")

    for m in models:
        for key, tool in ((f"otter_{m}", "otter"), (f"moa_{m}", "moa"), (f"river_{m}", "river")):
            if key == f"otter_{m}":
                keys = sorted((k for k in res if k.startswith(f"otter_{m}_n")),
                              key=lambda k: -res[k]["rows"])
            else:
                keys = [key] if key in res else []
            for k in keys:
                r = res[k]
                ratio = "-"
                if tool != "otter":
                    o = otter_line(m, r["rows"])
                    ratio = f"{o['rows_per_sec'] / r['rows_per_sec']:.1f}x" if o else "n/a (no Otter hat)"
                if tool == "otter":
                    settings = f"`{r['command_short']}`"
                    pmb = f"{r['peak_model_bytes']:,}" if r.get("peak_model_bytes") else "n/a"
                elif tool == "moa":
                    settings = f"{r['moa_class']} `{r['moa_cli']}` (ARFF via ArffFileStream, Java loop)"
                    pmb = "n/a"
                else:
                    settings = f"`{river_settings(m)}`; csv module, predict_one then learn_one"
                    pmb = "n/a"
                lines.append(
                    f"| {tool} | {m} | {r['rows']:,} | {r['time_s']:.2f} | {spread(r)} | "
                    f"{r['rows_per_sec']:,.0f} | {ratio} | {r['accuracy']:.4f} | "
                    f"{mib(r['peak_rss_bytes'])} | {pmb} | {settings} |")
    return "\n".join(lines)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "_worker":
        return worker_main(sys.argv[2:])

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows per stream (default 1000000)")
    ap.add_argument("--river-rows", type=int, default=100_000,
                    help="rows River runs on (default 100000; River is slow)")
    ap.add_argument("--moa-rows", type=int, default=None,
                    help="rows MOA runs on (default: all rows)")
    ap.add_argument("--quick", action="store_true", help="smoke test: 20000 rows, 1 round")
    ap.add_argument("--repeat", type=int, default=3,
                    help="timed rounds per tool; the best is reported (default 3)")
    ap.add_argument("--no-moa", action="store_true", help="skip MOA (capymoa)")
    ap.add_argument("--otter", default=os.path.join(ROOT, "otter"), help="otter binary")
    args = ap.parse_args()
    if args.quick:
        args.rows = 20_000
        if "--repeat" not in sys.argv:
            args.repeat = 1
    args.repeat = max(1, args.repeat)
    river_rows = min(args.river_rows, args.rows)
    moa_rows = min(args.moa_rows or args.rows, args.rows)

    data_dir = os.path.join(BENCH, "data")
    out_dir = os.path.join(BENCH, "out")
    log_dir = os.path.join(out_dir, "logs")
    for d in (data_dir, out_dir, log_dir):
        os.makedirs(d, exist_ok=True)
    if not os.access(args.otter, os.X_OK):
        sys.exit(f"no otter binary at {args.otter}: run `make -j2` in {ROOT}")

    # The peers run both trees; Otter's hat line only when it is registered.
    models = ["hoeffding", "hat"]
    listing = sh([args.otter, "list"])
    otter_models = ["hoeffding"] + (["hat"] if re.search(r"^\s*hat:", listing, re.M) else [])
    moa_status = "ok"
    if args.no_moa:
        moa_status = "skipped (--no-moa)"
    elif not os.access(MOA_PYTHON, os.X_OK):
        moa_status = f"not available: no {os.path.relpath(MOA_PYTHON, ROOT)} (run bench/setup.sh)"
    elif shutil_which("java") is None:
        moa_status = "not available: no java on PATH"
    use_moa = moa_status == "ok"

    started = datetime.datetime.now().astimezone()
    load_start = loadavg()
    bin_start = binary_id(args.otter)
    reproduce = " ".join(["bash bench/run.sh trees", shlex.join(sys.argv[1:])]).strip()
    streams = []
    for st in STREAMS:
        name = st["name"]
        print(f"== {name}: {args.rows:,} rows", flush=True)
        path, arff, gen_cmd = generate(args.otter, st, args.rows, data_dir, use_moa)
        L = lambda tool: os.path.join(log_dir, f"trees.{name}.{tool}")
        tasks = []
        # Otter at every row count a peer runs on, so quality is compared on
        # the same rows.
        limits = sorted({args.rows, river_rows} | ({moa_rows} if use_moa else set()), reverse=True)
        for m in models:
            for n in (limits if m in otter_models else []):
                tasks.append((f"otter_{m}_n{n}",
                              lambda m=m, n=n: run_otter(args.otter, m, path, L(f"otter_{m}_n{n}"),
                                                         limit=None if n == args.rows else n)))
            if use_moa:
                tasks.append((f"moa_{m}", lambda m=m: run_worker(MOA_PYTHON, "moa", m, arff,
                                                                 moa_rows, L(f"moa_{m}"))))
            tasks.append((f"river_{m}", lambda m=m: run_worker(sys.executable, "river", m, path,
                                                               river_rows, L(f"river_{m}"))))
        rounds = {k: [] for k, _ in tasks}
        failed = {}
        for rnd in range(args.repeat):
            for k, fn in tasks:
                if k in failed:
                    continue
                print(f"  round {rnd + 1}/{args.repeat}: {k}", flush=True)
                try:
                    rounds[k].append(fn())
                except RuntimeError as e:
                    if not k.startswith("moa_"):
                        raise
                    print(f"  {k} failed: {str(e)[-500:]}", file=sys.stderr)
                    failed[k] = str(e)[-2000:]
        res = {k: combine(k, rs) for k, rs in rounds.items() if rs}
        for k, r in res.items():
            r["time_s"] = r["wall_s"] if k.startswith("otter_") else r["loop_s"]
            r["rows_per_sec"] = r["rows"] / r["time_s"]
            if k.startswith("otter_"):
                r["command_short"] = re.sub(r"^\S*otter", "otter", r["command"]).replace(path, "FILE.csv")
        ratios = {}
        for m in models:
            for peer in ("moa", "river"):
                p = res.get(f"{peer}_{m}")
                o = res.get(f"otter_{m}_n{p['rows']}") if p else None
                if p and o:
                    ratios[f"otter/{peer} ({m})"] = o["rows_per_sec"] / p["rows_per_sec"]
        streams.append({"name": name, "rows": args.rows, "gen_command": gen_cmd,
                        "results": res, "ratios": ratios, "moa_failures": failed})

    info = machine_info()
    info["loadavg_1m_start"], info["loadavg_1m_end"] = load_start, loadavg()
    vers = versions(args.otter, use_moa)
    vers["otter_binary"] = bin_start
    bin_end = binary_id(args.otter)
    if bin_end != bin_start:
        vers["otter_binary"] += f" -> REBUILT DURING THE RUN: {bin_end}; Otter timings are mixed"
        print("warning: the otter binary changed during the run", file=sys.stderr)
    otter_p = next(iter(streams[0]["results"].values())).get("params")
    hat_note = ("Otter's `hat` learner is registered and included." if "hat" in otter_models else
                "Otter has no `hat` learner in this build (`otter list`): the MOA and River HAT lines "
                "are reference points only (no Otter/peer ratio).")
    md = [
        "# Tree learners: Otter vs MOA (capymoa) and River",
        "",
        f"- Date: {started.isoformat(timespec='seconds')}",
        f"- Machine: {info['nproc']} CPUs, {info['cpu']}, {info['ram_gib']} GiB RAM, Linux {info['kernel']}",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in vers.items()),
        f"- Load average (1 min) at start / end: {info['loadavg_1m_start']} / {info['loadavg_1m_end']}",
        f"- Reproduce: `{reproduce}`",
        f"- MOA: {moa_status}" + (f"; ran on the first {moa_rows:,} rows" if use_moa else ""),
        f"- River ran on the first {river_rows:,} rows (it is slow); compare its accuracy with the "
        "Otter line of the same row count (`otter eval --limit`).",
        f"- {hat_note}",
        "- Task: binary classification, one prequential pass (predict each row, then learn it); "
        "accuracy over all rows evaluated. Every tool reads the file itself in its own process. "
        f"Data written by `otter gen` with seed {SEED}; MOA reads an ARFF copy whose data lines are "
        "the CSV's, byte for byte.",
        "- Tree settings (MOA defaults, passed explicitly to every tool): grace period 200, "
        "split confidence (delta) 1e-7, tie threshold (tau) 0.05, information gain, naive Bayes "
        "adaptive leaves, nb threshold 0, Gaussian numeric estimator with 10 split points, multiway "
        "nominal splits, pre-pruning on, a 32 MiB memory limit on every side (MOA max_byte_size "
        "33554432 with memory_estimate_period 1000000, Otter max_bytes 33554432 with memory_period "
        "1000000, River max_size 32.0), never reached by these streams. Otter's effective "
        "parameters (its report): "
        f"`{json.dumps(otter_p)}`.",
        "- HAT: MOA HoeffdingAdaptiveTree with the same tree options (ADWIN per node, its default "
        "delta 0.002); River HoeffdingAdaptiveTreeClassifier with bootstrap_sampling=False and "
        "ADWIN(delta=0.002) to match MOA.",
        "- rows/s: rows / time. Otter: wall clock of the `otter eval` process (parse, learn, "
        "report). MOA and River: their loop inside the worker process, from opening the file to "
        "the last prediction (JVM start, Python start and imports excluded, which favours them). "
        f"Each line ran {args.repeat} interleaved round(s); time is the best round, 'rounds' the "
        "range; accuracy from round 1 (checked equal across rounds). Otter/peer = Otter's rows/s on "
        "the same row count over the peer's. Peak RSS: GNU time %M of the process (MOA's includes "
        "the JVM with its default heap sizing (no -Xmx: max heap 1/4 of RAM), so it measures the "
        "JVM, not MOA's tree; River's includes the Python interpreter. Otter's peak model bytes is "
        "its report's peak_model_bytes (the learner's own accounting).",
        "",
    ]
    for s in streams:
        md += [f"## {s['name']} ({s['rows']:,} rows)", "", f"Data: `{s['gen_command']}`", "",
               stream_table(s, models), ""]
        moa_r = [r for k, r in s["results"].items() if k.startswith("moa_")]
        for r in moa_r:
            md.append(f"- MOA {r['moa_class'].rsplit('.', 1)[-1]} (best rounds): capymoa's own wallclock "
                      f"{r['capymoa_wallclock_s']:.2f}s (CPU {r['capymoa_cpu_s']:.2f}s); whole process "
                      f"{r['wall_s']:.2f}s (capymoa import incl. JVM start {r['import_s']:.2f}s).")
        for k, r in s["results"].items():
            if k.startswith("otter_"):
                md.append(f"- Otter {k[6:]}: its own report says {r['report_rows_per_sec']:,.0f} rows/s "
                          f"({r['report_seconds']:.3f}s in the learning loop, parse included); the table's "
                          f"time is the process wall clock incl. start-up of the libtool wrapper script.")
        for k, r in s["results"].items():
            if k.startswith("river_"):
                md.append(f"- River {k[6:]}: whole process {r['wall_s']:.2f}s; final tree "
                          f"{r['n_nodes']} nodes, height {r['height']}.")
        for k, e in s["moa_failures"].items():
            md.append(f"- {k} FAILED: `{e.splitlines()[-1] if e else '?'}` (log in bench/out/logs)")
        md.append("")
    text = "\n".join(md)
    print()
    print(text)
    with open(os.path.join(out_dir, "trees.md"), "w") as f:
        f.write(text)
    with open(os.path.join(out_dir, "trees.json"), "w") as f:
        json.dump({"date": started.isoformat(timespec="seconds"), "machine": info, "versions": vers,
                   "reproduce": reproduce, "seed": SEED, "repeat": args.repeat,
                   "river_rows": river_rows, "moa_rows": moa_rows if use_moa else None,
                   "moa_status": moa_status, "models": models, "otter_models": otter_models, "streams": streams}, f, indent=2)
    print(f"\nwrote {os.path.relpath(out_dir, ROOT)}/trees.md and trees.json")


def shutil_which(name):
    import shutil

    return shutil.which(name)


if __name__ == "__main__":
    main()
