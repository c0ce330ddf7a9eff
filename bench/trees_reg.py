#!/usr/bin/env python3
"""Regression-tree benchmark: Otter's Hoeffding tree regressor (hoeffding-reg)
against MOA's FIMT-DD (through capymoa) and River's HoeffdingTreeRegressor on
the Friedman #1 stream written by `otter gen friedman`.

Run it with the venvs made by bench/setup.sh (bench/run.sh does both):

    bench/.venv/bin/python bench/trees_reg.py [--rows N] [--river-rows N] [--moa-rows N]
                                              [--quick] [--repeat N] [--no-moa]
                                              [--moa-python PATH]

Writes bench/out/trees_reg.md (tables, machine, versions) and trees_reg.json;
data files go to bench/data/, per-run logs to bench/out/logs/.

Fairness rules (as in trees.py):
  * Same data: one CSV written by `otter gen friedman` with a fixed seed. MOA
    reads an ARFF copy: an all-numeric ARFF header followed by the CSV's data
    lines, byte for byte, so MOA's own Java reader (ArffFileStream) parses the
    same text; its row count is checked.
  * Each tool reads the file itself in its own process, parsing included:
    Otter with its C parser, MOA with its Java ARFF reader (the prequential
    loop runs in Java, EfficientEvaluationLoops.PrequentialEvaluation), River
    with the csv module.
  * One pass, prequential: predict each row, then learn from it; RMSE and MAE
    over all rows evaluated.
  * Same tree settings everywhere, set explicitly: grace period 200, split
    confidence (delta) 1e-7, tie threshold (tau) 0.05, and the same leaf kind
    on each line (mean = a regression tree; model = linear models in the
    leaves; adaptive = whichever is better at each leaf, Otter and River only:
    MOA's FIMT-DD has no adaptive mode). Split criterion: MOA's
    VarianceReductionSplitCriterion is the standard deviation reduction of
    FIMT-DD, Otter's `sdr`; River's is the variance reduction, Otter's `vr`, so
    the River lines are compared with Otter runs using `vr`. FIMT-DD's
    Page-Hinckley drift detection is switched off (threshold 1e9): Otter's
    tree has none and the stream does not drift. What cannot be made equal is
    stated: each tool's own numeric observer (Otter: 32 bounded bins; MOA:
    E-BST; River: TE-BST, its default) and leaf-model optimizer (Otter:
    normalized LMS, lr 0.05, on standardized inputs and target; MOA: FIMT-DD's
    perceptron, learning ratio 0.02 decaying by 0.001; River: its default
    LinearRegression, plain SGD with lr 0.01).
  * Where a choice had to be made it favours the peer: River's and MOA's
    rows/s exclude interpreter/JVM start-up and imports (timed inside the
    worker from opening the file to the last prediction); Otter's is the wall
    clock of the whole `otter eval` process.
"""

import argparse
import csv
import datetime
import json
import math
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import time

from benchlib import (binary_id, count_lines, loadavg, machine_info, mib, moa_versions,
                      otter_versions, package_versions, run_timed, same_head, sh, spread,
                      warm)

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
SEED = 42
STREAM = {"name": "friedman", "gen": "friedman", "params": ["noise=1"]}
LEAVES = ["model", "mean", "adaptive"]

# The shared tree settings, spelled in each tool's own terms.
OTTER_TREE = ["grace_period=200", "delta=1e-7", "tau=0.05", "max_depth=0", "bins=32",
              "min_branch_weight=5", "lr=0.05", "model_selector_decay=0.95"]
MOA_PH_OFF = 1_000_000_000  # Page-Hinckley threshold: drift detection effectively off


def river_settings(leaf):
    return (f"HoeffdingTreeRegressor(grace_period=200, delta=1e-7, tau=0.05, "
            f"leaf_prediction='{leaf}', leaf_model=LinearRegression(), "
            f"model_selector_decay=0.95, splitter=TEBSTSplitter(), min_samples_split=5, "
            f"binary_split=False, merit_preprune=True, stop_mem_management=False, "
            f"remove_poor_attrs=False, max_depth=None)")


