"""The training-step oracle (tests/training_oracle.py) against numbers worked out by hand.

Each network is small enough to count on paper; the comments give the count. Batches 2 and 3
separate what grows with the batch from what does not. These tests check the *oracle*, so the
networks are written directly in PyTorch (independent of cnncalc's export), except one that
goes through ``cnncalc export`` to check that ``LAYERS`` names line up.
"""

from __future__ import annotations

import subprocess
import sys
from collections import OrderedDict
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="PyTorch is not installed: the training oracle is skipped")

import torch
import training_oracle as oracle
from torch import nn

pytestmark = pytest.mark.torch
F32, BF16, I64 = 4, 2, 8  # bytes per value


def seq(*layers: tuple[str, nn.Module]) -> nn.Sequential:
    return nn.Sequential(OrderedDict(layers))


def saved(m: oracle.Measured, layer: str) -> list[tuple[str, str, tuple[int, ...], int]]:
    return m.layers[layer].saved


def classic() -> nn.Sequential:
    """conv 8x8x3 -> 16 filters 3x3 (6x6x16) -> relu -> maxpool 2 (3x3x16) -> flatten (144) -> dense 10."""
    return seq(("conv", nn.Conv2d(3, 16, 3)), ("relu", nn.ReLU()), ("pool", nn.MaxPool2d(2)),
               ("flat", nn.Flatten()), ("fc", nn.Linear(144, 10)))


@pytest.mark.parametrize("n", [2, 3])
def test_classic_network_kept_bytes(n: int) -> None:
    m = oracle.measure(classic(), (1, 3, 8, 8), batch=n)
    # conv keeps its input, the network input: N·3·8·8 floats
    assert saved(m, "conv") == [("input", "float32", (n, 3, 8, 8), n * 3 * 64 * F32)]
    # relu keeps its output: N·16·6·6 floats
    assert saved(m, "relu") == [("output", "float32", (n, 16, 6, 6), n * 576 * F32)]
    # maxpool keeps its input (that same storage) and int64 indices of its output's shape
    assert saved(m, "pool") == [("input", "float32", (n, 16, 6, 6), n * 576 * F32),
                                ("internal", "int64", (n, 16, 3, 3), n * 144 * I64)]
    assert saved(m, "flat") == []  # a view: nothing saved
    # dense keeps its input: the flatten view of maxpool's output (N·144 floats)
    assert saved(m, "fc") == [("input", "float32", (n, 144), n * 144 * F32)]
    # distinct storages: input 768N + relu output 2304N + indices 1152N + pool output 576N = 4800N
    assert m.kept_bytes == 4800 * n
    # each storage once, under the layer that produced it (the relu output under relu, not pool)
    owned = {a: layer.owned_bytes for a, layer in m.layers.items()}
    assert owned == {"conv": 0, "relu": 2304 * n, "pool": (1152 + 576) * n, "flat": 0, "fc": 0}
    assert m.kept_bytes == sum(owned.values()) + 768 * n  # + the network input's


@pytest.mark.parametrize("n", [2, 3])
def test_classic_network_macs(n: int) -> None:
    m = oracle.measure(classic(), (1, 3, 8, 8), batch=n)
    conv = n * 6 * 6 * 16 * 3 * 3 * 3  # output positions x filters x (C_in·kh·kw): 15,552 per sample
    fc = n * 144 * 10
    assert (m.layers["conv"].forward_macs, m.layers["conv"].grad_input_macs, m.layers["conv"].grad_weight_macs) \
        == (conv, 0, conv)  # the input does not require grad: no gradient of it is computed
    assert (m.layers["fc"].forward_macs, m.layers["fc"].grad_input_macs, m.layers["fc"].grad_weight_macs) \
        == (fc, fc, fc)
    assert (m.forward_macs, m.backward_macs, m.training_macs) == (conv + fc, conv + 2 * fc, 2 * conv + 3 * fc)
    # FlopCounterMode agrees (no grouped conv here: its own formula is right)
    assert (m.counter_forward_macs, m.counter_backward_macs, m.counter_backward_macs_raw) \
        == (m.forward_macs, m.backward_macs, m.backward_macs)
    assert m.counter_layer_forward_macs == {"conv": conv, "relu": 0, "pool": 0, "flat": 0, "fc": fc}


