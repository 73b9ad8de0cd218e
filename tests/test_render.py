"""cnncalc.render: the table layout, user text as data, machine formats, and output that grows
linearly with the spec (measured as work and bytes, never as wall-clock time); the summary
table's columns and short forms, the JSON keys, claims marked in the table and listed by
``check``, ``--depth`` subtotals, and huge counts printed exactly in every format."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from failing import F
from hypothesis import given, settings
from hypothesis import strategies as st
from invoke import cli
from rich.console import Console
from typer.testing import CliRunner

import cnncalc
import cnncalc.cli.output as cli_output
from cnncalc import analyze_text
from cnncalc.analysis.report import Report
from cnncalc.cli.app import app
from cnncalc.errors import display_width
from cnncalc.render import report as render
from cnncalc.render.layout import LABEL_WIDTH, Cell, Column, Grid, Role, fit, fold, plain, plain_text, styled_lines
from cnncalc.render.messages import REPEATS, warning_lines

runner = CliRunner()
SPECS = Path(__file__).parent.parent / "specs"


def on_terminal(monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    """Make the CLI believe standard output is a colour terminal ``width`` columns wide."""
    monkeypatch.setattr(cli_output, "terminal",
                        lambda: Console(force_terminal=True, width=width, color_system="truecolor", highlight=False))


def strip_sgr(text: str) -> str:
    """Text without the colour codes (SGR) cnncalc's own styling adds on a terminal."""
    return re.sub("\x1b\\[[0-9;]*m", "", text)


# --- user text is data: no markup, no terminal control --------------------------------------

MARKUP = ["[link=file:///etc/passwd]click[/link]", "[blink red on white]ALERT[/]", "[/]", "[/bold]"]


def markup_spec(tmp_path: Path) -> str:
    layers = "".join(f"  - relu:\n    name: '{n}'\n" for n in MARKUP)
    p = tmp_path / "markup.yaml"
    p.write_text("input: 8x8x3\nlayers:\n  - conv: {filters: 4, kernel: 3}\n    expect: {params: 1}\n" + layers)
    return str(p)


@pytest.mark.parametrize("terminal", [False, True], ids=["piped", "terminal"])
@pytest.mark.parametrize("fmt", ["table", "csv", "markdown", "json"])
def test_names_are_never_markup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, terminal: bool, fmt: str) -> None:
    """rich used to read names as markup: a hyperlink, blinking text, MarkupError on '[/]'."""
    if terminal:
        on_terminal(monkeypatch, 200)
    res = runner.invoke(app, ["summary", markup_spec(tmp_path), "-f", fmt])
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "\x1b]8;" not in out and "\x1b[5m" not in out  # no OSC 8 hyperlink, no blink
    text = json.dumps(json.loads(out)) if fmt == "json" else strip_sgr(out)
    for name in MARKUP:
        shown = name.replace("[", "\\[").replace("]", "\\]") if fmt == "markdown" else name
        assert shown in text, name


CONTROLS = {"osc": "\\e]0;PWNED\\a", "clear": "\\e[2J", "bidi": "\\u202Eevil"}


@pytest.mark.parametrize("terminal", [False, True], ids=["piped", "terminal"])
@pytest.mark.parametrize("command", [["summary"], ["summary", "-f", "csv"], ["summary", "-f", "markdown"],
                                     ["check"], ["check", "-f", "csv"], ["explain"], ["summary", "--conventions"]])
