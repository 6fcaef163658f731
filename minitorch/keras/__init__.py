"""A Keras-style API over minitorch: the first program of most deep-learning courses runs as written.

::

    from minitorch import keras

    model = keras.Sequential([
        keras.layers.Flatten(input_shape=(28, 28)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=5)
    model.evaluate(x_test, y_test)

It is a thin layer, not a second framework: ``keras.Sequential`` is a
``minitorch.Module``, each Keras layer wraps a ``minitorch.layers`` module,
and ``compile`` picks a ``minitorch.optim`` optimizer and a
``minitorch.layers.losses`` loss. Data are numpy arrays; computation is float32.
"""

from . import backend, layers, losses, optimizers
from .layers import Input
from .model import History, Sequential

__all__ = ["Sequential", "History", "Input", "layers", "losses", "optimizers", "backend"]