def test_classic_network_state() -> None:
    m = oracle.measure(classic(), (1, 3, 8, 8), batch=2, optimizer="adam")
    params = (16 * 27 + 16) + (144 * 10 + 10)  # 448 + 1450
    assert (m.param_bytes, m.grad_bytes, m.buffer_bytes) == (params * F32, params * F32, 0)
    assert m.optimizer_bytes == 2 * params * F32  # exp_avg and exp_avg_sq
    assert m.optimizer_scalar_bytes == 4 * F32  # one float32 step counter per parameter tensor, not counted


@pytest.mark.parametrize(("optimizer", "copies"), [("sgd", 0), ("momentum", 1), ("adam", 2), ("adamw", 2)])
@pytest.mark.parametrize("dtype", ["fp32", "bf16"])
def test_optimizer_state(optimizer: str, copies: int, dtype: str) -> None:
    m = oracle.measure(classic(), (1, 3, 8, 8), batch=2, dtype=dtype, optimizer=optimizer)
    size = F32 if dtype == "fp32" else BF16
    assert m.param_bytes == 1898 * size
    assert m.optimizer_bytes == copies * 1898 * size  # state in the parameters' dtype
    assert m.optimizer_scalar_bytes == (4 * F32 if copies == 2 else 0)  # Adam's step: float32 whatever the model


def test_optimizer_state_with_amp_is_fp32() -> None:
    m = oracle.measure(classic(), (1, 3, 8, 8), batch=2, dtype="bf16", amp=True, optimizer="adamw")
    assert (m.param_bytes, m.grad_bytes, m.optimizer_bytes) == (1898 * F32, 1898 * F32, 2 * 1898 * F32)


@pytest.mark.parametrize(("optimizer", "impl"), [("adam", "loop"), ("adam", "foreach"), ("adam", "fused"),
                                                 ("adamw", "loop"), ("sgd", "loop"), ("momentum", "foreach")])
def test_optimizer_step_temporaries(optimizer: str, impl: str) -> None:
    """What optimizer.step() allocates above the state. Adam one tensor at a time makes two
    temporaries the size of the parameter it updates while the previous one's denominator is
    still alive: at fc's 1440 weights, 2·1440 + conv's 16 biases; with foreach, one list as
    large as all parameters; fused and SGD none."""
    m = oracle.measure(classic(), (1, 3, 8, 8), batch=2, optimizer=optimizer, optimizer_impl=impl)
    expected = {"loop": (2 * 1440 + 16) * F32, "foreach": 1898 * F32, "fused": 0}[impl] if optimizer.startswith("adam") else 0
    assert m.optimizer_temporary_bytes == expected
    assert m.live_peak_optimizer_bytes - m.live_optimizer_start_bytes == expected


def grouped(groups: int) -> nn.Sequential:
    """1x1 conv 6x6x4 -> 4 (so that the grouped conv's input needs a gradient), then a 3x3 conv 4 -> 8
    with ``groups`` (4: depthwise, multiplier 2)."""
    return seq(("pw", nn.Conv2d(4, 4, 1)), ("grouped", nn.Conv2d(4, 8, 3, groups=groups)))


@pytest.mark.parametrize("groups", [1, 2, 4])
def test_grouped_conv_weight_gradient(groups: int) -> None:
    n = 2
    m = oracle.measure(grouped(groups), (1, 4, 6, 6), batch=n)
    pw = n * 36 * 4 * 4
    g = n * 4 * 4 * 8 * (4 // groups) * 9  # output positions x filters x (C_in/groups)·kh·kw
    layer = m.layers["grouped"]
    assert (layer.forward_macs, layer.grad_input_macs, layer.grad_weight_macs) == (g, g, g)
    assert m.backward_macs == m.counter_backward_macs == pw + 2 * g
    # PyTorch 2.13's counter multiplies the grouped conv's weight gradient by its group count
    assert m.counter_backward_macs_raw - m.counter_backward_macs == (groups - 1) * g


def test_transposed_conv_macs() -> None:
    # ConvTranspose2d 4 -> 6 channels, groups 2, kernel 3, stride 2 on 5x5: each of the N·5·5 input
    # positions meets all (C_in=4)·(C_out/groups=3)·3·3 weights
    net = seq(("pw", nn.Conv2d(4, 4, 1)), ("up", nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2)))
    m = oracle.measure(net, (1, 4, 5, 5), batch=2)
    t = 2 * 25 * 4 * 3 * 9
    layer = m.layers["up"]
    assert (layer.forward_macs, layer.grad_input_macs, layer.grad_weight_macs) == (t, t, t)
    assert m.counter_backward_macs_raw - m.counter_backward_macs == t  # groups - 1 = 1 extra copy
    assert saved(m, "up") == [("input", "float32", (2, 4, 5, 5), 2 * 100 * F32)]


