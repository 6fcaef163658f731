"""text: tokenizers, pretrained text encoders and text classifiers (built on minitorch).

- ``tokenizer``: BERT's WordPiece, read from a Hugging Face ``tokenizer.json``;
- ``models``: a BERT encoder that loads all-MiniLM-L6-v2 (``load_minilm``,
  ``sentence_embeddings``);
- ``data``: ``TextDataLoaders.from_csv / from_df / from_folder / from_lists / from_splits``;
- ``learner``: ``text_classifier_learner`` and feature extraction (``text_head_learner``);
- ``python -m project.sst2`` (a run script outside the package) reproduces the README's SST-2 figures.
"""

# --- tokenizer (text/tokenizer.py) --- BEGIN
from text.tokenizer import BertTokenizer, Encoding, WordPieceTokenizer, minilm_tokenizer

__all__ = ["BertTokenizer", "Encoding", "WordPieceTokenizer", "minilm_tokenizer"]
# --- tokenizer --- END

# --- data (text/data.py) --- BEGIN
from text.data import SortedDataLoader, TextDataLoaders, TextDataset

__all__ += ["SortedDataLoader", "TextDataLoaders", "TextDataset"]
# --- data --- END

# --- models and learner ---
from text.learner import text_classifier_learner, text_head_learner  # noqa: E402
from text.models import load_minilm, sentence_embeddings  # noqa: E402

__all__ += ["load_minilm", "sentence_embeddings", "text_classifier_learner", "text_head_learner"]
# --- models and learner --- END
