"""NVIDIA GPUs for ``cnncalc budget --device``: peak rates and memory, each figure beside the vendor's words.

Conventions (docs/devices.md says why and lists the sources):

- Rates are exact ints in FLOP/s (1 TFLOPS = 10**12 FLOP/s; a multiply-add is 2 FLOPs, as NVIDIA counts).
- Every rate is DENSE. The 2:4 structured-sparsity figure is kept apart in ``*_sparse``, and only where the
  vendor prints one. Where a datasheet prints only sparse figures, its footnote defines dense as one half.
- ``fp32`` is the CUDA cores (no tensor cores); ``tf32``/``bf16``/``fp16`` are tensor cores with fp32
  accumulate, which PyTorch uses. GeForce cards run fp16 accumulate at twice that; it is not used here.
  ``None``: the device has no tensor-core path for that dtype (T4 and V100 have no bf16 or tf32).
- ``memory_bytes`` is the nominal capacity: a GPU's "80GB" of memory is 80 GiB (80 * 2**30 bytes). CUDA
  shows somewhat less (the driver keeps some; ECC on GDDR6 takes more).
- ``memory_bandwidth`` is bytes/s; the vendor's GB/s and TB/s are decimal (10**9, 10**12).

Each :class:`Evidence` holds one figure as printed (table cells joined with " | ") and where that text was
read; ``seen_at=None`` marks a figure written from memory, to be checked against the document.
"""

from __future__ import annotations

import re

from cnncalc.errors import CnnCalcError, SourcePos, did_you_mean, shown
from cnncalc.records import record

G, T, GIB = 10**9, 10**12, 2**30
DTYPES = ("fp32", "tf32", "bf16", "fp16")


class DeviceError(CnnCalcError):
    """``--device`` names no device in the table, or more than one (docs/errors.md, E113)."""

    def __init__(self, message: str, pos: SourcePos | None = None, *, hint: str | None = None) -> None:
        super().__init__(message, pos, hint=hint, code="E113")


@record(frozen=True, slots=True)
class Source:
    """The vendor document a device's figures come from."""

    title: str
    url: str
    where: str  # page, table or column


@record(frozen=True, slots=True)
class Evidence:
    """One figure as its source prints it: ``field`` equals ``number`` x ``unit`` (halved if ``halved``)."""

    field: str
    number: str  # the token as printed, e.g. "1,979"
    unit: str  # "TFLOPS", "GB/s", "TB/s" (decimal) or "GB" (memory capacity: GiB)
    quote: str
    seen_at: str | None  # where the quote was read; None: from memory
    halved: bool = False  # dense = half the printed sparse figure (the datasheet's footnote)


@record(frozen=True, slots=True)
class Device:
    """One GPU: memory, bandwidth and dense peak FLOP/s per dtype, with its source and evidence."""

    name: str
    title: str
    aliases: tuple[str, ...]
    memory_bytes: int
    memory_bandwidth: int
    fp32: int
    tf32: int | None
    bf16: int | None
    fp16: int
    tf32_sparse: int | None
    bf16_sparse: int | None
    fp16_sparse: int | None
    source: Source
    evidence: tuple[Evidence, ...]
    note: str = ""

    def peak(self, dtype: str) -> int | None:
        """Dense peak FLOP/s for ``dtype`` (one of :data:`DTYPES`); None if the device has no such path."""
        rates = {"fp32": self.fp32, "tf32": self.tf32, "bf16": self.bf16, "fp16": self.fp16}
        return rates[dtype]


def _pair(field: str, dense: str, sparse: str, quote: str, seen: str | None) -> tuple[Evidence, Evidence]:
    """A "dense | sparse*" cell: both figures printed."""
    return Evidence(field, dense, "TFLOPS", quote, seen), Evidence(f"{field}_sparse", sparse, "TFLOPS", quote, seen)


def _sparse_only(field: str, sparse: str, quote: str, seen: str | None) -> tuple[Evidence, Evidence]:
    """A "sparse*" cell: dense is half of it, as the datasheet's footnote says."""
    return (Evidence(field, sparse, "TFLOPS", quote, seen, halved=True),
            Evidence(f"{field}_sparse", sparse, "TFLOPS", quote, seen))


