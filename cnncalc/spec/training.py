"""How a training step runs (``budget:`` in a spec, and ``cnncalc budget``'s options).

``batch`` samples per step; ``dtype`` the model's (``model.to(dtype)``), or with ``amp`` the
dtype ``torch.autocast`` runs conv and dense layers in, over fp32 parameters and optimizer
state; ``optimizer`` sgd (no state), momentum (one tensor per parameter), adam or adamw (two).
"""

from __future__ import annotations

from cnncalc.errors import CnnCalcError, SpecError, did_you_mean, raise_all, shown
from cnncalc.records import record
from cnncalc.source.values import as_bool, as_int, as_str, describe
from cnncalc.source.yamltree import YMap, YNode, YScalar

DTYPES = ("fp32", "bf16", "fp16")
OPTIMIZERS = ("sgd", "momentum", "adam", "adamw")
KEYS = ("batch", "dtype", "amp", "optimizer")


@record(frozen=True, slots=True)
class Setup:
    """One training step's setting: batch, dtype, mixed precision, optimizer."""

    batch: int = 1
    dtype: str = "fp32"
    amp: bool = False
    optimizer: str = "sgd"

    @property
    def param_dtype(self) -> str:
        """Parameters, gradients and optimizer state: fp32 under autocast, else the model's dtype."""
        return "fp32" if self.amp else self.dtype

    def problem(self) -> str | None:
        """Why this setting cannot run, in words (None: it can)."""
        if self.batch < 1:
            return f"the batch must be at least 1, got {self.batch}"
        if self.dtype not in DTYPES:
            return f"the dtype must be one of {', '.join(DTYPES)}, got '{shown(self.dtype)}'"
        if self.optimizer not in OPTIMIZERS:
            return f"the optimizer must be one of {', '.join(OPTIMIZERS)}, got '{shown(self.optimizer)}'"
        if self.amp and self.dtype == "fp32":
            return "amp (mixed precision) runs in bf16 or fp16: give dtype bf16 or fp16 with it"
        return None


def _word(node: YNode, what: str, choices: tuple[str, ...]) -> str:
    word = as_str(node, what)
    if word not in choices:
        raise SpecError(f"budget {what} must be one of {', '.join(choices)}, got '{shown(word)}'", node.pos,
                        hint=did_you_mean(word, list(choices)), code="E111")
    return word


def parse_setup(node: YNode | None) -> tuple[Setup | None, list[CnnCalcError]]:
    """The ``budget:`` mapping of a spec (None when absent) and its errors, all of them."""
    if node is None or (isinstance(node, YScalar) and node.is_null()):
        return None, []
    if not isinstance(node, YMap):
        return None, [SpecError(f"'budget' must be a mapping, e.g. {{batch: 64, dtype: bf16, amp: true}}, got"
                                f" {describe(node)}", node.pos, code="E105")]
    errors: list[CnnCalcError] = []
    values: dict[str, object] = {}
    for key, value in node.pairs:
        try:
            if key.value == "batch":
                values["batch"] = as_int(value, "budget batch", minimum=1)
            elif key.value == "dtype":
                values["dtype"] = _word(value, "dtype", DTYPES)
            elif key.value == "amp":
                values["amp"] = as_bool(value, "budget amp")
            elif key.value == "optimizer":
                values["optimizer"] = _word(value, "optimizer", OPTIMIZERS)
            else:
                hint = did_you_mean(key.value, list(KEYS)) or "budget takes: " + ", ".join(KEYS)
                raise SpecError(f"unknown budget key '{shown(key.value)}'", key.pos, hint=hint, code="E106")
        except CnnCalcError as exc:
            errors.append(exc)
    if errors:
        return None, errors
    setup = Setup(**values)  # type: ignore[arg-type]
    problem = setup.problem()
    if problem:
        raise_all([SpecError(problem, node.pos, code="E111")])
    return setup, []
