"""Project settings: defaults, the rendered tenure.yaml, and errors that name the setting."""

from __future__ import annotations

import pytest
import yaml

from tenure.config import (
    CONFIG_FILE,
    ProjectConfig,
    RevenueDefinitions,
    load_config,
    render_default_config,
)
from tenure.errors import ConfigError


def test_missing_file_gives_defaults(tmp_path):
    assert load_config(tmp_path) == ProjectConfig()


def test_rendered_config_parses_back_to_the_defaults_and_explains_each_setting():
    text = render_default_config()
    assert ProjectConfig.model_validate(yaml.safe_load(text)) == ProjectConfig()
    for name, field in RevenueDefinitions.model_fields.items():
        assert f"  {name}: " in text
        assert field.description.split()[0] in text


def test_settings_are_read(tmp_path):
    (tmp_path / CONFIG_FILE).write_text(
        "reporting_currency: EUR\ndefinitions:\n  refund_window_days: 14\n"
    )
    cfg = load_config(tmp_path)
    assert cfg.reporting_currency == "EUR"
    assert cfg.definitions.refund_window_days == 14
    assert cfg.definitions.churn_recognition == "service_end"


def test_unknown_setting_is_named_with_the_file(tmp_path):
    (tmp_path / CONFIG_FILE).write_text("definitions:\n  refund_window: 14\n")
    with pytest.raises(ConfigError, match=r"tenure\.yaml: setting 'definitions\.refund_window'"):
        load_config(tmp_path)


def test_out_of_range_setting_shows_the_value(tmp_path):
    (tmp_path / CONFIG_FILE).write_text("definitions:\n  grace_period_days: -3\n")
    with pytest.raises(ConfigError, match=r"grace_period_days.*found -3"):
        load_config(tmp_path)


def test_bad_yaml_is_reported(tmp_path):
    (tmp_path / CONFIG_FILE).write_text("definitions: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(tmp_path)


def test_config_errors_are_value_errors():
    assert issubclass(ConfigError, ValueError)
