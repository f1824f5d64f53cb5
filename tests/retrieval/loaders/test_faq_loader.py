from pathlib import Path

import pytest

from assistant.retrieval.loaders.faq import load_faq_csv, load_faq_json
from assistant.retrieval.loaders.faq_markdown import load_faq_markdown
from assistant.retrieval.loaders.report import CatalogLoad


def errors_by_line(load: CatalogLoad) -> dict[int | None, str]:
    return {error.line: error.reason for error in load.errors}


def test_markdown_questions_categories_and_alternates(fixtures: Path) -> None:
    load = load_faq_markdown(fixtures / "faq/policies.md")

    delivery, international, returns, returns_again = load.faqs
    assert delivery.id == "how-long-does-delivery-take"
    assert delivery.category == "Shipping"
    assert delivery.alternate_questions == ["shipping time", "when will my order arrive"]
    assert delivery.answer.startswith("Orders leave our warehouse within 2 working days.")
    assert "### Express" in delivery.answer  # deeper headings stay in the answer
    assert international.alternate_questions == []
    assert returns.category == "Returns"
    assert "## not a heading: part of the code block" in returns.answer
    assert returns_again.id == "how-do-i-return-an-item-2"
    assert load.faq_lines == [3, 11, 17, 28]


def test_markdown_question_without_answer_is_a_bad_row(fixtures: Path) -> None:
    load = load_faq_markdown(fixtures / "faq/policies.md")

    assert errors_by_line(load) == {
        26: "answer: empty (question 'Can I exchange for another size?')"
    }


def test_csv_faqs_with_bad_rows(fixtures: Path) -> None:
    load = load_faq_csv(fixtures / "faq/faqs.csv")

    assert errors_by_line(load) == {
        3: "answer: empty (question 'What is your warranty?')",
        4: "wrong number of columns: row has 3, the header has 4",
    }
    gift, repair = load.faqs
    assert (gift.id, gift.category) == ("do-you-offer-gift-cards", "Payments")
    assert gift.alternate_questions == ["gift voucher", "present card"]
    assert (repair.category, repair.alternate_questions) == ("Warranty", [])


def test_json_faqs_keep_given_ids_and_skip_empty_answers(fixtures: Path) -> None:
    load = load_faq_json(fixtures / "faq/faqs.json")

    assert errors_by_line(load) == {11: "answer: empty (question 'Can I cancel my order?')"}
    order, price_match = load.faqs
    assert (order.id, order.category) == ("17", "Orders")
    assert order.alternate_questions == ["track my package", "order status"]
    assert (price_match.id, price_match.category) == ("do-you-price-match", "General")
    assert price_match.alternate_questions == ["price match", "cheaper elsewhere"]


@pytest.mark.shared_data
def test_ecommerce_faq_dataset_loads_all_79_entries(shared_data: Path) -> None:
    load = load_faq_json(shared_data / "ecommerce-faq-chatbot/EcommerceFAQWithIds.json")

    assert load.errors == []
    assert len(load.faqs) == 79
    assert len({faq.id for faq in load.faqs}) == 79
    first = load.faqs[0]
    assert (first.id, first.question) == ("qDNpG85o", "How can I create an account?")
    assert first.answer.startswith("To create an account, click on the 'Sign Up' button")
    assert load.faq_lines[:2] == [2, 7]
