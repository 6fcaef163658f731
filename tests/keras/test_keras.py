"""The Keras-style API: the course's first program end to end on a slice of MNIST, and its parts."""

from __future__ import annotations

import io
import os
import random
import re
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest

from minitorch import keras
from minitorch.keras import progbar


def shared_mnist() -> Path | None:
    env = os.environ.get("MINITORCH_MIRROR", "")
    root = Path(env) if env and "://" not in env else Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
    return root / "mnist" if (root / "mnist").is_dir() else None


@pytest.fixture(scope="module")
def mnist() -> tuple:
    folder = shared_mnist()
    if folder is None:
        pytest.skip("MNIST copy not found: set MINITORCH_MIRROR to the shared/datasets folder")
    from minitorch.hub.datasets.loaders import load_idx_set

    data = load_idx_set(folder, [str(i) for i in range(10)])
    return data.x_train[:2000] / 255.0, data.y_train[:2000], data.x_test[:1000] / 255.0, data.y_test[:1000]


def mlp() -> keras.Sequential:
    keras.backend.clear_session()
    return keras.Sequential([
        keras.layers.Flatten(input_shape=(28, 28)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])


PROGRESS = re.compile(r"^\d+/\d+ \[=+\] - \d+s \d+(us|ms|s)/step - loss: \d\.\d{4} - accuracy: \d\.\d{4}")


def test_the_first_program_of_the_course(mnist: tuple) -> None:
    x_train, y_train, x_test, y_test = mnist
    np.random.seed(0)
    random.seed(0)
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    out = io.StringIO()
    with redirect_stdout(out):
        history = model.fit(x_train, y_train, epochs=2, validation_split=0.1)
        loss, accuracy = model.evaluate(x_test, y_test)
        probs = model.predict(x_test[:5])
    lines = [line.split("\r")[-1] for line in out.getvalue().splitlines() if line.strip()]
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert PROGRESS.match(lines[1]) and "- val_loss: " in lines[1] and "- val_accuracy: " in lines[1]
    assert lines[1].startswith("57/57 [==============================]")  # 1800 images / 32
    assert PROGRESS.match(lines[-2]) and lines[-2].startswith("32/32 [")  # evaluate: 1000 images / 32
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history.history["loss"][1] < history.history["loss"][0]
    assert accuracy > 0.8 and 0 < loss < 0.7  # 1,800 images, 2 epochs (the full run: bench/)
    assert probs.shape == (5, 10) and np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    assert (probs.argmax(axis=1) == y_test[:5]).mean() >= 0.6


def test_summary_matches_keras() -> None:
    model = mlp()
    lines = []
    model.summary(print_fn=lines.append)
    text = lines[0].splitlines()
    assert text[0] == 'Model: "sequential"'
    assert text[2].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#"]
    rows = [line.split() for line in text if line.startswith(" ") and "(None" in line]
    assert rows == [
        ["flatten", "(Flatten)", "(None,", "784)", "0"],
        ["dense", "(Dense)", "(None,", "128)", "100480"],
        ["dropout", "(Dropout)", "(None,", "128)", "0"],
        ["dense_1", "(Dense)", "(None,", "10)", "1290"],
    ]
    assert text[-4:-1] == ["Total params: 101,770", "Trainable params: 101,770", "Non-trainable params: 0"]
    assert text[2].index("Output Shape") == 29 and text[2].index("Param #") == 55  # Keras' columns


def test_dense_uses_keras_initialisation() -> None:
    np.random.seed(0)
    model = mlp()
    kernel = model.dense.linear.weight.value.to_numpy()
    assert kernel.dtype == np.float32 and kernel.shape == (128, 784)
    assert np.abs(kernel).max() <= np.sqrt(6 / (784 + 128))
    assert not model.dense.linear.bias.value.to_numpy().any()
    assert "dense.linear.weight" in model.state_dict()


def test_softmax_output_trains_from_logits_stably() -> None:
    np.random.seed(1)
    model = mlp()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=10.0), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x = np.random.rand(64, 28, 28) * 50  # huge inputs: saturated softmax
    history = model.fit(x, np.arange(64) % 10, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


def test_dense_relu_runs_as_one_node_but_traces_as_linear_then_relu() -> None:
    import minitorch

    np.random.seed(2)
    model = mlp()
    x = np.random.rand(4, 28, 28)
    dense = model.layers[1]
    inputs = model._tensor(x)
    fused_out = dense(model.layers[0](inputs))
    assert fused_out.history.last_fn.__name__ == "Linear"  # relu inside the Linear node
    composed = dense.activation_fn(dense.call(model.layers[0](inputs)))
    np.testing.assert_allclose(fused_out.to_numpy(), composed.to_numpy(), rtol=1e-6)
    model.eval()
    graph = minitorch.trace(model, inputs)
    assert graph.op_counts().get("Linear") == 2 and "ReLU" in graph.op_counts()
    np.testing.assert_allclose(graph.run(inputs).to_numpy(), model(inputs).to_numpy(), rtol=1e-6)


def test_other_losses_and_optimizers() -> None:
    np.random.seed(2)
    x = np.random.rand(96, 4)
    y = (x.sum(axis=1) > 2).astype(np.int64)
    cases = [
        ("binary_crossentropy", 1, "sigmoid", y),
        (keras.losses.BinaryCrossentropy(from_logits=True), 1, None, y),
        ("categorical_crossentropy", 2, "softmax", np.eye(2)[y]),
        (keras.losses.SparseCategoricalCrossentropy(from_logits=True), 2, None, y),
        ("mse", 1, None, y.astype(float)),
    ]
    for loss, units, activation, target in cases:
        keras.backend.clear_session()
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="tanh"),
                                  keras.layers.Dense(units, activation=activation)])
        model.compile(optimizer=keras.optimizers.Adam(0.02), loss=loss, metrics=["accuracy"])
        history = model.fit(x, target, epochs=15, batch_size=16, verbose=0)
        assert history.history["loss"][-1] < history.history["loss"][0], loss
        if loss != "mse":
            assert history.history["accuracy"][-1] > 0.75, loss
    with pytest.raises(ValueError, match="unknown loss"):
        model.compile(optimizer="adam", loss="hinge")
    with pytest.raises(ValueError, match="unknown optimizer"):
        model.compile(optimizer="adagrad", loss="mse")


