"""Module 4, task 4.5: sentence sentiment with a convolutional network (Kim, 2014) on SST-2.

Each word becomes its pretrained GloVe vector, so a sentence is a
``(length, 50)`` sequence. Convolutions with windows of 3, 4 and 5 words
slide along it (``Conv1d``: the 50 vector entries are the input channels)
and each of their feature maps is max-pooled over time: "did this 4-word
pattern occur anywhere in the sentence?" The pooled features, with
dropout, feed a linear layer that scores the two classes::

    indices (B, L) -embedding-> (B, L, 50) -permute-> (B, 50, L)
      -conv k=3,4,5 + relu-> (B, 100, L-k+1) -max over time-> (B, 100) x 3
      -dropout, linear-> (B, 2)

Kim's network concatenates the three pooled vectors before the linear
layer. A linear layer of a concatenation is the sum of one linear layer
per part, ``W [a; b; c] = W_a a + W_b b + W_c c``, which is how it is
written here (one ``Linear`` per window size, the bias on the first).

Command line (downloads SST-2 and GloVe through the data catalogue)::

    python -m project.train_sentiment             # all 67,349 phrases, 4 epochs: ~77% dev
"""

from __future__ import annotations

import argparse
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from minitorch import nn
from minitorch.autodiff import no_grad
from minitorch.fast_ops import course_kernels
from minitorch.layers import modules as layers
from minitorch.layers.losses import cross_entropy
from minitorch.module import Module
from minitorch.optim import Adam
from minitorch.tensor import Tensor
from minitorch.tensor_ops import TensorBackend


class SentenceCNN(Module):
    """Kim's CNN over frozen word vectors (see the module docstring).

    Args:
        vectors: ``(vocabulary, dim)`` word vectors; row 0 is padding.
        feature_maps: filters per window size.
        windows: the window sizes (words).
        classes: the number of outputs.
        dropout: the dropout rate on the pooled features.
        backend: where the parameters live (float32).
    """

    def __init__(
        self, vectors: np.ndarray, feature_maps: int = 100, windows: Sequence[int] = (3, 4, 5),
        classes: int = 2, dropout: float = 0.5, backend: Optional[TensorBackend] = None,
    ) -> None:
        super().__init__()
        dim = vectors.shape[1]
        self.windows = tuple(windows)
        self.embedding = layers.Embedding.from_pretrained(vectors.astype(np.float32), padding_idx=0,
                                                          backend=backend)
        self.convs = layers.ModuleList(
            [layers.Conv1d(dim, feature_maps, k, backend=backend, dtype="float32") for k in self.windows]
        )
        self.heads = layers.ModuleList(
            [layers.Linear(feature_maps, classes, bias=i == 0, backend=backend, dtype="float32")
             for i in range(len(self.windows))]
        )
        self.dropout = layers.Dropout(dropout)

    def forward(self, indices: np.ndarray) -> Tensor:
        """Class scores ``(B, classes)`` for padded token indices ``(B, L)``, ``L >= max(windows)``.

        Embed the indices (``(B, L, dim)``) and move the vector entries to the
        channel dim (``(B, dim, L)``, contiguous). Then for each window size,
        ``self.convs[i]`` with ReLU, the maximum over time (``nn.max`` over
        the last dim, viewed as ``(B, feature_maps)``), ``self.dropout``, and
        ``self.heads[i]``; the result is the sum of the heads' outputs (only
        ``heads[0]`` has a bias). See the module docstring for why a sum.

        Args:
            indices: ``(B, L)`` integer token rows, padded with 0.

        Returns:
            ``(B, classes)`` scores (logits, float32).
        """
        # BEGIN SOLUTION task4_5
        batch = indices.shape[0]
        x = self.embedding(indices).permute(0, 2, 1).contiguous()  # (B, dim, L)
        scores = None
        for conv, head in zip(self.convs, self.heads):
            features = nn.max(conv(x).relu(), 2).view(batch, conv.out_channels)
            part = head(self.dropout(features))
            scores = part if scores is None else scores + part
        return scores
        # END SOLUTION


class Vocabulary:
    """Words to row numbers of a GloVe matrix; row 0 is padding, unknown words are skipped.

    Args:
        words: GloVe's words (row order of ``vectors``).
        vectors: their vectors.
        keep: only these words are kept (e.g. those of the data), to keep the matrix small.
    """

    def __init__(self, words: Sequence[str], vectors: np.ndarray, keep: Optional[set] = None) -> None:
        rows = [i for i, w in enumerate(words) if keep is None or w in keep]
        self.index: Dict[str, int] = {words[i]: n + 1 for n, i in enumerate(rows)}
        self.vectors = np.zeros((len(rows) + 1, vectors.shape[1]), dtype=np.float32)
        self.vectors[1:] = vectors[rows]

    def encode(self, texts: Sequence[str]) -> List[np.ndarray]:
        """Each text as an array of known word indices (at least one padding entry if none known)."""
        out = []
        for text in texts:
            ids = [self.index[w] for w in text.lower().split() if w in self.index]
            out.append(np.array(ids or [0], dtype=np.int64))
        return out


