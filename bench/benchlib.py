"""Helpers shared by the benchmark scripts (linear.py, trees.py): timing a command
with its peak memory, page-cache warming, data reuse checks, machine facts."""

import os
import platform
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
