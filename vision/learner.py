"""``vision_learner``: a pretrained body, a new head, and a Learner that fine-tunes them.

Transfer learning in three moves (fast.ai's recipe):

1. **Cut** a network pretrained on ImageNet before its classifier: what is
   left, the *body*, turns an image into a feature map that already
   separates thousands of kinds of things.
2. **Add a head** for your classes (:func:`vision.head.create_head`).
3. **Train in two groups**: ``[body, head]``. ``learn.fine_tune(n)`` first
   trains the head alone (the body frozen, its BatchNorms still adapting),
   then everything, the body with learning rates up to 100x smaller.

On a CPU the forward pass through the body is most of the cost, so there
is also a faster, coarser route, *feature extraction*: run the frozen body
over the data once (:func:`extract_features`) and train the head on the
stored features (:func:`head_learner`), seconds per epoch instead of
minutes; the head trained that way is the same module the full model uses.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

import numpy as np

from minitorch import Learner, Module, Sequential, no_grad, register_model
from minitorch.backends import layer_backend
from minitorch.hub.models import get_entry
from minitorch.layers.init import data_seed, set_seed
from minitorch.learner.data import DataLoaders, to_tensor
from minitorch.learner.features import compute_features, feature_learner
from minitorch.learner.freeze import trainable_params
from minitorch.learner.metrics import error_rate
from minitorch.optim import Adam

from .head import create_head
from .transforms import Normalize

Arch = Union[str, Callable[..., Module]]


def cut_body(model: Module, cut: Optional[Union[int, Callable[[Module], Module]]] = None) -> Module:
    """The part of ``model`` before its pooling and classifier.

    Args:
        model: a zoo model (it has ``body()``) or a ``Sequential``.
        cut: an index into a Sequential (keep ``model[:cut]``) or a function
            ``model -> body``; default: ``model.body()``, else ``model[:-2]``.
    """
    if callable(cut):
        return cut(model)
    if cut is None and hasattr(model, "body"):
        return model.body()
    if isinstance(model, Sequential):
        return model[: (cut if cut is not None else -2)]
    raise ValueError(
        f"don't know where to cut a {type(model).__name__}: give it a body() method, "
        "make it a Sequential, or pass cut=<index or function>"
    )


def body_features(model: Module, body: Module) -> int:
    """Channels of the body's output: ``model.num_features`` if known, else from a test image."""
    nf = getattr(model, "num_features", None)
    if nf is not None:
        return int(nf)
    with no_grad():
        out = body(to_tensor(np.zeros((2, 3, 64, 64), np.float32), np.float32, layer_backend()))
    return int(out.shape[1])


def _build_body(arch: Arch, pretrained: bool) -> Tuple[Module, Optional[Any]]:
    """The pretrained (or fresh) network for ``arch`` and its zoo entry (None for a builder).

    A zoo name is looked up here, once; everything after works on the entry.
    """
    if isinstance(arch, str):
        from .pretrained import create_model  # the download code loads on first use

        entry = get_entry(arch)
        return create_model(entry, pretrained=pretrained), entry
    return arch(pretrained=pretrained), None


@register_model("vision.vision_model")
def vision_model(arch: str, n_out: int, pretrained: bool = False, concat_pool: bool = True,
                 lin_ftrs: Optional[Sequence[int]] = None, ps: float = 0.5, first_bn: bool = True,
                 bn_final: bool = False) -> Sequential:
    """``Sequential(body, head)`` for the zoo architecture ``arch`` (what ``vision_learner`` trains).

    Registered, so an exported Learner records it by name and config and
    ``load_learner`` rebuilds it (with ``pretrained=False``: the weights come
    from the exported file).
    """
    model, entry = _build_body(arch, pretrained)
    body = cut_body(model)
    head = create_head(body_features(model, body), n_out, lin_ftrs, ps, concat_pool, first_bn, bn_final)
    combined = Sequential(body, head)
    combined.zoo_entry = entry  # vision_learner reads the normalisation from it
    return combined


def body_head_splitter(model: Module) -> List[list]:
    """Two parameter groups, ``[body, head]``, of a ``Sequential(body, head)`` (fast.ai's ``default_split``)."""
    return [trainable_params(model[0]), trainable_params(model[1])]


