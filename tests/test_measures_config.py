"""Measures YAML: validation errors name the file and the measure; project files extend defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenure.errors import ConfigError
from tenure.measures import (
    MEASURES_FILE,
    MeasureKind,
    default_measures_config,
    load_measures_config,
    project_measures_config,
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / MEASURES_FILE
    path.write_text(text)
    return path


def test_unknown_kind_names_the_file_and_the_measure(tmp_path: Path) -> None:
    path = _write(tmp_path, "measures:\n  - name: logins_7d\n    kind: event_cont\n")
    with pytest.raises(ConfigError) as exc:
        load_measures_config(path)
    message = str(exc.value)
    assert str(path) in message
    assert "'logins_7d'" in message
    assert "event_cont" in message
    assert "event_count" in message  # the valid kinds are listed


def test_ratio_of_an_unknown_measure_names_both(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "measures:\n"
        "  - name: reports_per_seat\n"
        "    kind: ratio\n"
        "    numerator: reports_28d\n"
        "    denominator: seat_count\n",
    )
    with pytest.raises(ConfigError, match=r"'reports_per_seat' \(ratio\) refers to 'seat_count'"):
        load_measures_config(path)


def test_missing_field_names_the_measure_and_the_field(tmp_path: Path) -> None:
    path = _write(tmp_path, "measures:\n  - name: exports_28d\n    kind: event_count\n")
    with pytest.raises(ConfigError) as exc:
        load_measures_config(path)
    assert "measure 'exports_28d', field 'window_days': Field required" in str(exc.value)


def test_unknown_field_and_bad_name_are_rejected(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "measures:\n  - name: Logins\n    kind: event_count\n    window_days: 7\n"
        "    windows: 7\n",
    )
    with pytest.raises(ConfigError) as exc:
        load_measures_config(path)
    message = str(exc.value)
    assert "field 'name'" in message
    assert "field 'windows': Extra inputs are not permitted" in message


def test_cycles_and_duplicates_are_rejected(tmp_path: Path) -> None:
    cycle = _write(
        tmp_path,
        "defaults: replace\nmeasures:\n"
        "  - {name: a, kind: ratio, numerator: b, denominator: b}\n"
        "  - {name: b, kind: change, of: a, window_days: 7}\n",
    )
    with pytest.raises(ConfigError, match="refers to itself through a -> b -> a"):
        load_measures_config(cycle)
    twice = _write(
        tmp_path,
        "measures:\n  - {name: mrr, kind: mrr}\n  - {name: mrr, kind: seats}\n",
    )
    with pytest.raises(ConfigError, match="'mrr' is declared twice"):
        load_measures_config(twice)


def test_a_ratio_of_a_label_is_rejected(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "measures:\n  - {name: odd, kind: ratio, numerator: mrr, denominator: plan}\n",
    )
    with pytest.raises(ConfigError, match="'plan', a label"):
        load_measures_config(path)


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "measures: [\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_measures_config(path)


def test_project_file_extends_and_overrides_the_defaults(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "measures:\n"
        "  - name: reports_7d\n    kind: event_count\n    events: [create_report]\n"
        "    window_days: 7\n"
        "  - name: logins_28d\n    kind: event_count\n    events: [login]\n"
        "    window_days: 14\n",
    )
    config = project_measures_config(tmp_path)
    defaults = default_measures_config()
    assert config.names == [*defaults.names, "reports_7d"]
    assert config.measure("logins_28d").window_days == 14


def test_replace_uses_the_project_measures_alone(tmp_path: Path) -> None:
    _write(tmp_path, "defaults: replace\nmeasures:\n  - {name: mrr, kind: mrr}\n")
    assert project_measures_config(tmp_path).names == ["mrr"]


def test_without_a_project_file_the_defaults_apply(tmp_path: Path) -> None:
    assert project_measures_config(tmp_path).names == default_measures_config().names


def test_defaults_use_every_simulated_event_name() -> None:
    from tenure.simulate.catalog import FEATURES

    named = {
        e for m in default_measures_config().measures for e in (getattr(m, "events", None) or [])
    }
    assert named == set(FEATURES)


def test_every_measure_kind_is_documented() -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "measures.md").read_text()
    from tenure.measures.config import MEASURE_MODELS

    assert set(MEASURE_MODELS) == set(MeasureKind)
    for kind, model in MEASURE_MODELS.items():
        assert f"### `{kind}`" in docs, f"measure kind {kind} is not documented"
        for field in model.model_fields:
            if field not in {"name", "kind", "description"}:
                assert f"`{field}`" in docs, f"field {field} of {kind} is not documented"
    for name in default_measures_config().names:
        assert f"`{name}`" in docs, f"default measure {name} is not listed"
