"""The training-step oracle: what PyTorch keeps, computes and stores for one step, measured.

``measure(code_or_model, input_shape, batch, dtype, amp, optimizer)`` runs one steady-state
training step (train mode; optimizer state already allocated, gradients ``None``; forward,
``loss.backward()``, ``optimizer.step()``) of an exported cnncalc model (the source
``cnncalc export --to pytorch`` writes, or a built ``nn.Module``) and measures, independently of
cnncalc, per layer (the ``LAYERS`` attributes) and in total:

- **kept bytes**: the storages autograd saves for backward, seen by
  ``torch.autograd.graph.saved_tensors_hooks``, each storage once (by
  ``untyped_storage().data_ptr()``, its whole ``nbytes()``: a saved view counts the whole
  storage it views). The model's parameters and buffers are excluded by storage; the network
  input (which does not require grad) counts when a layer keeps it. A storage is listed under
  every layer whose ops saved it (``LayerMeasure.kept_bytes``, with its role: the layer's
  input, its output, an internal tensor, an autocast weight copy) and once under its *owner*
  (``owned_bytes``: the layer that produced it, as an output or inside its forward; ``"input"``
  for the network input), so the owners' bytes sum to the distinct total ``kept_bytes``.
  Under autocast the low-precision copies of parameters are not parameters: they are kept
  bytes like any other, their part also reported as ``weight_copy_bytes``.
- **MACs**: forward, and backward split into grad-of-input and grad-of-weight, for the ops
  ``torch.utils.flop_counter`` counts (convolutions and matrix products; nothing else), from
  first principles per op (``conv_macs``, ``mm_macs``), attributed to the layer whose autograd
  node runs them (``torch._C._current_autograd_node``, mapped to layers by walking each layer's
  new graph nodes after its forward). The totals are cross-checked against ``FlopCounterMode``
  with ``custom_mapping=corrected_mapping()`` (PyTorch 2.13 counts the weight gradient of a
  grouped convolution ``groups`` times); the uncorrected counter's backward total is kept too.
- **state**: parameter, buffer and gradient bytes, and the optimizer's per-parameter state
  tensors (scalar ``step`` counters reported apart, not counted).
- **live bytes**: the bytes of tensor storages alive at once, from the op that creates a
  storage to its release, over the step's three phases; the peak and where it happened.

torch is imported lazily: import this module freely, call ``measure`` only after
``pytest.importorskip("torch")``.
"""

from __future__ import annotations

import gc
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

DTYPES = ("fp32", "bf16", "fp16")
OPTIMIZERS = ("sgd", "momentum", "adam", "adamw")
TORCH_DTYPES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}
INPUT = "input"  # owner of the network input's storage
OUTSIDE = "(outside)"  # work outside every LAYERS module (the loss)


@dataclass
class SavedStorage:
    """One storage autograd saved for backward."""

    ptr: int
    nbytes: int
    dtype: str
    shape: tuple[int, ...]  # of the first saved tensor that views it
    savers: list[str]  # layers whose ops saved it, first saver first
    owner: str  # the layer that produced it ("input" for the network input)
    weight_copy: bool  # an autocast cast of a parameter


@dataclass
class LayerMeasure:
    kept_bytes: int = 0  # distinct storages this layer's ops saved (params and buffers excluded)
    owned_bytes: int = 0  # distinct kept storages this layer produced (the rows sum to the total)
    forward_macs: int = 0
    grad_input_macs: int = 0
    grad_weight_macs: int = 0
    input_bytes: int = 0  # numel x element size of its input tensors
    output_bytes: int = 0  # ... and of its outputs
    # Live bytes a layer adds at its most, as PyTorch runs it: in forward, above what was alive
    # when its forward began (its outputs, what it keeps, its temporaries); in backward, the
    # most any of its autograd nodes adds above what was alive when that node began (the
    # gradients it produces and its temporaries).
    forward_transient_bytes: int = 0
    backward_transient_bytes: int = 0
    # what its ops saved, each storage once: (role, dtype, shape, storage bytes); role is "input"
    # (the storage of one of its inputs), "output", "weight copy" (autocast) or "internal"
    saved: list[tuple[str, str, tuple[int, ...], int]] = field(default_factory=list)

    @property
    def backward_macs(self) -> int:
        return self.grad_input_macs + self.grad_weight_macs


