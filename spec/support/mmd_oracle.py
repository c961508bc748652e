"""Oracle for spec/mmd_spec.lua: reads two CSV files of float rows (X, Y) and a bandwidth,
prints the median pairwise distance of X (scipy), and MMD^2 between X and Y with the
Gaussian kernel exp(-|x - y|^2 / (2 h^2)) from scikit-learn's rbf_kernel, unbiased and
biased, as `name value` lines. Run by /usr/bin/python3 only."""
import sys

import numpy as np
from scipy.spatial.distance import pdist
from sklearn.metrics.pairwise import rbf_kernel

X = np.loadtxt(sys.argv[1], delimiter=",", dtype=np.float64, ndmin=2)
Y = np.loadtxt(sys.argv[2], delimiter=",", dtype=np.float64, ndmin=2)
h = float(sys.argv[3])
gamma = 1.0 / (2.0 * h * h)
kxx, kyy, kxy = rbf_kernel(X, X, gamma=gamma), rbf_kernel(Y, Y, gamma=gamma), rbf_kernel(X, Y, gamma=gamma)
n, m = len(X), len(Y)
unbiased = ((kxx.sum() - np.trace(kxx)) / (n * (n - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
            - 2 * kxy.mean())
biased = kxx.mean() + kyy.mean() - 2 * kxy.mean()
print("median_distance", repr(float(np.median(pdist(X)))))
print("mmd2_unbiased", repr(float(unbiased)))
print("mmd2_biased", repr(float(biased)))
print("kernel_sum", repr(float(kxy.sum())))
