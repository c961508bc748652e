"""Oracle for spec/metrics_spec.lua: reads X (CSV of floats) and labels (one per line),
prints the scikit-learn values as `name value` lines. Run by /usr/bin/python3 only."""
import sys

import numpy as np
from sklearn.decomposition import PCA
from sklearn.metrics import (calinski_harabasz_score, davies_bouldin_score, f1_score,
                             silhouette_score)
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

X = np.loadtxt(sys.argv[1], delimiter=",", dtype=np.float64)
y = np.array(open(sys.argv[2], encoding="utf-8").read().split("\n")[:-1])
k = int(sys.argv[3])
ntrain = int(sys.argv[4])
out = {
    "silhouette": silhouette_score(X, y),
    "silhouette_cosine": silhouette_score(X, y, metric="cosine"),
    "davies_bouldin": davies_bouldin_score(X, y),
    "calinski_harabasz": calinski_harabasz_score(X, y),
}
clf = KNeighborsClassifier(n_neighbors=k, algorithm="brute").fit(X[:ntrain], y[:ntrain])
pred = clf.predict(X[ntrain:])
out["knn_accuracy"] = float(np.mean(pred == y[ntrain:]))
out["macro_f1"] = f1_score(y[ntrain:], pred, average="macro")
# leave-one-out: the k nearest other rows vote (ties to the smallest label, as predict does)
nn = NearestNeighbors(n_neighbors=k + 1, algorithm="brute").fit(X)
_, idx = nn.kneighbors(X)
classes = np.unique(y)
hits = 0
for i in range(len(y)):
    others = [j for j in idx[i] if j != i][:k]
    votes = [np.sum(y[others] == c) for c in classes]
    hits += classes[int(np.argmax(votes))] == y[i]
out["knn_loo"] = hits / len(y)
p = PCA(n_components=2).fit(X)
out["pca_var1"], out["pca_var2"] = p.explained_variance_
out["pca_ratio1"] = p.explained_variance_ratio_[0]
proj = p.transform(X)
out["pca_abs_proj_sum1"] = float(np.abs(proj[:, 0]).sum())
out["pca_abs_comp_max1"] = float(np.abs(p.components_[0]).max())
for name, v in out.items():
    print(name, repr(float(v)))