def moa_kwargs(leaf):
    return dict(split_criterion="VarianceReductionSplitCriterion", grace_period=200,
                split_confidence=1e-7, tie_threshold=0.05, page_hinckley_threshold=MOA_PH_OFF,
                regression_tree=(leaf == "mean"), learning_ratio=0.02,
                learning_ratio_decay_factor=0.001, learning_ratio_const=False)


# --------------------------------------------------------------------------
# Workers: `trees_reg.py _worker TOOL LEAF FILE ROWS` in a process of their
# own; they print {"loop_s", "rows", "rmse", "mae", ...} as the last line.


def worker_river(leaf, path, rows):
    from river import linear_model, tree
    from river.tree.splitter import TEBSTSplitter

    model = tree.HoeffdingTreeRegressor(
        grace_period=200, delta=1e-7, tau=0.05, leaf_prediction=leaf,
        leaf_model=linear_model.LinearRegression(), model_selector_decay=0.95,
        splitter=TEBSTSplitter(), min_samples_split=5, binary_split=False,
        merit_preprune=True, stop_mem_management=False, remove_poor_attrs=False,
        max_depth=None)
    se = ae = 0.0
    n = 0
    t0 = time.perf_counter()
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        li = header.index("label")
        cols = [(i, h) for i, h in enumerate(header) if i != li and not h.startswith("_")]
        for row in r:
            if n >= rows:
                break
            x = {h: float(row[i]) for i, h in cols}
            y = float(row[li])
            e = model.predict_one(x) - y
            se += e * e
            ae += abs(e)
            model.learn_one(x, y)
            n += 1
    loop_s = time.perf_counter() - t0
    return {"loop_s": loop_s, "rows": n, "rmse": math.sqrt(se / n), "mae": ae / n,
            "n_nodes": getattr(model, "n_nodes", None), "height": getattr(model, "height", None)}


def worker_moa(leaf, path, rows):
    # capymoa's ARFFStream wraps MOA's ArffFileStream (Java reads and parses
    # the file); with a MOA stream and a MOA learner, prequential_evaluation
    # runs MOA's EfficientEvaluationLoops.PrequentialEvaluation in Java.
    t_imp = time.perf_counter()
    from capymoa.evaluation import prequential_evaluation
    from capymoa.regressor import FIMTDD
    from capymoa.stream import ARFFStream

    import_s = time.perf_counter() - t_imp
    t0 = time.perf_counter()
    stream = ARFFStream(path=path)
    learner = FIMTDD(schema=stream.get_schema(), random_seed=1, **moa_kwargs(leaf))
    res = prequential_evaluation(stream, learner, max_instances=rows, window_size=rows,
                                 optimise=True)
    loop_s = time.perf_counter() - t0
    ev = res.cumulative
    m = dict(zip(ev.metrics_header(), ev.metrics()))
    return {"loop_s": loop_s, "rows": int(float(m["instances"])), "rmse": float(m["rmse"]),
            "mae": float(m["mae"]), "capymoa_wallclock_s": res.wallclock(),
            "capymoa_cpu_s": res.cpu_time(), "import_s": import_s, "moa_cli": str(learner.CLI),
            "moa_class": str(learner.moa_learner.getClass().getName())}


def worker_main(argv):
    tool, leaf, path, rows = argv
    fn = {"river": worker_river, "moa": worker_moa}[tool]
    print(json.dumps(fn(leaf, path, int(rows))))


# --------------------------------------------------------------------------
# Data


def generate(otter, rows, data_dir, want_arff):
    stem = os.path.join(data_dir, f"{STREAM['name']}_s{SEED}_n{rows}")
    path = stem + ".csv"
    pargs = [a for p in STREAM["params"] for a in ("--param", p)]
    cmd = [otter, "gen", STREAM["gen"], "-n", str(rows), "--seed", str(SEED), "--format", "csv",
           *pargs, "-o", path]
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
        write_arff(path, arff)
    if want_arff and count_lines(arff) - count_lines(path) != arff_header_lines(arff) - 1:
        sys.exit(f"{arff}: row count differs from the CSV")
    return path, (arff if want_arff else None), gen_cmd