# --- A100: one compute column for all four boards; memory and bandwidth per board -------------------------
A100 = Source("NVIDIA A100 Tensor Core GPU datasheet (1758950-r4, June 2021)",
              "https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/"
              "nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf",
              "Technical Specifications table; footnote '* With sparsity'")
_A100_SEEN = "https://glennklockwood.com/garden/processors/A100 (table of this datasheet's TFLOPS)"
_A100_MEM = "https://www.thundercompute.com/blog/nvidia-a100-specs-full-guide (A100 specifications table)"
_A100_BW = "GPU Memory Bandwidth | 1,555GB/s | 1,935GB/s | 1,555GB/s | 2,039GB/s (40GB PCIe, 80GB PCIe, 40GB SXM, 80GB SXM)"
_A100_MEMORY = "GPU Memory | 40GB HBM2 | 80GB HBM2e | 40GB HBM2 | 80GB HBM2e"
_A100_COMPUTE = (
    Evidence("fp32", "19.5", "TFLOPS", "FP32 | 19.5 TFLOPS", _A100_SEEN),
    *_pair("tf32", "156", "312", "TF32 Tensor Core | 156 TFLOPS | 312 TFLOPS*", _A100_SEEN),
    *_pair("bf16", "312", "624", "BFLOAT16 Tensor Core | 312 TFLOPS | 624 TFLOPS*", _A100_SEEN),
    *_pair("fp16", "312", "624", "FP16 Tensor Core | 312 TFLOPS | 624 TFLOPS*", _A100_SEEN),
)


def _a100(gb: int, form: str, bandwidth: int, printed: str, aliases: tuple[str, ...]) -> Device:
    return Device(
        f"a100-{gb}gb-{form}", f"NVIDIA A100 {gb}GB {form.upper()}", aliases, gb * GIB, bandwidth,
        19_500 * G, 156 * T, 312 * T, 312 * T, 312 * T, 624 * T, 624 * T, A100,
        (*_A100_COMPUTE, Evidence("memory_bytes", str(gb), "GB", _A100_MEMORY, _A100_MEM),
         Evidence("memory_bandwidth", printed, "GB/s", _A100_BW, _A100_MEM)))


# --- H100: the datasheet edition with an H100 PCIe column prints sparse figures only --------------------
H100 = Source("NVIDIA H100 Tensor Core GPU datasheet (edition with H100 SXM and H100 PCIe columns)",
              "https://resources.nvidia.com/en-us-gpu-resources/h100-datasheet-24306",
              "specifications table; footnote '* Shown with sparsity. Specifications 1/2 lower without sparsity.'")
_H100_SEEN = ("https://archive-lib.hpctech.co.jp/gpuproduct/nvidia-h100.html (reseller's copy of the table, "
              "Japanese row labels: 'Tensor コア' = 'Tensor Core', 'GPU メモリ帯域幅' = 'GPU memory bandwidth')")
_H100_TF32 = "TF32 Tensor Core | 989 TFLOPS* | 756 TFLOPS*"
_H100_BF16 = "BFLOAT16 Tensor Core | 1,979 TFLOPS* | 1,513 TFLOPS*"
_H100_FP16 = "FP16 Tensor Core | 1,979 TFLOPS* | 1,513 TFLOPS*"
_H100_MEM, _H100_BW = "GPU memory | 80 GB | 80 GB", "GPU memory bandwidth | 3,350 GB/sec | 2000 GB/sec"

# --- V100: the datasheet's two columns; SXM2 figures also in the A100 whitepaper's Table 1 ---------------
V100 = Source("NVIDIA V100 Tensor Core GPU datasheet (1165301-r5)",
              "https://images.nvidia.com/content/technologies/volta/pdf/volta-v100-datasheet-update-us-1165301-r5.pdf",
              "specifications table, columns V100 PCIe | V100 SXM2 (no sparsity before Ampere)")
_V100_SEEN = ("figures as cited from this datasheet in public code (v100 sxm: 15.7e12 / 125e12, v100 pcie: 14e12 / "
              "112e12, 900 GB/s); SXM2 also in the A100 whitepaper's Table 1 ('Peak FP32 TFLOPS 15.7', 'Peak FP16 "
              "Tensor TFLOPS with FP32 Accumulate 125', 'Memory Size 32 GB / 16 GB', 'Memory Bandwidth 900 GB/sec'); "
              "the datasheet's row wording is from memory")