def vision_learner(
    dls: DataLoaders,
    arch: Arch,
    normalize: bool = True,
    n_out: Optional[int] = None,
    pretrained: bool = True,
    loss_func: Any = None,
    opt_func: Callable[..., Any] = Adam,
    lr: float = 1e-3,
    splitter: Optional[Callable[[Module], Any]] = None,
    cbs: Any = None,
    metrics: Any = error_rate,
    path: Any = None,
    model_dir: str = "models",
    wd: Optional[float] = None,
    moms: Tuple[float, float, float] = (0.95, 0.85, 0.95),
    train_bn: bool = True,
    concat_pool: bool = True,
    lin_ftrs: Optional[Sequence[int]] = None,
    ps: float = 0.5,
    first_bn: bool = True,
    bn_final: bool = False,
    cut: Any = None,
    seed: Optional[int] = None,
) -> Learner:
    """A Learner for transfer learning from a pretrained image model (fast.ai's ``vision_learner``).

    Args:
        dls: image loaders (``ImageDataLoaders``); ``dls.c`` classes.
        arch: a zoo name (``"efficientnet_lite0"``, ``"resnet34"``, see
            ``minitorch-zoo list``) or a function ``pretrained -> model``.
        normalize: set ``dls.normalize`` to the statistics the model was
            trained with, if the loaders have none yet (EfficientNet-Lite
            needs ``[-1, 1]`` inputs, ResNets ImageNet mean/std).
        n_out: number of outputs (default ``dls.c``).
        pretrained: load the ImageNet weights (else random initialisation).
        splitter: parameter groups (default ``[body, head]``).
        concat_pool, lin_ftrs, ps, first_bn, bn_final: the head (see ``create_head``).
        cut: where to cut the body (see :func:`cut_body`).
        seed: seeds the head's initialisation and dropout (``minitorch.layers.init.set_seed``);
            default: the loaders' seed, so a seeded run repeats exactly.
        Others: as for ``Learner``.

    Returns:
        A Learner whose model is ``Sequential(body, head)``, frozen: only the
        head (and the body's BatchNorms) train until ``unfreeze()``.
    """
    n_out = n_out if n_out is not None else getattr(dls, "c", None)
    if not n_out:
        raise ValueError("vision_learner needs n_out, or loaders that know their classes (dls.c)")
    set_seed(data_seed(dls) if seed is None else seed)
    if isinstance(arch, str) and cut is None:  # registered by name: an export can rebuild it
        model = vision_model(arch, n_out, pretrained, concat_pool, lin_ftrs, ps, first_bn, bn_final)
        model.arch_spec["config"]["pretrained"] = False  # a reloaded export gets its weights from the file
        entry = model.zoo_entry
    else:
        full, entry = _build_body(arch, pretrained)
        body = cut_body(full, cut)
        head = create_head(body_features(full, body), n_out, lin_ftrs, ps, concat_pool, first_bn, bn_final)
        model = Sequential(body, head)
    if normalize and entry is not None and getattr(dls, "normalize", "absent") is None:
        dls.normalize = Normalize.from_stats(*entry.stats)
    learn = Learner(dls, model, loss_func=loss_func, opt_func=opt_func, lr=lr,
                    splitter=splitter or body_head_splitter, cbs=cbs, metrics=metrics, path=path,
                    model_dir=model_dir, wd=wd, moms=moms, train_bn=train_bn)
    if pretrained:
        learn.freeze()
    return learn


# ## Feature extraction: the frozen body once, then the head alone


def extract_features(body: Module, loader: Any, pool: Optional[Module] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Run ``body`` (then ``pool``) over every batch of ``loader`` in evaluation mode.

    Args:
        body: the frozen body.
        loader: yields ``(x, y)`` batches (its order is kept).
        pool: a parameter-free module applied after the body (the head's
            pooling layer), so only small pooled arrays (``(N, C, 1, 1)``) are kept.

    Returns:
        ``(features, labels)`` as numpy arrays.
    """
    return compute_features(body if pool is None else Sequential(body, pool), loader)


def _plain_loader(loader: Any) -> Any:
    """The same data without augmentation or shuffling (so features are computed once, as seen at test time)."""
    import copy

    plain = copy.copy(loader)
    plain.shuffle, plain.drop_last = False, False
    ds = getattr(loader, "dataset", None)
    if ds is not None and getattr(ds, "train", False):
        ds = copy.copy(ds)
        ds.aug_tfms, ds.train = [], False
        plain.dataset = ds
    return plain


def head_learner(learn: Learner, bs: int = 64, **kwargs: Any) -> Learner:
    """A Learner that trains ``learn``'s head on features of the frozen body, computed once.

    The body runs once over the training and validation images (no
    augmentation, evaluation mode) and the head's pooling with it; the new
    Learner's model is the rest of the head, *the same modules* as in
    ``learn.model``: training it trains ``learn``'s head. Afterwards,
    ``learn.unfreeze(); learn.fit_one_cycle(...)`` fine-tunes everything.

    Args:
        learn: a ``vision_learner``.
        bs: batch size for the head (features are small).
        **kwargs: passed to ``Learner`` (default: ``learn``'s loss, metrics,
            optimizer and weight decay).
    """
    body, head = learn.model[0], learn.model[1]
    pool, rest = head[0], head[1:]
    options = {"opt_func": learn.opt_func, "wd": learn.wd}
    options.update(kwargs)
    return feature_learner(learn, Sequential(body, pool), rest, _plain_loader(learn.dls.train),
                           _plain_loader(learn.dls.valid), bs, **options)


__all__ = ["vision_learner", "vision_model", "cut_body", "body_head_splitter", "extract_features",
           "head_learner", "body_features"]
