#!/usr/bin/python3
"""Datasets and a tuned scikit-learn reference for choosing `backprop train`'s defaults.

Writes seeded train/test CSV splits of small tabular datasets (scikit-learn's bundled iris, wine,
breast cancer, digits and diabetes, plus synthetic sets with a categorical column) under OUT, and
the test scores of scikit-learn's MLP, both untuned and tuned by 3-fold grid search (hidden layers × L2 penalty × learning rate) on the training
part, to OUT/sklearn.json. scripts/cli-defaults.ts then trains backprop on the same splits.

Needs Debian's python3-sklearn (apt-get install python3-sklearn); run with /usr/bin/python3:
    /usr/bin/python3 scripts/cli-defaults-data.py /tmp/cli-defaults
"""
import json
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd
from sklearn import datasets
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

warnings.filterwarnings("ignore", category=ConvergenceWarning)
OUT = sys.argv[1] if len(sys.argv) > 1 else "/tmp/cli-defaults"
SPLITS = 3


def with_category(x, y, rng, classify):
    """Adds a 4-level categorical column 'group' that carries part of the signal."""
    df = pd.DataFrame(x, columns=[f"x{i}" for i in range(x.shape[1])])
    group = rng.integers(0, 4, size=len(df))
    df["group"] = np.array(["north", "south", "east", "west"])[group]
    if classify:
        # the group shifts the most informative feature, so it matters for the label
        df["x0"] = df["x0"] + np.array([-1.0, 0.0, 0.5, 1.0])[group]
        return df, y
    return df, y + np.array([-2.0, 0.0, 1.0, 3.0])[group]


def make():
    rng = np.random.default_rng(7)
    sets = {}
    sets["iris"] = ("classify", *datasets.load_iris(return_X_y=True, as_frame=True))
    sets["wine"] = ("classify", *datasets.load_wine(return_X_y=True, as_frame=True))
    sets["breast_cancer"] = ("classify", *datasets.load_breast_cancer(return_X_y=True, as_frame=True))
    dx, dy = datasets.load_digits(return_X_y=True, as_frame=True)
    idx = rng.choice(len(dx), 600, replace=False)
    sets["digits600"] = ("classify", dx.iloc[idx].reset_index(drop=True), dy.iloc[idx].reset_index(drop=True))
    x, y = datasets.make_classification(n_samples=400, n_features=20, n_informative=8, n_redundant=2, n_classes=2, class_sep=0.8, flip_y=0.03, random_state=1)
    sets["synth_binary_cat"] = ("classify", *with_category(x, y, rng, True))
    x, y = datasets.make_classification(n_samples=500, n_features=30, n_informative=10, n_redundant=0, n_classes=5, n_clusters_per_class=2, class_sep=1.0, random_state=2)
    sets["synth_5class_cat"] = ("classify", *with_category(x, y, rng, True))
    sets["diabetes"] = ("regress", *datasets.load_diabetes(return_X_y=True, as_frame=True))
    x, y = datasets.make_friedman1(n_samples=400, n_features=10, noise=0.5, random_state=3)
    sets["friedman1_cat"] = ("regress", *with_category(x, y, rng, False))
    return sets


def model(task, tuned):
    def pre(df):
        cats = [c for c in df.columns if df[c].dtype == object]
        nums = [c for c in df.columns if c not in cats]
        return ColumnTransformer([("num", StandardScaler(), nums), ("cat", OneHotEncoder(handle_unknown="ignore"), cats)])
    if task == "classify":
        mlp = MLPClassifier(max_iter=2000, random_state=0)
    else:
        mlp = MLPRegressor(max_iter=2000, random_state=0)
    grid = {
        "mlp__hidden_layer_sizes": [(16,), (100,), (64, 32)],
        "mlp__alpha": [1e-4, 1e-2, 1.0],
        "mlp__learning_rate_init": [1e-3, 1e-2],
    }
    def build(df):
        pipe = Pipeline([("pre", pre(df)), ("mlp", mlp)])
        est = GridSearchCV(pipe, grid, cv=3, n_jobs=1) if tuned else pipe
        if task == "regress":
            return TransformedTargetRegressor(regressor=est, transformer=StandardScaler())
        return est
    return build


def main():
    os.makedirs(OUT, exist_ok=True)
    results = {}
    for name, (task, x, y) in make().items():
        y = pd.Series(np.asarray(y), name="target")
        rows = []
        for split in range(SPLITS):
            strat = y if task == "classify" else None
            xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, random_state=split, stratify=strat)
            d = os.path.join(OUT, name, f"split{split}")
            os.makedirs(d, exist_ok=True)
            pd.concat([xtr, ytr], axis=1).to_csv(os.path.join(d, "train.csv"), index=False, float_format="%.6g")
            pd.concat([xte, yte], axis=1).to_csv(os.path.join(d, "test.csv"), index=False, float_format="%.6g")
            row = {}
            for label, tuned in [("default", False), ("tuned", True)]:
                t0 = time.time()
                est = model(task, tuned)(xtr)
                est.fit(xtr, ytr)
                p = est.predict(xte)
                score = accuracy_score(yte, p) if task == "classify" else r2_score(yte, p)
                row[label] = {"score": score, "seconds": time.time() - t0}
            rows.append(row)
            print(name, split, {k: round(v["score"], 4) for k, v in row.items()}, flush=True)
        results[name] = {"task": task, "rows": len(x), "features": x.shape[1], "splits": rows}
    with open(os.path.join(OUT, "sklearn.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
