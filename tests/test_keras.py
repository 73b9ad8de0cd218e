"""The Keras conventions, against Keras itself.

cnncalc adopts Keras' meaning where the issues say so: ``padding: same`` (out = ceil(in /
stride), the odd pixel at the bottom/right), Dense on the last axis of an image, SeparableConv2D,
DepthwiseConv2D's multiplier, Conv2DTranspose's ``same``, BatchNormalization's non-trainable
statistics.  PyTorch has no 'same' at stride > 1, so these are checked here against Keras 3
(``keras==3.15.1`` on its PyTorch backend, installed by .ci/run): each layer is built directly in
Keras, not through cnncalc, and its output shape and trainable / non-trainable parameter counts
must equal cnncalc's.  Hypothesis draws the window layers; cnncalc must accept exactly what Keras
accepts.  Skipped when Keras (or PyTorch, its backend here) is absent.
"""

from __future__ import annotations

import os

import pytest

pytest.importorskip("torch", reason="Keras runs on its PyTorch backend here, and PyTorch is not installed")
os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras", reason="Keras is not installed: the Keras-convention cross-check is skipped")
if keras.backend.backend() != "torch":
    pytest.skip(f"Keras runs on {keras.backend.backend()}, not torch", allow_module_level=True)

import math

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import note as hypothesis_note
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from keras import layers
from yaml_flow import flow

import cnncalc

pytestmark = pytest.mark.keras

SCALE = float(os.environ.get("CNNCALC_FUZZ_SCALE", "1"))
SETTINGS = settings(max_examples=int(120 * SCALE), deadline=None, suppress_health_check=[HealthCheck.too_slow])
REJECTED = "rejected"


def note(text: str) -> None:
    """hypothesis' note inside a hypothesis test (shown with the falsifying example); print elsewhere."""
    if currently_in_test_context():
        hypothesis_note(text)
    else:
        print(text)


def ours(shape: tuple[int, ...], entries: list[str]) -> tuple[tuple[int, ...], int, int] | str:
    """cnncalc's output shape, trainable and non-trainable parameters, or 'rejected'."""
    text = f"input: {'x'.join(map(str, shape))}\nlayers:\n" + "".join(f"  - {e}\n" for e in entries)
    note(text)
    try:
        r = cnncalc.analyze_text(text, "layer.yaml")
    except cnncalc.CnnCalcError as exc:
        assert exc.pos is not None and exc.pos.file == "layer.yaml", f"unpositioned error: {exc!r}"
        return REJECTED
    return r.output.dims, r.totals.trainable, r.totals.non_trainable


def theirs(shape: tuple[int, ...], *keras_layers: object) -> tuple[tuple[int, ...], int, int] | str:
    """Keras' verdict: output shape (batch aside) and parameter counts, or 'rejected'."""
    try:
        model = keras.Sequential([keras.Input(shape), *keras_layers])
        y = model(np.zeros((1, *shape), dtype="float32"))
    except (ValueError, RuntimeError) as exc:
        note(f"Keras: {type(exc).__name__}: {exc}")
        return REJECTED
    out = tuple(int(d) for d in y.shape[1:])
    if 0 in out:
        return REJECTED
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    frozen = sum(math.prod(w.shape) for w in model.non_trainable_weights)
    return out, trainable, frozen


def agree(shape: tuple[int, ...], entries: list[str], *keras_layers: object) -> None:
    a, b = ours(shape, entries), theirs(shape, *keras_layers)
    event("rejected" if a == REJECTED else "accepted")
    assert a == b, f"cnncalc: {a}, Keras: {b}"


images = st.tuples(st.integers(1, 11), st.integers(1, 11), st.integers(1, 4))
kernels = st.one_of(st.integers(1, 5), st.tuples(st.integers(1, 5), st.integers(1, 5)))
strides = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))
paddings = st.sampled_from(["same", "valid"])


def pair(v: int | tuple[int, int]) -> tuple[int, int]:
    return v if isinstance(v, tuple) else (v, v)


def dilations(stride: int | tuple[int, int]) -> st.SearchStrategy[int | tuple[int, int]]:
    # Keras refuses a stride and a dilation both above 1
    return st.just(1) if pair(stride) != (1, 1) else st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 2),
                                                                                          st.integers(1, 3)))


@SETTINGS
@given(images, st.integers(1, 4), kernels, strides, paddings, st.data(), st.booleans())
def test_conv(shape, filters, kernel, stride, padding, data, bias) -> None:  # type: ignore[no-untyped-def]
    d = data.draw(dilations(stride))
    entry = flow({"conv": {"filters": filters, "kernel": kernel, "stride": stride, "padding": padding,
                           "dilation": d, "bias": bias}})
    agree(shape, [entry], layers.Conv2D(filters, pair(kernel), strides=pair(stride), padding=padding,
                                        dilation_rate=pair(d), use_bias=bias))


