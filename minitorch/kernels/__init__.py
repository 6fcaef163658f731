"""Speed infrastructure under the course's kernels: the toolkit's fast path, not graded code.

- ``jit``: numba's ``@njit`` with an on-disk cache whose key follows the sources a kernel uses.
- ``parallel``: the one thread pool, and BLAS products that share it.
- ``conv_kernels``: im2col convolutions over that pool (dense, grouped and depthwise).
- ``conv_blocked``: forward-only dense convolutions, im2col and GEMM block by block, with a fused epilogue.
- ``channel_kernels``: per-channel kernels (batch norm, bias, activations) fused in one pass.
- ``malloc_tuning``: keeps glibc from returning big buffers to the OS after every operation.
- ``cuda_choice``: picks a GPU or numba's simulator before ``numba.cuda`` is first imported.

The modules import nothing above them (not even tensors), so the course's files
(``fast_ops``, ``fast_conv``, ``optim`` ...) can build on them. Import the module you
need; this package re-exports nothing.
"""

__all__: list = []
