"""``make demo``: fine-tune the pip-shipped EfficientNet-Lite0 on Imagenette, on a CPU, in minutes.

What it does, step by step (each is one line of the transfer-learning API):

1. load the 10-class Imagenette subset through the data catalogue (the
   mirror setting points it at a local copy; otherwise it downloads);
2. ``vision_learner(dls, "efficientnet_lite0")``: the ImageNet-pretrained
   body from the model zoo, a new head for 10 classes, body frozen;
3. ``learn.fine_tune(epochs, freeze_epochs=...)``: the head first, then everything,
   printing fast.ai's epoch table;
4. export the trained Learner (safetensors + JSON) and load it back;
5. predict one validation photo with the reloaded Learner.

Run ``python -m project.demo --help`` for the options.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import List, Optional

# In a student's release the demo runs once Modules 0-4 are done; it does not need
# the property tests (0.2), the CUDA kernels (3.3, 3.4) or the training scripts.
DEMO_NEEDS_NOT = ("task0_2", "task1_5", "task2_5", "task3_3", "task3_4", "task3_5", "task4_5")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="efficientnet_lite0", help="a zoo model (minitorch-zoo list)")
    parser.add_argument("--epochs", type=int, default=1, help="epochs with the whole network training")
    parser.add_argument("--freeze-epochs", type=int, default=1, help="epochs training the head alone first")
    parser.add_argument("--lr", type=float, default=2e-3, help="fine_tune's base_lr")
    parser.add_argument("--bs", type=int, default=32, help="batch size")
    parser.add_argument("--out", default="demo_output", help="folder for the exported learner")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    from tools.grading.stubs import require_tasks
    from tools.grading.tasks import TASKS

    if not require_tasks([task for task in TASKS if task not in DEMO_NEEDS_NOT], "make demo"):
        return 1

    import minitorch
    from minitorch.hub import datasets
    from minitorch.learner.metrics import accuracy
    from vision import ImageDataLoaders, Resize, aug_transforms
    from vision.learner import vision_learner

    start = time.time()
    data = datasets.load("imagenette_224_subset")
    dls = ImageDataLoaders.from_files(data.train, data.valid, data.classes, item_tfms=Resize(224),
                                      batch_tfms=aug_transforms(), bs=args.bs, seed=args.seed, path=args.out)
    print(f"Imagenette subset: {len(dls.train_ds)} training and {len(dls.valid_ds)} validation photos, "
          f"classes: {', '.join(dls.vocab)}")
    learn = vision_learner(dls, args.arch, metrics=accuracy)
    learn.fine_tune(args.epochs, base_lr=args.lr, freeze_epochs=args.freeze_epochs)
    _, acc = learn.validate()
    minutes = (time.time() - start) / 60
    print(f"validation accuracy {acc:.2%} after {minutes:.1f} min")

    exported = learn.export(Path(args.out).resolve() / "imagenette_lite0.safetensors")
    print(f"exported the learner to {exported}")
    reloaded = minitorch.load_learner(exported)
    photo, label = data.valid[0]
    decoded, index, probs = reloaded.predict(dls.valid_ds.prepare(photo))
    print(f"{Path(photo).name}: predicted {decoded!r} ({probs[index]:.1%}), true class {data.classes[label]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