def test_control_characters_are_made_visible_everywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        terminal: bool, command: list[str]) -> None:
    """An OSC set-title, a clear-screen, a bidi override in names reached the terminal raw through
    the table, CSV, warnings and the failed-claim lines; now each is written as an escape."""
    if terminal:
        on_terminal(monkeypatch, 200)
    names = "".join(f'  - conv: {{filters: 1, kernel: 3, padding: 1}}\n    name: "{v}{k}"\n    expect: {{params: 1}}\n'
                    for k, v in CONTROLS.items())
    spec = tmp_path / "ctl.yaml"
    spec.write_text(f"input: 1x1x1\nlayers:\n{names}")  # 3x3 kernels on 1x1: a W104 warning on each
    res = runner.invoke(app, [command[0], str(spec), *command[1:]])
    assert res.exit_code in (0, 1), res.output  # check: the false claims fail
    for stream in (res.stdout, res.stderr):
        assert "\x07" not in stream and "\x1b]" not in stream and "\x1b[2J" not in stream and "\u202e" not in stream
    assert "\\x1b]0;PWNED\\x07osc" in res.stdout + res.stderr
    if command == ["summary"]:
        assert "\\x1b[2Jclear" in res.stderr and "[W104]" in res.stderr  # warnings, made visible too


def test_json_escapes_control_characters_itself() -> None:
    report = analyze_text('input: 4x4x1\nlayers:\n  - relu:\n    name: "a\\eb"\n')
    out = render.to_json(report)
    assert "\x1b" not in out and json.loads(out)["layers"][0]["name"] == "a\x1bb"  # exact, and escaped


def test_a_quoted_name_is_clipped_but_a_table_name_wraps_whole(tmp_path: Path) -> None:
    """A 10,000-character name: the warning quoting it stays one short line; the table shows all
    of it, wrapped at the name column's width (so the other rows are not padded to it)."""
    name = "n" * 10_000
    spec = tmp_path / "long.yaml"
    spec.write_text(f"input: 1x1x1\nlayers:\n  - conv: {{filters: 1, kernel: 3, padding: 1}}\n    name: {name}\n"
                    "  - relu\n")
    res = runner.invoke(app, ["summary", str(spec)])
    assert res.exit_code == 0
    assert max(len(line) for line in res.stderr.splitlines()) < 300 and "…" in res.stderr
    lines = res.stdout.splitlines()
    rows = lines[4:lines.index("", 4)]
    assert "".join(line[2:2 + LABEL_WIDTH] for line in rows[:-1]) == name and len(rows) == 10_000 // LABEL_WIDTH + 2
    assert max(len(line) for line in lines) < 200


# --- the layout: a number is never cut ----------------------------------------------------

@pytest.mark.parametrize("width", [80, 60, 40, 20, 1, 0])
@pytest.mark.parametrize("spec", ["lenet5", "resnet50", "googlenet_aux"])
def test_a_number_is_never_truncated_on_any_terminal(monkeypatch: pytest.MonkeyPatch, width: int, spec: str) -> None:
    """On an 80-column terminal numbers were cut ('(117.6…'), at 20 cells went blank, at 0 nothing
    was printed.  Every layer's params and MACs (from the JSON) appear whole, with their commas."""
    path = str(SPECS / f"{spec}.yaml")
    data = json.loads(runner.invoke(app, ["summary", path, "-f", "json"]).stdout)
    on_terminal(monkeypatch, width)
    res = runner.invoke(app, ["summary", path])
    assert res.exit_code == 0
    out = strip_sgr(res.stdout)
    assert "…" not in out
    words = set(out.split())
    for layer in data["layers"]:
        assert f"{layer['params']:,}" in words and f"{layer['macs']:,}" in words, layer["name"]
    assert f"{data['totals']['macs']:,}" in out


@pytest.mark.parametrize("spec", ["lenet5", "resnet50", "inception_v3"])
def test_80_columns_fit_and_keep_the_share_column(monkeypatch: pytest.MonkeyPatch, spec: str) -> None:
    on_terminal(monkeypatch, 80)
    out = strip_sgr(runner.invoke(app, ["summary", str(SPECS / f"{spec}.yaml")]).stdout).splitlines()
    table = out[:out.index("", 2)]  # title, blank, header, rule, rows
    assert max(display_width(line) for line in table) <= 80
    assert "MACs %" in table[2]


