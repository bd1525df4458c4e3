"""Vega-Lite chart specs (altair) from already suppressed frames.

Rows whose value is hidden (null) are dropped here, so a chart's inline data — and hence its
tooltips — never holds a suppressed figure. Data go inline (`alt.Data(values=…)`), never by
URL, and the `$schema` URL is removed: the specs reference nothing outside the page.

Each data row keeps the code it stands for (`indicator` of a trend, `code` of a bar: gender,
category or project id), so a reader's script — and the browser tests — can tie a drawn value
back to the export row it comes from. When every value of a chart is hidden or missing, no
chart is built (None): an empty Vega chart draws nothing useful and warns about an infinite
scale extent in the console; the page says why instead.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from esf_monitor.dashboard.labels import bi

WIDTH = 520
#: axis / tooltip formats per kind of figure (German separators come from the page's d3 locale)
FORMATS = {"count": ",.0f", "rate": ".0%", "days": ",.0f"}
TOOLTIP_FORMATS = {"count": ",.0f", "rate": ".1%", "days": ",.1f"}
MONTH = bi("Monat", "Month")
VALUE = bi("Wert", "Value")


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
    return rows.filter(pl.col(value).is_not_null() & pl.col(value).cast(pl.Float64).is_not_nan()).to_dicts()


def trend(rows: pl.DataFrame, kind: str, title: str, description: str) -> dict | None:
    """Line chart over months. rows: cutoff, indicator, series (label), value. None if nothing is shown."""
    data = _shown(rows.select("cutoff", "indicator", "series", "value"))
    if not data:
        return None
    base = alt.Chart(alt.Data(values=data), title=title, description=description, width=WIDTH, height=220)
    line = base.mark_line(point=True).encode(
        x=alt.X("cutoff:O", title=MONTH, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("value:Q", title=VALUE, axis=alt.Axis(format=FORMATS[kind])),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom", columns=2, labelLimit=360)),
        tooltip=[alt.Tooltip("cutoff:O", title=MONTH), alt.Tooltip("series:N", title=bi("Kennzahl", "Indicator")),
                 alt.Tooltip("value:Q", title=VALUE, format=TOOLTIP_FORMATS[kind])],
    )
    return spec(line, kind)


def bars(rows: pl.DataFrame, kind: str, title: str, description: str, value_title: str) -> dict | None:
    """Horizontal bars. rows: code, label, value (in the order given), and indicator and cutoff
    when the bars are one indicator's values. None if nothing is shown."""
    keys = [c for c in ("code", "indicator", "cutoff") if c in rows.columns]
    data = _shown(rows.select(*keys, "label", "value"))
    if not data:
        return None
    chart = alt.Chart(alt.Data(values=data), title=title, description=description,
                      width=WIDTH - 160, height=max(40, 22 * len(data))).mark_bar().encode(
        y=alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("value:Q", title=value_title, axis=alt.Axis(format=FORMATS[kind])),
        tooltip=[alt.Tooltip("label:N", title=bi("Gruppe", "Group")),
                 alt.Tooltip("value:Q", title=value_title, format=TOOLTIP_FORMATS[kind])],
    )
    return spec(chart, kind)
