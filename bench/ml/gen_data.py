"""The synthetic table of bench/ml: ROWS rows of 20 uniform features and a noisy binary label
(x0 + x1*x2 - x3 + noise > 0.5), as raw float64 (synthetic.f64, for Kiln and scikit-learn) and
Parquet (synthetic.parquet, for Spark). Usage: python gen_data.py DIR [ROWS]"""
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

directory, rows = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
rng = np.random.default_rng(0)
x = rng.random((rows, 20))
y = ((x[:, 0] + x[:, 1] * x[:, 2] - x[:, 3] + 0.1 * rng.standard_normal(rows)) > 0.5).astype(np.float64)
np.hstack([x, y[:, None]]).astype("<f8").tofile(os.path.join(directory, "synthetic.f64"))
table = pa.table({**{f"f{i}": x[:, i] for i in range(20)}, "label": y})
pq.write_table(table, os.path.join(directory, "synthetic.parquet"))
