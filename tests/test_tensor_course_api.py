"""Module 2: code written for the MiniTorch course runs unchanged.

Everything here goes through the top-level ``minitorch`` names, the way the
course's tests, strategies and ``project/run_tensor.py`` use them.
"""

import random

import numpy as np

import minitorch


def test_course_names_exist() -> None:
    for name in [
        "TensorData", "index_to_position", "to_index", "broadcast_index", "shape_broadcast",
        "IndexingError", "UserIndex", "UserShape", "Tensor", "tensor", "zeros", "rand",
        "grad_check", "TensorBackend", "TensorOps", "SimpleOps", "SimpleBackend", "no_grad",
    ]:
        assert hasattr(minitorch, name), name


def test_course_strategy_style_construction() -> None:
    shape = (2, 3)
    size = int(np.prod(shape))
    td = minitorch.TensorData([float(i) for i in range(size)], (3, 2))
    t = minitorch.Tensor(td.permute(1, 0), backend=minitorch.SimpleBackend)
    assert t.shape == shape
    assert t[1, 2] == 5.0
    out = minitorch.Tensor.make([0.0] * 4, (2, 2), backend=minitorch.SimpleBackend)
    assert out.shape == (2, 2)
    backend = minitorch.TensorBackend(minitorch.SimpleOps)
    minitorch.grad_check(lambda a: (a * a).sum(0), minitorch.tensor([[1.0, 2.0]], backend=backend))


def test_course_run_tensor_style_training() -> None:
    """The shape of the course's project/run_tensor.py, written by a student."""

    def RParam(*shape: int) -> minitorch.Parameter:
        r = 2 * (minitorch.rand(shape) - 0.5)
        return minitorch.Parameter(r)

    class Linear(minitorch.Module):
        def __init__(self, in_size: int, out_size: int) -> None:
            super().__init__()
            self.weights = RParam(in_size, out_size)
            self.bias = RParam(out_size)
            self.out_size = out_size

        def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
            batch, in_size = x.shape
            return (
                self.weights.value.view(1, in_size, self.out_size)
                * x.view(batch, in_size, 1)
            ).sum(1).view(batch, self.out_size) + self.bias.value.view(1, self.out_size)

    class Network(minitorch.Module):
        def __init__(self, hidden: int) -> None:
            super().__init__()
            self.layer1 = Linear(2, hidden)
            self.layer2 = Linear(hidden, 1)

        def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
            return self.layer2.forward(self.layer1.forward(x).relu()).sigmoid()

    random.seed(2)
    data = minitorch.datasets["Simple"](30)
    model = Network(3)
    optim = minitorch.SGD(model.parameters(), 0.5)
    X = minitorch.tensor(data.X)
    y = minitorch.tensor(data.y)
    losses = []
    for _ in range(60):
        optim.zero_grad()
        out = model.forward(X).view(data.N)
        prob = (out * y) + (out - 1.0) * (y - 1.0)
        loss = -prob.log()
        (loss / data.N).sum().view(1).backward()
        losses.append(loss.sum().view(1)[0])
        optim.step()
    correct = int(((out.detach() > 0.5) == y).sum()[0])
    assert losses[-1] < losses[0]
    assert correct >= 0.9 * data.N
