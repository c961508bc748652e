# The scikit-learn peer of scripts/bench/metrics.lua (a benchmark peer only, never part of
# semeq): silhouette_score and davies_bouldin_score on the points semeq wrote as raw
# little-endian float32 (upcast to float64, as sklearn computes), one timed call each.
#   /usr/bin/python3 scripts/bench/metrics_sklearn.py X.f32 Y.txt N DIM
import sys
import time

import numpy as np
from sklearn.metrics import davies_bouldin_score, silhouette_score

xpath, ypath, n, dim = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
X = np.fromfile(xpath, dtype="<f4").reshape(n, dim).astype(np.float64)
y = np.loadtxt(ypath, dtype=np.int64)
for name, fn in (("silhouette", silhouette_score), ("davies_bouldin", davies_bouldin_score)):
    t0 = time.perf_counter()
    v = fn(X, y)
    secs = time.perf_counter() - t0
    print("%s_value: %.17g" % (name, v))
    print("%s_seconds: %.6g" % (name, secs))
