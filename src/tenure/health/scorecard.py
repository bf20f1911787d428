"""Health scorecards declared as data: the pydantic model of ``scorecard.yaml`` and its loader.

A scorecard turns an account's measures at one as-of date into a health score from 0 to 100 and
a colour. Each **component** reads one number, a measure (``measure: seat_utilisation_28d``) or a
model's score (``model: churn_risk``, a column of the warehouse table ``scores``), and maps it to
**points**: 100 at or beyond its ``green`` threshold, 0 at or beyond its ``red`` threshold, linear
in between. The card's **score** is the weighted mean of its components' points; its **colour**
comes from the score and the card's two band cut-offs (``bands.green``, ``bands.red``).
``docs/health.md`` documents every field (a test checks it).

The built-in card lives in ``default_scorecard.yaml`` beside this module; a project's own
``scorecard.yaml`` (beside ``tenure.yaml``) replaces it.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tenure.config import read_yaml, validate_listing
from tenure.errors import ConfigError

__all__ = [
    "SCORECARD_FILE",
    "Bands",
    "Colour",
    "Component",
    "Direction",
    "Scorecard",
    "default_scorecard",
    "load_scorecard",
    "project_scorecard",
]

#: A project's own scorecard, beside ``tenure.yaml``; it replaces the built-in one.
SCORECARD_FILE = "scorecard.yaml"

_NAME = r"^[a-z][a-z0-9_]*$"
_DEFAULT_SOURCE = "tenure/health/default_scorecard.yaml"


class Colour(StrEnum):
    """Health colours, worst last; ``docs/health.md`` defines each (a test checks it)."""

    green = "green"
    yellow = "yellow"
    red = "red"


class Direction(StrEnum):
    """Which way a component's number is good."""

    higher = "higher"
    lower = "lower"


class Component(BaseModel):
    """One input of a scorecard and how it maps to points (0-100)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(
        None, pattern=_NAME,
        description="Name of the component (default: its measure or model column).",
    )
    measure: str | None = Field(
        None, pattern=_NAME, description="A numeric measure of the project's measures config."
    )
    model: str | None = Field(
        None, pattern=_NAME,
        description="A column of the warehouse table `scores` (written by `tenure score`).",
    )
    direction: Direction = Field(description="'higher' or 'lower': which way the number is good.")
    green: float = Field(description="At or beyond this value (in the good direction): 100 points.")
    red: float = Field(description="At or beyond this value (in the bad direction): 0 points.")
    weight: float = Field(1.0, gt=0, description="Weight of the component in the card's score.")
    missing: Literal["skip"] | Annotated[float, Field(ge=0, le=100)] = Field(
        "skip",
        description="What a missing value counts as: 'skip' leaves the component out of that "
        "row's weighted mean, a number 0-100 gives it that many points.",
    )
    description: str | None = Field(None, description="Why the component is on the card.")

    @model_validator(mode="after")
    def _check(self) -> Component:
        if (self.measure is None) == (self.model is None):
            raise ValueError(
                "give exactly one of 'measure' (a measure name) or 'model' (a column of the "
                "scores table, e.g. churn_risk)"
            )
        if self.green == self.red:
            raise ValueError(
                f"green and red are both {self.green}; they must differ so points can run "
                "from 0 to 100 between them"
            )
        if self.direction is Direction.higher and self.green < self.red:
            raise ValueError(
                f"direction is 'higher' but green ({self.green}) is below red ({self.red}); "
                "swap the thresholds or set direction: lower"
            )
        if self.direction is Direction.lower and self.green > self.red:
            raise ValueError(
                f"direction is 'lower' but green ({self.green}) is above red ({self.red}); "
                "swap the thresholds or set direction: higher"
            )
        return self

    @property
    def key(self) -> str:
        """The component's name: ``name``, else its measure or model column."""
        return self.name or self.measure or self.model  # type: ignore[return-value]

    @property
    def source(self) -> str:
        """Where the value comes from, as written in YAML: ``measure X`` or ``model X``."""
        return f"measure {self.measure}" if self.measure else f"model {self.model}"


