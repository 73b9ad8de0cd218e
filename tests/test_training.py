"""cnncalc.analysis.training: one training step, each kind's part stated on its class, against
PyTorch 2.13 measuring the same step of the exported module (tests/training_oracle.py).

Exact, layer by layer: the bytes of the storages each layer's backward keeps, the distinct
total, autocast's weight copies, and forward, input-gradient and weight-gradient MACs — on
every bundled spec and on random networks over every kind (tests/test_torch_random.py's
generator), in fp32, pure bf16/fp16 and bf16/fp16 autocast, at batches 2 and 3 (what grows
with the batch and what does not).  Plus hand-worked cases that need no torch.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import cnncalc
from cnncalc.analysis.training import Setup, training_step
from cnncalc.layers import REGISTRY

ROOT = Path(__file__).parent.parent
SPECS = sorted((ROOT / "specs").glob("*.yaml"))
SCALE = float(os.environ.get("CNNCALC_FUZZ_SCALE", "1"))
F32, BF16, I64 = 4, 2, 8


def step(text: str, **setup: Any) -> Any:
    return training_step(cnncalc.analyze_text(text, "t.yaml"), Setup(**setup))


# --- by hand ---------------------------------------------------------------------------------

CLASSIC = "input: 8x8x3\nlayers:\n  - conv: {filters: 16, kernel: 3}\n  - relu\n  - maxpool: 2\n  - flatten\n  - dense: 10\n"


@pytest.mark.parametrize("n", [2, 3])
def test_the_classic_network_by_hand(n: int) -> None:
    s = step(CLASSIC, batch=n)
    kept = {ls.row.name: ls.kept_bytes for ls in s.layers}
    # conv keeps the input N·3·8·8 floats; relu its output N·16·6·6; maxpool that output and int64
    # indices N·16·3·3; flatten nothing (a view); dense the flatten view of the pool's output N·144
    assert kept == {"conv1": 768 * n, "relu1": 2304 * n, "maxpool1": 2304 * n + 1152 * n, "flatten1": 0,
                    "dense1": 576 * n}
    # distinct storages: input 768N + relu output 2304N + indices 1152N + pool output 576N
    assert s.kept_bytes == 4800 * n and s.input_kept
    # conv: N·6·6·16·27 = 15,552N forward; its input needs no gradient: 0, weight gradient the same
    conv = s.layers[0]
    assert (conv.forward_macs, conv.grad_input_macs, conv.grad_weight_macs) == (15_552 * n, 0, 15_552 * n)
    dense = s.layers[-1]  # 144·10 = 1,440N each way
    assert (dense.forward_macs, dense.grad_input_macs, dense.grad_weight_macs) == (1440 * n, 1440 * n, 1440 * n)


def test_nothing_is_kept_before_the_first_parameter() -> None:
    s = step("input: 8x8x3\nlayers: [maxpool: 2, relu, {conv: {filters: 2, kernel: 1}}]\n", batch=2)
    # pool and relu see no gradient: nothing; the conv keeps the relu's output 2·3·4·4 floats
    assert [ls.kept_bytes for ls in s.layers] == [0, 0, 2 * 48 * F32] and not s.input_kept


def test_autocast_keeps_low_precision_copies_of_input_and_weight() -> None:
    s = step("input: 4x4x3\nlayers: [{conv: {filters: 8, kernel: 3, bias: false}}]\n", batch=2, dtype="bf16",
             amp=True)
    # a bf16 copy of the input 2·3·4·4 = 96 values, and of the weight 8·3·3·3 = 216 values, 2 bytes each
    assert s.kept_bytes == (96 + 216) * BF16 and s.weight_copy_bytes == 216 * BF16 and not s.input_kept


def test_memory_format_decides_whether_a_flatten_copies() -> None:
    # N = 2 of 2x3x4.  A dense on an image returns x.movedim(-1, 1) of a contiguous N,H,W,5
    # tensor: channels-last; ReLU keeps its output in that layout (2·5·2·3 = 60 floats, 240 B);
    # flattening a channels-last tensor (C = 5 and H·W = 6 do not merge) copies it, and the last
    # dense keeps the copy: 240 B more.  The first dense keeps its channels-last copy of the
    # contiguous input (2·2·3 rows of 4: 48 floats, 192 B).  192 + 240 + 240 = 672.
    s = step("input: 2x3x4\nlayers: [{dense: 5}, relu, flatten, {dense: 2}]\n", batch=2)
    assert [ls.kept_bytes for ls in s.layers] == [192, 240, 0, 240] and s.kept_bytes == 672
    # a 1x1 conv instead leaves its output contiguous: the flatten is a view of ReLU's output and
    # the dense keeps that same storage: 192 (the conv's input) + 240 = 432
    s = step("input: 2x3x4\nlayers: [{conv: {filters: 5, kernel: 1}}, relu, flatten, {dense: 2}]\n", batch=2)
    assert [ls.kept_bytes for ls in s.layers] == [192, 240, 0, 240] and s.kept_bytes == 432


def test_softmax_writes_a_contiguous_output_whatever_its_input() -> None:
    # As above, but softmax for ReLU: it keeps its output (240 B) as ReLU does, but PyTorch's
    # softmax writes it contiguous (NCHW) even from a channels-last input, so the last dense's
    # movedim(1, -1).reshape(-1, C) must copy it: 240 B more.  ReLU's channels-last output would
    # have been a view.  192 + 240 + 240 = 672, against 192 + 240 = 432 with ReLU.
    s = step("input: 2x3x4\nlayers: [{dense: 5}, softmax, {dense: 2}]\n", batch=2)
    assert [ls.kept_bytes for ls in s.layers] == [192, 240, 240] and s.kept_bytes == 672
    s = step("input: 2x3x4\nlayers: [{dense: 5}, relu, {dense: 2}]\n", batch=2)
    assert [ls.kept_bytes for ls in s.layers] == [192, 240, 240] and s.kept_bytes == 432


def test_an_element_wise_op_takes_an_ambiguous_layout_for_contiguous() -> None:
    # N = 2 of 1x3x2.  The first dense copies the contiguous input to 2·1·3 rows of 2 (12 floats,
    # 48 B, kept) and returns movedim(-1, 1) of its 6 x 1 output: shape (2, 1, 1, 3), strides
    # (3, 1, 3, 1).  With C = H = 1 those strides are both contiguous and channels-last.  A conv or
    # a pool asks suggest_memory_format, which says channels-last; an element-wise op asks
    # TensorIterator, whose fast set-up tries contiguous first: the sigmoid's output is contiguous
    # (kept, 6 floats, 24 B).  So the 1x1 conv's output (2·2·1·3 = 12 floats) is contiguous, the
    # second sigmoid keeps it (48 B), and the last dense's movedim(1, -1).reshape(-1, 2) cannot be
    # a view (N's stride 6 is not W's 1 x 3): it keeps a copy, 48 B more.  The conv keeps the first
    # sigmoid's output (the same 24 B).  48 + 24 + 48 + 48 = 168; taking the first sigmoid's output
    # for channels-last made the copy a view: 120.
    s = step("input: 1x3x2\nlayers: [{dense: 1}, sigmoid, {conv: {filters: 2, kernel: 1}}, sigmoid, {dense: 1}]\n",
             batch=2)
    assert [ls.kept_bytes for ls in s.layers] == [48, 24, 24, 48, 48] and s.kept_bytes == 168


def test_group_norm_copies_a_cropped_input_batch_norm_keeps_it_whole() -> None:
    # N = 2: the conv keeps the network input, 2·4·4·2 floats = 256 B, and makes a 2·2·4·4
    # output (also 256 B); crop: 1 is a 2x2 view of it.  group_norm first makes its input
    # contiguous: it keeps a copy, 2·2·2·2 floats = 64 B, and mean and rstd of N·groups = 2
    # floats each, 16 B: 80.  BatchNorm keeps the view, so the whole uncropped storage, 256 B,
    # and its mean and inverse std of C = 2 floats each, 16 B: 272.
    net = "input: 4x4x2\nlayers: [{conv: {filters: 2, kernel: 1}}, {crop: 1}, %s]\n"
    s = step(net % "{groupnorm: 1}", batch=2)
    assert [ls.kept_bytes for ls in s.layers] == [256, 0, 80] and s.kept_bytes == 256 + 80
    s = step(net % "bn", batch=2)
    assert [ls.kept_bytes for ls in s.layers] == [256, 0, 272] and s.kept_bytes == 256 + 272


def test_every_kind_states_its_parameter_tensors_summing_to_its_parameters() -> None:
    import yaml

    for path in sorted((ROOT / "tests" / "cases").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text()):
            if "error" in case:
                continue
            report = cnncalc.analyze_text(yaml.safe_dump({"input": case["input"], "layers": case["layers"]}))
            for r in report.rows:
                assert r.layer is not None
                assert sum(r.layer.param_tensors(r.inputs, r.output)) == r.cost.trainable, (path.stem, r.name)


# --- against PyTorch -------------------------------------------------------------------------

SETUPS: list[dict[str, Any]] = [{"batch": 2}, {"batch": 3}, {"batch": 2, "dtype": "bf16"}, {"batch": 3, "dtype": "fp16"},
          {"batch": 2, "dtype": "bf16", "amp": True}, {"batch": 3, "dtype": "fp16", "amp": True}]


def compare(text: str, setup: dict[str, Any], file: str = "t.yaml") -> list[str]:
    """Every disagreement between cnncalc and PyTorch on one training step."""
    import training_oracle as oracle
    from torch_oracle import load

    from cnncalc.export.pytorch import to_pytorch
    from cnncalc.graph.build import build_graph
    from cnncalc.spec.parse import parse_spec

    graph = build_graph(parse_spec(text, file))
    code = to_pytorch(graph, file)
    ours = training_step(cnncalc.analyze_text(text, file), Setup(**setup))
    measured = oracle.measure(code, **setup)
    attrs = list(load(code).LAYERS)
    bad = []
    for attr, ls in zip(attrs, ours.layers, strict=True):
        got = measured.layers[attr]
        if ls.kept_bytes != got.kept_bytes:
            bad.append(f"{ls.row.name} ({ls.row.kind}): kept {ls.kept_bytes:,}, PyTorch {got.kept_bytes:,} {got.saved}")
        if (ls.forward_macs, ls.grad_input_macs, ls.grad_weight_macs) != (
                got.forward_macs, got.grad_input_macs, got.grad_weight_macs):
            bad.append(f"{ls.row.name}: MACs {(ls.forward_macs, ls.grad_input_macs, ls.grad_weight_macs)}, "
                       f"PyTorch {(got.forward_macs, got.grad_input_macs, got.grad_weight_macs)}")
    if ours.kept_bytes != measured.kept_bytes:
        bad.append(f"total kept {ours.kept_bytes:,}, PyTorch {measured.kept_bytes:,}")
    if ours.weight_copy_bytes != measured.weight_copy_bytes:
        bad.append(f"weight copies {ours.weight_copy_bytes:,}, PyTorch {measured.weight_copy_bytes:,}")
    if ours.input_kept != measured.input_kept:
        bad.append(f"input kept {ours.input_kept}, PyTorch {measured.input_kept}")
    return bad


def runnable(text: str, setup: dict[str, Any]) -> str | None:
    """Why PyTorch cannot run this step on the CPU (None: it can)."""
    kinds = {r.kind for r in cnncalc.analyze_text(text).rows}
    if "deform_conv" in kinds:
        return "deform_conv needs torchvision's deform_conv2d"
    if "lrn" in kinds and setup.get("dtype", "fp32") != "fp32" and not setup.get("amp"):
        return "lrn has no bf16/fp16 CPU kernel in PyTorch 2.13"
    return None


SPEC_SETUPS: list[dict[str, Any]] = [{"batch": 2}, {"batch": 2, "dtype": "bf16", "amp": True}, {"batch": 3, "dtype": "bf16"}]


@pytest.mark.torch
@pytest.mark.parametrize(("path", "setup"), [(p, SPEC_SETUPS[i % 3]) for i, p in enumerate(SPECS)],
                         ids=[f"{p.stem} {('fp32 N=2', 'bf16 amp N=2', 'pure bf16 N=3')[i % 3]}" for i, p in enumerate(SPECS)])
def test_every_bundled_spec_trains_as_pytorch_does(path: Path, setup: dict[str, Any]) -> None:
    """Each bundled spec in one of three setups, in turn: fp32, bf16 autocast, pure bf16."""
    pytest.importorskip("torch", reason="PyTorch is not installed: the training cross-check is skipped")
    text = path.read_text(encoding="utf-8")
    why = runnable(text, setup)
    if why:
        pytest.skip(why)
    assert compare(text, setup, str(path)) == []


@pytest.mark.torch
def test_random_networks_train_as_pytorch_does() -> None:
    """At least 300 random networks per run (CNNCALC_FUZZ_SCALE raises it), each in one setup."""
    pytest.importorskip("torch", reason="PyTorch is not installed: the training cross-check is skipped")
    from hypothesis import HealthCheck, Phase, given, settings
    from test_torch_random import networks

    texts: list[str] = []

    @settings(max_examples=int(300 * SCALE), database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(networks())
    def collect(text: str) -> None:
        texts.append(text)

    collect()
    failures, ran = [], 0
    for i, text in enumerate(texts):
        setup = SETUPS[i % len(SETUPS)]
        if runnable(text, setup):
            continue
        ran += 1
        bad = compare(text, setup)
        if bad:
            failures.append(f"--- {setup}\n{text}" + "\n".join(f"  {b}" for b in bad[:6]))
    assert ran >= 250 and not failures, f"{len(failures)} of {ran} disagree:\n" + "\n".join(failures[:5])


def test_every_kind_is_in_the_generator_or_explained() -> None:
    from test_torch_random import NOT_GENERATED

    assert NOT_GENERATED <= {"deform_conv"} and set(REGISTRY) - NOT_GENERATED
