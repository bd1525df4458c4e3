"""Vega-Lite chart specs (altair) from the frames of the pages (exact or the public release).

Rows whose value is hidden (null) are dropped here, so a chart's inline data — and hence its
tooltips — never holds a figure the page does not show. Data go inline (`"data": {"values": […]}`), never by
URL, and the `$schema` URL is removed: the specs reference nothing outside the page.

The values never pass through altair: it would validate them against the schema when the
`alt.Data` is made and walk every one again in `to_dict` — most of a dashboard run's time for
values that are plain JSON already (str, int, float from `DataFrame.to_dicts`). Each chart is
built with a named placeholder data source — once per distinct title/kind/size, cached — and a
copy gets the rows in the placeholder's place; the result equals the altair-with-values spec,
which `via_altair=True` still builds so the tests can compare the two (tests/unit/test_dashboard.py).

Each data row keeps the code it stands for (`indicator` of a trend, `code` of a bar: gender,
category or project id), so a reader's script — and the browser tests — can tie a drawn value
back to the export row it comes from. When every value of a chart is hidden or missing, no
chart is built (None): an empty Vega chart draws nothing useful and warns about an infinite
scale extent in the console; the page says why instead.
"""

from __future__ import annotations

import functools

import altair as alt
import polars as pl

from esf_monitor.dashboard.labels import bi

WIDTH = 520
TREND_WIDTH = 380
#: at most three series per trend chart, in colours told apart also with colour vision
#: deficiency (Okabe–Ito blue, vermillion, bluish green)
PALETTE = ("#0072B2", "#D55E00", "#009E73")
MAX_SERIES = len(PALETTE)
#: axis / tooltip formats per kind of figure (German separators come from the page's d3 locale)
FORMATS = {"count": ",.0f", "rate": ".0%", "days": ",.0f"}
#: whole percent and whole days: the public pages carry no more (docs/indicators.md "Publication")
TOOLTIP_FORMATS = {"count": ",.0f", "rate": ".0%", "days": ",.0f"}
MONTH = bi("Monat", "Month")
VALUE = bi("Wert", "Value")


#: data source the cached charts are built on; :func:`_with_values` puts the rows in its place
PLACEHOLDER = alt.Data(name="esf-rows")
_PLACEHOLDER_DICT = PLACEHOLDER.to_dict()
#: column types whose Python values altair would pass through unchanged (so skipping it changes nothing)
_PLAIN = (
    pl.String,
    pl.Boolean,
    pl.Float32,
    pl.Float64,
    pl.Int8,
    pl.Int16,
    pl.Int32,
    pl.Int64,
    pl.UInt8,
    pl.UInt16,
    pl.UInt32,
    pl.UInt64,
    pl.Null,
)


def spec(chart: alt.TopLevelMixin, kind: str) -> dict:
    """The chart as a self-contained Vega-Lite dict (no `$schema` URL); usermeta says what it counts.

    Schema validation is skipped here (it costs more than building the page); the tests
    validate every kind of spec against the Vega-Lite schema instead.
    """
    out = chart.to_dict(validate=False)
    out.pop("$schema", None)
    out["usermeta"] = {"kind": kind}
    return out


def _shown(rows: pl.DataFrame, value: str = "value") -> list[dict]:
    """Rows with a shown value, as plain dicts (dates or decimals would need altair's conversion)."""
    odd = {c: t for c, t in rows.schema.items() if t not in _PLAIN}
    if odd:
        raise TypeError(f"chart columns must be text or numbers: {odd}")
    # in Python: a chart has a few dozen rows, fewer than a polars query costs to plan
    return [r for r in rows.to_dicts() if r[value] is not None and r[value] == r[value]]  # NaN != NaN


def trend(
    rows: pl.DataFrame, kind: str, title: str, description: str, via_altair: bool = False
) -> dict | None:
    """Line chart over months. rows: cutoff, indicator, series (tooltip name), label (the short
    direct label; the series name when absent), value. None if nothing is shown."""
    if "label" not in rows.columns:
        rows = rows.with_columns(pl.col("series").alias("label"))
    if rows["series"].n_unique() > MAX_SERIES:
        raise ValueError(f"at most {MAX_SERIES} series per trend chart: {rows['series'].unique().to_list()}")
    data = _shown(rows.select("cutoff", "indicator", "series", "label", "value"))
    if not data:
        return None
    if via_altair:
        return spec(_trend_chart(alt.Data(values=data), kind, title, description), kind)
    return _with_values(_trend_skeleton(kind, title, description), data)