def test_small_cnn_shapes_and_parameter_counts() -> None:
    keras.backend.clear_session()
    model = keras.Sequential([
        keras.layers.Reshape((28, 28, 1), input_shape=(28, 28)),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(10, activation="softmax"),
    ])
    shapes = [layer.output_shape for layer in model.layers]
    assert shapes == [(28, 28, 1), (26, 26, 8), (13, 13, 8), (13, 13, 4), (13, 13, 4), (4,), (10,)]
    lines: list = []
    model.summary(print_fn=lines.append)
    # 80 + 292 + (8 trainable + 8 moving statistics) + 50
    assert "Total params: 438" in lines[0] and "Non-trainable params: 8" in lines[0]
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    out = model.predict(np.random.rand(3, 28, 28), verbose=0)
    assert out.shape == (3, 10)
    model.fit(np.random.rand(8, 28, 28), np.arange(8), epochs=1, verbose=0)


def test_unbuilt_models_build_on_first_data_and_names_count_up() -> None:
    keras.backend.clear_session()
    model = keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(2)])
    assert [layer.name for layer in model.layers] == ["dense", "dense_1"]
    with pytest.raises(ValueError, match="not yet been built"):
        model.summary()
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(np.zeros((2, 5)), np.zeros(2))
    assert model.predict(np.zeros((2, 5)), verbose=0).shape == (2, 2)
    assert keras.Sequential().name == "sequential_1"


def test_progress_bar_formatting() -> None:
    assert progbar.format_bar(1875, 1875) == "1875/1875 [" + "=" * 30 + "]"
    assert progbar.format_bar(5, 100) == "  5/100 [>" + "." * 29 + "]"
    assert progbar.format_time_per_step(0.0013) == "1ms/step"
    assert progbar.format_time_per_step(0.0004) == "400us/step"
    assert progbar.format_values({"loss": 0.29823, "accuracy": 0.91452}) == " - loss: 0.2982 - accuracy: 0.9145"
    stream = io.StringIO()
    bar = progbar.Progbar(10, stream=stream)
    bar.update(10, {"loss": 0.5}, finalize=True)
    assert re.match(r"^10/10 \[=+\] - \d+s \d+(us|ms|s)/step - loss: 0\.5000\n$", stream.getvalue())
    stream = io.StringIO()
    progbar.Progbar(10, verbose=2, stream=stream).update(10, {"loss": 0.5}, finalize=True)
    assert stream.getvalue().startswith("10/10 - ")


def test_fit_converts_float64_examples_to_float32_once() -> None:
    np.random.seed(3)
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = np.random.rand(64, 28, 28)  # float64, as x / 255.0 gives
    model.fit(x, np.arange(64) % 10, epochs=1, verbose=0)
    assert model._learner.dls.train.dataset.arrays[0].dtype == np.float32
    assert x.dtype == np.float64  # the caller's array is left alone