def grids() -> st.SearchStrategy[tuple[Grid, list[int]]]:
    """Random tables: a name column, a kind, numbers of any size, a share column."""
    name = st.text(st.sampled_from("ab_.▸ 中"), min_size=1, max_size=60)
    number = st.integers(0, 10**15)
    row = st.tuples(name, st.sampled_from(["conv", "global_avgpool"]), number, number)

    def build(rows: list[tuple[str, str, int, int]]) -> tuple[Grid, list[int]]:
        cols = (Column("name", role=Role.LABEL), Column("kind", role=Role.LABEL), Column("params", True, Role.NUMBER),
                Column("MACs", True, Role.NUMBER), Column("%", True, Role.SHARE))
        cells = tuple((Cell(n), Cell(k), Cell(f"{p:,}", " (1.0K)"), Cell(f"{m:,}", " (2.0G)"), Cell("12.5"))
                      for n, k, p, m in rows)
        return Grid("t", cols, cells), [v for _, _, p, m in rows for v in (p, m)]

    return st.lists(row, min_size=1, max_size=8).map(build)


@settings(max_examples=300, deadline=None)
@given(grids(), st.integers(0, 200))
def test_fit_never_cuts_a_number_and_fits_when_it_says_so(case: tuple[Grid, list[int]], width: int) -> None:
    grid, numbers = case
    lay = fit(grid, width)
    lines = styled_lines(grid, lay)
    text = plain(lines)
    words = text.split()
    for n in numbers:
        assert f"{n:,}" in words
    if lay.span <= width:  # a fitted layout: no line wider than the terminal
        assert all(display_width("".join(t for t, _ in line)) <= width for line in lines[2:])
    else:  # nothing fits: the plain layout, exactly as a pipe gets it
        assert lay == fit(grid)


@settings(max_examples=300, deadline=None)
@given(grids(), st.integers(0, 200), st.lists(st.sampled_from(["", "x", "中文", " (1K)"]), min_size=5, max_size=5))
def test_plain_text_is_the_styled_lines_joined(case: tuple[Grid, list[int]], width: int, odd: list[str]) -> None:
    """The pipe's fast path gives exactly the characters of the general one, wrapped names, wide
    characters, empty cells and suffixes included, at every layout fit chooses."""
    grid, _ = case
    rows = tuple((*row[:4], Cell(odd[0], odd[1])) for row in grid.rows)  # an odd last cell: empty, wide, suffixed
    rows += (tuple(Cell(o) for o in odd),)
    for g in (grid, Grid(grid.title, grid.columns, rows, ("footer", ""))):
        lay = fit(g, width)
        assert plain_text(g, lay) == plain(styled_lines(g, lay))


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("ab_.▸ 中"), min_size=1, max_size=80), st.integers(1, 30))
def test_a_wrapped_name_loses_nothing(name: str, width: int) -> None:
    pieces = fold(name, width)
    assert all(display_width(p) <= max(width, 2) for p in pieces)  # a wide character alone may take 2
    assert "".join(pieces).replace(" ", "") == name.replace(" ", "")  # continuation lines only add indentation


# --- machine formats, titles, labels ---------------------------------------------------------

RESNET50 = str(SPECS / "resnet50.yaml")


