"""Random networks over every layer kind, exported to PyTorch and measured there.

Hypothesis builds a network step by step: a layer of any kind with any of its argument
forms (kernel, stride, the padding forms, dilation, groups, ceil_mode, output_padding, ...),
a merge of paths (concat, add, multiply; paths of layers, the identity, named outputs or the
input), a crop to a named output, an auxiliary head, a path entry starting from a named output,
a max pool unpooled with its indices, or a use of a random user block (``$arg`` and ``${expr}``
arguments, nested blocks, ``repeat``); now and then the network has several ``outputs``.  A step cnncalc rejects is drawn again
(tests/test_torch_layers.py checks separately that cnncalc rejects exactly what PyTorch
rejects), so every network is valid, and tests/torch_oracle.py compares every layer's
output shape, parameters and MACs with PyTorch, exactly.

A failure prints the spec text (replay it with ``cnncalc summary``) and hypothesis's
``@reproduce_failure`` blob.  ``deform_conv`` is left out: its forward needs torchvision.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch", reason="PyTorch is not installed: the cross-check against it is skipped")

import yaml
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from torch_oracle import cross_check

import cnncalc
from cnncalc.layers import REGISTRY
from cnncalc.shapes import Shape

pytestmark = pytest.mark.torch
SCALE = float(os.environ.get("CNNCALC_FUZZ_SCALE", "1"))
MAX_VALUES = 40_000  # largest tensor a step may produce (keeps a forward pass fast)
NOT_GENERATED = {"deform_conv"}

small = st.integers(1, 4)
pair = st.one_of(small, st.lists(small, min_size=2, max_size=2))


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def args_of(draw: Any, required: dict[str, Any], optional: dict[str, Any]) -> dict[str, Any]:
    return draw(st.fixed_dictionaries(required, optional=optional))


def per_axis(draw: Any, make: Any) -> Any:
    """An int (both axes) or [h, w]; ``make(axis)`` gives the strategy of one axis (0 = H, 1 = W)."""
    if draw(st.booleans()):
        return draw(make(0).flatmap(lambda v: make(1).map(lambda _: v)))
    return [draw(make(0)), draw(make(1))]


def window_args(draw: Any, x: Shape, pool: bool) -> dict[str, Any]:
    """kernel, stride, padding (and dilation) that mostly fit ``x``: the padding forms int,
    [ph, pw], [top, bottom, left, right], same and valid; pools pad at most half the kernel."""
    dims = (x.h, x.w)
    kernel = per_axis(draw, lambda a: st.integers(1, max(1, min(4, dims[a] + 1))))
    k = kernel if isinstance(kernel, list) else [kernel, kernel]
    out: dict[str, Any] = {"kernel": kernel}
    if draw(st.booleans()):
        out["stride"] = per_axis(draw, lambda a: st.integers(1, 3))
    limit = (k[0] // 2, k[1] // 2) if pool else (2, 2)
    form = draw(st.sampled_from(["int", "pair", "four", "same", "valid", "none"]))
    if form == "int":
        out["padding"] = draw(st.integers(0, min(limit)))
    elif form == "pair":
        out["padding"] = [draw(st.integers(0, limit[0])), draw(st.integers(0, limit[1]))]
    elif form == "four":
        out["padding"] = [draw(st.integers(0, limit[a // 2])) for a in range(4)]
    elif form != "none":
        out["padding"] = form
    if not pool and draw(st.integers(0, 3)) == 0:
        out["dilation"] = per_axis(draw, lambda a: st.integers(1, 2))
    return out


@st.composite
def layer(draw: Any, x: Shape) -> Any:
    """One layer entry for input ``x``: a kind, a ``kind: main`` scalar or ``kind: {args}``."""
    c = x.c
    groups = st.sampled_from(divisors(c))
    image_kinds = [
        "conv", "dwconv", "sepconv", "deconv", "maxpool", "avgpool", "global_avgpool", "global_maxpool",
        "adaptive_avgpool", "adaptive_maxpool", "upsample", "zeropad", "crop", "se", "channel_shuffle", "lrn",
        "pixel_shuffle", "pixel_unshuffle", "instancenorm",
    ]
    anywhere = [
        "dense", "bn", "layernorm", "groupnorm", "flatten", "channel_split", "relu", "relu6", "gelu", "silu",
        "hardswish", "sigmoid", "hardsigmoid", "tanh", "softmax", "identity", "leaky_relu", "elu", "dropout",
        "prelu", "mish", "softplus", "scale",
    ]
    # Image kinds twice as likely: they have the arguments worth exploring.
    kind = draw(st.sampled_from(anywhere + image_kinds * 2 if x.is_image else anywhere))
    bias = {"bias": st.booleans()}
    if kind == "conv":
        g = draw(groups)
        a = {"filters": draw(st.integers(1, 3)) * g, **window_args(draw, x, False)}
        a.update(args_of(draw, {}, {"groups": st.just(g), **bias}))
    elif kind in ("dwconv", "sepconv"):
        a = {**window_args(draw, x, False), **args_of(draw, {}, {"multiplier": st.integers(1, 2), **bias})}
        if kind == "sepconv":
            a["filters"] = draw(small)
    elif kind == "deconv":
        g = draw(groups)
        stride, dilation = draw(pair), draw(st.one_of(st.just(1), pair))
        s = stride if isinstance(stride, list) else [stride, stride]
        d = dilation if isinstance(dilation, list) else [dilation, dilation]
        a = {"filters": draw(st.integers(1, 3)) * g, "kernel": draw(pair), "stride": stride, "dilation": dilation,
             "output_padding": [draw(st.integers(0, max(s[i], d[i]) - 1)) for i in range(2)]}
        a.update(args_of(draw, {}, {"groups": st.just(g), **bias, "padding": st.one_of(
            st.integers(0, 2), st.lists(st.integers(0, 2), min_size=2, max_size=2),
            st.lists(st.integers(0, 2), min_size=4, max_size=4), st.just("same"))}))
        if a.get("padding") == "same":
            del a["output_padding"]  # same sets it
    elif kind in ("maxpool", "avgpool"):
        a = {**window_args(draw, x, True), **args_of(draw, {}, {"ceil_mode": st.booleans()})}
    elif kind in ("global_avgpool", "global_maxpool"):
        a = args_of(draw, {}, {"keepdims": st.booleans()})
    elif kind in ("adaptive_avgpool", "adaptive_maxpool"):
        a = {"output": draw(pair)}
    elif kind == "upsample":
        a = draw(st.one_of(st.fixed_dictionaries({"scale": st.one_of(st.integers(1, 2), st.just([1, 2]))}),
                           st.fixed_dictionaries({"size": pair}),
                           st.fixed_dictionaries({"scale": st.sampled_from([0.5, 1.5, [0.7, 2.5]])})))
        if draw(st.booleans()):
            a["mode"] = draw(st.sampled_from(["nearest", "bilinear", "bicubic"]))
    elif kind == "zeropad":
        a = {"padding": draw(st.one_of(st.integers(0, 2), st.lists(st.integers(0, 2), min_size=2, max_size=2),
                                       st.lists(st.integers(0, 2), min_size=4, max_size=4)))}
    elif kind == "crop":
        a = {"amount": draw(st.one_of(st.integers(0, 1), st.lists(st.integers(0, 2), min_size=4, max_size=4)))}
    elif kind == "se":
        a = draw(st.one_of(st.fixed_dictionaries({"reduction": st.sampled_from(divisors(c))}),
                           st.fixed_dictionaries({"squeeze": small})))
        a.update(args_of(draw, {}, {"activation": st.sampled_from(["relu", "silu", "swish"]),
                                    "gate": st.sampled_from(["sigmoid", "hardsigmoid"])}))
        if "reduction" in a and draw(st.booleans()):
            a["divisible_by"] = draw(small)
    elif kind in ("channel_shuffle", "groupnorm"):
        # GroupNorm over a single value refuses batch 1 in PyTorch: keep C/groups·H·W > 1.
        ok = [g for g in divisors(c) if kind == "channel_shuffle" or c // g * (x.numel // c) > 1]
        if not ok:
            return "identity"
        a = {"groups": draw(st.sampled_from(ok))}
        if kind == "groupnorm" and draw(st.booleans()):
            a["affine"] = draw(st.booleans())
    elif kind in ("pixel_shuffle", "pixel_unshuffle"):
        fits = [r for r in (2, 3) if (c % (r * r) == 0 if kind == "pixel_shuffle" else x.h % r == x.w % r == 0)]
        if not fits:
            return "identity"
        a = {"factor": draw(st.sampled_from(fits))}
    elif kind == "instancenorm":
        if x.h * x.w == 1:
            return "identity"
        a = args_of(draw, {}, {"affine": st.booleans(), "track_running_stats": st.booleans()})
    elif kind == "prelu":
        a = draw(st.one_of(st.just({}), st.fixed_dictionaries({"per_channel": st.booleans()}),
                           st.fixed_dictionaries({"num_parameters": st.sampled_from(sorted({1, c}))})))
    elif kind == "channel_split":
        parts = draw(groups)
        a = {"parts": parts, "index": draw(st.integers(0, parts - 1))}
    elif kind == "dense":
        a = args_of(draw, {"units": st.integers(1, 8)}, {"bias": st.booleans()})
    elif kind in ("bn", "layernorm"):
        a = args_of(draw, {}, {"affine": st.booleans()})
    elif kind == "leaky_relu":
        a = {"slope": draw(st.sampled_from([0.01, 0.2]))}
    elif kind == "elu":
        a = {"alpha": draw(st.sampled_from([1.0, 0.5]))}
    elif kind == "dropout":
        a = {"rate": draw(st.sampled_from([0.0, 0.5]))}
    elif kind == "lrn":
        a = {"size": draw(st.integers(1, 5))}
    elif kind == "scale":
        a = draw(st.sampled_from([{}, {"init": 0.5}]))
    else:
        a = {}
    main = REGISTRY[kind].main
    if not a and draw(st.booleans()):
        return kind  # a bare kind
    if main is not None and list(a) == [main] and draw(st.booleans()):
        return {kind: a[main]}  # the main-argument scalar form
    return {kind: a}


# Shape-keeping paths (for add and multiply) and spatial-keeping ones (for concat).
def keeping(c: int) -> Any:
    return st.sampled_from([
        [], ["bn"], ["relu", "bn"], [{"conv": {"filters": c, "kernel": 3, "padding": "same"}}],
        [{"dwconv": {"kernel": [1, 3], "padding": "same"}}, "sigmoid"], [{"se": {"squeeze": 2}}],
    ])


spatial = st.sampled_from([
    [{"conv": {"filters": 2, "kernel": 1}}], [{"maxpool": {"kernel": 3, "stride": 1, "padding": "same"}}],
    [{"conv": {"filters": 3, "kernel": 2, "padding": "same"}}, "relu"], [{"dense": 2}], [],
])


def gates(c: int) -> Any:
    return st.sampled_from([
        ["global_avgpool", {"conv": {"filters": c, "kernel": 1}}, "sigmoid"],
        [{"global_maxpool": {"keepdims": False}}, {"dense": c}, "hardsigmoid"], ["sigmoid"], [],
    ])


BLOCKS = {
    "unit": {"args": {"f": 4, "k": 3, "s": 1, "p": "same"},
             "layers": [{"conv": {"filters": "$f", "kernel": "$k", "stride": "$s", "padding": "$p", "bias": False}},
                        "bn", "relu"]},
    "res": {"args": {"f": None},
            "layers": [{"conv": {"filters": "$f", "kernel": 1}, "name": "entry"},
                       {"add": [[{"conv": {"filters": "${f * 2}", "kernel": 3, "padding": 1}}, "relu",
                                 {"conv": {"filters": "$f", "kernel": 1}}], []]},
                       {"concat": [[], "entry"]}]},
    "stage": {"args": {"f": 2, "n": 1},
              "layers": [{"unit": {"f": "$f", "s": 2}}, {"res": "${max(f // 2, 1)}"},
                         {"maxpool": {"kernel": 2, "stride": 1, "padding": [0, 1, 0, 1], "ceil_mode": True}}]},
}


def unpooling(draw: Any, x: Shape, tag: int) -> Any:
    """A max pool and the unpooling of its indices, inside a path whose ends have the shape ``x``."""
    pool = {**window_args(draw, x, True), **args_of(draw, {}, {"ceil_mode": st.booleans()})}
    path: list[Any] = [{"maxpool": pool, "name": f"u{tag}"}, *draw(st.sampled_from([[], ["relu"], ["bn"]]))]
    if draw(st.booleans()):
        return [*path, {"unpool": f"u{tag}"}]
    return [{"identity": None, "name": f"a{tag}"}, *path, {"unpool": {"pool": f"u{tag}", "like": f"a{tag}"}}]


@st.composite
def step(draw: Any, x: Shape, names: dict[str, Shape], blocks: bool, tag: int = 0,
         pools: dict[str, Shape] | None = None) -> Any:
    """One entry of the top-level layer list (``tag`` makes the names it writes unique; ``pools``:
    the named max pools so far and their output shapes)."""
    what = draw(st.sampled_from(["layer"] * 6 + ["merge", "merge", "aux", "crop_to", "resize_to", "repeat", "path",
                                                 "unpool"] + ["block"] * blocks))
    if what == "merge" and x.is_image:
        op = draw(st.sampled_from(["concat", "add", "multiply"]))
        same = [n for n, s in names.items() if s == x]
        same_hw = [n for n, s in names.items() if s.dims[:-1] == x.dims[:-1]]
        if op == "add":
            paths = draw(st.lists(st.one_of(keeping(x.c), *([st.sampled_from(same)] if same else [])), min_size=2,
                                  max_size=3))
        elif op == "concat":
            paths = draw(st.lists(st.one_of(spatial, *([st.sampled_from(same_hw)] if same_hw else [])), min_size=2,
                                  max_size=3))
        else:
            paths = [[], *draw(st.lists(gates(x.c), min_size=1, max_size=2))]
        return {op: draw(st.permutations(paths))}
    if what == "aux":
        head = [draw(layer(x))]
        if x.is_image and draw(st.booleans()):
            head += ["flatten", {"dense": draw(st.integers(1, 5))}]
        return {"aux": head}
    if what == "block" and x.is_image:
        return draw(st.sampled_from([
            {"unit": {"f": draw(small), "s": draw(st.integers(1, 2)), "p": draw(st.sampled_from([0, 1, "same"]))}},
            {"unit": {"k": draw(st.integers(1, 3))}, "repeat": draw(st.integers(1, 3))},
            {"res": draw(small)},
            {"stage": {"f": draw(small)}},
        ]))
    if what == "crop_to" and x.is_image:
        smaller = [n for n, s in names.items() if s.is_image and s.h <= x.h and s.w <= x.w]
        if smaller:
            ref = draw(st.sampled_from(smaller))
            crop: dict[str, Any] = {draw(st.sampled_from(["to", "like"])): ref}
            if draw(st.booleans()):  # a corner of the cut instead of the centre (FCN's offset crop)
                room = (x.h - names[ref].h, x.w - names[ref].w)
                crop["offset"] = [draw(st.integers(0, room[0])), draw(st.integers(0, room[1]))]
            return {"crop": crop}
    if what == "resize_to" and x.is_image:
        images = [n for n, s in names.items() if s.is_image]
        if images:
            return {"upsample": {"like": draw(st.sampled_from(images)),
                                 "mode": draw(st.sampled_from(["nearest", "bilinear", "bicubic"]))}}
    if what == "path":  # a new flow from a named output (or the input): `- [name, layer]`
        ref = draw(st.sampled_from(sorted(names)))
        return [ref, draw(layer(names[ref]))]
    if what == "unpool" and x.is_image:
        ready = sorted(n for n, s in (pools or {}).items() if s == x)
        if ready and draw(st.booleans()):
            return {"unpool": draw(st.sampled_from(ready))}
        return {"add": [[], unpooling(draw, x, tag)]}  # the unpooling gives x's shape back
    if what == "repeat":
        return {"relu" if not x.is_image else "conv": None if not x.is_image else {"filters": x.c, "kernel": 1},
                "repeat": draw(st.integers(2, 3))}
    return draw(layer(x))


def spec_text(shape: Shape, entries: list[Any], blocks: bool, outputs: list[str] | None = None) -> str:
    doc: dict[str, Any] = {"input": list(shape.dims)}
    if blocks:
        doc["blocks"] = BLOCKS
    doc["layers"] = entries
    if outputs:
        doc["outputs"] = outputs
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=1000)


@st.composite
def networks(draw: Any) -> str:
    if draw(st.integers(0, 9)) == 0:
        shape = Shape((draw(st.integers(1, 16)),))
    else:
        shape = Shape((draw(st.integers(1, 16)), draw(st.integers(1, 16)), draw(st.integers(1, 6))))
    blocks = draw(st.booleans())
    entries: list[Any] = []
    names: dict[str, Shape] = {"input": shape}
    pools: dict[str, Shape] = {}
    x = shape
    for i in range(draw(st.integers(1, 12))):
        for _ in range(5):  # a step cnncalc rejects is drawn again
            entry = draw(step(x, names, blocks, i, pools))
            if isinstance(entry, dict) and "aux" not in entry and draw(st.booleans()):
                entry = {**entry, "name": f"n{i}"}
            text = spec_text(shape, entries + [entry], blocks)
            try:
                report = cnncalc.analyze_text(text)
            except cnncalc.CnnCalcError:
                continue
            if any(r.output.numel > MAX_VALUES for r in report.rows):
                continue
            entries.append(entry)
            x = report.output
            if isinstance(entry, dict) and "name" in entry:
                names[entry["name"]] = x
                if "maxpool" in entry and "repeat" not in entry:
                    pools[entry["name"]] = x
            break
    if not entries:
        entries = ["identity"]
    outputs = None
    if len(names) > 1 and draw(st.integers(0, 3)) == 0:  # several outputs, in any order
        outputs = draw(st.lists(st.sampled_from(sorted(names)), min_size=1, max_size=3, unique=True))
    return spec_text(shape, entries, blocks, outputs)


@settings(max_examples=int(500 * SCALE), deadline=None, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(networks())
def test_random_network_matches_pytorch(text: str) -> None:
    note(f"--- spec ---\n{text}")
    report = cnncalc.analyze_text(text)
    for kind in {r.kind for r in report.rows}:
        event(f"kind {kind}")
    event(f"{len(report.rows) // 10 * 10}+ layers")
    if report.several:
        event("several outputs")
    if any(-1 in r.sources for r in report.rows[1:]):
        event("the input read after the first layer")
    cross_check(text, "random.yaml")


def test_generator_covers_every_kind() -> None:
    """Adding a layer kind without adding it to the generator fails here."""
    source = Path(__file__).read_text(encoding="utf-8")
    kinds = {cls.kind for cls in REGISTRY.values()} - NOT_GENERATED
    assert {k for k in kinds if f'"{k}"' not in source} == set()
