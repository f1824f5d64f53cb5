"""Understanding a shopper's message as dialogue acts, with a confidence (offline engine)."""

from assistant.agent.understanding.acts import ActClassifier, Reading
from assistant.agent.understanding.examples import ACTS, Act, Examples, load_examples

__all__ = ["ACTS", "Act", "ActClassifier", "Examples", "Reading", "load_examples"]