def _v100(form: str, gb: int, fp32: int, fp16: int, fp32_txt: str, fp16_txt: str, alias: str) -> Device:
    return Device(
        f"v100-{form}-{gb}gb", f"NVIDIA V100 {form.upper()} {gb}GB", (alias,), gb * GIB, 900 * G,
        fp32, None, None, fp16, None, None, None, V100,
        (Evidence("fp32", fp32_txt, "TFLOPS", "Single-Precision Performance | 14 TFLOPS | 15.7 TFLOPS", _V100_SEEN),
         Evidence("fp16", fp16_txt, "TFLOPS", "Tensor Performance | 112 TFLOPS | 125 TFLOPS", _V100_SEEN),
         Evidence("memory_bytes", str(gb), "GB", "GPU Memory | 32 GB /16 GB HBM2", _V100_SEEN),
         Evidence("memory_bandwidth", "900", "GB/s", "Memory Bandwidth | 900 GB/sec", _V100_SEEN)),
        "Tensor Performance is FP16 multiply with FP32 accumulate; Volta has no bf16 or tf32 tensor cores.")


GA102 = Source("NVIDIA Ampere GA102 GPU Architecture whitepaper, v2.0",
               "https://www.nvidia.com/content/PDF/nvidia-ampere-ga-102-gpu-architecture-whitepaper-v2.pdf",
               "Appendix A, Table 9 'GeForce RTX 3090'; 'x/y': y uses the Sparsity feature")
AD102 = Source("NVIDIA Ada GPU Architecture whitepaper, v2.1",
               "https://images.nvidia.com/aem-dam/Solutions/geforce/ada/nvidia-ada-gpu-architecture.pdf",
               "Appendix A, Table 2 'GeForce RTX 4090'; footnote 2: 'Effective TOPS / TFLOPS using the new "
               "Sparsity Feature'")
_NOTES = "public notes quoting this table"
_GEFORCE = ("FP16/BF16 with FP32 accumulate, which PyTorch uses (pytorch/pytorch#123157: its fp16 GEMMs pass "
            "CUDA_R_32F); the table's FP16-accumulate row, {}, is twice that and is not used.")

