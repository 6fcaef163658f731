"""text: tokenizers and pretrained text encoders (built on minitorch).

Empty for now: the text issue fills it (WordPiece, MiniLM, TextDataLoaders).
"""