def test_several_inputs_give_raw_numbers_with_the_single_input_csv_names() -> None:
    """'25610152 (25.6M)' and '150.2MB' were in the CSV of several --input; now integers only,
    under the column names of the per-layer CSV's TOTAL row."""
    res = runner.invoke(app, ["summary", RESNET50, "-i", "224x224x3", "-i", "320x320x3", "-f", "csv"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    single = next(csv.reader(io.StringIO(runner.invoke(app, ["summary", RESNET50, "-f", "csv"]).stdout)))
    assert set(rows[0]) <= set(single)
    for row in rows:
        for key, value in row.items():
            if key not in ("input", "output"):
                assert value.isdigit(), (key, value)
    # torchvision's resnet50: 25,557,032 parameters (published); BN running mean and variance: 2 x the
    # 26,560 BN channels = 53,120 (64 + 1,408 + 3,584 + 10,240 + 11,264 channels by stage)
    assert (rows[0]["trainable_params"], rows[0]["non_trainable_params"]) == ("25557032", "53120")
    assert rows[0]["params"] == str(25_557_032 + 53_120)


@pytest.mark.parametrize("args", [["-i", "224x224x3", "-i", "320x320x3"], ["--conventions"], []])
def test_titles_and_columns_say_flops_when_flops_are_shown(args: list[str]) -> None:
    out = runner.invoke(app, ["summary", str(SPECS / "lenet5.yaml"), *args, "--flops"]).stdout
    head = "\n".join(out.splitlines()[:3])
    assert "FLOPs" in head and "MACs" not in head.replace("(2 x MACs)", "")


def test_params_column_says_it_includes_running_statistics() -> None:
    bn = runner.invoke(app, ["summary", RESNET50]).stdout
    assert "params*" in bn.splitlines()[2]
    assert "* params include 53,120 non-trainable running statistics" in bn and "25,557,032 trainable" in bn
    plain_net = runner.invoke(app, ["summary", str(SPECS / "lenet5.yaml")]).stdout
    assert "params*" not in plain_net and "running statistics" not in plain_net


# --- growth: work and bytes linear in the spec ----------------------------------------------

class CountingRows(tuple):  # type: ignore[type-arg]
    """The report's rows, counting every row any pass walks over."""

    walked = 0

    def __iter__(self) -> Iterator[object]:
        for r in super().__iter__():
            CountingRows.walked += 1
            yield r


def block_uses(n: int) -> Report:
    report = analyze_text("input: 8x8x4\nblocks:\n  b:\n    layers: [relu]\nlayers:\n" + "  - b\n" * n)
    return Report(report.name, report.input, report.output, CountingRows(report.rows), report.checks)


def test_the_table_walks_the_rows_a_constant_number_of_times() -> None:
    """Each block instance's subtotal line scanned every row (16,000 uses: 40 s).  Now two passes:
    the rows walked grow as the rows, whatever the number of instances."""
    walked = []
    for n in (500, 2000):
        report = block_uses(n)
        CountingRows.walked = 0
        render.lines(report)
        walked.append(CountingRows.walked)
    assert walked[1] == 4 * walked[0] and walked[0] <= 2 * 500


def table_bytes(spec: str) -> int:
    return len(render.plain_table(analyze_text(spec)).encode())


def test_a_wide_concat_does_not_pad_every_row() -> None:
    """A concat of 4,000 one-layer paths (a 32 KB spec) made a 128 MB table: every row padded to
    the inputs cell of 4,000 shapes.  Now that cell says '4,000 inputs'; bytes grow as the spec."""
    def spec(n: int) -> str:
        return "input: 8x8x1\nlayers:\n  - concat: [" + ", ".join(["[relu]"] * n) + "]\n"

    small, big = table_bytes(spec(1000)), table_bytes(spec(4000))
    assert big < 4.2 * small and big < 100 * 4000
    assert "4,000 inputs" in render.plain_table(analyze_text(spec(4000)))


def test_table_bytes_grow_linearly_with_block_uses() -> None:
    def spec(n: int) -> str:
        return "input: 8x8x4\nblocks:\n  b:\n    layers: [relu]\nlayers:\n" + "  - b\n" * n

    assert table_bytes(spec(4000)) < 2.1 * table_bytes(spec(2000))


def test_identical_warnings_are_summarised(tmp_path: Path) -> None:
    """20,000 identical W104 warnings were 20,000 lines (3.2 MB); now the first few and a count."""
    spec = tmp_path / "w.yaml"
    spec.write_text("input: 1x1x1\nlayers:\n  - conv: {filters: 1, kernel: 3, padding: 1}\n    repeat: 20000\n")
    res = runner.invoke(app, ["summary", str(spec), "-f", "json"])
    lines = res.stderr.splitlines()
    assert len(lines) == REPEATS + 1
    assert lines[-1] == f"warning: and {20000 - REPEATS:,} more like the W104 above: conv4 ... conv20000"


def test_different_warnings_are_all_shown() -> None:
    from cnncalc.analysis.lint import Lint

    ws = [Lint("W101", f"p{i}", "maxpool", f"message {i}") for i in range(10)]
    assert warning_lines(ws) == [f"warning: p{i} (maxpool): message {i} [W101]" for i in range(10)]


UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # newline aside


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.sampled_from("ab[]/=:|*_`<>&\\\x1b\x07\x00\x9b\u202e\n\t中 "), min_size=1, max_size=12),
                min_size=1, max_size=6, unique=True))