def pad(sequences: Sequence[np.ndarray], min_length: int = 5) -> np.ndarray:
    """Stack index arrays into ``(B, L)`` with zeros (padding) after each, ``L >= min_length``."""
    length = max(min_length, max(len(s) for s in sequences))
    out = np.zeros((len(sequences), length), dtype=np.int64)
    for i, s in enumerate(sequences):
        out[i, : len(s)] = s
    return out


def predict(model: SentenceCNN, sequences: Sequence[np.ndarray], batch_size: int = 100) -> np.ndarray:
    """The predicted class of each sequence (evaluation mode)."""
    model.eval()
    out = []
    with no_grad():
        for i in range(0, len(sequences), batch_size):
            batch = pad(sequences[i : i + batch_size], max(model.windows))
            out.append(model(batch).to_numpy().argmax(axis=1))
    model.train()
    return np.concatenate(out)


def train(
    model: SentenceCNN, train_set: Tuple[List[np.ndarray], np.ndarray], valid_set: Tuple[List[np.ndarray], np.ndarray],
    epochs: int = 3, batch_size: int = 50, lr: float = 1e-3, lr_decay: float = 1.0, seed: int = 0,
    log: bool = True, course: bool = True,
) -> List[float]:
    """Train with Adam and cross-entropy; return the validation accuracy after each epoch.

    The learning rate is multiplied by ``lr_decay`` after each epoch (smaller
    steps at the end settle the weights: the validation accuracy wobbles less).

    Batches group sentences of similar length (sorted within chunks of 50
    batches), so little time goes into convolving padding. With ``course=True``
    (the default) the convolutions and products run the kernels of Tasks 3.2
    and 4.1 (:func:`~minitorch.fast_ops.course_kernels`); ``course=False``
    takes the toolkit's BLAS/im2col route.
    """
    with course_kernels(course):
        return _train(model, train_set, valid_set, epochs, batch_size, lr, lr_decay, seed, log)


def _train(
    model: SentenceCNN, train_set: Tuple[List[np.ndarray], np.ndarray],
    valid_set: Tuple[List[np.ndarray], np.ndarray], epochs: int, batch_size: int, lr: float,
    lr_decay: float, seed: int, log: bool,
) -> List[float]:
    sequences, labels = train_set
    opt = Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    accuracies = []
    for epoch in range(epochs):
        start = time.perf_counter()
        order = rng.permutation(len(sequences))
        chunk = batch_size * 50
        for c in range(0, len(order), chunk):  # bucket by length within each chunk
            part = order[c : c + chunk]
            part = part[np.argsort([len(sequences[i]) for i in part], kind="stable")]
            batches = [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
            for b in rng.permutation(len(batches)):
                idx = batches[b]
                loss = cross_entropy(model(pad([sequences[i] for i in idx], max(model.windows))), labels[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        opt.lr = opt.lr * lr_decay
        accuracies.append(float(np.mean(predict(model, valid_set[0]) == valid_set[1])))
        if log:
            print(f"epoch {epoch + 1}: valid accuracy {accuracies[-1]:.4f} ({time.perf_counter() - start:.1f}s)")
    return accuracies


def main(argv: Optional[List[str]] = None) -> None:
    """Train the sentence CNN on SST-2 with GloVe 50d and print the dev accuracy per epoch."""
    from minitorch.hub import datasets  # only the command line loads data (requests, tqdm)

    parser = argparse.ArgumentParser(description="Kim's CNN on SST-2 with GloVe vectors.")
    parser.add_argument("--train", type=int, default=None, help="training phrases to use (default: all)")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float, default=2e-3, help="Adam's learning rate, halved after each epoch")
    parser.add_argument("--feature-maps", type=int, default=100)
    parser.add_argument("--blas", action="store_true",
                        help="the toolkit's BLAS/im2col route instead of your kernels")
    args = parser.parse_args(argv)
    sst2 = datasets.load("sst2")
    glove = datasets.load("glove_6b_50d_top50k")
    rng = np.random.default_rng(0)
    train_rows = [sst2.train[i] for i in rng.permutation(len(sst2.train))[: args.train]]
    texts = [t for t, _ in train_rows] + [t for t, _ in sst2.valid]
    vocab = Vocabulary(glove.words, glove.vectors, keep={w for t in texts for w in t.lower().split()})
    train_set = (vocab.encode([t for t, _ in train_rows]), np.array([y for _, y in train_rows]))
    valid_set = (vocab.encode([t for t, _ in sst2.valid]), np.array([y for _, y in sst2.valid]))
    np.random.seed(0)
    model = SentenceCNN(vocab.vectors, feature_maps=args.feature_maps)
    accuracies = train(model, train_set, valid_set, epochs=args.epochs, batch_size=args.batch_size,
                       lr=args.lr, lr_decay=0.5, course=not args.blas)
    print(f"dev accuracy after the last epoch {accuracies[-1]:.4f} (target > 0.75)")


if __name__ == "__main__":
    main()
