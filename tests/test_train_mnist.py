"""Task 4.5: the MNIST CNN and the sentence CNN, their forward passes and a short training run each."""

from __future__ import annotations

import random

import numpy as np
import pytest

from project.train_mnist import MnistCNN, images_to_tensor, predict, train
from project.train_sentiment import SentenceCNN, Vocabulary, pad
from project.train_sentiment import predict as predict_sentences
from project.train_sentiment import train as train_sentences
from tests.keras.test_keras import shared_mnist
from tests.layers.test_layers import conv2d_reference


def numpy_weights(module: object) -> dict:
    return {k: v.to_numpy().astype(np.float64) for k, v in module.state_dict().items()}


@pytest.mark.task4_5
def test_mnist_cnn_forward_matches_numpy() -> None:
    np.random.seed(0)
    model = MnistCNN()
    model.eval()
    images = np.random.default_rng(0).integers(0, 256, (2, 28, 28)).astype(np.uint8)
    out = model(images_to_tensor(images)).to_numpy()
    w = numpy_weights(model)
    x = images[:, None].astype(np.float64) / 255.0
    h = np.maximum(conv2d_reference(x, w["conv1.weight"], w["conv1.bias"], 1, 1, 1, 1), 0)
    h = np.maximum(conv2d_reference(h, w["conv2.weight"], w["conv2.bias"], 1, 1, 1, 1), 0)
    h = h.reshape(2, 8, 7, 4, 7, 4).mean(axis=(3, 5)).reshape(2, 392)
    h = np.maximum(h @ w["linear1.weight"].T + w["linear1.bias"], 0)
    expected = h @ w["linear2.weight"].T + w["linear2.bias"]
    assert out.shape == (2, 10), f"2 images should give logits of shape (2, 10), got {out.shape}"
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)  # float32
    assert model.mid.shape == (2, 4, 28, 28) and model.out.shape == (2, 8, 28, 28), f"forward should keep the feature maps: mid (2, 4, 28, 28) and out (2, 8, 28, 28), got {None if model.mid is None else model.mid.shape} and {None if model.out is None else model.out.shape}"


@pytest.mark.task4_5
def test_mnist_cnn_learns_digits() -> None:
    folder = shared_mnist()
    if folder is None:
        pytest.skip("MNIST copy not found: set MINITORCH_MIRROR to the shared/datasets folder")
    from minitorch.hub.datasets.loaders import load_idx_set

    data = load_idx_set(folder, [str(i) for i in range(10)])
    np.random.seed(0)
    random.seed(0)
    model = MnistCNN()
    history = train(model, data.x_train[:1500], data.y_train[:1500], epochs=2, lr=3e-3, log_fn=None)
    assert history["loss"][1] < history["loss"][0], f"the loss should fall from epoch 1 to 2, got {history['loss']}"
    accuracy = np.mean(predict(model, data.x_test[:500]) == data.y_test[:500])
    assert accuracy > 0.7, f"test accuracy {accuracy:.3f} after 2 short epochs"


def toy_vocabulary() -> Vocabulary:
    rng = np.random.default_rng(1)
    words = ["good", "great", "bad", "awful"] + [f"w{i}" for i in range(20)]
    vectors = rng.normal(size=(len(words), 6)).astype(np.float32)
    return Vocabulary(words, vectors)


@pytest.mark.task4_5
def test_sentence_cnn_forward_matches_numpy() -> None:
    vocab = toy_vocabulary()
    np.random.seed(2)
    model = SentenceCNN(vocab.vectors, feature_maps=5, windows=(2, 3))
    model.eval()
    batch = pad(vocab.encode(["good w1 w2 w3", "awful w4"]), 3)
    out = model(batch).to_numpy()
    w = numpy_weights(model)
    emb = w["embedding.weight"][batch].transpose(0, 2, 1)  # (B, dim, L)
    expected = np.zeros((2, 2))
    for i in range(2):  # windows 2 and 3
        conv = conv2d_reference(emb[:, :, None, :], w[f"convs.{i}.weight"][:, :, None, :], w[f"convs.{i}.bias"],
                                1, 0, 1, 1)[:, :, 0, :]
        features = np.maximum(conv, 0).max(axis=2)
        expected += features @ w[f"heads.{i}.weight"].T + (w["heads.0.bias"] if i == 0 else 0)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.task4_5
def test_sentence_cnn_learns_a_toy_sentiment_task() -> None:
    vocab = toy_vocabulary()
    rng = np.random.default_rng(3)
    texts, labels = [], []
    for _ in range(300):
        label = int(rng.integers(2))
        filler = [f"w{i}" for i in rng.integers(0, 20, rng.integers(3, 8))]
        filler.insert(int(rng.integers(len(filler))), ["bad", "awful", "good", "great"][2 * label + rng.integers(2)])
        texts.append(" ".join(filler))
        labels.append(label)
    sequences, y = vocab.encode(texts), np.array(labels)
    np.random.seed(3)
    random.seed(3)
    model = SentenceCNN(vocab.vectors, feature_maps=16, windows=(2, 3), dropout=0.0)
    accuracies = train_sentences(model, (sequences[:240], y[:240]), (sequences[240:], y[240:]), epochs=5,
                                 batch_size=20, lr=3e-2, log=False)
    assert accuracies[-1] > 0.9, accuracies
    assert predict_sentences(model, sequences[:4]).shape == (4,), f"predict_sentences of 4 sentences should give 4 labels, got shape {predict_sentences(model, sequences[:4]).shape}"