def bars(
    rows: pl.DataFrame, kind: str, title: str, description: str, value_title: str, via_altair: bool = False
) -> dict | None:
    """Horizontal bars. rows: code, label, value (in the order given), and indicator and cutoff
    when the bars are one indicator's values. None if nothing is shown."""
    keys = [c for c in ("code", "indicator", "cutoff") if c in rows.columns]
    data = _shown(rows.select(*keys, "label", "value"))
    if not data:
        return None
    height = max(40, 22 * len(data))
    if via_altair:
        return spec(_bars_chart(alt.Data(values=data), kind, title, description, value_title, height), kind)
    return _with_values(_bars_skeleton(kind, title, description, value_title, height), data)


def _with_values(skeleton: dict, values: list[dict]) -> dict:
    """A copy of a cached spec with the rows in place of the placeholder (same key, same place
    in the dict: the same JSON as altair's inline data). Deep copy: a caller may change its spec."""
    out = _copy(skeleton)
    out["data"] = {"values": values}
    return out


def _copy(value):
    """Deep copy of a JSON value (dicts, lists, scalars): copy.deepcopy's memo costs more than
    the copy itself here, and a spec holds no shared or cyclic parts."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


# Everything but the data of a chart depends on a few strings, which repeat on every project
# page (same titles, sources, kinds): altair builds each distinct chart once per process.


@functools.lru_cache(maxsize=4096)
def _trend_skeleton(kind: str, title: str, description: str) -> dict:
    return _skeleton(_trend_chart(PLACEHOLDER, kind, title, description), kind)


@functools.lru_cache(maxsize=4096)
def _bars_skeleton(kind: str, title: str, description: str, value_title: str, height: int) -> dict:
    return _skeleton(_bars_chart(PLACEHOLDER, kind, title, description, value_title, height), kind)


def _skeleton(chart: alt.TopLevelMixin, kind: str) -> dict:
    out = spec(chart, kind)
    if out.get("data") != _PLACEHOLDER_DICT:
        raise ValueError("chart is not built on the placeholder data source")
    return out


def _trend_chart(source: alt.Data, kind: str, title: str, description: str) -> alt.LayerChart:
    """Lines with points, at most MAX_SERIES series in distinct colours, each named at its
    last point (direct label, no legend to look up)."""
    base = alt.Chart(source).encode(
        x=alt.X("cutoff:O", title=MONTH, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("value:Q", title=VALUE, axis=alt.Axis(format=FORMATS[kind])),
        color=alt.Color("series:N", legend=None, scale=alt.Scale(range=list(PALETTE))),
    )
    lines = base.mark_line(point=True).encode(
        tooltip=[
            alt.Tooltip("cutoff:O", title=MONTH),
            alt.Tooltip("series:N", title=bi("Kennzahl", "Indicator")),
            alt.Tooltip("value:Q", title=VALUE, format=TOOLTIP_FORMATS[kind]),
        ],
    )
    labels = (
        base.transform_window(
            last="rank()", sort=[alt.SortField("cutoff", order="descending")], groupby=["series"]
        )
        .transform_filter(alt.datum.last == 1)
        .mark_text(align="left", dx=7, fontSize=11, fontWeight="bold")
        .encode(text="label:N")
    )
    return alt.layer(lines, labels, data=source, title=title, description=description).properties(
        width=TREND_WIDTH, height=200
    )


def _bars_chart(
    source: alt.Data, kind: str, title: str, description: str, value_title: str, height: int
) -> alt.Chart:
    return (
        alt.Chart(source, title=title, description=description, width=WIDTH - 220, height=height)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=220)),
            x=alt.X("value:Q", title=value_title, axis=alt.Axis(format=FORMATS[kind])),
            tooltip=[
                alt.Tooltip("label:N", title=bi("Gruppe", "Group")),
                alt.Tooltip("value:Q", title=value_title, format=TOOLTIP_FORMATS[kind]),
            ],
        )
    )


def left_out(rows: pl.DataFrame, name: str = "label", value: str = "value") -> list[str]:
    """Names of the rows a chart does not draw (value hidden or missing), for the note under it."""
    return [r[name] for r in rows.select(name, value).to_dicts() if r[value] is None or r[value] != r[value]]
