"""The CLI reference in ``docs/cli.md``, generated from the commands themselves.

``tests/test_docs.py`` fails when the file differs from :func:`render_cli_reference`, so the docs
cannot drift. Regenerate with ``python -m tenure.cli.reference > docs/cli.md``.
"""

from __future__ import annotations

import enum
import inspect
from typing import Any

import typer

__all__ = ["render_cli_reference"]


def _option_row(param: Any) -> str:
    names = ", ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
    help_text = (getattr(param, "help", None) or "").replace("|", "\\|").replace("\n", " ")
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        help_text += f" One of: {', '.join(str(m.value) for m in annotation)}."
    default = param.default
    if getattr(param, "is_flag", False):
        default_text = "off" if not default else "on"
    elif default is None or callable(default):
        default_text = ""
    else:
        default_text = f"`{getattr(default, 'value', default)}`"
    return f"| {names} | {help_text.strip()} | {default_text} |"


def _render_group(group: Any, prefix: str) -> list[str]:
    lines: list[str] = []
    for name in sorted(group.commands):
        cmd = group.commands[name]
        if getattr(cmd, "commands", None):  # a sub-app such as `tenure analyze`
            lines += _render_group(cmd, f"{prefix} {name}")
            continue
        args = [p for p in cmd.params if p.param_type_name == "argument"]
        usage = " ".join([f"{prefix} {name}", *(a.name.upper() for a in args), "[OPTIONS]"])
        lines += [f"## `{prefix} {name}`", "", inspect.cleandoc(cmd.help or ""), "", "```", usage,
                  "```", ""]
        options = [p for p in cmd.params if p.param_type_name == "option" and p.name != "help"]
        if options:
            lines += ["| option | meaning | default |", "|---|---|---|"]
            lines += [_option_row(p) for p in options]
            lines.append("")
    return lines


def render_cli_reference() -> str:
    """Markdown reference of every ``tenure`` command, its arguments and options."""
    from tenure.cli.app import app

    root = typer.main.get_command(app)
    lines = [
        "# Command-line reference",
        "",
        "Generated from the commands by `python -m tenure.cli.reference > docs/cli.md`; a test",
        "checks it is current.",
        "",
    ]
    lines += _render_group(root, "tenure")
    return "\n".join(lines)


if __name__ == "__main__":
    typer.echo(render_cli_reference(), nl=False)
