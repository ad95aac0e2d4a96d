# Reference quantiles for test/store/cellStats.test.ts: numpy's default ('linear') quartiles of
# seeded random final losses (log-uniform, with ties and sizes from 1 to 1,001), written once to
# test/fixtures/quantiles-numpy.json so that the tests do not need Python.
#
#   /usr/bin/python3 scripts/quantiles_numpy.py > test/fixtures/quantiles-numpy.json
import json
import numpy as np

rng = np.random.default_rng(23)
cases = []
for n in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 17, 100, 101, 1000, 1001]:
    values = 10.0 ** rng.uniform(-9, 1, n)
    if n >= 4:
        values[rng.integers(0, n, n // 4)] = values[0]  # ties
    q = np.quantile(values, [0.25, 0.5, 0.75])
    cases.append({"values": [float(v) for v in values], "q1": float(q[0]), "median": float(q[1]), "q3": float(q[2])})
print(json.dumps({"numpy": np.__version__, "method": "linear", "cases": cases}))
