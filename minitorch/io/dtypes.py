"""How each element type is laid out in a weight file, and how it becomes numpy.

Every format here stores a tensor as a run of raw bytes plus a name for the
element type. The names differ between formats, the bytes do not:

========  =====================  ===========  =====  ========================
our name  PyTorch storage class  safetensors  bytes  numpy dtype we return
========  =====================  ===========  =====  ========================
float64   DoubleStorage          F64          8      float64
float32   FloatStorage           F32          4      float32
float16   HalfStorage            F16          2      float16
bfloat16  BFloat16Storage        BF16         2      float32 (widened, exact)
int64     LongStorage            I64          8      int64
int32     IntStorage             I32          4      int32
int16     ShortStorage           I16          2      int16
int8      CharStorage            I8           1      int8
uint8     ByteStorage            U8           1      uint8
bool      BoolStorage            BOOL         1      bool
========  =====================  ===========  =====  ========================

(plus uint16/32/64: U16/U32/U64 in safetensors, pickled by dtype name with
_rebuild_tensor_v3 in recent PyTorch; and PyTorch's complex64/128.)

bfloat16 is float32 with the low 16 bits of the mantissa cut off: same sign
bit, same 8-bit exponent, 7 mantissa bits. numpy has no bfloat16, but putting
the 16 stored bits back on top of 16 zero bits gives the float32 with exactly
the same value, so that is what we return.

Byte order: safetensors is always little-endian; a PyTorch file records the
order of the machine that wrote it, and we turn big-endian data into the
native order of this machine.
"""

from __future__ import annotations

import numpy as np

__all__ = ["itemsize", "absurd_shape", "stored_dtype", "bfloat16_to_float32", "decode"]

# our name -> (numpy dtype of the stored bytes, without byte order; itemsize)
_STORED: dict[str, tuple[str, int]] = {
    "float64": ("f8", 8),
    "float32": ("f4", 4),
    "float16": ("f2", 2),
    "bfloat16": ("u2", 2),  # the raw bits; see bfloat16_to_float32
    "int64": ("i8", 8),
    "int32": ("i4", 4),
    "int16": ("i2", 2),
    "int8": ("i1", 1),
    "uint64": ("u8", 8),
    "uint32": ("u4", 4),
    "uint16": ("u2", 2),
    "uint8": ("u1", 1),
    "bool": ("u1", 1),  # one byte per element, 0 or 1
    "complex64": ("c8", 8),
    "complex128": ("c16", 16),
}

DTYPE_NAMES: frozenset[str] = frozenset(_STORED)

# PyTorch's legacy storage classes (torch.FloatStorage, ...) and the dtype each holds.
TORCH_STORAGE_DTYPES: dict[str, str] = {
    "DoubleStorage": "float64",
    "FloatStorage": "float32",
    "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16",
    "LongStorage": "int64",
    "IntStorage": "int32",
    "ShortStorage": "int16",
    "CharStorage": "int8",
    "ByteStorage": "uint8",
    "BoolStorage": "bool",
    "ComplexFloatStorage": "complex64",
    "ComplexDoubleStorage": "complex128",
    "UntypedStorage": "uint8",  # plain bytes; _rebuild_tensor_v3 says how to read them
}

# safetensors' dtype codes.
SAFETENSORS_DTYPES: dict[str, str] = {
    "F64": "float64",
    "F32": "float32",
    "F16": "float16",
    "BF16": "bfloat16",
    "I64": "int64",
    "I32": "int32",
    "I16": "int16",
    "I8": "int8",
    "U64": "uint64",
    "U32": "uint32",
    "U16": "uint16",
    "U8": "uint8",
    "BOOL": "bool",
}


def itemsize(name: str) -> int:
    """Bytes per element of the dtype called ``name`` (one of :data:`DTYPE_NAMES`)."""
    return _STORED[name][1]


MAX_ARRAY_BYTES = int(np.iinfo(np.intp).max)
"""The most bytes numpy can address; a shape whose nonzero sides multiply past it is absurd."""


def absurd_shape(shape: tuple[int, ...] | list[int], item_bytes: int) -> bool:
    """Whether numpy would refuse ``shape`` as too big, even with a zero side.

    numpy multiplies the *nonzero* sides to check a shape, so ``(0, 2**62, 2**62)``
    holds no element and is still refused ("array is too big"). File readers
    call this first and raise their own error naming the file.

    Args:
        shape: non-negative sides.
        item_bytes: bytes per element.

    Returns:
        True when the nonzero sides times ``item_bytes`` exceed :data:`MAX_ARRAY_BYTES`.
    """
    total = item_bytes
    for side in shape:
        total *= max(side, 1)
        if total > MAX_ARRAY_BYTES:
            return True
    return False


def stored_dtype(name: str, byteorder: str = "<") -> np.dtype:
    """The numpy dtype that reads the stored bytes of ``name`` as they are.

    Args:
        name: one of :data:`DTYPE_NAMES`.
        byteorder: ``"<"`` little-endian or ``">"`` big-endian.

    Returns:
        e.g. ``dtype('<f4')`` for float32, ``dtype('<u2')`` for bfloat16's raw bits.
    """
    code, size = _STORED[name]
    return np.dtype(code if size == 1 else byteorder + code)


def bfloat16_to_float32(bits: np.ndarray) -> np.ndarray:
    """Widen raw bfloat16 bits (any uint16 array) to float32 with the same values."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


def decode(raw: np.ndarray, name: str) -> np.ndarray:
    """Turn an array of stored bytes (from :func:`stored_dtype`) into what users get.

    Args:
        raw: the elements as stored, any byte order.
        name: the element type they were stored as.

    Returns:
        ``raw`` itself when it already is a native array of the right type (no
        copy); otherwise a new native array: bfloat16 widened to float32, bool
        made from the 0/1 bytes, big-endian data swapped.
    """
    if name == "bfloat16":
        return bfloat16_to_float32(raw)
    if name == "bool":
        return raw != 0  # any byte other than 0 is True; numpy bools must be exactly 0 or 1
    if raw.dtype.isnative:
        return raw
    return raw.astype(raw.dtype.newbyteorder("="))
