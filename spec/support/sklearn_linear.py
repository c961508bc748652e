"""Oracle for spec/linear_spec.lua: reads X (CSV) and labels (one per line) and prints
scikit-learn's logistic regression (C = 1 / l2, weights penalised, intercept not) as
`coef v1 v2 ... intercept` and the LDA direction (lsqr, Ledoit-Wolf shrinkage) as
`lda v1 v2 ...`. Run by /usr/bin/python3 only."""
import sys

import numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression

X = np.loadtxt(sys.argv[1], delimiter=",", dtype=np.float64)
y = np.array(open(sys.argv[2], encoding="utf-8").read().split("\n")[:-1])
l2 = float(sys.argv[3])
lr = LogisticRegression(C=1.0 / l2, tol=1e-10, max_iter=10000).fit(X, y)
print("coef", " ".join("%.9g" % v for v in lr.coef_[0]), "%.9g" % lr.intercept_[0])
lda = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto").fit(X, y)
print("lda", " ".join("%.9g" % v for v in lda.coef_[0]))