def write_arff(csv_path, arff_path):
    """All-numeric ARFF header from the CSV's header (the label last, MOA's
    class attribute), then the CSV's data lines unchanged."""
    with open(csv_path, newline="") as f:
        header = next(csv.reader(f))
    if header[-1] != "label" or any(h.startswith("_") for h in header):
        sys.exit(f"{csv_path}: expected the label last and no ignored columns")
    tmp = arff_path + ".tmp"
    with open(tmp, "w") as out, open(csv_path, "rb") as src:
        out.write(f"@relation {STREAM['name']}\n\n")
        for h in header:
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


def run_otter(otter, model, leaf, criterion, path, logs, limit=None):
    cmd = [otter, "eval", "--model", model, "--no-progress"]
    if model == "hoeffding-reg":  # every parameter explicit
        params = OTTER_TREE + [f"split_criterion={criterion}", f"leaf_prediction={leaf}"]
        cmd += [a for p in params for a in ("--param", p)]
    if limit is not None:
        cmd += ["--limit", str(limit)]
    cmd.append(path)
    warm(path)
    r = run_timed(cmd, logs)
    rep = json.loads(r["stdout"].strip().splitlines()[-1])
    return {
        "rows": rep["rows"], "wall_s": r["wall_s"], "peak_rss_bytes": r["peak_rss_bytes"],
        "rmse": rep["metrics"]["rmse"], "mae": rep["metrics"]["mae"],
        "report_seconds": rep.get("seconds"), "report_rows_per_sec": rep.get("rows_per_sec"),
        "peak_model_bytes": rep.get("peak_model_bytes"), "params": rep.get("params"),
        "command": shlex.join(cmd),
    }


def run_worker(python, tool, leaf, path, rows, logs):
    cmd = [python, os.path.abspath(__file__), "_worker", tool, leaf, path, str(rows)]
    warm(path)
    r = run_timed(cmd, logs)
    inner = json.loads(r["stdout"].strip().splitlines()[-1])
    inner.update({"wall_s": r["wall_s"], "peak_rss_bytes": r["peak_rss_bytes"]})
    return inner


def combine(key, rounds):
    """Best round's times; quality from round 1, checked equal across rounds."""
    r = dict(rounds[0])
    for t in ("wall_s", "loop_s"):
        if t in r:
            r[t + "_rounds"] = [x[t] for x in rounds]
            r[t] = min(r[t + "_rounds"])
    if r.get("report_rows_per_sec") is not None:
        r["report_rows_per_sec"] = max(x["report_rows_per_sec"] for x in rounds)
    for t in ("report_seconds", "capymoa_wallclock_s", "capymoa_cpu_s", "import_s"):
        if r.get(t) is not None:
            r[t] = min(x[t] for x in rounds)
    rss = [x["peak_rss_bytes"] for x in rounds if x["peak_rss_bytes"] is not None]
    r["peak_rss_bytes"] = max(rss) if rss else None
    if any(abs(x["rmse"] - r["rmse"]) > 1e-9 * r["rmse"] for x in rounds):
        print(f"  warning: {key}: RMSE differs between rounds", file=sys.stderr)
    return r


# --------------------------------------------------------------------------
# Report


def versions(otter, moa_python, moa_ok):
    v = otter_versions(otter, ROOT)
    v.update(package_versions(["river"]))
    if moa_ok:
        v.update(moa_versions(moa_python))
    v["python"] = platform.python_version()
    return v


def otter_key(leaf, criterion, rows):
    return f"otter_{leaf}_{criterion}_n{rows}"