DEVICES: tuple[Device, ...] = (
    _a100(40, "sxm", 1_555 * G, "1,555", ("NVIDIA A100-SXM4-40GB",)),
    _a100(40, "pcie", 1_555 * G, "1,555", ("NVIDIA A100-PCIE-40GB",)),
    _a100(80, "sxm", 2_039 * G, "2,039", ("NVIDIA A100-SXM4-80GB",)),
    _a100(80, "pcie", 1_935 * G, "1,935", ("NVIDIA A100 80GB PCIe",)),
    Device("h100-sxm", "NVIDIA H100 SXM5 80GB", ("h100-sxm5", "NVIDIA H100 80GB HBM3"), 80 * GIB, 3_350 * G,
           67 * T, 494_500 * G, 989_500 * G, 989_500 * G, 989 * T, 1_979 * T, 1_979 * T, H100,
           (Evidence("fp32", "67", "TFLOPS", "FP32 | 67 TFLOPS | 51 TFLOPS", _H100_SEEN),
            *_sparse_only("tf32", "989", _H100_TF32, _H100_SEEN), *_sparse_only("bf16", "1,979", _H100_BF16, _H100_SEEN),
            *_sparse_only("fp16", "1,979", _H100_FP16, _H100_SEEN),
            Evidence("memory_bytes", "80", "GB", _H100_MEM, _H100_SEEN),
            Evidence("memory_bandwidth", "3,350", "GB/s", _H100_BW, _H100_SEEN)),
           "HBM3. The Hopper whitepaper prints the same rates less rounded: 494.7 / 989.4 / 1978.9."),
    Device("h100-pcie", "NVIDIA H100 PCIe 80GB", ("NVIDIA H100 PCIe",), 80 * GIB, 2_000 * G,
           51 * T, 378 * T, 756_500 * G, 756_500 * G, 756 * T, 1_513 * T, 1_513 * T, H100,
           (Evidence("fp32", "51", "TFLOPS", "FP32 | 67 TFLOPS | 51 TFLOPS", _H100_SEEN),
            *_sparse_only("tf32", "756", _H100_TF32, _H100_SEEN), *_sparse_only("bf16", "1,513", _H100_BF16, _H100_SEEN),
            *_sparse_only("fp16", "1,513", _H100_FP16, _H100_SEEN),
            Evidence("memory_bytes", "80", "GB", _H100_MEM, _H100_SEEN),
            Evidence("memory_bandwidth", "2000", "GB/s", _H100_BW, _H100_SEEN)),
           "HBM2e. Later datasheets replace this column with H100 NVL (94GB); the Chinese R7 edition prints "
           "another H100 PCIe column (48 / 800* / 1,600*). This table keeps the widely cited edition."),
    Device("l4", "NVIDIA L4", ("NVIDIA L4",), 24 * GIB, 300 * G,
           30_300 * G, 60 * T, 121 * T, 121 * T, 120 * T, 242 * T, 242 * T,
           Source("NVIDIA L4 Tensor Core GPU datasheet; the same table on the L4 product page",
                  "https://www.nvidia.com/en-us/data-center/l4/",
                  "Specifications table; footnote '* Shown with sparsity. Specifications are one-half lower "
                  "without sparsity.'"),
           (Evidence("fp32", "30.3", "TFLOPS", "FP32 | 30.3 teraFLOPs", "public notes citing the L4 page"),
            *_sparse_only("tf32", "120", "TF32 Tensor Core | 120 teraFLOPS*",
                          "https://store.sourcecode.com/en-us/bg-bucket-compare/125/9820 ('120 TFLOPS | Sparsity')"),
            *_sparse_only("bf16", "242", "BFLOAT16 Tensor Core | 242 teraFLOPS*", "public notes quoting the L4 page"),
            *_sparse_only("fp16", "242", "FP16 Tensor Core | 242 teraFLOPS*", "public notes quoting the L4 page"),
            Evidence("memory_bytes", "24", "GB", "GPU memory | 24GB", "public notes quoting the L4 page"),
            Evidence("memory_bandwidth", "300", "GB/s", "GPU memory bandwidth | 300GB/s",
                     "public notes quoting the L4 page")),
           "GDDR6, ECC on. The printed TF32 (120*) is not half the BF16 (242*); kept as printed."),
    Device("t4", "NVIDIA T4", ("Tesla T4", "NVIDIA T4"), 16 * GIB, 300 * G,
           8_100 * G, None, None, 65 * T, None, None, None,
           Source("NVIDIA T4 Tensor Core GPU datasheet (951643)",
                  "https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/tesla-t4/"
                  "t4-tensor-core-datasheet-951643.pdf", "specifications table (no sparsity before Ampere)"),
           (Evidence("fp32", "8.1", "TFLOPS", "Single-Precision | 8.1 TFLOPS", "public notes citing this datasheet"),
            Evidence("fp16", "65", "TFLOPS", "Mixed-Precision (FP16/FP32) | 65 TFLOPS",
                     "public notes quoting this datasheet (with its sha256)"),
            Evidence("memory_bytes", "16", "GB", "GPU Memory | 16 GB GDDR6 | 300 GB/sec",
                     "public notes quoting this datasheet (with its sha256)"),
            Evidence("memory_bandwidth", "300", "GB/s", "GPU Memory | 16 GB GDDR6 | 300 GB/sec",
                     "public notes quoting this datasheet (with its sha256)")),
           "Turing: FP16 tensor cores with FP32 accumulate; no bf16 or tf32. The T4 product page says '320+ GB/s' "
           "(256-bit GDDR6 at 10 Gbps is 320 GB/s); the datasheet's 300 GB/sec is kept. GDDR6, ECC on."),
    _v100("sxm2", 16, 15_700 * G, 125 * T, "15.7", "125", "Tesla V100-SXM2-16GB"),
    _v100("sxm2", 32, 15_700 * G, 125 * T, "15.7", "125", "Tesla V100-SXM2-32GB"),
    _v100("pcie", 16, 14 * T, 112 * T, "14", "112", "Tesla V100-PCIE-16GB"),
    _v100("pcie", 32, 14 * T, 112 * T, "14", "112", "Tesla V100-PCIE-32GB"),
    Device("rtx3090", "NVIDIA GeForce RTX 3090", ("NVIDIA GeForce RTX 3090",), 24 * GIB, 936 * G,
           35_600 * G, 35_600 * G, 71 * T, 71 * T, 71_200 * G, 142 * T, 142 * T, GA102,
           (Evidence("fp32", "35.6", "TFLOPS", "Peak FP32 TFLOPS (non-Tensor) | 35.6", _NOTES),
            *_pair("tf32", "35.6", "71.2", "Peak TF32 Tensor TFLOPS | 35.6/71.2", None),
            *_pair("bf16", "71", "142", "Peak BF16 Tensor TFLOPS with FP32 Accumulate | 71/142", None),
            *_pair("fp16", "71", "142", "Peak FP16 Tensor TFLOPS with FP32 Accumulate | 71/142", _NOTES),
            Evidence("memory_bytes", "24", "GB", "a staggering 24 GB of G6X memory",
                     "NVIDIA's RTX 3090 product text, copied at http://szpamela.com/?list_8/51.html"),
            Evidence("memory_bandwidth", "936", "GB/s", "Memory Bandwidth | 936 GB/sec", _NOTES)),
           _GEFORCE.format("142/284") + " NVIDIA's RTX Blackwell whitepaper (Table 3) prints the BF16 row as "
           "71.2/142.4."),
    Device("rtx4090", "NVIDIA GeForce RTX 4090", ("NVIDIA GeForce RTX 4090",), 24 * GIB, 1_008 * G,
           82_600 * G, 82_600 * G, 165_200 * G, 165_200 * G, 165_200 * G, 330_400 * G, 330_400 * G, AD102,
           (Evidence("fp32", "82.6", "TFLOPS", "Peak FP32 TFLOPS (non-Tensor) | 82.6", _NOTES),
            *_pair("tf32", "82.6", "165.2", "Peak TF32 Tensor TFLOPS | 82.6/165.2", None),
            *_pair("bf16", "165.2", "330.4", "Peak BF16 Tensor TFLOPS with FP32 Accumulate | 165.2/330.4", _NOTES),
            *_pair("fp16", "165.2", "330.4", "Peak FP16 Tensor TFLOPS with FP32 Accumulate | 165.2/330.4", _NOTES),
            Evidence("memory_bytes", "24", "GB", "24 GB GDDR6X", _NOTES),
            Evidence("memory_bandwidth", "1008", "GB/s", "Memory Bandwidth | 1008 GB/sec", _NOTES)),
           _GEFORCE.format("330.3/660.6")),
)
BY_NAME = {d.name: d for d in DEVICES}