@dataclass
class Measured:
    batch: int
    dtype: str
    amp: bool
    optimizer: str
    layers: dict[str, LayerMeasure]
    storages: list[SavedStorage]
    kept_bytes: int  # distinct saved storages, all layers
    weight_copy_bytes: int  # the part of kept_bytes that is autocast copies of parameters
    input_bytes: int  # the network input (kept or not)
    forward_macs: int
    grad_input_macs: int
    grad_weight_macs: int
    counter_forward_macs: int  # FlopCounterMode with corrected_mapping()
    counter_backward_macs: int
    counter_backward_macs_raw: int  # FlopCounterMode as PyTorch 2.13 ships it
    # FlopCounterMode's per-module forward counts (its per-module backward counts are not usable:
    # its module tracker credits a backward op to every module whose backward has not ended)
    counter_layer_forward_macs: dict[str, int]
    param_bytes: int
    buffer_bytes: int
    grad_bytes: int
    optimizer_bytes: int  # per-parameter state tensors
    optimizer_scalar_bytes: int  # scalar state (Adam's step counters): not counted above
    live_start_bytes: int  # alive when the step starts: params, buffers, optimizer state, input
    live_peak_forward_bytes: int
    live_peak_backward_bytes: int
    live_optimizer_start_bytes: int  # alive when optimizer.step() starts
    live_peak_optimizer_bytes: int
    live_peak_at: str  # "forward <layer>", "backward <layer>" or "optimizer"
    param_tensor_bytes: tuple[int, ...]  # each trainable parameter's bytes, in the optimizer's order
    optimizer_impl: str  # "loop" (one tensor at a time: the default off CUDA), "foreach" (CUDA's default), "fused"

    @property
    def backward_macs(self) -> int:
        return self.grad_input_macs + self.grad_weight_macs

    @property
    def training_macs(self) -> int:
        return self.forward_macs + self.backward_macs

    @property
    def live_peak_bytes(self) -> int:
        return max(self.live_peak_forward_bytes, self.live_peak_backward_bytes, self.live_peak_optimizer_bytes)

    @property
    def input_kept(self) -> bool:
        return any(s.owner == INPUT for s in self.storages)

    @property
    def state_bytes(self) -> int:
        return self.param_bytes + self.buffer_bytes + self.grad_bytes + self.optimizer_bytes

    @property
    def largest_transient_bytes(self) -> int:
        """The largest input + output bytes of one layer (the model's transient term)."""
        return max((m.input_bytes + m.output_bytes for m in self.layers.values()), default=0)

    @property
    def optimizer_temporary_bytes(self) -> int:
        """What ``optimizer.step()`` allocates and frees (measured in tests/test_training_oracle.py).

        SGD, with or without momentum: nothing. Adam/AdamW one tensor at a time (PyTorch's
        default off CUDA): ``denom = (exp_avg_sq.sqrt() / c).add_(eps)`` makes two temporaries
        of the parameter being updated, while the previous parameter's ``denom`` (a local of the
        loop) is still alive: max over i of 2·b_i + b_(i-1). With ``foreach`` (the default on
        CUDA): one list of temporaries as large as all the parameters. ``fused``: nothing."""
        if self.optimizer in ("sgd", "momentum") or self.optimizer_impl == "fused":
            return 0
        if self.optimizer_impl == "foreach":
            return sum(self.param_tensor_bytes)
        b = self.param_tensor_bytes
        return max((2 * b[i] + (b[i - 1] if i else 0) for i in range(len(b))), default=0)

    @property
    def model_step_peak_bytes(self) -> int:
        """docs/training.md's stated model of forward + backward: state + the input + kept + the
        largest transient (all gradients counted though the early layers' come last; all kept
        counted though the last layers' go first: a bound, not a prediction)."""
        unkept_input = 0 if self.input_kept else self.input_bytes
        return self.state_bytes + unkept_input + self.kept_bytes + self.largest_transient_bytes

    @property
    def model_optimizer_peak_bytes(self) -> int:
        return self.state_bytes + self.input_bytes + self.optimizer_temporary_bytes

    @property
    def model_peak_bytes(self) -> int:
        return max(self.model_step_peak_bytes, self.model_optimizer_peak_bytes)


# --- MACs from first principles -----------------------------------------------------

def prod(xs: Any) -> int:
    out = 1
    for x in xs:
        out *= int(x)
    return out


