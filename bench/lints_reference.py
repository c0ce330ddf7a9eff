"""Reference check for Otter's `lints`: linear Thompson sampling (Agrawal and Goyal
2013) written from its definition, one decision at a time, on a world file written by
`otter bandit-sim --scenario linear --env-out FILE` (bench/bandits.py makes one).

Per decision each arm's score is drawn from N(x . beta_a, v^2 x^T A_a^-1 x) with
A_a = I + sum x x^T and beta_a = A_a^-1 b_a (explicit inverses: slow, but plainly the
definition); the chosen arm learns r = x . theta_a + noise * u_t, as the simulator pays.
Prints the cumulative pseudo-regret, to compare with

    otter bandit-sim --policy lints --scenario linear --arms 10 --context-dim 32 \\
        --horizon STEPS --seed 42 --param v=V

Usage: bench/.venv/bin/python bench/lints_reference.py WORLD.csv STEPS V
"""
import json
import sys

import numpy as np


def main():
    path, steps, v = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    with open(path) as f:
        meta = json.loads(f.readline())
        f.readline()  # column names: t, u, x0..x{d-1}
        rows = np.loadtxt(f, delimiter=",", max_rows=steps)
    theta = np.array(meta["theta"])
    k, d = theta.shape
    xs, us, noise = rows[:, 2:], rows[:, 1], meta["noise"]
    rng = np.random.default_rng(1)
    a_mat = np.stack([np.eye(d)] * k)
    a_inv = a_mat.copy()
    b = np.zeros((k, d))
    regret = 0.0
    for t in range(len(xs)):
        x = xs[t]
        expected = theta @ x
        mean = np.einsum("kij,kj->ki", a_inv, b) @ x
        width2 = np.einsum("i,kij,j->k", x, a_inv, x)
        arm = int(np.argmax(mean + v * np.sqrt(width2) * rng.standard_normal(k)))
        regret += expected.max() - expected[arm]
        a_mat[arm] += np.outer(x, x)
        a_inv[arm] = np.linalg.inv(a_mat[arm])
        b[arm] += (expected[arm] + noise * us[t]) * x
    print(json.dumps({"steps": len(xs), "v": v, "regret": round(regret, 1)}))


if __name__ == "__main__":
    main()
