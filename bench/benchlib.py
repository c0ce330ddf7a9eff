"""Helpers shared by the benchmark scripts (linear.py, trees.py): timing a command
with its peak memory, page-cache warming, data reuse checks, machine facts."""

import datetime
import hashlib
import os
import platform
import re
import shlex
import subprocess
import time

# GNU time gives the peak RSS of a child process; without it that column says n/a.
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run_timed(cmd, log_prefix):
    """Run cmd with stdout/stderr to log files; return wall seconds, the
    output and the process's peak RSS in bytes (None if unknown)."""
    rss_file = log_prefix + ".rss"
    full = [GNU_TIME, "-f", "%M", "-o", rss_file, *cmd] if GNU_TIME else cmd
    with open(log_prefix + ".out", "w") as fo, open(log_prefix + ".err", "w") as fe:
        t0 = time.perf_counter()
        rc = subprocess.run(full, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL).returncode
        wall = time.perf_counter() - t0
    out = open(log_prefix + ".out").read()
    err = open(log_prefix + ".err").read()
    if rc != 0:
        raise RuntimeError(f"command failed ({rc}): {shlex.join(cmd)}\n{err[-2000:]}")
    rss = None
    if GNU_TIME:
        rss = int(open(rss_file).read().split()[-1]) * 1024
    return {"wall_s": wall, "peak_rss_bytes": rss, "stdout": out, "stderr": err}


def warm(path):
    """Read a file once so every tool starts with it in the page cache."""
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def count_lines(path):
    n = 0
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 24)
            if not b:
                return n
            n += b.count(b"\n")


def sh(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def same_head(gen_cmd, path, n):
    """A kept data file is reused only if a fresh `otter gen -n n` still writes
    its first lines (otter's generators are prefix-stable), so a changed
    generator or seed never leaves stale data behind."""
    cmd = list(gen_cmd)
    cmd[cmd.index("-n") + 1] = str(n)
    cmd = cmd[:cmd.index("-o")]
    fresh = subprocess.run(cmd, capture_output=True, check=True).stdout
    with open(path, "rb") as f:
        return f.read(len(fresh)) == fresh


def loadavg():
    """1-minute load average: other work on the machine skews timings."""
    try:
        return float(open("/proc/loadavg").read().split()[0])
    except OSError:
        return None


def machine_info():
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu or platform.processor(),
            "ram_gib": round(mem / 2**30, 1), "kernel": platform.release(),
            "python": platform.python_version()}


def mib(b):
    return "n/a" if b is None else f"{b / 2**20:.0f}"


def spread(r):
    t = r.get("loop_s_rounds") or r["wall_s_rounds"]
    return f"{min(t):.2f}-{max(t):.2f}" if len(t) > 1 else "-"


def otter_versions(otter, root):
    """Otter's version, commit (marked dirty when tracked files changed) and the CFLAGS
    it was built with: build flags matter for a speed comparison."""
    v = {"otter": sh([otter, "--version"]).replace("otter ", "")}
    commit = sh(["git", "-C", root, "rev-parse", "--short", "HEAD"])
    v["otter_commit"] = commit or "no commit"
    if commit and sh(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"]):
        v["otter_commit"] += " (dirty)"
    try:
        mk = open(os.path.join(root, "Makefile")).read()
        v["otter_cflags"] = re.search(r"^CFLAGS = (.*)$", mk, re.M).group(1).strip()
    except (OSError, AttributeError):
        pass
    return v


def package_versions(packages):
    from importlib.metadata import version

    return {p: version(p) for p in packages}


def moa_versions(moa_python):
    """capymoa's version (from its own venv), the bundled MOA jar and the JVM."""
    v = {"capymoa": sh([moa_python, "-c",
                        "from importlib.metadata import version as v; print(v('capymoa'))"]),
         "moa_jar": "bundled with capymoa (capymoa/jar/moa.jar)"}
    jv = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    v["java"] = jv.splitlines()[0] if jv else "?"
    return v


def binary_id(otter):
    """sha256 (first 12 hex) and mtime of the real otter binary (libtool's
    .libs/otter behind the wrapper script), to detect a rebuild mid-run."""
    d, b = os.path.split(otter)
    real = os.path.join(d, ".libs", b)
    real = real if os.path.exists(real) else otter
    with open(real, "rb") as f:
        h = hashlib.sha256(f.read()).hexdigest()[:12]
    mt = datetime.datetime.fromtimestamp(os.path.getmtime(real)).astimezone()
    return f"{h} (built {mt.isoformat(timespec='seconds')})"
