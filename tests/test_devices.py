"""The device table (cnncalc/analysis/devices.py): complete, exact, and equal to the vendor text beside it.

Expected numbers here come from the vendor's printed figures (the quotes stored in the module, parsed by
this file's own units table) and from the per-SM, per-clock rates in NVIDIA's architecture whitepapers
(cited at each ratio); none is copied from the module's integers.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest

from cnncalc.analysis.devices import BY_NAME, DEVICES, DTYPES, Device, DeviceError, lookup, tokens
from cnncalc.errors import CnnCalcError, SourcePos

# The vendor's units: TFLOPS and bandwidth are decimal; a GPU's memory "GB" is binary (test_memory_is_binary).
UNITS = {"TFLOPS": 10**12, "GB/s": 10**9, "TB/s": 10**12, "GB": 2**30}
RATES = ("fp32", "tf32", "bf16", "fp16", "tf32_sparse", "bf16_sparse", "fp16_sparse")
FIGURES = ("memory_bytes", "memory_bandwidth", *RATES)
IDS = [d.name for d in DEVICES]


def printed(device: Device, field: str) -> Fraction:
    """The figure as the quote prints it, in base units (halved where the source prints only sparse)."""
    (ev,) = [e for e in device.evidence if e.field == field]
    value = Fraction(ev.number.replace(",", "")) * UNITS[ev.unit]
    return value / 2 if ev.halved else value


def rounding(device: Device, field: str) -> Fraction:
    """Half a unit in the last printed digit: how far the vendor's rounding may move the figure."""
    (ev,) = [e for e in device.evidence if e.field == field]
    decimals = len(ev.number.partition(".")[2])
    half = Fraction(1, 2 * 10**decimals) * UNITS[ev.unit]
    return half / 2 if ev.halved else half


@pytest.mark.parametrize("device", DEVICES, ids=IDS)
def test_every_device_has_every_field(device: Device) -> None:
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", device.name), "canonical names are lower-case words and dashes"
    assert device.title and device.source.title and device.source.where
    assert device.source.url.startswith("https://")
    for field in ("memory_bytes", "memory_bandwidth", "fp32", "fp16"):
        value = getattr(device, field)
        assert type(value) is int and value > 0, field  # exact ints, never floats
    for field in ("tf32", "bf16", "tf32_sparse", "bf16_sparse", "fp16_sparse"):
        value = getattr(device, field)
        assert value is None or (type(value) is int and value > 0), field
    for dtype in ("tf32", "bf16", "fp16"):  # no sparse figure without a dense one
        assert getattr(device, dtype) is not None or getattr(device, f"{dtype}_sparse") is None
    # exactly one piece of evidence for each figure the device has, none for one it lacks
    fields = [e.field for e in device.evidence]
    assert sorted(fields) == sorted(f for f in FIGURES if getattr(device, f) is not None)


@pytest.mark.parametrize("device", DEVICES, ids=IDS)
def test_sparse_is_twice_dense(device: Device) -> None:
    """NVIDIA's 2:4 structured sparsity doubles the tensor rate ("Specifications 1/2 lower without sparsity")."""
    for dtype in ("tf32", "bf16", "fp16"):
        sparse = getattr(device, f"{dtype}_sparse")
        if sparse is not None:
            assert sparse == 2 * getattr(device, dtype), dtype


@pytest.mark.parametrize("device", DEVICES, ids=IDS)
def test_each_figure_equals_its_quote(device: Device) -> None:
    for ev in device.evidence:
        assert ev.number in ev.quote, f"{ev.field}: '{ev.number}' is not in the quoted text"
        assert ev.unit in UNITS
        assert getattr(device, ev.field) == printed(device, ev.field), ev.field
        assert ev.seen_at is None or ev.seen_at.strip(), "seen_at says where, or is None (from memory)"
        if ev.field.endswith("_sparse"):
            assert not ev.halved, "a sparse figure is taken as printed"