def test_any_name_renders_in_every_format_without_control_or_markup(names: list[str]) -> None:
    """Names made of markup, Markdown and control characters: every format renders (no exception,
    rich's MarkupError included) and no raw control character reaches the output."""
    from dataclasses import replace

    from cnncalc.analysis.lint import Lint
    from cnncalc.render import machine, messages
    from cnncalc.render.terminal import ansi

    base = analyze_text("input: 4x4x2\nlayers:\n" + "  - bn\n" * len(names) + "expect: {params: 1}\n")
    rows = tuple(replace(r, name=n, group=(n,)) for r, n in zip(base.rows, names, strict=True))
    report = Report(base.name, base.input, base.output, rows, base.checks)
    grid = render.table_grid(report)
    console = Console(force_terminal=True, width=60, color_system="truecolor")
    outputs = [plain(styled_lines(grid, fit(grid))), plain(styled_lines(grid, fit(grid, 60))),
               ansi(styled_lines(grid, fit(grid, 60)), console), render.to_markdown(report), machine.to_csv(report),
               render.to_json(report), messages.checks_text(report), messages.checks_markdown(report),
               "\n".join(warning_lines([Lint("W104", n, "bn", "m") for n in names]))]
    for out in outputs:
        assert not UNSAFE.search(strip_sgr(out)), out


# --- the summary table, JSON, claims marked, --depth, huge numbers printed exactly ------------------


BOTTLENECK = """
    input: 28x28x192
    layers:
      - conv: {filters: 16, kernel: 1}
      - conv: {filters: 32, kernel: 5, padding: same}
      - bn
"""


def test_table_columns_share_thousands_and_short_forms(tmp_path: Path) -> None:
    """'Table: name, kind, input, output, params, MACs, share of total MACs; totals: params
    (trainable / non-trainable), MACs, FLOPs. Numbers with thousands separators plus a short
    form (120.4M). Plain text when piped.'"""
    res = cli(tmp_path, BOTTLENECK)
    assert res.exit_code == 0 and "\x1b[" not in res.stdout
    lines = res.stdout.splitlines()
    header = next(ln for ln in lines if ln.split()[:1] == ["name"])
    # the BN running statistics (non-trainable) are in the params column: its header says so (*)
    assert header.split() == ["name", "kind", "input", "output", "params*", "MACs", "MACs", "%"]
    conv1 = next(ln for ln in lines if ln.split()[:1] == ["conv1"])
    conv2 = next(ln for ln in lines if ln.split()[:1] == ["conv2"])
    # 28*28*16*192 = 2,408,448 and 28*28*32*25*16 = 10,035,200 MACs; total 12,443,648;
    # shares 2,408,448 / 12,443,648 = 19.35 % and 80.65 %
    assert "2,408,448 (2.4M)" in conv1 and conv1.split()[-1] == "19.4"
    assert "10,035,200 (10.0M)" in conv2 and conv2.split()[-1] == "80.6"
    # params: 16*193 = 3,088 + 32*(400 + 1) = 12,832 + BN 2*32 trainable = 15,984; 2*32 running stats
    text = " ".join(res.stdout.split())
    assert "params: 16,048 (16.0K) (trainable 15,984, non-trainable 64)" in text
    assert "* params include 64 non-trainable running statistics" in text
    assert "MACs: 12,443,648 (12.4M)" in text and "FLOPs (2 x MACs): 24,887,296 (24.9M)" in text


