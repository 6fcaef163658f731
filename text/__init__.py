"""text: tokenizers and pretrained text encoders (built on minitorch).

Empty for now: the text issue fills it (WordPiece, MiniLM, TextDataLoaders).
"""

# --- tokenizer (text/tokenizer.py) --- BEGIN
from text.tokenizer import BertTokenizer, Encoding, WordPieceTokenizer, minilm_tokenizer

__all__ = ["BertTokenizer", "Encoding", "WordPieceTokenizer", "minilm_tokenizer"]
# --- tokenizer --- END

# --- data (text/data.py) --- BEGIN
from text.data import SortedDataLoader, TextDataLoaders, TextDataset

__all__ += ["SortedDataLoader", "TextDataLoaders", "TextDataset"]
# --- data --- END
