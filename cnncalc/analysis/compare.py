"""Models side by side (``cnncalc compare``, and ``scale``'s before and after): one frozen row of
totals per model, and the differences of each to the first.

A model's **depth** is the most weighted layers on one path from the input to an output: layers
with parameters that multiply (conv, depthwise, separable and transposed conv, dense, se; params
and MACs both non-zero), so normalisation, activations, pooling and merges add nothing, and a
projection shortcut beside three convs does not make a path longer.  It is the number in a
network's name (ResNet-50: 49 convs and the classifier on its longest path; the four projection
shortcuts are on shorter ones), and MATLAB's "depth" of its pretrained networks ("the largest
number of sequential convolutional or fully connected layers on a path from the input layer to the
output layer"), except that a squeeze-excite (``se``) counts as one layer, not its two 1x1 convs.
Auxiliary heads do not run at inference and are not on any path.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from cnncalc.analysis.report import BYTES_PER_VALUE, LayerReport, Report
from cnncalc.records import record, replace
from cnncalc.shapes import Shape

# the numbers of a row, in the order tables and files show them; each has a difference to the first
QUANTITIES = ("params", "trainable_params", "non_trainable_params", "macs", "activations", "depth")


def weighted(row: LayerReport) -> bool:
    """A layer with parameters that multiply: one step of a network's depth."""
    return row.cost.trainable > 0 and row.cost.macs > 0


def depth(report: Report) -> int:
    """The most weighted layers on one path (module doc), in one pass over the rows: each row's
    inputs come from earlier rows (``sources``), so a row's longest path is known when reached."""
    longest: list[int] = []
    for row in report.rows:
        before = max((longest[s] for s in row.sources if 0 <= s < len(longest)), default=0)
        longest.append(0 if row.aux else before + weighted(row))
    return max(longest, default=0)


@record(frozen=True, slots=True)
class Model:
    """One model of a comparison: its totals, and where it came from (the spec file, the ``--set``
    values it was analysed with, in the order given)."""

    label: str
    name: str
    file: str
    sets: tuple[tuple[str, str], ...]
    input: Shape
    output: Shape
    params: int
    trainable_params: int
    non_trainable_params: int
    macs: int
    activations: int
    depth: int

    @property
    def activation_bytes(self) -> int:
        return self.activations * BYTES_PER_VALUE

    def value(self, quantity: str) -> int:
        """One of :data:`QUANTITIES`."""
        value = getattr(self, quantity)
        assert isinstance(value, int)
        return value


def model(report: Report, file: str, sets: Sequence[tuple[str, str]] = (), label: str = "") -> Model:
    """A report's row of totals; ``label`` defaults to the network's name."""
    t = report.totals
    return Model(label or report.name, report.name, file, tuple(sets), report.input, report.output, t.params,
                 t.trainable, t.non_trainable, t.macs, t.activations, depth(report))


def labelled(models: Sequence[Model]) -> tuple[Model, ...]:
    """The models with labels that tell them apart: models sharing a label get the values they were
    set to (``mobilenet_v2 width=0.5``) where those differ, then their input where that differs, then
    their place among them (``#2``)."""
    labels = [m.label for m in models]
    extras: tuple[Callable[[Model], str], ...] = (lambda m: "".join(f" {k}={v}" for k, v in m.sets),
                                                   lambda m: f" @{m.input}")
    for extra in extras:
        groups: dict[str, list[int]] = {}
        for i, x in enumerate(labels):
            groups.setdefault(x, []).append(i)
        for members in groups.values():
            if len(members) > 1 and len({extra(models[i]) for i in members}) > 1:
                for i in members:
                    labels[i] += extra(models[i])
    counts = Counter(labels)
    seen: Counter[str] = Counter()
    for i, x in enumerate(labels):
        if counts[x] > 1:
            seen[x] += 1
            labels[i] = f"{x} #{seen[x]}"
    return tuple(replace(m, label=x) for m, x in zip(models, labels, strict=True))


def differences(models: Sequence[Model]) -> list[dict[str, int]]:
    """Each model's quantities minus the first model's (the first's are all 0)."""
    if not models:
        return []
    first = models[0]
    return [{q: m.value(q) - first.value(q) for q in QUANTITIES} for m in models]
