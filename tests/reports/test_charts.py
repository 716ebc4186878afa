from reports import charts
from reports.format import change, pct, yuan


def test_bars_have_one_mark_per_item_and_escape_labels():
    svg = str(charts.bars("x", "T", [("<script>alert(1)</script>", 5), ("b", 0)]))
    assert svg.count('class="mark"') == 2
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.startswith('<svg class="chart" data-chart="x"')


def test_lines_and_intervals_draw_every_point():
    svg = str(charts.lines("t", "T", ["d1", "d2", "d3"], {"a": [1, 2, 3], "b": [0, 0, 0]}))
    assert svg.count('class="mark"') == 6 and svg.count("<polyline") == 2
    ci = str(charts.intervals("e", "T", [("A", 0.02, 0.01, 0.03), ("B", -0.01, -0.03, 0.01)], pct))
    assert ci.count('class="mark"') == 2 and "#16a34a" in ci  # significant and positive is green


def test_formats():
    assert yuan(12345) == "¥123.45" and yuan(None) == "–"
    assert pct(0.1234) == "12.3%"
    assert change(110, 100) == "+10.0%" and change(5, 0) == "new" and change(0, 0) == "no change"
    assert change(None, 3) == "–"


def test_axis_labels_are_compact():
    assert (charts.compact(40_084_118), charts.compact(12_500), charts.compact(950)) == ("40.1M", "12.5k", "950")
