"""The offline engine's templates: brand-editable, checked at start, never inventing facts."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from assistant.agent.guardrails import Facts, ground
from assistant.agent.offline.replies import FILE, PLACEHOLDERS, Replies
from assistant.errors import ConfigurationError
from tests.conftest import REPO


def test_every_template_renders_and_states_no_fact_of_its_own() -> None:
    replies = Replies.load(REPO / "prompts")
    for key, names in PLACEHOLDERS.items():
        for n in range(3):
            text = replies.render(key, n, **dict.fromkeys(names, "X"))
            assert text.strip()
            # a template may not carry its own prices or links: those come from tools
            problems = ground(text, Facts()).problems
            invented = [p for p in problems if p.startswith(("price", "link"))]
            assert invented == [], (key, text)


def test_a_variant_overrides_templates(tmp_path: Path) -> None:
    (tmp_path / FILE).write_text((REPO / "prompts" / FILE).read_text())
    (tmp_path / "variants" / "calm").mkdir(parents=True)
    (tmp_path / "variants" / "calm" / FILE).write_text('thanks: "Glad I could help."\n')
    assert Replies.load(tmp_path, "calm").render("thanks") == "Glad I could help."
    assert Replies.load(tmp_path).render("thanks") != "Glad I could help."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("search_intro: [\n", "not valid YAML"),
        ("- a list\n", "expected a mapping"),
        ('thanks: "Hi {name}"\n', "thanks: unknown placeholder(s) ['name']"),
        ('thanks: ""\n', "thanks: must be text"),
        ('thank: "typo"\n', "unknown template(s) ['thank']"),
    ],
)
def test_broken_files_name_the_file_and_the_key(tmp_path: Path, content: str, message: str) -> None:
    base = (REPO / "prompts" / FILE).read_text()
    if content.startswith(("search_intro: [", "- a list")):
        text = content
    else:
        key = content.split(":")[0]
        text = (
            "\n".join(line for line in base.splitlines() if not line.startswith(f"{key}:"))
            + "\n"
            + content
        )
    (tmp_path / FILE).write_text(text)
    with pytest.raises(ConfigurationError) as caught:
        Replies.load(tmp_path)
    assert str(tmp_path / FILE) in str(caught.value) and message in str(caught.value)


def test_placeholder_table_matches_the_shipped_file() -> None:
    import yaml

    shipped = yaml.safe_load((REPO / "prompts" / FILE).read_text())
    assert set(shipped) == set(PLACEHOLDERS)
    for key, lines in shipped.items():
        for line in lines if isinstance(lines, list) else [lines]:
            used = {name for _, name, _, _ in string.Formatter().parse(line) if name}
            assert used <= PLACEHOLDERS[key]
