#!/usr/bin/env python3
"""Bandit benchmark: Otter's bandit policies (through `otter bandit-sim`) against
MABWiser and River on the same simulated worlds.

Run it with the venv made by bench/setup.sh (bench/run.sh does both):

    bench/.venv/bin/python bench/bandits.py [--horizon N] [--river-linear-horizon N]
        [--mabwiser-batch B] [--per-decision-steps N] [--quick] [--repeat N]

Writes bench/out/bandits.md and bandits.json; the worlds go to bench/data/,
per-run logs to bench/out/logs/.

Fairness rules:
  * Same data. Each world (bernoulli: K=10 arms with click rates drawn from
    U(0.01, 0.10); linear: K=10, d=32, reward theta_a . x + N(0, 0.1^2)) is
    generated once, seeded, by `otter bandit-sim --env-out`: the arms'
    parameters and, per step, the context and the one noise draw that decides
    every arm's reward at that step (bernoulli: arm a pays 1 when u < rate_a;
    linear: theta_a . x + 0.1 u). The workers read that file and every tool gets
    the reward of the arm it chose from the same draws. Otter's bandit-sim
    regenerates the same world from the same seed in-process; the script checks
    that its oracle reward equals the file's.
  * Same measure. Decisions-plus-rewards per second of the decision loop
    (choose, look up the reward, learn it), world generation and file reading
    excluded for every tool: Otter's from its report (`seconds`, which excludes
    the world, timed in chunks), MABWiser's and River's timed inside the worker
    around the loop (interpreter start and imports excluded). The wall clock of
    Otter's whole process is reported too.
  * Same settings: every parameter set explicitly in each tool's own terms
    (the POLICIES table); Otter's parameter names are looked up in `otter list`
    so that a renamed or missing parameter shows up in the report instead of
    failing.
  * Regret is the same pseudo-regret everywhere: the sum over steps of the best
    arm's expected reward minus the chosen arm's. Compared on the same number of
    steps: Otter runs again at every step count a peer runs on.
  * MABWiser's API is batch-oriented (predict a batch, then partial_fit it): it
    runs in batches of --mabwiser-batch decisions (each batch decided with the
    model of the batches before; the first max(batch, K) steps go round-robin over
    the arms because MABWiser cannot predict before its first fit), and also one decision
    at a time (predict one, partial_fit one) on the first --per-decision-steps
    steps, which is how a service deciding online would have to call it.
  * River's bandit API is per decision (pull, then update): that is how it runs.
    River has no linear Thompson sampling (n/a) and its LinUCBDisjoint is slow,
    so it runs on the first --river-linear-horizon steps of the linear world.
  * Policies not registered in the otter binary (the other branches' policies
    before they are merged) are skipped for Otter with a note; the peers still
    run, so the report is complete once they exist.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import time

from benchlib import (loadavg, machine_info, otter_versions, package_versions, run_timed, sh,
                      spread)

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
SEED = 42
POLICY_SEED = 1

WORLDS = {
    "bernoulli": {"arms": 10, "dim": 0},
    "linear": {"arms": 10, "dim": 32},
}

# Each policy in each tool's terms. Otter's settings are concepts with candidate
# parameter names (the first one the policy lists in `otter list` is used).
POLICIES = [
    {"name": "epsilon-greedy", "world": "bernoulli",
     "otter": [("epsilon", ("epsilon",), 0.1)],
     "mabwiser": ("EpsilonGreedy", {"epsilon": 0.1}),
     "river": ("EpsilonGreedy", {"epsilon": 0.1})},
    {"name": "thompson", "world": "bernoulli",
     "otter": [("prior alpha", ("alpha", "prior_alpha", "a"), 1.0),
               ("prior beta", ("beta", "prior_beta", "b"), 1.0)],
     "mabwiser": ("ThompsonSampling", {}),
     "river": ("ThompsonSampling", {"reward_obj": "Beta(1, 1)"})},
    {"name": "ucb1", "world": "bernoulli",
     "otter": [("exploration multiplier", ("alpha", "c", "exploration"), 1.0)],
     "mabwiser": ("UCB1", {"alpha": 1.0}),
     "river": ("UCB", {"delta": 1.0})},
    {"name": "linucb", "world": "linear",
     "otter": [("alpha", ("alpha",), 1.0), ("ridge", ("l2", "lambda", "l2_lambda", "ridge"), 1.0)],
     "mabwiser": ("LinUCB", {"alpha": 1.0, "l2_lambda": 1.0}),
     "river": ("LinUCBDisjoint", {"alpha": 1.0, "beta": 1.0})},
    {"name": "lints", "world": "linear",
     "otter": [("alpha", ("alpha", "v", "scale"), 1.0),
               ("ridge", ("l2", "lambda", "l2_lambda", "ridge"), 1.0)],
     "mabwiser": ("LinTS", {"alpha": 1.0, "l2_lambda": 1.0}),
     "river": None},
]


# --------------------------------------------------------------------------
# Worlds


def world_path(world, horizon):
    w = WORLDS[world]
    return os.path.join(BENCH, "data", f"bandit_{world}_k{w['arms']}_d{w['dim']}_s{SEED}_t{horizon}.csv")


def world_cmd(otter, world, horizon, path):
    w = WORLDS[world]
    cmd = [otter, "bandit-sim", "--policy", "epsilon-greedy", "--scenario", world,
           "--arms", str(w["arms"]), "--horizon", str(horizon), "--seed", str(SEED)]
    if w["dim"]:
        cmd += ["--context-dim", str(w["dim"])]
    return cmd + ["--env-out", path]


def make_world(otter, world, horizon):
    """The world file, written by otter bandit-sim --env-out (kept when its
    header and length say it is the same world)."""
    path = world_path(world, horizon)
    cmd = world_cmd(otter, world, horizon, path)
    ok = False
    if os.path.exists(path):
        with open(path) as f:
            head = json.loads(f.readline())
        n = sum(1 for _ in open(path, "rb")) - 2
        ok = head.get("horizon") == horizon and head.get("seed") == SEED and n == horizon
    if not ok:
        print(f"  writing {os.path.relpath(path, ROOT)}", flush=True)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    rel = shlex.join([os.path.relpath(c, ROOT) if os.path.isabs(c) else c for c in cmd])
    return path, rel


def load_world(path, steps):
    """Arrays of the world's first `steps` steps: the reward of every arm at
    every step (T x K), each arm's expected reward (T x K), and the contexts."""
    import itertools

    import numpy as np

    # float() is correctly rounded, so every tool sees exactly the doubles Otter drew
    with open(path) as f:
        head = json.loads(f.readline())
        f.readline()
        rows = np.array([[float(v) for v in line.split(",")[1:]]
                         for line in itertools.islice(f, steps)])
    u = rows[:, 0]
    d = head["dim"]
    X = rows[:, 1:1 + d] if d else None
    if head["scenario"] == "bernoulli":
        rates = np.array(head["rates"])
        mu = np.tile(rates, (len(u), 1))
        rew = (u[:, None] < rates[None, :]).astype(float)
    elif head["scenario"] == "linear":
        theta = np.array(head["theta"])
        mu = X @ theta.T
        rew = mu + head["noise"] * u[:, None]
    else:
        sys.exit(f"{path}: scenario {head['scenario']} is not benchmarked")
    return head, X, mu, rew