# Dense rates per SM per clock (FMA = 2 FLOPs), from NVIDIA's architecture whitepapers, as multiples of
# the FP32 CUDA-core rate; (field, multiple of fp32 or of another field).  Where the tensor and CUDA
# cores run at the same clock the printed figures must keep the ratio, up to the printing's rounding.
RATIOS: dict[str, list[tuple[str, str, int]]] = {
    # GA100 (A100 whitepaper): 64 FP32 FMA/clk/SM; 4 tensor cores x 256 FP16 FMA = 16x; TF32 half of FP16.
    "a100": [("tf32", "fp32", 8), ("bf16", "fp32", 16), ("fp16", "bf16", 1)],
    # GH100 (Hopper whitepaper): TF32 half of FP16/BF16; FP32 is quoted at another clock, so not compared.
    "h100": [("bf16", "tf32", 2), ("fp16", "bf16", 1)],
    # AD104 data-center part: FP16/BF16 with FP32 accumulate at full rate, 4x the 128 FP32 FMA/clk/SM.
    "l4": [("fp16", "fp32", 4), ("fp16", "bf16", 1)],
    # TU104 (Turing whitepaper): 64 FP32 FMA/clk/SM; 8 tensor cores x 64 FP16 FMA = 8x.
    "t4": [("fp16", "fp32", 8)],
    # GV100 (Volta whitepaper): 64 FP32 FMA/clk/SM; 8 tensor cores x 64 FP16 FMA = 8x.
    "v100": [("fp16", "fp32", 8)],
    # GA10x and AD10x GeForce: 128 FP32 FMA/clk/SM; FP16 with FP32 accumulate 2x; TF32 1x.
    "rtx": [("fp16", "fp32", 2), ("tf32", "fp32", 1), ("fp16", "tf32", 2), ("bf16", "fp16", 1)],
}


@pytest.mark.parametrize("device", DEVICES, ids=IDS)
def test_figures_keep_the_architecture_ratios(device: Device) -> None:
    (family,) = [f for f in RATIOS if device.name.startswith(f)]
    for field, base, multiple in RATIOS[family]:
        a, b = getattr(device, field), getattr(device, base)
        slack = rounding(device, field) + multiple * rounding(device, base)
        assert abs(a - multiple * b) <= slack, f"{field} = {a} is not {multiple} x {base} = {b}"


def test_ratio_check_catches_a_typo() -> None:
    """The ratio test can fail: a dropped digit (A100 fp32 1.95 TFLOPS) breaks tf32 = 8 x fp32."""
    a100 = BY_NAME["a100-80gb-sxm"]
    assert a100.tf32 is not None
    typo = a100.fp32 // 10
    assert abs(a100.tf32 - 8 * typo) > rounding(a100, "tf32") + 8 * rounding(a100, "fp32")


def test_the_required_devices_are_there() -> None:
    """Issue 12: at least A100 40/80 GB, H100 SXM/PCIe, L4, T4, RTX 3090/4090, V100."""
    for name in ("a100-40gb-sxm", "a100-80gb-sxm", "h100-sxm", "h100-pcie", "l4", "t4", "rtx3090", "rtx4090",
                 "v100-sxm2-32gb"):
        assert lookup(name).name == name


def test_no_bf16_or_tf32_before_ampere() -> None:
    """Volta and Turing tensor cores do FP16 only (V100 and T4 datasheets); bf16 and tf32 are None there."""
    for device in DEVICES:
        if device.name.startswith(("t4", "v100")):
            assert (device.tf32, device.bf16, device.tf32_sparse, device.fp16_sparse) == (None, None, None, None)
            assert device.peak("bf16") is None and device.peak("fp16") == device.fp16


def test_peak_reads_the_dense_rate() -> None:
    h100 = BY_NAME["h100-sxm"]
    assert [h100.peak(d) for d in DTYPES] == [h100.fp32, h100.tf32, h100.bf16, h100.fp16]
    assert h100.peak("bf16") == Fraction(1979, 2) * 10**12  # half the datasheet's "1,979 TFLOPS*"


def test_memory_is_binary() -> None:
    """A datasheet's "80GB" of GPU memory is 80 GiB: CUDA reports more than 80 * 10**9 bytes usable.

    ``totalGlobalMem`` from CUDA's deviceQuery sample, as printed in public logs: A100-SXM4-80GB 85198045184
    bytes; H100 80GB HBM3 85045477376 (CUDA 12.7/12.4); RTX 4090 25756696576 (Linux, CUDA 12.1).
    """
    for name, visible in (("a100-80gb-sxm", 85198045184), ("h100-sxm", 85045477376), ("rtx4090", 25756696576)):
        device = BY_NAME[name]
        decimal = printed(device, "memory_bytes") / UNITS["GB"] * 10**9
        assert decimal < visible <= device.memory_bytes, name
    assert all(d.memory_bytes % 2**30 == 0 for d in DEVICES)