def conv_macs(x_shape: Any, w_shape: Any, out_shape: Any, transposed: bool) -> int:
    """Multiply-accumulates of one convolution (padding's zeros counted, bias not: cnncalc's rule).

    Each weight value meets one input value per position of the *small* side: the output
    positions of a convolution, the input positions of a transposed one. The weight is
    (C_out, C_in/groups, kh, kw), or (C_in, C_out/groups, kh, kw) transposed, so its numel
    already holds the division by groups. The input gradient and the weight gradient pair the
    same values again (grad_input[x] += w · grad_out[y]; grad_w += x · grad_out[y] for the
    same (x, w, y) triples): each is exactly this count."""
    positions = prod((x_shape if transposed else out_shape)[2:])
    return int(x_shape[0]) * positions * prod(w_shape)


def mm_macs(a_shape: Any, b_shape: Any) -> int:
    """(m x k) @ (k x n): m·k·n; batched (b x m x k) @ (b x k x n): b·m·k·n."""
    if len(a_shape) == 3:
        return int(a_shape[0]) * int(a_shape[1]) * int(a_shape[2]) * int(b_shape[2])
    return int(a_shape[0]) * int(a_shape[1]) * int(b_shape[1])


def corrected_conv_backward_flop(grad_out_shape: Any, x_shape: Any, w_shape: Any, bias: Any, stride: Any,
                                 padding: Any, dilation: Any, transposed: bool, output_padding: Any,
                                 groups: int, output_mask: Any, out_shape: Any, **kwargs: Any) -> int:
    """``FlopCounterMode``'s convolution_backward formula with the weight-gradient term divided by
    ``groups``: PyTorch 2.13 counts it as a convolution of the transposed input (a 'batch' of all
    C_in channels) with the transposed grad_output, as if every filter saw all C_in channels, not
    C_in/groups (depthwise: C times too many)."""
    from torch.utils import flop_counter

    formula = flop_counter.conv_backward_flop.__wrapped__  # the formula under its shape wrapper
    rest = (bias, stride, padding, dilation, transposed, output_padding, groups)
    total = int(formula(grad_out_shape, x_shape, w_shape, *rest, output_mask, out_shape))
    if not output_mask[1]:
        return total
    weight = int(formula(grad_out_shape, x_shape, w_shape, *rest, [False, True, False], out_shape))
    assert weight % groups == 0
    return total - weight + weight // groups


def corrected_mapping() -> dict[Any, Callable[..., int]]:
    """``custom_mapping`` for ``FlopCounterMode`` that corrects the grouped weight gradient."""
    import torch

    return {torch.ops.aten.convolution_backward: corrected_conv_backward_flop}


# --- optimizers ----------------------------------------------------------------------

IMPLS = ("loop", "foreach", "fused")


def make_optimizer(name: str, params: list[Any], impl: str = "loop", lr: float = 1e-3) -> Any:
    """sgd: SGD without momentum; momentum: SGD(momentum=0.9); adam, adamw: PyTorch's defaults.
    ``impl``: "loop" (``foreach=False``, what PyTorch picks off CUDA), "foreach" (its pick on
    CUDA), "fused"."""
    import torch

    kw: dict[str, Any] = {"loop": {"foreach": False}, "foreach": {"foreach": True}, "fused": {"fused": True}}[impl]
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, **kw)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9, **kw)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, **kw)
    assert name == "adamw", name
    return torch.optim.AdamW(params, lr=lr, **kw)


def optimizer_state_bytes(opt: Any) -> tuple[int, int]:
    """(per-parameter state tensors, scalar state tensors) in bytes; only ``step`` is scalar."""
    import torch

    per_param = scalar = 0
    for state in opt.state.values():
        for key, v in state.items():
            if not isinstance(v, torch.Tensor):
                continue
            if v.dim() == 0:
                assert key == "step", key
                scalar += v.element_size()
            else:
                per_param += v.numel() * v.element_size()
    return per_param, scalar


# --- the step ------------------------------------------------------------------------

def load(code: str) -> types.ModuleType:
    """Execute generated source as a fresh module."""
    mod = types.ModuleType("exported_model")
    exec(compile(code, "<exported model>", "exec"), mod.__dict__)  # noqa: S102  (the code under test)
    return mod


