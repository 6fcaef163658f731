"""Malicious checkpoints are refused and nothing from them runs.

Every payload here would create the file ``marker`` if any of it were
executed; each test checks that the file never appears.
"""

from __future__ import annotations

import io
import os
import pickle
import pickletools
import subprocess
from pathlib import Path

import numpy as np
import pytest

from minitorch.io.checkpoint import load_checkpoint, load_npz
from minitorch.io.errors import CheckpointError, UnsafeCheckpointError
from minitorch.io.safe_unpickler import ALLOWED_GLOBALS
from minitorch.io.torch_format import load_torch
from tests.pth_builder import (
    Build,
    Call,
    Global,
    ODict,
    PersId,
    Raw,
    dumps,
    legacy_bytes,
    state_dict,
    storage,
    tensor,
    write_zip,
)


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    path = tmp_path / "pwned"
    yield path
    assert not path.exists(), "a payload from the checkpoint was executed"


class SystemCall:
    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


class PopenCall:
    def __init__(self, argv: list[str]) -> None:
        self.argv = argv

    def __reduce__(self):
        return (subprocess.Popen, (self.argv,))


def payloads(marker: Path) -> dict[str, tuple[bytes, str]]:
    """name -> (pickle bytes, the global the error must name)."""
    write_marker = f"open({str(marker)!r}, 'w').write('x')"
    return {
        "os.system via __reduce__": (
            pickle.dumps(SystemCall(f"touch {marker}"), protocol=2),
            os.system.__module__ + ".system",
        ),
        "os.system, protocol 4 STACK_GLOBAL": (
            pickle.dumps({"w": SystemCall(f"touch {marker}")}, protocol=4),
            os.system.__module__ + ".system",
        ),
        "subprocess.Popen": (
            pickle.dumps(PopenCall(["touch", str(marker)]), protocol=2, fix_imports=False),
            "subprocess.Popen",
        ),
        "builtins.eval": (
            dumps(Call(Global("builtins", "eval"), (write_marker,))),
            "builtins.eval",
        ),
        "builtins.exec": (
            dumps(Call(Global("builtins", "exec"), (write_marker,))),
            "builtins.exec",
        ),
        "getattr on a module": (
            dumps(Call(Call(Global("builtins", "getattr"), (Global("os", "path"), "join")), ())),
            "builtins.getattr",
        ),
        "nested pickle.loads": (
            dumps(Call(Global("pickle", "loads"), (pickle.dumps(SystemCall(f"touch {marker}")),))),
            "pickle.loads",
        ),
        "nested torch.load": (
            dumps(Call(Global("torch", "load"), (str(marker),))),
            "torch.load",
        ),
        "a pickled nn.Module": (
            dumps(Build(Call(Global("__main__", "Net"), ()), {"training": True})),
            "__main__.Net",
        ),
        "payload inside a tensor's arguments": (
            dumps(
                ODict(
                    {
                        "w": tensor(
                            storage("FloatStorage", "0", 1),
                            Call(Global("posix", "system"), (f"touch {marker}",)),
                            (1,),
                            (1,),
                        )
                    }
                )
            ),
            "posix.system",
        ),
        "storage class that is a function": (
            dumps(PersId(("storage", Global("os", "system"), "0", "cpu", 1))),
            "os.system",
        ),
        "torch internals off the list": (
            dumps(Call(Global("torch._utils", "_import_dotted_name"), ("os.system",))),
            "torch._utils._import_dotted_name",
        ),
    }


def check_refused(load, path: Path, name: str) -> None:
    with pytest.raises(UnsafeCheckpointError) as info:
        load(path)
    assert info.value.name == name
    assert name in str(info.value) and str(path) in str(info.value)


@pytest.mark.parametrize("case", list(payloads(Path("x"))))
def test_payload_in_zip_data_pkl_is_refused(tmp_path: Path, marker: Path, case: str) -> None:
    data, name = payloads(marker)[case]
    path = write_zip(tmp_path / "evil.pth", data, {"0": np.zeros(1, np.float32)})
    check_refused(load_torch, path, name)
    check_refused(load_checkpoint, path, name)