def test_json_contract_generated_names_and_vectors(tmp_path: Path) -> None:
    """JSON keys; 'Shapes are [H, W, C] lists, vectors [N]. Unnamed layers get readable
    generated names (conv1, relu3)'."""
    res = cli(tmp_path, """
        input: 6x6x2
        layers: [conv: {filters: 2, kernel: 3}, relu, relu, flatten, relu, linear: 3, dense: 2]
    """, "--format", "json")
    data = json.loads(res.stdout)
    assert {"name", "input", "output", "layers", "totals"} <= set(data)
    assert set(data["totals"]) >= {"params", "trainable_params", "non_trainable_params", "macs", "flops"}
    for layer in data["layers"]:
        assert {"name", "kind", "input", "output", "params", "trainable_params", "macs"} <= set(layer)
    # numbered per kind, aliases under their kind's name
    assert [x["name"] for x in data["layers"]] == ["conv1", "relu1", "relu2", "flatten1", "relu3", "dense1", "dense2"]
    assert data["input"] == [6, 6, 2] and data["layers"][0]["output"] == [4, 4, 2]
    assert data["layers"][3]["output"] == [32] and data["output"] == [2]  # 4*4*2 = 32
    # conv 2*(2*9+1) = 38, 4*4*2*18 = 576; dense 32*3+3 = 99, 96; dense 3*2+2 = 8, 6
    assert (data["totals"]["params"], data["totals"]["macs"]) == (38 + 99 + 8, 576 + 96 + 6)


CLAIMS = """
    input: 7x7x3
    layers:
      - conv: {filters: 3, kernel: 3}
        expect: {output: 5x5x3, params: 84, macs: 1875}
      - bn:
        expect: {trainable_params: 6, non_trainable_params: 6, params: 12, flops: 0}
    expect: {params: 96, trainable_params: 90, non_trainable_params: 6, macs: 2025, flops: 4050, output: 5x5x3,
             aux_macs: 0}
"""


def test_summary_marks_claims_and_check_lists_only_them(tmp_path: Path) -> None:
    """'summary marks each expectation pass/fail; cnncalc check prints the expectations only
    and exits 1 if any fails' -- every claim key, on a layer and on the totals."""
    # conv 3 filters 3x3x3: (7-3)+1 = 5 -> 5x5x3; 3*(27+1) = 84 params; 5*5*3*27 = 2,025 MACs
    # (the example claims 1,875, which fails); BN 2*3 trainable + 2*3 running stats
    summary = cli(tmp_path, CLAIMS)
    assert summary.exit_code == 0
    conv1 = next(ln for ln in summary.stdout.splitlines() if ln.split()[:1] == ["conv1"])
    bn1 = next(ln for ln in summary.stdout.splitlines() if ln.split()[:1] == ["bn1"])
    assert conv1.rstrip().endswith("✓✓✗") and bn1.rstrip().endswith("✓✓✓✓")
    assert "FAIL conv1 macs: expected 1875, computed 2,025" in summary.stdout
    check = cli(tmp_path, CLAIMS, command="check")
    assert check.exit_code == 1
    lines = check.stdout.strip().splitlines()
    assert lines[-1] == "13 passed, 1 failed"
    assert all(ln.split()[0] in ("PASS", "FAIL") for ln in lines[:-1]) and len(lines) == 15
    assert "MACs %" not in check.stdout  # the expectations only, no table
    assert [ln.split()[:3] for ln in lines if ln.startswith("FAIL")] == [["FAIL", "conv1", "macs"]]


NESTED = """
    input: 8x8x4
    blocks:
      inner:
        layers: [conv: {filters: 4, kernel: 1}, relu]
      outer:
        layers: [inner, inner, bn]
    layers: [outer, outer]
"""


