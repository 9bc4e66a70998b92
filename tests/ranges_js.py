"""JavaScript run in the page by the lab browser tests: each Bokeh plot's frame ranges and
the extent of the finite data of its glyphs (values > 0 only on a log axis)."""

RANGES_JS = """() => {
  const seen = new Set(), out = [];
  const ATTRS = {x: ["x", "xs", "x0", "x1", "left", "right"],
                 y: ["y", "ys", "y0", "y1", "top", "bottom"]};
  function ext(vals, acc, positive) {
    for (const v of vals) {
      if (v != null && typeof v === "object" && v.length !== undefined) ext(v, acc, positive);
      else if (typeof v === "number" && Number.isFinite(v) && (!positive || v > 0)) acc.push(v);
    }
  }
  function walk(v) {
    if (!v || seen.has(v)) return;
    seen.add(v);
    if (v.frame && v.model && v.model.renderers && v.el && v.el.isConnected) {
      const xs = [], ys = [];
      const logx = v.model.x_scale && v.model.x_scale.type === "LogScale";
      const logy = v.model.y_scale && v.model.y_scale.type === "LogScale";
      for (const r of v.model.renderers) {
        if (r.type !== "GlyphRenderer" || !r.visible) continue;
        const d = r.data_source.data, g = r.glyph;
        for (const ax of ["x", "y"]) for (const a of ATTRS[ax]) {
          const p = g[a];
          if (p && typeof p === "object" && typeof p.field === "string" && d[p.field])
            ext(d[p.field], ax === "x" ? xs : ys, ax === "x" ? logx : logy);
        }
      }
      const mn = a => a.reduce((m, x) => Math.min(m, x), Infinity);
      const mx = a => a.reduce((m, x) => Math.max(m, x), -Infinity);
      const xr = v.frame.x_range, yr = v.frame.y_range;
      out.push({title: v.model.title ? String(v.model.title.text) : "",
                x: xr.factors ? null : [xr.start, xr.end],
                y: yr.factors ? null : [yr.start, yr.end],
                dx: xs.length ? [mn(xs), mx(xs)] : null, dy: ys.length ? [mn(ys), mx(ys)] : null,
                width: v.frame.bbox.width, height: v.frame.bbox.height});
    }
    for (const c of (v.child_views || [])) walk(c);
  }
  let roots = [];
  try { roots = Bokeh.index.roots || [...Bokeh.index]; } catch (e) { roots = []; }
  for (const r of roots) walk(r);
  return out;
}"""


def overlaps(rng, extent) -> bool:
    """True when an axis range `[start, end]` overlaps a data extent `[lo, hi]` (a
    categorical axis, None, always does)."""
    if rng is None or extent is None:
        return True
    lo, hi = min(rng), max(rng)
    return lo <= extent[1] and hi >= extent[0]


def misplaced(plots: list[dict]) -> list[dict]:
    """The plots (from `RANGES_JS`) that have data on both axes but show none of it."""
    return [
        p
        for p in plots
        if p["dx"] is not None
        and p["dy"] is not None
        and not (overlaps(p["x"], p["dx"]) and overlaps(p["y"], p["dy"]))
    ]
