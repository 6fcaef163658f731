"""``keras.backend.clear_session()``: start layer names from ``dense``, ``sequential`` again."""

from .layers import clear_session

__all__ = ["clear_session"]
