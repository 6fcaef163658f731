"""export -> load_learner in a fresh process gives the same predictions; architectures as data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from minitorch.layers.modules import (
    BatchNorm2d,
    Conv2d,
    Flatten,
    LayerNorm,
    Linear,
    MaxPool2d,
    ReLU,
    Sequential,
)
from minitorch.learner.arch import describe_model, model_from_description, register_model
from minitorch.learner.metrics import accuracy
from tests.learner_helpers import blob_dls, blobs, body_head_model, learner

ROOT = Path(__file__).resolve().parents[2]

PREDICT = textwrap.dedent("""
    import json, sys
    import numpy as np
    {imports}
    from minitorch.learner.load import load_learner
    learn = load_learner(sys.argv[1])
    x = np.load(sys.argv[2])
    out = [learn.predict(row)[2].tolist() for row in x]
    print(json.dumps({{"probs": out, "label": learn.predict(x[0])[0],
                      "metrics": [m.name for m in learn.metrics], "vocab": learn.dls.vocab}}))
""")


def run_fresh(tmp_path: Path, export: Path, x: np.ndarray, imports: str = "", extra_path: str = "") -> dict:
    np.save(tmp_path / "x.npy", x)
    script = tmp_path / "predict.py"
    script.write_text(PREDICT.format(imports=imports))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in [str(ROOT), extra_path] if p))
    done = subprocess.run([sys.executable, str(script), str(export), str(tmp_path / "x.npy")],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_export_and_load_learner_in_a_fresh_process(tmp_path):
    learn = learner(model=body_head_model(), metrics=accuracy, path=tmp_path)
    learn.fit_one_cycle(2, 1e-2)
    path = learn.export()
    assert path == tmp_path / "export.safetensors"
    x = blobs()[2][:5]
    expected = [learn.predict(row)[2] for row in x]
    got = run_fresh(tmp_path, path, x)
    np.testing.assert_allclose(np.array(got["probs"]), np.array(expected), rtol=1e-5, atol=1e-7)
    assert got["label"] == learn.predict(x[0])[0]
    assert got["metrics"] == ["accuracy"] and got["vocab"] == ["a", "b", "c"]


MODELS = textwrap.dedent('''
    from minitorch.learner.arch import register_model
    from minitorch.layers import Linear, ReLU
    from minitorch.module import Module

    class TwoLayer(Module):
        def __init__(self, hidden):
            super().__init__()
            self.a, self.act, self.b = Linear(2, hidden), ReLU(), Linear(hidden, 3)

        def forward(self, x):
            return self.b(self.act(self.a(x)))

    @register_model("two_layer")
    def two_layer(hidden=8):
        return TwoLayer(hidden)
''')


def test_export_a_registered_custom_model(tmp_path):
    (tmp_path / "my_models.py").write_text(MODELS)
    sys.path.insert(0, str(tmp_path))
    try:
        import my_models

        model = my_models.two_layer(hidden=5)
        assert describe_model(model)["config"] == {"hidden": 5}
        learn = learner(model=model, path=tmp_path)
        learn.fit(1, lr=1e-2)
        path = learn.export("custom.safetensors")
        x = blobs()[2][:3]
        expected = [learn.predict(row)[2] for row in x]
        got = run_fresh(tmp_path, path, x, imports="import my_models", extra_path=str(tmp_path))
        np.testing.assert_allclose(np.array(got["probs"]), np.array(expected), rtol=1e-5, atol=1e-7)
        # Without importing the module that registers the builder, the error says which to import.
        np.save(tmp_path / "x.npy", x)
        (tmp_path / "bare.py").write_text(
            "import sys\nfrom minitorch.learner.load import load_learner\nload_learner(sys.argv[1])\n")
        done = subprocess.run([sys.executable, str(tmp_path / "bare.py"), str(path)], capture_output=True,
                              text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
        assert done.returncode != 0 and "my_models" in done.stderr
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("my_models", None)


def test_unregistered_custom_model_cannot_be_exported(tmp_path):
    from minitorch.module import Module

    class Custom(Module):
        def __init__(self):
            super().__init__()
            self.lin = Linear(2, 3)

        def forward(self, x):
            return self.lin(x)

    learn = learner(model=Custom(), path=tmp_path)
    with pytest.raises(ValueError, match="register_model"):
        learn.export()


def test_structural_description_round_trips():
    model = Sequential(
        Conv2d(1, 4, 3, padding=1, bias=False), BatchNorm2d(4), ReLU(), MaxPool2d(2),
        Flatten(), Linear(4 * 2 * 2, 3), LayerNorm(3, elementwise_affine=False),
    )
    desc = describe_model(model)
    json.dumps(desc)  # plain data
    rebuilt = model_from_description(json.loads(json.dumps(desc)))
    assert describe_model(rebuilt) == desc
    shapes = {k: v.shape for k, v in model.state_dict().items()}
    assert {k: v.shape for k, v in rebuilt.state_dict().items()} == shapes
    assert rebuilt[0].bias is None and rebuilt[0].padding == (1, 1)


def test_register_model_rejects_classes_and_non_json_config():
    with pytest.raises(TypeError, match="function"):
        register_model("cls")(Sequential)

    @register_model("takes_array")
    def takes_array(values=None):
        return Sequential(Linear(2, 2))

    with pytest.raises(TypeError, match="JSON"):
        takes_array(values=np.zeros(2))


def test_load_learner_rejects_a_checkpoint(tmp_path):
    from minitorch.learner.load import load_learner

    learn = learner(path=tmp_path, dls=blob_dls())
    path = learn.save("ckpt")
    with pytest.raises(ValueError, match="learn.load"):
        load_learner(path)


# ## Damaged or edited exports fail at load, naming the file and the field


def _tampered(tmp_path, **changes):
    """Export the blob MLP, then rewrite metadata fields (None deletes one)."""
    from minitorch.io.safetensors import (
        load_safetensors,
        load_safetensors_metadata,
        save_safetensors,
    )

    path = learner(path=tmp_path).export("export.safetensors")
    meta = load_safetensors_metadata(path)
    for key, value in changes.items():
        if value is None:
            meta.pop(key)
        else:
            meta[key] = value if isinstance(value, str) else value(meta[key])
    save_safetensors(load_safetensors(path), path, meta)
    return path


def _set_first_layer(arch_json: str, **config) -> str:
    arch = json.loads(arch_json)
    arch["children"][0][1]["config"].update(config)
    return json.dumps(arch)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"arch": "{not json"}, "field 'arch' is not valid JSON"),
        ({"arch": None}, "no field 'arch'"),
        ({"arch": "[1, 2]"}, "field 'arch' must be a JSON object"),
        ({"vocab": '["a"]'}, "field 'vocab' names 1 classes but the model's last layer gives 3"),
        ({"vocab": '["a", "a", "b"]'}, "field 'vocab' must hold distinct"),
        ({"vocab": None}, "no field 'vocab'"),
        ({"dtype": "int8"}, "field 'dtype' must be 'float32' or 'float64'"),
        ({"metrics": '"accuracy"'}, "field 'metrics' must be a list"),
        ({"input": '{"dtype": "float32", "n_inp": 0}'}, "n_inp must be a positive integer"),
        ({"input": '{"dtype": "nonsense"}'}, "field 'input.dtype'"),
        ({"arch": lambda a: _set_first_layer(a, in_features=5)}, "weights do not fit field 'arch'"),
    ],
    ids=["arch-json", "arch-missing", "arch-type", "vocab-short", "vocab-dupes", "vocab-missing",
         "dtype", "metrics", "n_inp", "input-dtype", "arch-shape"],
)
def test_damaged_export_names_the_file_and_field(tmp_path, changes, message):
    from minitorch.io.errors import CheckpointError
    from minitorch.learner.load import load_learner

    path = _tampered(tmp_path, **changes)
    with pytest.raises(CheckpointError, match=message) as info:
        load_learner(path)
    assert str(path) in str(info.value)


def test_forged_huge_layer_is_refused_before_it_is_built(tmp_path):
    import tracemalloc

    from minitorch.io.errors import CheckpointError
    from minitorch.learner.load import load_learner

    # The report: Linear(15000, 15000) allocated 2.7 GB before the shape check. 4000 x 4000
    # float64 (128 MB) shows the same without straining the test machine.
    path = _tampered(tmp_path, arch=lambda a: _set_first_layer(a, in_features=4000, out_features=4000))
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError, match=r"layer 0 .* implies about 16,000,000 elements"):
            load_learner(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20, f"{peak / 2**20:.0f} MiB allocated before refusing"