@pytest.mark.parametrize("slot", range(5))
def test_payload_in_every_legacy_pickle_is_refused(tmp_path: Path, marker: Path, slot: int) -> None:
    # The legacy format is five pickles in a row; any of them could carry the attack.
    obj, storages = state_dict({"w": np.zeros(2, np.float32)}, legacy=True)
    good = legacy_bytes(obj, storages)
    pieces, pos = [], 0
    for _ in range(5):
        end = _pickle_end(good, pos)
        pieces.append(good[pos:end])
        pos = end
    evil, name = payloads(marker)["os.system via __reduce__"]
    pieces[slot] = evil
    path = tmp_path / "evil.pth"
    path.write_bytes(b"".join(pieces) + good[pos:])
    check_refused(load_torch, path, name)


def _pickle_end(data: bytes, start: int) -> int:
    stream = io.BytesIO(data)
    stream.seek(start)
    for _ in pickletools.genops(stream):
        pass
    return stream.tell()


@pytest.mark.parametrize(
    ("opcodes", "name"),
    [
        (b"(S'touch x'\nios\nsystem\n.", "os.system"),  # INST names its global
        (b"\x80\x02(ccollections\nOrderedDict\no.", "opcode OBJ"),
        (b"\x80\x02ccollections\nOrderedDict\n)\x81.", "opcode NEWOBJ"),
        (b"\x80\x02\x82\x01.", "opcode EXT1"),
        (b"\x80\x05\x96\x01\x00\x00\x00\x00\x00\x00\x00x.", "opcode BYTEARRAY8"),
    ],
)
def test_opcodes_that_build_arbitrary_objects_are_refused(
    tmp_path: Path, opcodes: bytes, name: str
) -> None:
    path = write_zip(tmp_path / "evil.pth", opcodes, {})
    check_refused(load_torch, path, name)


@pytest.mark.parametrize(
    "target",
    [
        Global("torch._utils", "_rebuild_tensor_v2"),
        Global("torch", "FloatStorage"),
        Global("collections", "OrderedDict"),
        Global("torch", "float32"),
    ],
)
def test_build_cannot_modify_the_allow_list(tmp_path: Path, target: Global) -> None:
    for state in ({"dtype": "float64", "fn": None}, (None, {"dtype": "float64", "fn": None})):
        path = write_zip(tmp_path / "evil.pth", {"x": Build(target, state)}, {})
        with pytest.raises(UnsafeCheckpointError, match="BUILD|setting"):
            load_torch(path)
    # The stand-ins are unchanged: a normal file still loads as float32.
    obj, storages = state_dict({"w": np.arange(3, dtype=np.float32)})
    loaded = load_torch(write_zip(tmp_path / "ok.pth", obj, storages))
    assert loaded["w"].dtype == np.float32
    assert ALLOWED_GLOBALS[("torch", "FloatStorage")].dtype == "float32"


def test_build_on_a_tensor_placeholder_is_refused(tmp_path: Path) -> None:
    t = tensor(storage("FloatStorage", "0", 1), 0, (1,), (1,))
    path = write_zip(tmp_path / "evil.pth", {"w": Build(t, {"shape": (10**9,)})}, {"0": b"\0" * 4})
    with pytest.raises(UnsafeCheckpointError):
        load_torch(path)


def test_class_swap_on_a_container_is_just_corrupt(tmp_path: Path) -> None:
    swap = Build(ODict({}), (None, {"__class__": Global("torch", "Tensor")}))
    with pytest.raises(CheckpointError):
        load_torch(write_zip(tmp_path / "evil.pth", {"x": swap}, {}))


def test_an_evil_pickle_stored_as_bytes_stays_bytes(tmp_path: Path, marker: Path) -> None:
    blob = pickle.dumps(SystemCall(f"touch {marker}"))
    loaded = load_torch(write_zip(tmp_path / "ok.pth", {"blob": blob, "n": 1}, {}))
    assert loaded == {"blob": blob, "n": 1}


def test_only_latin1_codecs_encode_is_allowed(tmp_path: Path) -> None:
    odd = Call(Global("_codecs", "encode"), ("x", "rot13"))
    with pytest.raises(CheckpointError, match="latin1"):
        load_torch(write_zip(tmp_path / "evil.pth", {"x": odd}, {}))


def test_npz_with_pickled_objects_is_refused(tmp_path: Path, marker: Path) -> None:
    path = tmp_path / "evil.npz"
    payload = np.empty(1, dtype=object)
    payload[0] = SystemCall(f"touch {marker}")
    np.savez(path, w=np.zeros(2), evil=payload)
    for load in (load_npz, load_checkpoint):
        with pytest.raises(CheckpointError, match="cannot read the npz"):
            load(path)


def test_raw_opcodes_builder_round_trips() -> None:
    assert pickle.loads(dumps([1, Raw(b"K\x02")])) == [1, 2]