@pytest.mark.parametrize("n", [2, 3])
def test_batchnorm_keeps_input_and_statistics(n: int) -> None:
    m = oracle.measure(seq(("conv", nn.Conv2d(3, 4, 1)), ("bn", nn.BatchNorm2d(4))), (1, 3, 5, 5), batch=n)
    # its input (N·4·5·5 floats) and the batch mean and inverse std, C floats each: per batch, not per sample
    assert saved(m, "bn") == [("input", "float32", (n, 4, 5, 5), n * 100 * F32),
                              ("internal", "float32", (4,), 4 * F32), ("internal", "float32", (4,), 4 * F32)]
    assert m.buffer_bytes == 2 * 4 * F32 + I64  # running mean and var, and num_batches_tracked (int64)


def test_statistics_dtype_pure_bf16_and_amp() -> None:
    net = seq(("conv", nn.Conv2d(3, 4, 1)), ("bn", nn.BatchNorm2d(4)), ("pool", nn.MaxPool2d(5)))
    pure = oracle.measure(net, (1, 3, 5, 5), batch=2, dtype="bf16")
    # model.to(bf16): the statistics are bf16; max pooling's indices stay int64
    assert saved(pure, "bn") == [("input", "bfloat16", (2, 4, 5, 5), 200 * BF16),
                                 ("internal", "bfloat16", (4,), 4 * BF16), ("internal", "bfloat16", (4,), 4 * BF16)]
    assert saved(pure, "pool")[1] == ("internal", "int64", (2, 4, 1, 1), 8 * I64)
    amp = oracle.measure(seq(("conv", nn.Conv2d(3, 4, 1)), ("bn", nn.BatchNorm2d(4))), (1, 3, 5, 5), batch=2,
                         dtype="bf16", amp=True)
    # autocast: the conv outputs bf16; batch norm (fp32 weights) keeps fp32 statistics
    assert saved(amp, "bn") == [("input", "bfloat16", (2, 4, 5, 5), 200 * BF16),
                                ("internal", "float32", (4,), 4 * F32), ("internal", "float32", (4,), 4 * F32)]


def test_autocast_keeps_low_precision_copies() -> None:
    net = seq(("conv", nn.Conv2d(3, 4, 3)), ("relu", nn.ReLU()), ("flat", nn.Flatten()), ("fc", nn.Linear(36, 5)))
    m = oracle.measure(net, (1, 3, 5, 5), batch=2, dtype="bf16", amp=True)
    # conv: a bf16 copy of the fp32 input (not the input itself) and a bf16 copy of its weight
    assert saved(m, "conv") == [("internal", "bfloat16", (2, 3, 5, 5), 150 * BF16),
                                ("weight copy", "bfloat16", (4, 3, 3, 3), 108 * BF16)]
    # relu keeps its (bf16) output; the Linear keeps that same storage, flattened, and a copy
    # of its weight, transposed (5 x 36 -> 36 x 5)
    assert saved(m, "relu") == [("output", "bfloat16", (2, 4, 3, 3), 72 * BF16)]
    assert saved(m, "fc") == [("input", "bfloat16", (2, 36), 72 * BF16),
                              ("weight copy", "bfloat16", (36, 5), 180 * BF16)]
    assert m.weight_copy_bytes == (108 + 180) * BF16
    assert m.kept_bytes == (150 + 108 + 72 + 180) * BF16
    assert m.param_bytes == (108 + 4 + 180 + 5) * F32  # the parameters stay fp32