def _tensors(obj: Any) -> Iterator[Any]:
    import torch

    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, (tuple, list)):
        for o in obj:
            yield from _tensors(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from _tensors(o)


def _ptr(t: Any) -> int:
    return int(t.untyped_storage().data_ptr())


def _nbytes(t: Any) -> int:
    return int(t.untyped_storage().nbytes())


def _tensor_bytes(obj: Any) -> int:
    return sum(t.numel() * t.element_size() for t in _tensors(obj))


def measure(code_or_model: str | Any, input_shape: tuple[int, ...] | None = None, batch: int = 2,
            dtype: str = "fp32", amp: bool = False, optimizer: str = "sgd",
            layers: dict[str, str] | None = None, seed: int = 0, optimizer_impl: str = "loop") -> Measured:
    """One training step of the model, measured (see the module docstring).

    ``code_or_model``: exported source (its ``build_model``, ``LAYERS`` and ``INPUT_SHAPE`` are
    used) or an ``nn.Module`` (``layers``: attribute -> name; default its direct children).
    ``input_shape``: NCHW (or (N, features)), default the export's; its batch is replaced by
    ``batch``. ``dtype`` without ``amp``: the whole model in that dtype (``model.to(dtype)``);
    with ``amp``: fp32 parameters and ``torch.autocast("cpu", dtype)``."""
    import torch

    assert dtype in DTYPES and optimizer in OPTIMIZERS and optimizer_impl in IMPLS, (dtype, optimizer, optimizer_impl)
    assert not (amp and dtype == "fp32"), "amp needs dtype bf16 or fp16"
    torch.manual_seed(seed)
    if isinstance(code_or_model, str):
        mod = load(code_or_model)
        model = mod.build_model()
        attrs = dict(mod.LAYERS)
        shape = tuple(input_shape or mod.INPUT_SHAPE)
    else:
        model = code_or_model
        attrs = dict(layers) if layers is not None else {n: n for n, _ in model.named_children()}
        assert input_shape is not None
        shape = tuple(input_shape)
    tdtype = getattr(torch, TORCH_DTYPES[dtype])
    if not amp:
        model = model.to(tdtype)
    model.train()
    x = torch.randn((batch, *shape[1:]), dtype=torch.float32 if amp else tdtype)
    step = _Step(model, attrs, x, dtype, amp, optimizer, optimizer_impl)
    try:
        return step.run()
    finally:  # the step's bookkeeping holds cycles (hooks, trackers) around the model: free it now
        del step, model, x
        gc.collect()


class _Step:
    """The bookkeeping of one measured step: module hooks, saved-tensor hooks, a dispatch mode."""

    def __init__(self, model: Any, attrs: dict[str, str], x: Any, dtype: str, amp: bool, optimizer: str,
                 impl: str) -> None:
        self.model, self.attrs, self.x = model, attrs, x
        self.dtype, self.amp, self.optimizer, self.impl = dtype, amp, optimizer, impl
        self.stack: list[str] = []  # the LAYERS module running its forward
        self.layers = {a: LayerMeasure() for a in attrs}
        self.layers[OUTSIDE] = LayerMeasure()
        self.state_ptrs = {_ptr(t) for t in [*model.parameters(), *model.buffers()]}
        self.weight_ptrs = {_ptr(p) for p in model.parameters()}
        self.copy_ptrs: set[int] = set()  # autocast copies of parameters, while alive
        self.owner: dict[int, str] = {_ptr(x): INPUT}  # storage -> layer that produced it, while alive
        self.storages: dict[int, SavedStorage] = {}
        self.saved_ptrs: dict[str, list[int]] = {}  # per layer, in the order of LayerMeasure.saved
        self.input_ptrs: dict[str, set[int]] = {}
        self.node_layer: dict[int, str] = {}  # id(autograd node) -> layer whose forward made it
        self.nodes: list[Any] = []  # keeps those nodes (and so their ids) alive
        self.live = _LiveBytes(self)

    def forget(self, ptr: int) -> None:
        """A storage was freed: its address may come back for a new one."""
        self.owner.pop(ptr, None)
        self.copy_ptrs.discard(ptr)

    def current(self) -> str:
        return self.stack[-1] if self.stack else OUTSIDE

    # saved tensors
    def pack(self, t: Any) -> Any:
        ptr = _ptr(t)
        if ptr in self.state_ptrs:
            return t
        layer = self.current()
        s = self.storages.get(ptr)
        if s is None:
            # its owner: the layer (or the input) whose output it is, else the layer making it now
            s = self.storages[ptr] = SavedStorage(ptr, _nbytes(t), str(t.dtype).removeprefix("torch."),
                                                  tuple(t.shape), [], self.owner.get(ptr, layer),
                                                  ptr in self.copy_ptrs)
        if layer not in s.savers:
            s.savers.append(layer)
            m = self.layers[layer]
            m.kept_bytes += s.nbytes
            m.saved.append(("", s.dtype, tuple(t.shape), s.nbytes))
            self.saved_ptrs.setdefault(layer, []).append(ptr)
        return t

    # module hooks
    def pre(self, attr: str) -> Callable[..., None]:
        def hook(_m: Any, inputs: Any) -> None:
            self.input_ptrs[attr] = {_ptr(t) for t in _tensors(inputs)}
            self.layers[attr].input_bytes = _tensor_bytes(inputs)
            self.stack.append(attr)
            self.live.begin_layer(attr)
        return hook

    def post(self, attr: str) -> Callable[..., None]:
        def hook(_m: Any, _inputs: Any, output: Any) -> None:
            assert self.stack and self.stack[-1] == attr
            self.stack.pop()
            m = self.layers[attr]
            m.forward_transient_bytes = self.live.end_layer()
            m.output_bytes = _tensor_bytes(output)
            outs = {_ptr(t) for t in _tensors(output)}
            for i, ptr in enumerate(self.saved_ptrs.pop(attr, [])):
                role = ("weight copy" if self.storages[ptr].weight_copy else "input" if ptr in self.input_ptrs[attr]
                        else "output" if ptr in outs else "internal")
                m.saved[i] = (role, *m.saved[i][1:])
            todo = []
            for t in _tensors(output):
                self.owner.setdefault(_ptr(t), attr)
                if t.grad_fn is not None:
                    todo.append(t.grad_fn)
            # Every autograd node made in this layer's forward is reachable from its outputs
            # without passing through a node of an earlier layer.
            while todo:
                node = todo.pop()
                if node is None or id(node) in self.node_layer:
                    continue
                self.node_layer[id(node)] = attr
                self.nodes.append(node)
                todo.extend(f for f, _ in node.next_functions)
        return hook

    # ops
    def count(self, func: Any, args: Any, out: Any) -> None:
        import torch
        from torch.utils.flop_counter import flop_registry

        aten = torch.ops.aten
        packet = func._overloadpacket
        if packet is aten._to_copy and args and _ptr(args[0]) in self.weight_ptrs:
            self.copy_ptrs.add(_ptr(out))  # autocast casting a parameter
            return
        convs = (aten.convolution, aten._convolution)
        products = (aten.mm, aten.addmm, aten.bmm, aten.baddbmm)
        if packet not in (*convs, *products, aten.convolution_backward):
            assert packet not in flop_registry, f"an op FlopCounterMode counts and this oracle does not: {packet}"
            return
        node = torch._C._current_autograd_node()
        a, b = (args[0], args[1]) if packet in (aten.mm, aten.bmm) else (args[1], args[2])
        if node is None:  # forward
            m = self.layers[self.current()]
            if packet in convs:
                m.forward_macs += conv_macs(args[0].shape, args[1].shape, out.shape, bool(args[6]))
            else:
                m.forward_macs += mm_macs(a.shape, b.shape)
            return
        m = self.layers[self.node_layer.get(id(node), OUTSIDE)]
        if packet is aten.convolution_backward:
            grad_out, inp, w, transposed, mask = args[0], args[1], args[2], bool(args[7]), args[10]
            macs = conv_macs(inp.shape, w.shape, grad_out.shape, transposed)
            m.grad_input_macs += macs if mask[0] else 0
            m.grad_weight_macs += macs if mask[1] else 0
            return
        # A matrix product in backward: the input's gradient multiplies by the weight (a
        # parameter or its autocast copy); the weight's gradient multiplies by the input.
        if any(_ptr(t) in self.weight_ptrs or _ptr(t) in self.copy_ptrs for t in (a, b)):
            m.grad_input_macs += mm_macs(a.shape, b.shape)
        else:
            m.grad_weight_macs += mm_macs(a.shape, b.shape)

    def forward(self, model: Any, x: Any) -> Any:
        import torch

        if self.amp:
            with torch.autocast("cpu", dtype=getattr(torch, TORCH_DTYPES[self.dtype])):
                return model(x)
        return model(x)

    def run(self) -> Measured:
        """Two steps: one measured (saved tensors, MACs: FlopCounterMode runs there, and it
        decomposes some composite ops, such as mish's backward, to look inside them), then one
        as PyTorch runs it, for the live bytes."""
        import torch
        from torch.utils._python_dispatch import TorchDispatchMode
        from torch.utils.flop_counter import FlopCounterMode

        model, x, step = self.model, self.x, self
        params = [p for p in model.parameters() if p.requires_grad]
        opt = make_optimizer(self.optimizer, params, self.impl) if params else None
        for p in params:  # a first step allocates the optimizer's state: measure a later one
            p.grad = torch.zeros_like(p)
        if opt is not None:
            opt.step()
        model.zero_grad(set_to_none=True)
        state = optimizer_state_bytes(opt) if opt is not None else (0, 0)
        start_tensors = [*model.parameters(), *model.buffers(), *_tensors(opt.state if opt else {}), x]

        class Recorder(TorchDispatchMode):
            def __init__(self, counting: bool) -> None:
                super().__init__()
                self.counting = counting

            def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
                step.live.before_op()
                out = func(*args, **(kwargs or {}))
                if self.counting:
                    step.count(func, args, out)
                step.live.created(out)
                return out

        handles = []
        for attr in self.attrs:
            sub = model.get_submodule(attr)
            handles += [sub.register_forward_pre_hook(self.pre(attr)), sub.register_forward_hook(self.post(attr))]
        raw = FlopCounterMode(display=False)
        fixed = FlopCounterMode(display=False, custom_mapping=corrected_mapping())
        try:
            self.live.start(start_tensors)
            with Recorder(counting=True), raw, fixed, torch.autograd.graph.saved_tensors_hooks(self.pack, lambda t: t):
                loss = _loss(self.forward(model, x))
                raw_fwd, fixed_fwd = raw.get_total_flops(), fixed.get_total_flops()
                per_module = fixed.get_flop_counts()
                if loss.requires_grad:  # a model without parameters has nothing to train
                    loss.backward()
                del loss
            grad_bytes = _tensor_bytes([p.grad for p in params if p.grad is not None])
            model.zero_grad(set_to_none=True)
            self.node_layer, self.nodes = {}, []
            self.live.close()
            live = self.live = _LiveBytes(self)
            live.start(start_tensors)
            with Recorder(counting=False):
                loss = _loss(self.forward(model, x))
                live.phase("backward", self.node_layer)
                if loss.requires_grad:
                    loss.backward()
                del loss
                live.phase("optimizer", {})
                if opt is not None:
                    opt.step()
        finally:
            for h in handles:
                h.remove()
            self.live.close()
            self.node_layer, self.nodes = {}, []
        if opt is not None:
            assert optimizer_state_bytes(opt) == state, "the optimizer's state changed size after its first step"
        assert raw_fwd == fixed_fwd and raw_fwd % 2 == 0 and fixed.get_total_flops() % 2 == 0
        prefix = type(model).__name__
        counter_layer = {a: sum(per_module.get(f"{prefix}.{a}", {}).values()) // 2 for a in self.attrs}
        for s in self.storages.values():
            if s.owner in self.layers:
                self.layers[s.owner].owned_bytes += s.nbytes
        outside = self.layers.pop(OUTSIDE)
        assert outside == LayerMeasure(), f"work outside every layer: {outside}"
        layers = self.layers
        return Measured(
            batch=int(x.shape[0]), dtype=self.dtype, amp=self.amp, optimizer=self.optimizer,
            layers=layers, storages=list(self.storages.values()),
            kept_bytes=sum(s.nbytes for s in self.storages.values()),
            weight_copy_bytes=sum(s.nbytes for s in self.storages.values() if s.weight_copy),
            input_bytes=_nbytes(x),
            forward_macs=sum(m.forward_macs for m in layers.values()),
            grad_input_macs=sum(m.grad_input_macs for m in layers.values()),
            grad_weight_macs=sum(m.grad_weight_macs for m in layers.values()),
            counter_forward_macs=fixed_fwd // 2,
            counter_backward_macs=(fixed.get_total_flops() - fixed_fwd) // 2,
            counter_backward_macs_raw=(raw.get_total_flops() - raw_fwd) // 2,
            counter_layer_forward_macs=counter_layer,
            param_bytes=_tensor_bytes(list(model.parameters())),
            buffer_bytes=_tensor_bytes(list(model.buffers())),
            grad_bytes=grad_bytes,
            optimizer_bytes=state[0], optimizer_scalar_bytes=state[1],
            live_start_bytes=live.starts["forward"], live_peak_forward_bytes=live.peaks["forward"],
            live_peak_backward_bytes=live.peaks["backward"],
            live_optimizer_start_bytes=live.starts["optimizer"],
            live_peak_optimizer_bytes=live.peaks["optimizer"], live_peak_at=live.peak_at,
            param_tensor_bytes=tuple(p.numel() * p.element_size() for p in params),
            optimizer_impl=self.impl,
        )


def _loss(out: Any) -> Any:
    """The sum of every output (the model's and its auxiliary heads'): its backward is an
    expand, so it adds no MACs and keeps nothing."""
    import torch

    return sum((o.sum() for o in _tensors(out)), torch.zeros(()))


class _LiveBytes:
    """Bytes of tensor storages alive, from their creation by an op to their release.

    Each storage counts once (views share it), from the first op output that uses it; a
    finalizer on the storage object (PyTorch keeps one Python object per live storage) says
    when it is freed. Work buffers inside kernels are not op outputs: not counted."""

    def __init__(self, step: _Step) -> None:
        self.step = step
        self.live = 0
        self.tracked: set[int] = set()
        self.finalizers: list[Any] = []  # detached at the end: they hold this tracker and the step
        self.phase_name, self.where = "forward", ""
        self.peaks: dict[str, int] = {}
        self.starts: dict[str, int] = {}
        self.peak_at = ""
        self.node_layer: dict[int, str] = {}
        self.layer_base = self.layer_peak = 0  # the layer running its forward
        self.node: Any = None  # the autograd node running, when it began, its most
        self.node_base = self.node_peak = 0

    def close(self) -> None:
        for f in self.finalizers:
            f.detach()
        self.finalizers.clear()

    def begin_layer(self, attr: str) -> None:
        self.where = f"forward {attr}"
        self.layer_base = self.layer_peak = self.live

    def end_layer(self) -> int:
        return self.layer_peak - self.layer_base

    def before_op(self) -> None:
        if self.phase_name != "backward":
            return
        import torch

        node = torch._C._current_autograd_node()
        if node is not self.node:
            self.end_node()
            self.node, self.node_base, self.node_peak = node, self.live, self.live

    def end_node(self) -> None:
        if self.node is None:
            return
        layer = self.node_layer.get(id(self.node))
        if layer is not None:
            m = self.step.layers[layer]
            m.backward_transient_bytes = max(m.backward_transient_bytes, self.node_peak - self.node_base)
        self.node = None

    def track(self, t: Any) -> None:
        import weakref

        st = t.untyped_storage()
        ptr, nb = int(st.data_ptr()), int(st.nbytes())
        if nb == 0 or ptr in self.tracked:
            return
        self.tracked.add(ptr)
        self.live += nb
        self.finalizers.append(weakref.finalize(st, self.freed, ptr, nb))

    def freed(self, ptr: int, nb: int) -> None:
        self.tracked.discard(ptr)
        self.live -= nb
        self.step.forget(ptr)

    def start(self, tensors: list[Any]) -> None:
        for t in tensors:
            self.track(t)
        self.peaks["forward"] = self.starts["forward"] = self.live

    def phase(self, name: str, node_layer: dict[int, str]) -> None:
        self.end_node()
        self.phase_name, self.node_layer, self.where = name, node_layer, name
        self.peaks[name] = self.starts[name] = self.live

    def created(self, out: Any) -> None:
        for t in _tensors(out):
            self.track(t)
        self.layer_peak = max(self.layer_peak, self.live)
        self.node_peak = max(self.node_peak, self.live)
        if self.live <= self.peaks[self.phase_name]:
            return
        overall = max(self.peaks.values())
        self.peaks[self.phase_name] = self.live
        where = self.where
        if self.phase_name == "backward":
            import torch

            node = torch._C._current_autograd_node()
            where = "backward " + (self.node_layer.get(id(node), OUTSIDE) if node is not None else OUTSIDE)
        if self.live > overall or not self.peak_at:
            self.peak_at = where
