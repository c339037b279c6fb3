"""all-MiniLM-L6-v2's WordPiece tokenizer, used to keep every chunk inside the model's window.

The same tokenizer serves both backends: Ollama's `all-minilm:l6` is the same model, so a chunk
that fits here fits there too.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Sequence

from tokenizers import Encoding, Tokenizer

TOKENIZER_PATH = Path(__file__).parent / "assets" / "minilm-tokenizer.json"
#: all-MiniLM-L6-v2 was trained with sequences of at most 256 tokens.
MAX_SEQUENCE_TOKENS = 256
#: [CLS] and [SEP] take two positions of the window.
SPECIAL_TOKENS = 2
MAX_CONTENT_TOKENS = MAX_SEQUENCE_TOKENS - SPECIAL_TOKENS


@lru_cache(maxsize=1)
def counting_tokenizer() -> Tokenizer:
    """A tokenizer with truncation and padding off, for exact token counts and offsets."""
    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def model_tokenizer() -> Tokenizer:
    """A fresh tokenizer for model input: truncation at 256, padding to the longest in a batch."""
    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    tokenizer.enable_truncation(max_length=MAX_SEQUENCE_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return tokenizer


class TokenCounter:
    """Counts embedder tokens (without special tokens) for texts, in batches."""

    def __init__(self) -> None:
        self._tokenizer = counting_tokenizer()

    def count(self, text: str) -> int:
        """Number of content tokens in ``text``."""
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def count_many(self, texts: Sequence[str]) -> list[int]:
        """Number of content tokens for each text, encoded as one batch."""
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [len(encoding.ids) for encoding in encodings]

    def encode(self, text: str) -> Encoding:
        """The full encoding (ids and character offsets) of ``text``, without special tokens."""
        return self._tokenizer.encode(text, add_special_tokens=False)
