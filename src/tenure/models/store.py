"""Trained models kept in the project folder, one set per ``tenure train`` run.

Layout::

    PROJECT/models/current.json          which run's set is in use: {"run": ..., "kinds": [...]}
    PROJECT/models/run-<id>/{kind}.joblib  the fitted estimator
    PROJECT/models/run-<id>/{kind}.json    what a reader needs without unpickling anything

The ``.json`` file holds the kind, horizon, when and on what the model was trained, the versions
it was trained with, and the evaluation of its time-ordered backtest.

A run writes its models into a staging folder (:class:`ModelRun`); only when the run completes
is the folder renamed into place and ``current.json`` replaced (one atomic rename), so an
interrupted ``tenure train`` (Ctrl-C, a crash, a full disk) leaves the previous set exactly as it
was, and ``tenure score`` reads every model from one run. Kinds the run was not asked to train
(``tenure train --models churn``) are carried over from the previous set; a kind it was asked
for but skipped (its data cannot support it) is left out, not kept from an older run. A run
that trains no model changes nothing. Each model's ``.json`` names the run that trained it.
The previous run's folder is kept until the next run completes, so a reader that opened it just
before the switch can finish. Projects trained before this layout (``models/{kind}.joblib``
directly) are read as one set until the next run replaces it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import joblib
import sklearn

import tenure
from tenure.errors import InputError

__all__ = [
    "MANIFEST",
    "MODELS_DIR",
    "ModelRun",
    "StoredModel",
    "current_folder",
    "load_model",
    "load_models",
    "save_model",
    "stored_kinds",
]

#: Folder of the project that holds the trained models.
MODELS_DIR = "models"
#: File in MODELS_DIR naming the run whose set is in use.
MANIFEST = "current.json"
_RUN_PREFIX = "run-"
_STAGING_PREFIX = ".staging-"


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


def _manifest(project: Path) -> dict[str, Any] | None:
    path = _folder(project) / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:
        raise InputError(f"{path} is not valid JSON (it names the current set of models); "
                         f"delete it and run `tenure train --project {project}`.") from None


def current_folder(project: Path) -> Path:
    """The folder holding the set of models in use (the models folder itself for a project
    trained before sets were kept by run)."""
    manifest = _manifest(project)
    if manifest is None:
        return _folder(project)
    return _folder(project) / str(manifest["run"])


def _kinds_in(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(
        p.stem for p in folder.glob("*.joblib") if (folder / f"{p.stem}.json").exists()
    )


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


class ModelRun:
    """The set of models of one ``tenure train`` run, switched in whole or not at all.

    Use it as a context manager: :meth:`save` each model, and the set replaces the current one
    when the block ends normally (:meth:`commit`). When the block raises (``KeyboardInterrupt``
    included) the staged models are deleted and the current set is left untouched. A run that
    saved no model changes nothing.

    Parameters
    ----------
    project
        The project folder.
    replaces
        Kinds this run is responsible for: those it does not save (skipped for lack of data)
        are left out of the new set, not carried over from an earlier run. Every other kind of
        the current set is carried over (``tenure train --models churn`` keeps the expansion
        model). Default: only the kinds saved.

    Examples
    --------
    >>> with ModelRun(project) as run:  # doctest: +SKIP
    ...     run.save("churn", model, {"horizon_days": 90})
    """

    def __init__(self, project: Path, *, replaces: Iterable[str] = ()) -> None:
        self.project = Path(project)
        self.replaces = set(replaces)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        self.run_id = f"{_RUN_PREFIX}{stamp}-{uuid.uuid4().hex[:8]}"
        self.staging = _folder(project) / f"{_STAGING_PREFIX}{self.run_id}"
        self.saved: list[str] = []
        #: Kinds of the previous set left out of the new one (set by :meth:`commit`).
        self.dropped: list[str] = []

    def __enter__(self) -> ModelRun:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()

    def save(self, kind: str, model: Any, meta: dict[str, Any]) -> Path:
        """Stage ``model`` and its metadata as ``{kind}.joblib`` / ``{kind}.json``.

        ``meta`` is completed with the kind, the run, the time of training and the versions of
        Tenure and scikit-learn; it must be JSON-serialisable.
        """
        full = {
            **meta,
            "kind": kind,
            "run": self.run_id,
            "trained_at": meta.get("trained_at") or datetime.now(UTC).isoformat(
                timespec="seconds"),
            "tenure_version": tenure.__version__,
            "sklearn_version": sklearn.__version__,
        }
        text = json.dumps(full, indent=2, default=str)
        target = self.staging / f"{kind}.joblib"
        _atomic_write(target, lambda tmp: joblib.dump(model, tmp))
        _atomic_write(self.staging / f"{kind}.json", lambda tmp: Path(tmp).write_text(text))
        if kind not in self.saved:
            self.saved.append(kind)
        return target

    def discard(self) -> None:
        """Delete the staged models; the current set stays as it was."""
        shutil.rmtree(self.staging, ignore_errors=True)

    def commit(self) -> Path | None:
        """Make the staged models (and the carried-over ones) the current set.

        Returns the new set's folder, or None when the run saved no model (nothing changes).
        """
        if not self.saved:
            self.discard()
            return None
        folder = _folder(self.project)
        previous = current_folder(self.project)
        for kind in _kinds_in(previous):
            if kind in self.saved:
                continue
            if kind in self.replaces:
                self.dropped.append(kind)
                continue
            for suffix in (".joblib", ".json"):
                shutil.copy2(previous / f"{kind}{suffix}", self.staging / f"{kind}{suffix}")
        final = folder / self.run_id
        os.replace(self.staging, final)
        kinds = _kinds_in(final)
        manifest = {"run": self.run_id, "kinds": kinds, "trained": self.saved,
                    "carried_over": [k for k in kinds if k not in self.saved],
                    "dropped": self.dropped}
        # The switch: one atomic rename of the manifest.
        _atomic_write(folder / MANIFEST,
                      lambda tmp: Path(tmp).write_text(json.dumps(manifest, indent=2)))
        self._clean(final, previous)
        return final

    def _clean(self, final: Path, previous: Path) -> None:
        """Remove run folders older than the previous one, and the loose files of a project
        trained before sets were kept by run once they are older than the previous set."""
        folder = _folder(self.project)
        for path in folder.iterdir():
            if (path.is_dir() and path.name.startswith(_RUN_PREFIX)
                    and path not in {final, previous}):
                shutil.rmtree(path, ignore_errors=True)
        if previous != folder:
            for stem in _kinds_in(folder):
                for suffix in (".joblib", ".json"):
                    (folder / f"{stem}{suffix}").unlink(missing_ok=True)


def save_model(project: Path, kind: str, model: Any, meta: dict[str, Any]) -> Path:
    """Save one model as a run of its own: the other kinds of the current set are carried over.

    Returns the path of the saved ``.joblib`` file. See :class:`ModelRun` to save several
    models as one set.
    """
    with ModelRun(project) as run:
        run.save(kind, model, meta)
    return current_folder(project) / f"{kind}.joblib"


def stored_kinds(project: Path) -> list[str]:
    """Kinds of model in the project's current set (those with both files present)."""
    return _kinds_in(current_folder(project))


def _load(project: Path, folder: Path, kind: str) -> StoredModel:
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


def load_model(project: Path, kind: str) -> StoredModel:
    """Read the ``kind`` model of the project's current set.

    Raises
    ------
    InputError
        When the model was never trained, or was trained with another version of Tenure or
        scikit-learn (a pickled estimator is only safe to load with the versions that wrote it);
        the message says to run ``tenure train``.
    """
    return _load(project, current_folder(project), kind)


def load_models(project: Path) -> dict[str, StoredModel]:
    """Every model of the project's current set, all read from the same run's folder.

    The folder is resolved once, so a ``tenure train`` finishing meanwhile cannot mix two runs
    into what this returns. Empty when nothing was trained.
    """
    folder = current_folder(project)
    return {kind: _load(project, folder, kind) for kind in _kinds_in(folder)}
