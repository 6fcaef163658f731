"""The SST-2 figures of the README, reproducible: ``python -m project.sst2 {glove,features,finetune}``.

Three ways to classify the sentiment of SST-2's sentences, scored on its
872 dev sentences:

- ``glove``: the course's from-scratch baseline, a Kim CNN over GloVe 50d
  vectors (``project.train_sentiment``);
- ``features``: feature extraction: the frozen all-MiniLM-L6-v2 encoder embeds
  every sentence once, and only the head trains (``text_head_learner``);
- ``finetune``: the head first on the features, then the whole encoder for
  one epoch with discriminative learning rates (``unfreeze`` +
  ``fit_one_cycle(…, slice(lr/10, lr))``), fast.ai's ``fine_tune`` with
  the frozen phase done the fast way.

``--train-size N`` trains on a random N of the 67,349 training phrases
(faster, less accurate). Each prints the epoch table and the dev accuracy.
"""

from __future__ import annotations

import argparse
import time
from typing import List, Optional

import numpy as np


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["glove", "features", "finetune"])
    parser.add_argument("--train-size", type=int, default=None, help="train on a random subset")
    parser.add_argument("--head-epochs", type=int, default=5)
    parser.add_argument("--head-lr", type=float, default=3e-3)
    parser.add_argument("--epochs", type=int, default=1, help="epochs with the encoder training")
    parser.add_argument("--lr", type=float, default=3e-4, help="the head's learning rate when unfrozen (the encoder gets lr/10)")
    parser.add_argument("--bs", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    if args.mode == "glove":
        from project.train_sentiment import main as train_glove_cnn

        train_glove_cnn([] if args.train_size is None else ["--train", str(args.train_size)])
        return 0

    from minitorch.hub import datasets
    from minitorch.learner.metrics import accuracy
    from text.data import TextDataLoaders
    from text.learner import text_classifier_learner, text_head_learner

    start = time.time()
    data = datasets.load("sst2")
    train = data.train
    if args.train_size is not None:
        keep = np.random.default_rng(args.seed).permutation(len(train))[: args.train_size]
        train = [train[i] for i in keep]
    dls = TextDataLoaders.from_lists([t for t, _ in train], [y for _, y in train],
                                     [t for t, _ in data.valid], [y for _, y in data.valid],
                                     classes=data.classes, bs=args.bs, seed=args.seed)
    learn = text_classifier_learner(dls, "minilm_l6", metrics=accuracy)
    print(f"SST-2: {len(dls.train_ds)} training phrases, {len(dls.valid_ds)} dev sentences")
    t = time.time()
    head = text_head_learner(learn)
    print(f"embedded every sentence once in {time.time() - t:.0f} s")
    head.fit_one_cycle(args.head_epochs, args.head_lr)
    if args.mode == "finetune":
        learn.unfreeze()
        t = time.time()
        learn.fit_one_cycle(args.epochs, slice(args.lr / 10, args.lr))
        print(f"{(time.time() - t) / args.epochs / 60:.1f} min per fine-tuning epoch")
    _, acc = learn.validate()
    print(f"SST-2 dev accuracy ({args.mode}): {acc:.2%}, {(time.time() - start) / 60:.1f} min in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
