"""Text helpers: markdown to plain text, splitting and clipping at words, numbered replies."""

from __future__ import annotations

import pytest

from assistant.channels import resolve_numbered_reply
from assistant.channels.fallback import numbered_options, product_line
from assistant.channels.text import clip, clips, split_text, strip_markdown, truncate, utf8_bytes
from assistant.messages import QuickReply
from tests.channels.conftest import product, quick_replies


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        ("**bold** and __bold__", "bold and bold"),
        ("*it* and _it_", "it and it"),
        ("snake_case_name and 2*3*4", "snake_case_name and 2*3*4"),
        ("# Title\n## Sub", "Title\nSub"),
        ("[Shop now](https://x.example/a_b)", "Shop now: https://x.example/a_b"),
        ("[https://x.example](https://x.example)", "https://x.example"),
        ("![jacket](https://img.example/j.png)", "https://img.example/j.png"),
        ("* one\n* two", "- one\n- two"),
        ("> quoted", "quoted"),
        ("a\n\n---\n\nb", "a\n\nb"),
        ("```\ncode\n```", "code"),
        ("use `SIZE-M`", "use SIZE-M"),
        ("a\n\n\n\nb", "a\n\nb"),
    ],
)
def test_strip_markdown(markdown: str, plain: str) -> None:
    assert strip_markdown(markdown) == plain


def test_split_prefers_paragraphs_then_lines_then_words() -> None:
    text = "First paragraph here.\n\nSecond one is a bit longer.\nWith a line."
    assert split_text(text, 40) == [
        "First paragraph here.",
        "Second one is a bit longer.\nWith a line.",
    ]
    assert split_text("one two three four", 9) == ["one two", "three", "four"]


def test_split_cuts_a_word_only_when_it_alone_is_too_long() -> None:
    assert split_text("a" * 25 + " b", 10) == ["a" * 10, "a" * 10, "aaaaa b"]


def test_split_by_bytes() -> None:
    pieces = split_text("é" * 10, 6, utf8_bytes)
    assert pieces == ["ééé"] * 3 + ["é"]


def test_split_keeps_every_word() -> None:
    text = " ".join(f"word{i}" for i in range(500))
    pieces = split_text(text, 97)
    assert all(len(p) <= 97 for p in pieces)
    assert " ".join(pieces) == text


def test_truncate_and_clip() -> None:
    assert truncate("hello wonderful world", 12) == "hello…"
    assert truncate("short", 12) == "short"
    assert truncate("hello world", 8, ellipsis="...") == "hello..."
    assert clip("Alpine   Shell\nJacket Mens", 20) == "Alpine Shell Jacket…"
    assert len(clip("x" * 50, 20)) == 20


def test_numbered_options_read_naturally() -> None:
    assert numbered_options(quick_replies(1)) == "Reply 1 for Sizes."
    assert (
        numbered_options(quick_replies(3))
        == "Reply 1 for Sizes, 2 for Colors or 3 for Compare the two lightest."
    )
    assert (
        numbered_options(quick_replies(5)[3:], first=4) == "Reply 4 for Shipping or 5 for Returns."
    )
    assert numbered_options([]) == ""


@pytest.mark.parametrize(
    ("text", "index"), [("2", 1), (" 3. ", 2), ("1)", 0), ("4", None), ("0", None), ("two", None)]
)
def test_a_bare_number_picks_an_option(text: str, index: int | None) -> None:
    options = quick_replies(3)
    assert resolve_numbered_reply(text, options) == (None if index is None else options[index])


def test_product_lines() -> None:
    assert product_line(product(1), 1) == "#1 Alpine Shell Waterproof Jacket, Edition 1 - $130.00"
    sale = product(3, compare_at_price="150.00", title="Tarp")
    assert product_line(sale, 2) == "#2 Tarp - $132.00 (was $150.00), sold out"
    assert QuickReply(title="x", payload="y")  # the shared type is unchanged


def test_clipped_titles_that_would_read_alike_keep_their_ends() -> None:
    titles = [
        "Timberline Waterproof Mid Hiking Boot - Men's",
        "Timberline Waterproof Mid Hiking Boot - Women's",
        "Meadow Leather Hiker - Women's",
        "Tell me about #1",
    ]
    for limit in (40, 24, 20):
        clipped = clips(titles, limit)
        assert len(set(clipped)) == len(titles), clipped
        assert all(len(c) <= limit for c in clipped), clipped
        assert clipped[0].endswith("- Men's") and clipped[1].endswith("- Women's")
        assert clipped[3] == "Tell me about #1"
    assert clips(["Alpha Beta Gamma Delta One", "Alpha Beta Gamma Delta Two"], 20) == [
        "Alpha Beta… One",
        "Alpha Beta… Two",
    ]


def test_titles_alike_in_full_stay_as_they_are() -> None:
    assert clips(["Same", "Same"], 20) == ["Same", "Same"]