# Words that name the vendor or a product line, not a device ("NVIDIA GeForce RTX 4090", "Tesla T4").
_NOISE = frozenset({"nvidia", "tesla", "geforce"})


def tokens(text: str) -> frozenset[str]:
    """The words of a device name, forgiving case and punctuation: "A100-80GB" -> {a, 100, 80, gb}."""
    return frozenset(t for t in re.findall(r"[a-z]+|[0-9]+", text.lower()) if t not in _NOISE)


def lookup(name: str, pos: SourcePos | None = None) -> Device:
    """The device ``name`` means: a canonical name, an alias (``torch.cuda.get_device_name()`` works), or
    any words that pick out one device ("A100 80GB SXM", "4090").  Unknown or ambiguous: :class:`DeviceError`."""
    known = ", ".join(BY_NAME)
    words = tokens(name)
    if not words:
        raise DeviceError(f"no device named; known devices: {known}", pos)
    spellings = [(d, tokens(s)) for d in DEVICES for s in (d.name, *d.aliases)]
    for matches in ({d.name for d, t in spellings if t == words}, {d.name for d, t in spellings if words <= t}):
        if len(matches) == 1:
            return BY_NAME[matches.pop()]
        if matches:
            candidates = [n for n in BY_NAME if n in matches]
            raise DeviceError(f"device '{shown(name)}' is ambiguous: it could be {', '.join(candidates)}", pos,
                              hint="give one of these names")
    raise DeviceError(f"unknown device '{shown(name)}'; known devices: {known}", pos,
                      hint=did_you_mean(name.lower(), list(BY_NAME)))
