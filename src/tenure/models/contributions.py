"""How much each input pushes a row's probability: the numbers behind ``explain``.

Both functions return, per row and input column, the drop in calibrated probability when that
input's push is taken away; an attribute's one-hot columns (and a measure's missing flag) are
one input.

* :func:`linear_pushes` is for the logistic candidate, whose log-odds are linear in the encoded
  columns: setting an input to its reference (training median or most common level), every
  other input as it is, moves them by ``sum_k w_k (z_k - r_k)`` over the input's columns, for
  every row and input in one matrix product, exactly what predicting again would give.
* :func:`tree_path_contributions` is for gradient boosting, where predicting once per input
  would cost a full pass over every tree per input. It follows each row's path down each tree
  and credits the change in node value at each split to the split's input (Saabas 2014,
  "Interpreting random forests"): the credits of a row add up exactly to its raw log-odds
  minus the trees' root values, and an input's push is removed by subtracting its credit from
  the log-odds. One pass over the trees explains every input.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

__all__ = [
    "linear_pushes",
    "tree_path_contributions",
    "tree_root_value",
]


def linear_pushes(
    Z: np.ndarray, reference: np.ndarray, weights: np.ndarray, groups: np.ndarray,
    inputs: list[str],
) -> np.ndarray:
    """Log-odds each input adds over its reference, per row: ``sum_k w_k (z_k - r_k)`` over the
    input's encoded columns (shape ``(rows, inputs)``)."""
    membership = np.zeros((len(groups), len(inputs)))
    position = {name: j for j, name in enumerate(inputs)}
    for k, name in enumerate(groups):
        membership[k, position[name]] = 1.0
    return ((Z - reference) * weights) @ membership


def _node_values(model: HistGradientBoostingClassifier, nodes: np.ndarray) -> np.ndarray:
    # Leaves hold their shrunk Newton step; inner nodes the unshrunk one: shrink them alike.
    return np.where(nodes["is_leaf"] == 1, nodes["value"],
                    nodes["value"] * model.learning_rate)


def tree_root_value(model: HistGradientBoostingClassifier) -> float:
    """Baseline plus every tree's (shrunk) root value: the log-odds credited to no input."""
    roots = sum(float(_node_values(model, p[0].nodes)[0]) for p in model._predictors)
    return float(np.ravel(model._baseline_prediction)[0]) + roots


def tree_path_contributions(
    model: HistGradientBoostingClassifier, Z: np.ndarray, input_of_column: np.ndarray,
    n_inputs: int,
) -> np.ndarray:
    """Log-odds credited to each input along each row's paths (shape ``(rows, n_inputs)``).

    ``input_of_column[k]`` is the input index of encoded column ``k``. Rows follow the model's
    own rule: left when ``x <= threshold``, missing values the way the split learned.
    """
    # Each node's credit vector (log-odds credited to each input on the way from the root) is
    # worked out once per tree; each row then only needs the leaf it lands in, found by the
    # model's own compiled predictor run on a copy of the tree whose leaves hold their ids.
    known_cat_bitsets, f_idx_map = model._bin_mapper.make_known_categories_bitsets()
    n_threads = _openmp_effective_n_threads()
    Z = np.ascontiguousarray(Z, dtype=np.float64)
    # Inputs by rows: each tree adds to the few inputs it splits on, one gather of a column each.
    out = np.zeros((n_inputs, len(Z)))
    for predictors in model._predictors:
        tree = predictors[0]
        nodes = tree.nodes
        value = _node_values(model, nodes)
        credit = np.zeros((len(nodes), n_inputs))
        stack = [0]  # the root; each parent's credit is set before its children's
        while stack:
            node = stack.pop()
            if nodes["is_leaf"][node]:
                continue
            j = input_of_column[nodes["feature_idx"][node]]
            for child in (int(nodes["left"][node]), int(nodes["right"][node])):
                credit[child] = credit[node]
                credit[child, j] += value[child] - value[node]
                stack.append(child)
        ids = nodes.copy()
        ids["value"] = np.arange(len(nodes), dtype=ids["value"].dtype)
        locate = TreePredictor(ids, tree.binned_left_cat_bitsets, tree.raw_left_cat_bitsets)
        leaf = locate.predict(Z, known_cat_bitsets, f_idx_map, n_threads).astype(np.intp)
        for j in np.flatnonzero(np.any(credit != 0, axis=0)):
            out[j] += credit[:, j][leaf]
    return np.ascontiguousarray(out.T)