def test_dropout_on_cpu_keeps_a_mask_of_the_input_dtype() -> None:
    # CPU's dropout multiplies by a scaled Bernoulli tensor of the input's dtype (CUDA keeps a bool mask)
    net = seq(("conv", nn.Conv2d(3, 4, 1)), ("drop", nn.Dropout(0.5)))
    m = oracle.measure(net, (1, 3, 5, 5), batch=2)
    assert saved(m, "drop") == [("internal", "float32", (2, 4, 5, 5), 200 * F32)]


def test_views_keep_their_whole_storage() -> None:
    class Crop(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x[:, :, 1:-1, 1:-1]

    class Split(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.chunk(x, 2, dim=1)[1]

    for view, shape in ((Crop(), (2, 4, 4, 4)), (Split(), (2, 2, 6, 6))):
        net = seq(("conv", nn.Conv2d(3, 4, 1)), ("view", view), ("conv2", nn.Conv2d(shape[1], 2, 1)))
        m = oracle.measure(net, (1, 3, 6, 6), batch=2)
        assert saved(m, "view") == []
        # conv2 keeps a view whose storage is conv's whole 2·4·6·6 output, owned by conv
        assert saved(m, "conv2") == [("input", "float32", shape, 288 * F32)]
        assert m.layers["conv"].owned_bytes == 288 * F32


class Merge(nn.Module):
    def __init__(self, how: str) -> None:
        super().__init__()
        self.how = how

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        if self.how == "add":
            return a + b
        return torch.cat([a, b], 1) if self.how == "cat" else a * b


class TwoPaths(nn.Module):
    def __init__(self, how: str) -> None:
        super().__init__()
        self.a, self.b, self.merge = nn.Conv2d(3, 4, 1), nn.Conv2d(3, 4, 1), Merge(how)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.merge(self.a(x), self.b(x))


@pytest.mark.parametrize(("how", "kept"), [("add", []), ("cat", []), ("mul", [("input", "float32", (2, 4, 5, 5), 800)] * 2)])
def test_merges(how: str, kept: list[object]) -> None:
    # add and concat keep nothing; multiply keeps both factors (2·4·5·5 floats each)
    m = oracle.measure(TwoPaths(how), (1, 3, 5, 5), batch=2)
    assert saved(m, "merge") == kept
    assert m.kept_bytes == 150 * F32 + (1600 if how == "mul" else 0)  # + the input both convs keep


def test_nothing_is_kept_before_the_first_parameter() -> None:
    # No gradient is needed upstream of the first parameter: max pooling and relu on the input
    # keep nothing; the conv after them keeps its input (the relu's output)
    net = seq(("pool", nn.MaxPool2d(2)), ("relu", nn.ReLU()), ("conv", nn.Conv2d(3, 2, 1)))
    m = oracle.measure(net, (1, 3, 6, 6), batch=2)
    assert (saved(m, "pool"), saved(m, "relu")) == ([], [])
    assert saved(m, "conv") == [("input", "float32", (2, 3, 3, 3), 54 * F32)]
    assert m.layers["conv"].grad_input_macs == 0


def test_a_model_without_parameters_trains_nothing() -> None:
    m = oracle.measure(seq(("relu", nn.ReLU()), ("pool", nn.MaxPool2d(2))), (1, 3, 4, 4), batch=2, optimizer="adam")
    assert (m.kept_bytes, m.backward_macs, m.param_bytes, m.optimizer_bytes) == (0, 0, 0, 0)


def test_live_bytes_and_the_stated_peak_model() -> None:
    m = oracle.measure(classic(), (1, 3, 8, 8), batch=2)
    params = 1898 * F32
    assert m.live_start_bytes == params + m.input_bytes  # SGD: no state; gradients None
    # kept 9600; largest layer input + output: relu, 2·(4608)
    assert m.largest_transient_bytes == 2 * 4608
    assert m.model_step_peak_bytes == 2 * params + 9600 + 9216
    assert m.live_peak_bytes <= m.model_peak_bytes


def test_exported_model_lines_up_with_layers() -> None:
    from cnncalc.export.pytorch import to_pytorch
    from cnncalc.graph.build import build_graph
    from cnncalc.spec.parse import parse_spec

    text = "input: 8x8x3\nlayers:\n  - conv: {filters: 16, kernel: 3}\n  - relu\n  - maxpool: 2\n  - flatten\n  - dense: 10\n"
    code = to_pytorch(build_graph(parse_spec(text, "<t>")), "<t>")
    m = oracle.measure(code, batch=2)
    assert list(m.layers) == ["conv1", "relu1", "maxpool1", "flatten1", "dense1"]
    assert m.kept_bytes == 9600  # as test_classic_network_kept_bytes, worked there


def test_the_oracle_imports_without_torch() -> None:
    """Importing the module must not import torch (tests that use it skip without torch)."""
    code = "import sys; sys.modules['torch'] = None; import training_oracle; print(training_oracle.DTYPES)"
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr


class DenseHWC(nn.Linear):
    """Keras Dense on an image, as cnncalc exports it: a Linear over the channels."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.movedim(1, -1)).movedim(-1, 1)


class ChannelLayerNorm(nn.LayerNorm):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.movedim(1, -1)).movedim(-1, 1)


@pytest.mark.parametrize("n", [1, 2])
def test_dense_on_an_image_keeps_a_channels_last_copy(n: int) -> None:
    # relu keeps its output (N·4·3·3); the dense layer reshapes x.movedim(1, -1) to (N·3·3, 4):
    # a copy of its own for N = 2 (the batch and the positions do not merge), a view for N = 1
    net = seq(("conv", nn.Conv2d(3, 4, 1)), ("relu", nn.ReLU()), ("fc", DenseHWC(4, 5)))
    m = oracle.measure(net, (1, 3, 3, 3), batch=n)
    if n == 2:
        assert saved(m, "fc") == [("internal", "float32", (18, 4), 72 * F32)]
        assert m.kept_bytes == (54 + 72 + 72) * F32  # input, relu output, the copy
    else:
        assert saved(m, "fc") == [("input", "float32", (9, 4), 36 * F32)]
        assert m.kept_bytes == (27 + 36) * F32


def test_layer_norm_on_an_image_keeps_per_position_statistics() -> None:
    net = seq(("conv", nn.Conv2d(3, 4, 1)), ("ln", ChannelLayerNorm(4)))
    m = oracle.measure(net, (1, 3, 5, 6), batch=2)
    # its input, viewed channels-last (the same storage), and mean and rstd per position: 2·5·6
    assert saved(m, "ln") == [("input", "float32", (2, 5, 6, 4), 240 * F32),
                              ("internal", "float32", (2, 5, 6, 1), 60 * F32),
                              ("internal", "float32", (2, 5, 6, 1), 60 * F32)]


def test_pooling_and_resampling() -> None:
    net = seq(("conv", nn.Conv2d(3, 4, 1)), ("avg", nn.AvgPool2d(2)), ("gap", nn.AdaptiveAvgPool2d(1)))
    m = oracle.measure(net, (1, 3, 4, 4), batch=2)
    assert saved(m, "avg") == [("input", "float32", (2, 4, 4, 4), 128 * F32)]  # saved, though backward needs its shape only
    assert saved(m, "gap") == []  # to 1x1 PyTorch takes a mean: nothing kept
    net = seq(("conv", nn.Conv2d(3, 4, 1)), ("up", nn.Upsample(scale_factor=1.5, mode="bilinear")),
              ("ps", nn.PixelShuffle(2)))
    m = oracle.measure(net, (1, 3, 4, 4), batch=2)
    assert (saved(m, "up"), saved(m, "ps")) == ([], [])


def test_lrn_keeps_four_tensors() -> None:
    net = seq(("conv", nn.Conv2d(3, 4, 1)), ("lrn", nn.LocalResponseNorm(3)))
    m = oracle.measure(net, (1, 3, 2, 2), batch=2)
    # input; squares padded to C + size - 1 = 6 channels; the power's base and result
    assert saved(m, "lrn") == [("input", "float32", (2, 4, 2, 2), 32 * F32),
                               ("internal", "float32", (2, 1, 6, 2, 2), 48 * F32),
                               ("internal", "float32", (2, 4, 2, 2), 32 * F32),
                               ("internal", "float32", (2, 4, 2, 2), 32 * F32)]