@SETTINGS
@given(images, kernels, strides, paddings, st.integers(1, 3), st.data())
def test_dwconv(shape, kernel, stride, padding, multiplier, data) -> None:  # type: ignore[no-untyped-def]
    d = data.draw(dilations(stride))
    entry = flow({"dwconv": {"kernel": kernel, "stride": stride, "padding": padding, "dilation": d,
                             "multiplier": multiplier}})
    agree(shape, [entry], layers.DepthwiseConv2D(pair(kernel), strides=pair(stride), padding=padding,
                                                 depth_multiplier=multiplier, dilation_rate=pair(d)))


@SETTINGS
@given(images, st.integers(1, 4), kernels, strides, paddings, st.integers(1, 2), st.booleans())
def test_sepconv(shape, filters, kernel, stride, padding, multiplier, bias) -> None:  # type: ignore[no-untyped-def]
    entry = flow({"sepconv": {"filters": filters, "kernel": kernel, "stride": stride, "padding": padding,
                              "multiplier": multiplier, "bias": bias}})
    agree(shape, [entry], layers.SeparableConv2D(filters, pair(kernel), strides=pair(stride), padding=padding,
                                                 depth_multiplier=multiplier, use_bias=bias))


@SETTINGS
@given(images, st.sampled_from(["maxpool", "avgpool"]), kernels, st.one_of(st.none(), strides), paddings)
def test_pool(shape, kind, kernel, stride, padding) -> None:  # type: ignore[no-untyped-def]
    args: dict[str, object] = {"kernel": kernel, "padding": padding}
    if stride is not None:
        args["stride"] = stride
    cls = layers.MaxPooling2D if kind == "maxpool" else layers.AveragePooling2D
    agree(shape, [flow({kind: args})],
          cls(pair(kernel), strides=None if stride is None else pair(stride), padding=padding))


@SETTINGS
@given(images, st.integers(1, 3), kernels, strides, st.data())
def test_deconv_same(shape, filters, kernel, stride, data) -> None:  # type: ignore[no-untyped-def]
    d = data.draw(dilations(stride))
    entry = flow({"deconv": {"filters": filters, "kernel": kernel, "stride": stride, "padding": "same",
                             "dilation": d}})
    agree(shape, [entry], layers.Conv2DTranspose(filters, pair(kernel), strides=pair(stride), padding="same",
                                                 dilation_rate=pair(d)))


# Fixed cases: the rest of what cnncalc takes from Keras.  Each is (input, cnncalc entries, Keras layers).
CASES = {
    "Dense on an image acts on the last axis": ((4, 1, 2), ["dense: 1"], [layers.Dense(1)]),
    "Dense after Flatten": ((3, 4, 5), ["flatten", "dense: {units: 7, bias: false}"],
                            [layers.Flatten(), layers.Dense(7, use_bias=False)]),
    "BatchNormalization: 2C trainable, 2C not": ((5, 5, 6), ["bn"], [layers.BatchNormalization()]),
    "BatchNormalization on a vector": ((6,), ["bn"], [layers.BatchNormalization()]),
    "LayerNormalization over channels": ((3, 3, 4), ["layernorm"], [layers.LayerNormalization()]),
    "GroupNormalization": ((4, 4, 6), ["groupnorm: 3"], [layers.GroupNormalization(3)]),
    "GlobalAveragePooling2D": ((5, 4, 3), ["gap: {keepdims: false}"], [layers.GlobalAveragePooling2D()]),
    "GlobalAveragePooling2D keepdims": ((5, 4, 3), ["gap"], [layers.GlobalAveragePooling2D(keepdims=True)]),
    "GlobalMaxPooling2D": ((5, 4, 3), ["global_maxpool: {keepdims: false}"], [layers.GlobalMaxPooling2D()]),
    "ZeroPadding2D": ((3, 3, 1), ["zeropad: [1, 2, 0, 3]"], [layers.ZeroPadding2D(((1, 2), (0, 3)))]),
    "Cropping2D": ((8, 8, 2), ["crop: [1, 2, 3, 0]"], [layers.Cropping2D(((1, 2), (3, 0)))]),
    "UpSampling2D": ((3, 4, 2), ["upsample: [2, 3]"], [layers.UpSampling2D((2, 3))]),
    "Conv2DTranspose same, stride above the kernel": (
        (5, 4, 2), ["deconv: {filters: 3, kernel: 1, stride: 3, padding: same}"],
        [layers.Conv2DTranspose(3, 1, strides=3, padding="same")]),
    "Keras MNIST convnet (keras.io/examples/vision/mnist_convnet): 34,826 params": (
        (28, 28, 1),
        ["conv: {filters: 32, kernel: 3}", "relu", "maxpool: 2", "conv: {filters: 64, kernel: 3}", "relu",
         "maxpool: 2", "flatten", "dropout: 0.5", "dense: 10", "softmax"],
        [layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2), layers.Conv2D(64, 3, activation="relu"),
         layers.MaxPooling2D(2), layers.Flatten(), layers.Dropout(0.5), layers.Dense(10, activation="softmax")]),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_case(case: tuple[tuple[int, ...], list[str], list[object]]) -> None:
    shape, entries, keras_layers = case
    a = ours(shape, entries)
    assert a != REJECTED
    assert a == theirs(shape, *keras_layers)
