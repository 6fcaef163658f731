"""text: tokenizers and pretrained text encoders (built on minitorch).

Empty for now: the text issue fills it (WordPiece, MiniLM, TextDataLoaders).
"""

# --- tokenizer (text/tokenizer.py) --- BEGIN
from text.tokenizer import BertTokenizer, Encoding, WordPieceTokenizer, minilm_tokenizer

__all__ = ["BertTokenizer", "Encoding", "WordPieceTokenizer", "minilm_tokenizer"]
# --- tokenizer --- END
