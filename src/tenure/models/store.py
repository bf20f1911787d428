"""Trained models kept in the project folder: ``PROJECT/models/{kind}.joblib`` and ``{kind}.json``.

The ``.joblib`` file holds the fitted estimator; the ``.json`` file beside it holds what a reader
(or ``tenure score``) needs without unpickling anything: the kind, horizon, when and on what it
was trained, the versions it was trained with, and the evaluation of its time-ordered backtest.
A model is written to a temporary file and moved into place, so an interrupted ``tenure train``
never leaves half a model behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import sklearn

import tenure
from tenure.errors import InputError

__all__ = ["MODELS_DIR", "StoredModel", "load_model", "save_model", "stored_kinds"]

#: Folder of the project that holds the trained models.
MODELS_DIR = "models"


@dataclass(frozen=True)
class StoredModel:
    """A trained model read back from the project folder, with its metadata."""

    kind: str
    model: Any
    meta: dict[str, Any]

    @property
    def trained_at(self) -> str:
        return str(self.meta.get("trained_at", ""))


def _folder(project: Path) -> Path:
    return Path(project) / MODELS_DIR


def _atomic_write(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_model(project: Path, kind: str, model: Any, meta: dict[str, Any]) -> Path:
    """Write ``model`` and its metadata as ``PROJECT/models/{kind}.joblib`` / ``.json``.

    ``meta`` is completed with the kind, the time of training and the versions of Tenure and
    scikit-learn; it must be JSON-serialisable.
    """
    folder = _folder(project)
    full = {
        **meta,
        "kind": kind,
        "trained_at": meta.get("trained_at") or datetime.now(UTC).isoformat(timespec="seconds"),
        "tenure_version": tenure.__version__,
        "sklearn_version": sklearn.__version__,
    }
    text = json.dumps(full, indent=2, default=str)
    target = folder / f"{kind}.joblib"
    _atomic_write(target, lambda tmp: joblib.dump(model, tmp))
    _atomic_write(folder / f"{kind}.json", lambda tmp: Path(tmp).write_text(text))
    return target


def stored_kinds(project: Path) -> list[str]:
    """Kinds of model trained in this project (those with both files present)."""
    folder = _folder(project)
    if not folder.is_dir():
        return []
    return sorted(
        p.stem for p in folder.glob("*.joblib") if (folder / f"{p.stem}.json").exists()
    )


def load_model(project: Path, kind: str) -> StoredModel:
    """Read the ``kind`` model of a project.

    Raises
    ------
    InputError
        When the model was never trained, or was trained with another version of Tenure or
        scikit-learn (a pickled estimator is only safe to load with the versions that wrote it);
        the message says to run ``tenure train``.
    """
    folder = _folder(project)
    model_path, meta_path = folder / f"{kind}.joblib", folder / f"{kind}.json"
    if not model_path.exists() or not meta_path.exists():
        raise InputError(
            f"no trained {kind} model in {folder}; run `tenure train --project {project}` first."
        )
    meta = json.loads(meta_path.read_text())
    versions = {"tenure": (meta.get("tenure_version"), tenure.__version__),
                "scikit-learn": (meta.get("sklearn_version"), sklearn.__version__)}
    for name, (then, now) in versions.items():
        if then != now:
            raise InputError(
                f"{model_path} was trained with {name} {then}, and {name} {now} is installed; "
                f"retrain it with `tenure train --project {project}`."
            )
    return StoredModel(kind=kind, model=joblib.load(model_path), meta=meta)
