"""The two ways reading a weight file can fail.

- :class:`CheckpointError`: the file is truncated, corrupt, or not in the
  format it claims to be. Re-download it (``minitorch-zoo verify`` checks the
  sha256) or ask whoever made it.
- :class:`UnsafeCheckpointError`: the file asks the unpickler for a Python
  global that is not on the allow-list (``os.system``, ``builtins.eval``, a
  class from somebody's training script, ...). Nothing from the file was run.
  If you trust the file, load it with PyTorch and re-save the weights with
  :func:`minitorch.io.save_safetensors`, which cannot carry code at all.

``UnsafeCheckpointError`` is a ``CheckpointError``, so ``except
CheckpointError`` catches both; both are ``ValueError`` (the bytes are bad, not
the program).
"""

from __future__ import annotations

import os

__all__ = ["CheckpointError", "UnsafeCheckpointError"]


class CheckpointError(ValueError):
    """A weight file cannot be read; the message names the file and the problem.

    Attributes:
        path: the file (or a description such as ``"<bytes>"``).
        problem: what is wrong with it, in words.
    """

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"cannot read {self.path}: {problem}")

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        # Keeps the two-argument constructor picklable (pytest-xdist ships errors between workers).
        return (type(self), (self.path, self.problem))


class UnsafeCheckpointError(CheckpointError):
    """The file's pickle names a global outside the allow-list; nothing from it ran.

    Attributes:
        name: the refused global, ``"module.qualname"`` (or the refused operation).
    """

    def __init__(self, path: str | os.PathLike[str], name: str, problem: str | None = None) -> None:
        self.name = name
        super().__init__(
            path,
            problem
            or (
                f"refusing to load global {name!r}: it is not on the allow-list of "
                "safe tensor-rebuilding functions, so the file may try to run code. "
                "If you trust the file, re-save its weights as safetensors with PyTorch."
            ),
        )

    def __reduce__(self) -> tuple[type, tuple[str, str, str]]:  # type: ignore[override]
        return (type(self), (self.path, self.name, self.problem))