@pytest.mark.parametrize(("text", "name"), [
    ("a100-80gb-sxm", "a100-80gb-sxm"),
    ("A100-80GB-SXM", "a100-80gb-sxm"),
    ("a100 sxm 80gb", "a100-80gb-sxm"),
    ("NVIDIA A100-SXM4-80GB", "a100-80gb-sxm"),  # torch.cuda.get_device_name() on that board
    ("NVIDIA A100-PCIE-40GB", "a100-40gb-pcie"),
    ("NVIDIA H100 80GB HBM3", "h100-sxm"),
    ("H100_PCIe", "h100-pcie"),
    ("Tesla T4", "t4"),
    ("T4", "t4"),
    ("nvidia l4", "l4"),
    ("RTX 4090", "rtx4090"),
    ("4090", "rtx4090"),
    ("NVIDIA GeForce RTX 3090", "rtx3090"),
    ("Tesla V100-SXM2-32GB", "v100-sxm2-32gb"),
    ("v100 pcie 16", "v100-pcie-16gb"),
])
def test_lookup_forgives_case_punctuation_and_aliases(text: str, name: str) -> None:
    assert lookup(text) is BY_NAME[name]


@pytest.mark.parametrize(("text", "candidates"), [
    ("A100", ["a100-40gb-sxm", "a100-40gb-pcie", "a100-80gb-sxm", "a100-80gb-pcie"]),
    ("a100-80gb", ["a100-80gb-sxm", "a100-80gb-pcie"]),
    ("h100", ["h100-sxm", "h100-pcie"]),
    ("V100 32GB", ["v100-sxm2-32gb", "v100-pcie-32gb"]),
])
def test_ambiguous_names_list_the_candidates(text: str, candidates: list[str]) -> None:
    with pytest.raises(DeviceError) as info:
        lookup(text)
    listed = info.value.message.partition("could be ")[2].split(", ")
    assert listed == candidates
    assert "ambiguous" in info.value.message


def test_unknown_names_list_the_known_ones() -> None:
    pos = SourcePos("--device", 1, 1)
    with pytest.raises(DeviceError) as info:
        lookup("b200", pos)
    err = info.value
    assert isinstance(err, CnnCalcError) and err.code == "E113" and err.pos == pos
    assert err.message == "unknown device 'b200'; known devices: " + ", ".join(IDS)
    with pytest.raises(DeviceError) as near:
        lookup("rtx 4080")
    assert near.value.hint == "did you mean 'rtx4090'?"
    with pytest.raises(DeviceError, match="no device named"):
        lookup("  -- ")


def test_user_text_is_shown_not_obeyed() -> None:
    with pytest.raises(DeviceError) as info:
        lookup("\x1b[2Jx100")
    assert "\\x1b[2Jx100" in info.value.message


def test_spellings_are_unambiguous() -> None:
    """No two devices share a spelling, so an exact name or alias always resolves."""
    seen: dict[frozenset[str], str] = {}
    for device in DEVICES:
        for spelling in (device.name, *device.aliases):
            words = tokens(spelling)
            assert seen.setdefault(words, device.name) == device.name, spelling
            assert lookup(spelling) is device


def test_docs_describe_every_device() -> None:
    """docs/devices.md's table, typed from the vendor's figures, agrees with the module's integers."""
    docs = (Path(__file__).parent.parent / "docs" / "devices.md").read_text(encoding="utf-8")
    rows = {m[1]: m[2].split(" | ") for m in re.finditer(r"^\| `([a-z0-9-]+)` \| (.*) \|$", docs, re.MULTILINE)}
    assert sorted(rows) == sorted(IDS)
    for device in DEVICES:
        assert device.source.url in docs, device.source.url
        memory, bandwidth, *rates = rows[device.name][:6]
        assert int(memory) * 2**30 == device.memory_bytes
        assert int(bandwidth) * 10**9 == device.memory_bandwidth
        for dtype, cell in zip(DTYPES, rates):
            figure = None if cell == "—" else Fraction(cell.rstrip("†")) * 10**12
            assert figure == device.peak(dtype), (device.name, dtype)
            evidence = [e for e in device.evidence if e.field == dtype]
            assert cell.endswith("†") == any(e.seen_at is None for e in evidence), "† marks from-memory figures"