def table(res, ratios):
    lines = [
        "| tool | leaf | criterion | rows | time (s) | rounds (s) | rows/s | Otter/peer | RMSE | MAE | peak RSS (MiB) | Otter peak model bytes | settings |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    order = []
    for leaf in LEAVES + ["linreg"]:
        keys = sorted((k for k in res if k.startswith(f"otter_{leaf}_")),
                      key=lambda k: (-res[k]["rows"], k))
        peers = [k for k in (f"moa_{leaf}", f"river_{leaf}") if k in res]
        top = max((res[x]["rows"] for x in keys), default=0)
        big = [k for k in keys if res[k]["rows"] == top]
        order += big + [k for k in peers if k.startswith("moa_")] + \
            [k for k in keys if k not in big] + [k for k in peers if k.startswith("river_")]
    for k in order:
        r = res[k]
        tool, leaf = k.split("_")[0], k.split("_")[1]
        if tool == "otter":
            crit = "-" if leaf == "linreg" else k.split("_")[2]
            settings = f"`{r['command_short']}`"
            pmb = f"{r['peak_model_bytes']:,}" if r.get("peak_model_bytes") else "n/a"
            ratio = "-"
        elif tool == "moa":
            crit = "sdr"
            settings = f"{r['moa_class']} `{r['moa_cli']}` (ARFF via ArffFileStream, Java loop)"
            pmb = "n/a"
            ratio = f"{ratios[k]:.1f}x" if k in ratios else "n/a"
        else:
            crit = "vr"
            settings = f"`{river_settings(leaf)}`; csv module, predict_one then learn_one"
            pmb = "n/a"
            ratio = f"{ratios[k]:.0f}x" if k in ratios else "n/a"
        lines.append(
            f"| {tool} | {leaf} | {crit} | {r['rows']:,} | {r['time_s']:.2f} | {spread(r)} | "
            f"{r['rows_per_sec']:,.0f} | {ratio} | {r['rmse']:.4f} | {r['mae']:.4f} | "
            f"{mib(r['peak_rss_bytes'])} | {pmb} | {settings} |")
    return "\n".join(lines)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "_worker":
        return worker_main(sys.argv[2:])

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows (default 1000000)")
    ap.add_argument("--river-rows", type=int, default=100_000,
                    help="rows River runs on (default 100000; River is slow)")
    ap.add_argument("--moa-rows", type=int, default=None,
                    help="rows MOA runs on (default: all rows)")
    ap.add_argument("--quick", action="store_true", help="smoke test: 20000 rows, 1 round")
    ap.add_argument("--repeat", type=int, default=3,
                    help="timed rounds per tool; the best is reported (default 3)")
    ap.add_argument("--no-moa", action="store_true", help="skip MOA (capymoa)")
    ap.add_argument("--moa-python", default=os.path.join(BENCH, ".venv-moa", "bin", "python"),
                    help="python of the capymoa venv (default bench/.venv-moa)")
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
    if not re.search(r"^\s*hoeffding-reg:", sh([args.otter, "list"]), re.M):
        sys.exit(f"{args.otter} has no hoeffding-reg learner")
    moa_status = "ok"
    if args.no_moa:
        moa_status = "skipped (--no-moa)"
    elif not os.access(args.moa_python, os.X_OK):
        moa_status = f"not available: no {args.moa_python} (run bench/setup.sh moa)"
    elif shutil.which("java") is None:
        moa_status = "not available: no java on PATH"
    use_moa = moa_status == "ok"

    started = datetime.datetime.now().astimezone()
    load_start = loadavg()
    bin_start = binary_id(args.otter)
    reproduce = " ".join(["bash bench/run.sh trees-reg", shlex.join(sys.argv[1:])]).strip()
    print(f"== friedman: {args.rows:,} rows", flush=True)
    path, arff, gen_cmd = generate(args.otter, args.rows, data_dir, use_moa)
    L = lambda name: os.path.join(log_dir, f"trees_reg.{name}")
    tasks = []
    # Otter with sdr (MOA's criterion) at every row count, and with vr (River's)
    # on River's rows, so quality is compared on the same rows and criterion.
    limits = sorted({args.rows, river_rows} | ({moa_rows} if use_moa else set()), reverse=True)
    for leaf in LEAVES:
        runs = [(leaf, "sdr", n) for n in limits] + [(leaf, "vr", river_rows)]
        for lf, crit, n in runs:
            k = otter_key(lf, crit, n)
            tasks.append((k, lambda lf=lf, crit=crit, n=n, k=k: run_otter(
                args.otter, "hoeffding-reg", lf, crit, path, L(k),
                limit=None if n == args.rows else n)))
        if use_moa and leaf != "adaptive":
            tasks.append((f"moa_{leaf}", lambda leaf=leaf: run_worker(
                args.moa_python, "moa", leaf, arff, moa_rows, L(f"moa_{leaf}"))))
        tasks.append((f"river_{leaf}", lambda leaf=leaf: run_worker(
            sys.executable, "river", leaf, path, river_rows, L(f"river_{leaf}"))))
    tasks.append((f"otter_linreg_n{args.rows}", lambda: run_otter(
        args.otter, "linreg", None, None, path, L("otter_linreg"))))
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
    for leaf in LEAVES:
        for peer, crit in (("moa", "sdr"), ("river", "vr")):
            p = res.get(f"{peer}_{leaf}")
            o = res.get(otter_key(leaf, crit, p["rows"])) if p else None
            if p and o:
                ratios[f"{peer}_{leaf}"] = o["rows_per_sec"] / p["rows_per_sec"]

    info = machine_info()
    info["loadavg_1m_start"], info["loadavg_1m_end"] = load_start, loadavg()
    vers = versions(args.otter, args.moa_python, use_moa)
    vers["otter_binary"] = bin_start
    bin_end = binary_id(args.otter)
    if bin_end != bin_start:
        vers["otter_binary"] += f" -> REBUILT DURING THE RUN: {bin_end}; Otter timings are mixed"
        print("warning: the otter binary changed during the run", file=sys.stderr)
    md = [
        "# Regression trees: Otter hoeffding-reg vs MOA FIMT-DD (capymoa) and River",
        "",
        f"- Date: {started.isoformat(timespec='seconds')}",
        f"- Machine: {info['nproc']} CPUs, {info['cpu']}, {info['ram_gib']} GiB RAM, Linux {info['kernel']}",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in vers.items()),
        f"- Load average (1 min) at start / end: {info['loadavg_1m_start']} / {info['loadavg_1m_end']}",
        f"- Reproduce: `{reproduce}`",
        f"- Data: `{gen_cmd}`",
        f"- MOA: {moa_status}" + (f"; ran on the first {moa_rows:,} rows, FIMT-DD with "
                                  f"Page-Hinckley off (threshold {MOA_PH_OFF})" if use_moa else ""),
        f"- River ran on the first {river_rows:,} rows (it is slow); compare it with the Otter "
        "lines of the same row count and criterion (`vr`, `otter eval --limit`).",
        "- Task: regression, one prequential pass (predict each row, then learn it); RMSE and MAE "
        "over all rows evaluated. Every tool reads the file itself in its own process.",
        "- Tree settings passed explicitly to every tool: grace period 200, delta 1e-7, tau 0.05, "
        "the leaf kind of the line; see bench/trees_reg.py for what differs by design (numeric "
        "observer, leaf-model optimizer, split criterion).",
        f"- rows/s: rows / time. Otter: wall clock of the `otter eval` process. MOA and River: "
        f"their loop inside the worker (JVM/Python start and imports excluded). {args.repeat} "
        "interleaved round(s), best round; quality from round 1 (checked equal across rounds). "
        "Peak RSS: GNU time %M (MOA's is the JVM with its default heap sizing).",
        "",
        table(res, ratios),
        "",
    ]
    for k, r in res.items():
        if k.startswith("moa_"):
            md.append(f"- {k}: capymoa's own wallclock {r['capymoa_wallclock_s']:.2f}s (CPU "
                      f"{r['capymoa_cpu_s']:.2f}s); whole process {r['wall_s']:.2f}s (capymoa "
                      f"import incl. JVM start {r['import_s']:.2f}s).")
        if k.startswith("river_"):
            md.append(f"- {k}: whole process {r['wall_s']:.2f}s; final tree {r['n_nodes']} nodes, "
                      f"height {r['height']}.")
    for k, e in failed.items():
        md.append(f"- {k} FAILED: `{e.splitlines()[-1] if e else '?'}` (log in bench/out/logs)")
    text = "\n".join(md) + "\n"
    print()
    print(text)
    with open(os.path.join(out_dir, "trees_reg.md"), "w") as f:
        f.write(text)
    with open(os.path.join(out_dir, "trees_reg.json"), "w") as f:
        json.dump({"date": started.isoformat(timespec="seconds"), "machine": info,
                   "versions": vers, "reproduce": reproduce, "seed": SEED,
                   "repeat": args.repeat, "river_rows": river_rows,
                   "moa_rows": moa_rows if use_moa else None, "moa_status": moa_status,
                   "gen_command": gen_cmd, "results": res, "ratios": ratios,
                   "moa_failures": failed}, f, indent=2)
    print(f"wrote {os.path.relpath(out_dir, ROOT)}/trees_reg.md and trees_reg.json")


if __name__ == "__main__":
    main()