class Bands(BaseModel):
    """Cut-offs of the card's score: ``score >= green`` is green, ``score < red`` is red."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    green: float = Field(70.0, ge=0, le=100, description="Lowest score that is green.")
    red: float = Field(40.0, ge=0, le=100, description="Scores below this are red.")

    @model_validator(mode="after")
    def _check(self) -> Bands:
        if self.red > self.green:
            raise ValueError(
                f"bands.red ({self.red}) is above bands.green ({self.green}); red must be at "
                "most green"
            )
        return self

    def colour(self, score: float) -> Colour | None:
        """The colour of one score (None when the score is missing)."""
        if score != score:  # NaN
            return None
        if score >= self.green:
            return Colour.green
        return Colour.red if score < self.red else Colour.yellow


class Scorecard(BaseModel):
    """A validated scorecard: named components with distinct names, and band cut-offs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=_NAME, description="Name of the card (snake_case), kept in history.")
    description: str | None = Field(None, description="What the card is for.")
    bands: Bands = Field(default_factory=Bands, description="Cut-offs of the card's colour.")
    components: list[Component] = Field(min_length=1, description="What the score is made of.")

    @model_validator(mode="after")
    def _unique(self) -> Scorecard:
        seen: set[str] = set()
        for c in self.components:
            if c.key in seen:
                raise ValueError(
                    f"component {c.key!r} appears twice; give one of them a distinct 'name'"
                )
            seen.add(c.key)
        return self

    @property
    def measures(self) -> list[str]:
        """Measures the card reads."""
        return [c.measure for c in self.components if c.measure]

    @property
    def models(self) -> list[str]:
        """Columns of the ``scores`` table the card reads."""
        return [c.model for c in self.components if c.model]

    def check_measures(self, known: Sequence[str], labels: Sequence[str] = (), *,
                       source: str = "scorecard") -> None:
        """Raise :class:`ConfigError` when a component names a measure that is not numeric.

        Parameters
        ----------
        known
            Names of the numeric measures of the project.
        labels
            Names of label measures (``plan``, ``nps_category``), which cannot give points.
        source
            The file the card came from, for the message.
        """
        for c in self.components:
            if c.measure is None or c.measure in known:
                continue
            if c.measure in labels:
                raise ConfigError(
                    f"{source}: component {c.key!r}: measure {c.measure!r} is a label, not a "
                    "number; use a numeric measure (e.g. nps_score instead of nps_category)."
                )
            raise ConfigError(
                f"{source}: component {c.key!r}: measure {c.measure!r} is not a measure of this "
                f"project; known measures: {', '.join(known)}. Fix the name or declare the "
                "measure in measures.yaml."
            )


def _parse(raw: object, source: str) -> Scorecard:
    """Validate ``raw`` YAML data; errors name ``source``, the component and the field."""

    def rewrite(where: str, message: str) -> str:
        # A union of 'skip' and a number: one message, not one per alternative.
        if where.endswith("field 'missing'"):
            return "use 'skip' or a number of points from 0 to 100"
        return message

    return validate_listing(Scorecard, raw, source, items="components", item="component",
                            expected="'name' and a 'components' list",
                            labels=("name", "measure", "model"), depth=1, rewrite=rewrite)


def default_scorecard() -> Scorecard:
    """The built-in scorecard (``default_scorecard.yaml`` shipped with Tenure).

    Examples
    --------
    >>> default_scorecard().name
    'default'
    """
    text = resources.files("tenure.health").joinpath("default_scorecard.yaml").read_text()
    return _parse(read_yaml(text, _DEFAULT_SOURCE), _DEFAULT_SOURCE)


def load_scorecard(path: Path) -> Scorecard:
    """Read and validate a scorecard file.

    Raises
    ------
    ConfigError
        When the file is missing or not valid YAML, or a component is malformed (no or two
        sources, thresholds the wrong way round, a weight of 0); the message names the file,
        the component and the fix.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: scorecard file not found; create it or drop the option.")
    return _parse(read_yaml(path.read_text(), str(path)), str(path))


def project_scorecard(project: Path) -> tuple[Scorecard, str]:
    """The project's scorecard and where it came from: ``PROJECT/scorecard.yaml`` if present,
    else the built-in one."""
    path = Path(project) / SCORECARD_FILE
    if path.is_file():
        return load_scorecard(path), str(path)
    return default_scorecard(), _DEFAULT_SOURCE