# --------------------------------------------------------------------------
# Workers: `bandits.py _worker TOOL POLICY WORLD_FILE STEPS BATCH` in a process
# of their own; they print {"loop_s", "steps", "regret", ...} as the last line.


def summarize(mu, chosen, rew, loop_s):
    import numpy as np

    chosen = np.asarray(chosen, dtype=int)
    t = np.arange(len(chosen))
    got = mu[t, chosen]
    best = mu.max(axis=1)
    last = max(1, len(chosen) // 10)
    is_best = got == best
    return {"loop_s": loop_s, "steps": int(len(chosen)),
            "regret": float((best - got).sum()), "reward": float(rew[t, chosen].sum()),
            "best_arm_share": float(is_best.mean()),
            "best_arm_share_last10": float(is_best[-last:].mean())}


def worker_mabwiser(pol, path, steps, batch):
    import numpy as np
    from mabwiser.mab import MAB, LearningPolicy

    head, X, mu, rew = load_world(path, steps)
    k = head["arms"]
    cls, kw = pol["mabwiser"]
    mab = MAB(arms=list(range(k)), learning_policy=getattr(LearningPolicy, cls)(**kw),
              seed=POLICY_SEED)
    chosen = []
    zeros = np.zeros((batch, 1))
    t0 = time.perf_counter()
    fitted = False
    # MABWiser predicts only after a fit: the first max(batch, K) steps go round-robin
    warm = min(steps, max(batch, k))
    for s in [0] + list(range(warm, steps, batch)):
        e = warm if s == 0 else min(steps, s + batch)
        ctx = X[s:e] if X is not None else None
        if not fitted:
            arms = [i % k for i in range(s, e)]
        elif batch == 1:
            arms = [mab.predict(ctx)] if ctx is not None else [mab.predict()]
        else:
            arms = mab.predict(ctx if ctx is not None else zeros[:e - s])
            arms = arms if isinstance(arms, list) else [arms]  # a 1-row batch gives one arm
        r = rew[np.arange(s, e), arms]
        if fitted:
            mab.partial_fit(arms, r, ctx)
        else:
            mab.fit(arms, r, ctx)
            fitted = True
        chosen.extend(arms)
    loop_s = time.perf_counter() - t0
    out = summarize(mu, chosen, rew, loop_s)
    out["settings"] = f"MAB(LearningPolicy.{cls}({', '.join(f'{a}={b}' for a, b in kw.items())}), seed={POLICY_SEED}), batch {batch}"
    return out


def worker_river(pol, path, steps, batch):
    from river import bandit, proba

    head, X, mu, rew = load_world(path, steps)
    k = head["arms"]
    cls, kw = pol["river"]
    kw = dict(kw)
    if kw.get("reward_obj") == "Beta(1, 1)":
        kw["reward_obj"] = proba.Beta(1, 1)
    policy = getattr(bandit, cls)(**kw, seed=POLICY_SEED)
    arms = list(range(k))
    chosen = []
    d = head["dim"]
    names = [f"x{j}" for j in range(d)]
    t0 = time.perf_counter()
    for t in range(steps):
        if X is not None:
            ctx = dict(zip(names, X[t].tolist()))
            a = policy.pull(arms, ctx)
            policy.update(a, ctx, float(rew[t, a]))
        else:
            a = policy.pull(arms)
            policy.update(a, float(rew[t, a]))
        chosen.append(a)
    loop_s = time.perf_counter() - t0
    out = summarize(mu, chosen, rew, loop_s)
    out["settings"] = f"bandit.{cls}({', '.join(f'{a}={b}' for a, b in pol['river'][1].items())}, seed={POLICY_SEED}), pull then update"
    return out


def worker_main(argv):
    tool, name, path, steps, batch = argv
    pol = next(p for p in POLICIES if p["name"] == name)
    fn = {"mabwiser": worker_mabwiser, "river": worker_river}[tool]
    print(json.dumps(fn(pol, path, int(steps), int(batch))))


# --------------------------------------------------------------------------
# Otter


def otter_policies(otter):
    """{policy: [parameter names]} from `otter list`."""
    out, cur, in_bandits = {}, None, False
    for line in sh([otter, "list"]).splitlines():
        if line.startswith("Bandit policies"):
            in_bandits = True
            continue
        if in_bandits and line and not line.startswith(" ") and not line.startswith("every") \
                and not line.startswith("("):
            break
        m = re.match(r"^  (\S+): ", line)
        if in_bandits and m:
            cur = m.group(1)
            out[cur] = []
        m = re.match(r"^    (\S+) ", line)
        if in_bandits and cur and m:
            out[cur].append(m.group(1))
    return out


def otter_args(pol, listed):
    """--param arguments for the policy's settings, and notes on the ones the
    build does not have."""
    args, notes = ["--param", f"seed={POLICY_SEED}"], []
    for concept, names, value in pol["otter"]:
        name = next((n for n in names if n in listed), None)
        if name:
            args += ["--param", f"{name}={value}"]
        else:
            notes.append(f"no parameter for {concept} ({'/'.join(names)}): Otter's default used")
    return args, notes


def run_otter(otter, pol, listed, steps, logs):
    w = WORLDS[pol["world"]]
    args, notes = otter_args(pol, listed)
    cmd = [otter, "bandit-sim", "--policy", pol["name"], "--scenario", pol["world"],
           "--arms", str(w["arms"]), "--horizon", str(steps), "--seed", str(SEED), *args]
    if w["dim"]:
        cmd += ["--context-dim", str(w["dim"])]
    r = run_timed(cmd, logs)
    rep = json.loads(r["stdout"].strip().splitlines()[-1])
    return {"steps": rep["horizon"], "loop_s": rep["seconds"], "wall_s": r["wall_s"],
            "env_s": rep["env_seconds"], "regret": rep["cumulative_regret"],
            "reward": rep["cumulative_reward"], "oracle_reward": rep["oracle_reward"],
            "best_arm_share": rep["best_arm_share"],
            "best_arm_share_last10": rep["best_arm_share_last10"],
            "peak_rss_bytes": r["peak_rss_bytes"], "params": rep["params"],
            "bandit_bytes": rep["bandit_bytes"], "notes": notes,
            "settings": shlex.join(["otter"] + cmd[1:])}


def run_worker(tool, pol, path, steps, batch, logs):
    cmd = [sys.executable, os.path.abspath(__file__), "_worker", tool, pol["name"], path,
           str(steps), str(batch)]
    r = run_timed(cmd, logs)
    inner = json.loads(r["stdout"].strip().splitlines()[-1])
    inner.update({"wall_s": r["wall_s"], "peak_rss_bytes": r["peak_rss_bytes"]})
    return inner


def combine(rounds):
    r = dict(rounds[0])
    for t in ("loop_s", "wall_s"):
        r[t + "_rounds"] = [x[t] for x in rounds]
        r[t] = min(r[t + "_rounds"])
    if any(abs(x["regret"] - r["regret"]) > 1e-9 * max(1, abs(r["regret"])) for x in rounds):
        r["warning"] = "regret differs between rounds"
    r["decisions_per_sec"] = r["steps"] / r["loop_s"]
    return r


def oracle_sum(path, steps):
    head, X, mu, rew = load_world(path, steps)
    return float(mu.max(axis=1).sum())


# --------------------------------------------------------------------------
# Report


def versions(otter):
    v = otter_versions(otter, ROOT)
    v.update(package_versions(["mabwiser", "river", "numpy", "pandas"]))
    v["python"] = platform.python_version()
    return v


def table(res, pol):
    lines = ["| tool | steps | loop (s) | rounds (s) | decisions/s | Otter/peer | regret | "
             "best-arm share (last 10%) | settings |",
             "|---|--:|--:|--:|--:|--:|--:|--:|---|"]
    otter_at = {r["steps"]: r for k, r in res.items() if k.startswith("otter")}
    for k, r in res.items():
        tool = k.split("@")[0]
        ratio = "-"
        if not k.startswith("otter"):
            o = otter_at.get(r["steps"])
            ratio = f"{o['decisions_per_sec'] / r['decisions_per_sec']:.1f}x" if o else "n/a"
        lines.append(f"| {tool} | {r['steps']:,} | {r['loop_s']:.3f} | {spread(r)} | "
                     f"{r['decisions_per_sec']:,.0f} | {ratio} | {r['regret']:.1f} | "
                     f"{r['best_arm_share']:.3f} ({r['best_arm_share_last10']:.3f}) | "
                     f"`{r['settings']}` |")
    return "\n".join(lines)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "_worker":
        return worker_main(sys.argv[2:])

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--horizon", type=int, default=100_000, help="steps per world (100000)")
    ap.add_argument("--river-linear-horizon", type=int, default=10_000,
                    help="steps River's LinUCBDisjoint runs (10000; it is slow)")
    ap.add_argument("--mabwiser-batch", type=int, default=100,
                    help="decisions per MABWiser predict/partial_fit batch (100)")
    ap.add_argument("--per-decision-steps", type=int, default=2_000,
                    help="steps MABWiser also runs one decision at a time (2000)")
    ap.add_argument("--policies", default=",".join(p["name"] for p in POLICIES),
                    help="comma list of policies to run")
    ap.add_argument("--quick", action="store_true", help="smoke test: 5000 steps, 1 round")
    ap.add_argument("--repeat", type=int, default=3, help="rounds per line; best reported (3)")
    ap.add_argument("--otter", default=os.path.join(ROOT, "otter"), help="otter binary")
    args = ap.parse_args()
    if args.quick:
        args.horizon = 5_000
        args.per_decision_steps = min(args.per_decision_steps, 500)
        if "--repeat" not in sys.argv:
            args.repeat = 1
    args.repeat = max(1, args.repeat)
    river_lin = min(args.river_linear_horizon, args.horizon)
    per_dec = min(args.per_decision_steps, args.horizon)
    out_dir, log_dir = os.path.join(BENCH, "out"), os.path.join(BENCH, "out", "logs")
    for d in (os.path.join(BENCH, "data"), out_dir, log_dir):
        os.makedirs(d, exist_ok=True)
    if not os.access(args.otter, os.X_OK):
        sys.exit(f"no otter binary at {args.otter}: run `make -j2` in {ROOT}")

    listed = otter_policies(args.otter)
    wanted = args.policies.split(",")
    started = datetime.datetime.now().astimezone()
    load_start = loadavg()
    reproduce = " ".join(["bash bench/run.sh bandits", shlex.join(sys.argv[1:])]).strip()
    worlds = {w: make_world(args.otter, w, args.horizon) for w in WORLDS}
    results = []
    for pol in POLICIES:
        if pol["name"] not in wanted:
            continue
        path, gen_cmd = worlds[pol["world"]]
        print(f"== {pol['name']} ({pol['world']}, {args.horizon:,} steps)", flush=True)
        L = lambda key: os.path.join(log_dir, f"bandits.{pol['name']}.{key}")
        tasks, skipped = [], []
        river_steps = river_lin if pol["world"] == "linear" else args.horizon
        if pol["name"] in listed:
            for n in sorted({args.horizon, river_steps, per_dec}, reverse=True):
                tasks.append((f"otter@{n}", lambda n=n: run_otter(args.otter, pol, listed[pol["name"]],
                                                                 n, L(f"otter{n}"))))
        else:
            skipped.append(f"otter: policy '{pol['name']}' is not registered in this build "
                           "(`otter list`); it is merged from another branch later")
        tasks.append((f"mabwiser (batch {args.mabwiser_batch})",
                      lambda: run_worker("mabwiser", pol, path, args.horizon, args.mabwiser_batch,
                                         L("mabwiser"))))
        tasks.append(("mabwiser (per decision)",
                      lambda: run_worker("mabwiser", pol, path, per_dec, 1, L("mabwiser1"))))
        if pol["river"]:
            tasks.append(("river", lambda: run_worker("river", pol, path, river_steps, 1, L("river"))))
        else:
            skipped.append("river: no such policy in River")
        rounds = {k: [] for k, _ in tasks}
        for rnd in range(args.repeat):
            for k, fn in tasks:
                print(f"  round {rnd + 1}/{args.repeat}: {k}", flush=True)
                rounds[k].append(fn())
        res = {k: combine(rs) for k, rs in rounds.items()}
        for k, r in res.items():
            if k.startswith("otter"):
                want = oracle_sum(path, r["steps"])
                if abs(want - r["oracle_reward"]) > 1e-6 * max(1.0, abs(want)):
                    sys.exit(f"otter's world differs from {path}: oracle {r['oracle_reward']} vs {want}")
        results.append({"policy": pol["name"], "world": pol["world"], "world_command": gen_cmd,
                        "results": res, "skipped": skipped})

    info = machine_info()
    info["loadavg_1m_start"], info["loadavg_1m_end"] = load_start, loadavg()
    vers = versions(args.otter)
    md = [
        "# Bandits: Otter vs MABWiser and River",
        "",
        f"- Date: {started.isoformat(timespec='seconds')}",
        f"- Machine: {info['nproc']} CPUs, {info['cpu']}, {info['ram_gib']} GiB RAM, Linux {info['kernel']}",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in vers.items()),
        f"- Load average (1 min) at start / end: {info['loadavg_1m_start']} / {info['loadavg_1m_end']}",
        f"- Reproduce: `{reproduce}`",
        f"- Otter policies in this build: {', '.join(sorted(listed)) or 'none'}",
        "- decisions/s: steps / loop time (choose an arm, look up its reward, learn it); world "
        "generation and file reading excluded for every tool, interpreter start and imports "
        "excluded for the peers. Best of the rounds; regret from round 1 (checked equal). "
        "Otter/peer: Otter's decisions/s on the same number of steps over the peer's.",
        f"- MABWiser: batches of {args.mabwiser_batch} (predict the batch, then partial_fit it; "
        f"the first max(batch, 10) steps round-robin, as MABWiser cannot predict before a fit) and "
        f"one decision at a time on the first {per_dec:,} steps (the first 10 round-robin).",
        "",
    ]
    for s in results:
        md += [f"## {s['policy']} ({s['world']} world)", "", f"World: `{s['world_command']}`", "",
               table(s["results"], s["policy"]), ""]
        for k, r in s["results"].items():
            if k.startswith("otter"):
                md.append(f"- {k}: whole process {r['wall_s']:.3f}s (start-up, world generation "
                          f"{r['env_s']:.3f}s, report); policy state {r['bandit_bytes']:,} bytes; "
                          f"effective parameters `{json.dumps(r['params'])}`"
                          + (f"; {'; '.join(r['notes'])}" if r["notes"] else ""))
        for note in s["skipped"]:
            md.append(f"- skipped {note}")
        md.append("")
    text = "\n".join(md)
    print()
    print(text)
    with open(os.path.join(out_dir, "bandits.md"), "w") as f:
        f.write(text)
    with open(os.path.join(out_dir, "bandits.json"), "w") as f:
        json.dump({"date": started.isoformat(timespec="seconds"), "machine": info, "versions": vers,
                   "reproduce": reproduce, "seed": SEED, "repeat": args.repeat,
                   "otter_policies": listed, "runs": results}, f, indent=2)
    print(f"\nwrote {os.path.relpath(out_dir, ROOT)}/bandits.md and bandits.json")


if __name__ == "__main__":
    main()
