"""A folium Map that loads only the app's own Leaflet files, and small elements that escape user text.

folium's defaults fetch Leaflet, jQuery, Bootstrap and Font Awesome from CDNs, its Popup needs jQuery, and
its Tooltip pastes text into a JavaScript template literal. The elements here emit plain Leaflet calls
whose arguments are JSON, with every user string passed through `html.escape` first.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import folium
import xstatic.pkg.leaflet
from branca.element import Element, MacroElement
from folium.template import Template

ATTRIBUTION = (
    "Boundaries: censusVN2009 R package © 2017 Marc Choisy (MIT licence), github.com/choisy/censusVN2009. "
    "Unit names and codes: General Statistics Office of Viet Nam."
)
# Served by the app at `static_prefix`: leaflet.js, leaflet.css and the images/ folder leaflet.css uses.
LEAFLET_STATIC_DIR = Path(xstatic.pkg.leaflet.BASE_DIR)

_CSS = """<style>
.kt-stop{width:30px;height:30px;border-radius:15px;background:#1f4e79;color:#fff;border:2px solid #fff;
 box-sizing:border-box;font:bold 14px/26px sans-serif;text-align:center;box-shadow:0 1px 4px rgba(0,0,0,.6)}
@media (max-width:600px){.leaflet-control-attribution{font-size:9px;line-height:1.3;max-width:65%;
 white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
 .leaflet-control-attribution:hover,.leaflet-control-attribution:focus-within{white-space:normal}}
.kt-stop.kt-start{background:#b03a2e}
.kt-legend{background:#fff;padding:6px 8px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);
 font:12px/1.5 sans-serif;color:#222}
.kt-legend b{display:block;margin-bottom:2px}
.kt-legend i{display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:-1px;
 border:1px solid #888}
</style>"""
_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}")


def to_js(value: Any, *, compact: bool = False) -> str:
    """JSON for inlining in a <script>: '</' cannot close the script element. `compact` drops the spaces."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":") if compact else None)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def escape_text(text: object) -> str:
    """User text as HTML: escaped, newlines as <br>."""
    return html.escape(str(text)).replace("\n", "<br>")


def check_color(color: str) -> str:
    """A CSS colour that is safe inside a style attribute: #hex or a colour name."""
    if not _COLOR.fullmatch(color):
        raise ValueError(f"not a #hex colour or colour name: {color!r}")
    return color


class LocalMap(folium.Map):
    """folium.Map whose only JS/CSS are the app's Leaflet files under `static_prefix`."""

    def __init__(self, static_prefix: str, **kwargs: Any) -> None:
        super().__init__(tiles=None, **kwargs)
        prefix = static_prefix.rstrip("/")
        # Instance lists: folium's add_js_link/add_css_link would otherwise mutate the class-wide defaults.
        self.default_js = [("leaflet", f"{prefix}/leaflet.js")]
        self.default_css = [("leaflet_css", f"{prefix}/leaflet.css")]
        self.get_root().header.add_child(Element(_CSS), name="kiemtra_map_css")


class _Script(MacroElement):
    """JavaScript run once the parent layer exists; `build` gets the parent's JS variable name."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code() }}{% endmacro %}")

    def __init__(self, build: Callable[[str], str]) -> None:
        super().__init__()
        self._name = "Script"
        self._build = build

    def code(self) -> str:
        return self._build(self._parent.get_name())


def tile_layer(url: str, attribution: str) -> MacroElement:
    options = to_js({"attribution": escape_text(attribution), "maxZoom": 19})
    return _Script(lambda parent: f"L.tileLayer({to_js(url)}, {options}).addTo({parent});")


def attribution(text: str = ATTRIBUTION) -> MacroElement:
    return _Script(lambda parent: f"{parent}.attributionControl.addAttribution({to_js(escape_text(text))});")


def bind(tooltip_html: str | None = None, popup_html: str | None = None) -> MacroElement:
    """Tooltip/popup for the parent layer; the HTML must already be escaped (see escape_text)."""
    tooltip = f".bindTooltip({to_js(tooltip_html)})" if tooltip_html else ""
    popup = f".bindPopup({to_js(popup_html)})" if popup_html else ""
    return _Script(lambda parent: f"{parent}{tooltip}{popup};" if tooltip or popup else "")


def legend(legend_html: str, position: str = "bottomright") -> MacroElement:
    """A Leaflet control showing already-escaped HTML."""
    return _Script(
        lambda parent: (
            f"(function () {{ var c = L.control({{position: {to_js(position)}}});"
            f" c.onAdd = function () {{ var d = L.DomUtil.create('div', 'kt-legend');"
            f" d.innerHTML = {to_js(legend_html)}; return d; }}; c.addTo({parent}); }})();"
        )
    )


class GeoJsonLayer(MacroElement):
    """L.geoJSON over features whose properties are only `code`, `style`, `tooltip`, `popup`.

    The data sits on its own line as `var <name>_data = {...};` so tests can read it back.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
var {{ this.get_name() }}_data = {{ this.data_js }};
var {{ this.get_name() }} = L.geoJSON({{ this.get_name() }}_data, {
  style: function (f) { return f.properties.style; },
  onEachFeature: function (f, layer) {
    if (f.properties.tooltip) { layer.bindTooltip(f.properties.tooltip, {sticky: true}); }
    if (f.properties.popup) { layer.bindPopup(f.properties.popup); }
  }
}).addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, features: list[dict[str, Any]]) -> None:
        super().__init__()
        self._name = "GeoJsonLayer"
        self.data_js = to_js({"type": "FeatureCollection", "features": features})


def safe_feature(
    geometry: dict[str, Any], code: str, style: dict[str, Any], tooltip: str | None, popup: str | None
) -> dict[str, Any]:
    """A feature carrying escaped HTML only; raw names never reach the page."""
    props = {"code": html.escape(code), "style": style, "tooltip": tooltip, "popup": popup}
    return {"type": "Feature", "geometry": geometry, "properties": props}


class PointsLayer(MacroElement):
    """Circle markers as one L.geoJSON layer: the page grows with the data, not with a statement per marker.

    `points` are (lat, lon, style index, tooltip, popup) with tooltip/popup already-escaped HTML or None;
    `styles` are Leaflet circleMarker options, one per category. The data sits on its own line as
    `var <name>_points = {...};` and the styles as `var <name>_styles = [...];` so tests can read them back.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
var {{ this.get_name() }}_points = {{ this.data_js }};
var {{ this.get_name() }}_styles = {{ this.styles_js }};
var {{ this.get_name() }} = L.geoJSON({{ this.get_name() }}_points, {
  pointToLayer: function (f, latlng) {
    return L.circleMarker(latlng, {{ this.get_name() }}_styles[f.properties.style]);
  },
  onEachFeature: function (f, layer) {
    if (f.properties.tooltip) { layer.bindTooltip(f.properties.tooltip); }
    if (f.properties.popup) { layer.bindPopup(f.properties.popup); }
  }
}).addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(
        self, points: Iterable[tuple[float, float, int, str | None, str | None]], styles: list[dict[str, Any]]
    ) -> None:
        super().__init__()
        self._name = "PointsLayer"
        features = []
        for lat, lon, style, tooltip, popup in points:
            if not 0 <= style < len(styles):
                raise ValueError(f"no style {style}")
            if not (math.isfinite(lat) and math.isfinite(lon)):  # one NaN would stop the whole layer in Leaflet
                raise ValueError(f"not a position: {lat!r}, {lon!r}")
            props: dict[str, Any] = {"style": style}
            if tooltip:
                props["tooltip"] = tooltip
            if popup:
                props["popup"] = popup
            # 6 decimals are about 0.1 m: plenty for a marker, and half the bytes of a float's repr.
            point = {"type": "Point", "coordinates": [round(float(lon), 6), round(float(lat), 6)]}
            features.append({"type": "Feature", "geometry": point, "properties": props})
        self.data_js = to_js({"type": "FeatureCollection", "features": features}, compact=True)
        self.styles_js = to_js(styles)