def test_depth_collapses_nested_instances_with_subtotals(tmp_path: Path) -> None:
    """'Reports group block instances (a --depth option collapses or expands them) with subtotals.'"""
    # inner: 1x1 conv 4 -> 4 with bias, 4*(4 + 1) = 20 params, 8*8*4*4 = 1,024 MACs
    # outer: 2 inner + BN(4) 2*4 + 2*4 = 56 params, 2,048 MACs

    def rows(*args: str) -> dict[str, list[str]]:
        """Displayed rows of the plain table by name: their cells split on blanks."""
        res = cli(tmp_path, NESTED, *args)
        assert res.exit_code == 0, res.output
        lines = res.stdout.split("\n\n")[1].splitlines()[2:]  # the table body, below its rule
        cells = [ln.split()[1:] if ln.split()[0] == "▸" else ln.split() for ln in lines]
        return {c[0]: c for c in cells}

    full = rows()
    assert {"outer1", "outer1.inner1", "conv1", "relu1", "conv4", "relu4", "bn2"} <= set(full)
    one = rows("--depth", "1")
    assert set(one) == {"outer1", "outer1.inner1", "outer1.inner2", "bn1", "outer2", "outer2.inner3",
                        "outer2.inner4", "bn2"}
    assert one["outer1.inner1"][-4:] == ["20", "1,024", "(1.0K)", "25.0"]  # 1,024 / 4,096
    assert one["bn1"][-3:] == ["16", "0", "0.0"]
    zero = rows("--depth", "0")
    assert set(zero) == {"outer1", "outer2"}
    assert zero["outer1"][-4:] == ["56", "2,048", "(2.0K)", "50.0"]


def test_negative_depth_is_refused_or_shows_layers(tmp_path: Path) -> None:
    res = cli(tmp_path, "input: 4x4x1\nlayers: [relu]\n", "--depth", "-1")
    assert res.exit_code == 2 or "relu1" in res.stdout


def test_huge_counts_print_exactly_in_every_format(tmp_path: Path) -> None:
    n = 999_999_999_999  # 10**12 - 1, the largest size accepted
    text = f"input: [{n}]\nlayers:\n  - dense: {n}\n"
    # dense: MACs = in * out = n**2; params = n * n + n (bias).  Not representable as floats.
    macs, params = 999_999_999_998_000_000_000_001, 999_999_999_999_000_000_000_000
    assert n * n == macs and n * n + n == params
    report = cnncalc.analyze_text(text, F)
    assert (report.totals.macs, report.totals.params) == (macs, params)
    data = json.loads(render.to_json(report))
    assert data["totals"]["macs"] == macs and data["totals"]["params"] == params
    assert f"{macs}" in render.to_csv(report) and f"{2 * macs}" in render.to_csv(report)
    spec = tmp_path / "big.yaml"
    spec.write_text(text)
    table = runner.invoke(app, ["summary", str(spec)]).stdout
    assert "999,999,999,998,000,000,000,001" in table and "999,999,999,999,000,000,000,000" in table


def test_peta_macs_print_exactly() -> None:
    # dense 10**6 -> 10**9: MACs = 10**15, params = 10**15 + 10**9
    report = cnncalc.analyze_text("input: [1000000]\nlayers:\n  - dense: 1000000000\n", F)
    assert report.totals.macs == 10**15 and report.totals.params == 10**15 + 10**9
    assert "1,000,000,000,000,000" in render.plain_table(report, None)


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                    max_leaves=20))
def test_json_text_reads_back_as_what_it_wrote(value: object) -> None:
    """The report's JSON writer (indented two levels, one line below) is JSON: it parses back to
    the same value, control characters escaped, whatever the nesting."""
    from cnncalc.render.machine import json_text

    text = json_text(value)
    assert json.loads(text) == value and not any(ord(c) < 32 and c != "\n" for c in text)
