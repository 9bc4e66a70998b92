"""Zero contours of a function sampled on a grid, as separate polylines (marching squares).

Each crossing point is identified by the grid edge it lies on; a cell joins the crossings on
its own edges only, so two branches of a curve are never joined by a segment that leaves the
zero set (the defect of drawing a nullcline as one sorted point cloud). Saddle cells (four
crossings) are resolved by the sign at the cell centre.
"""

from __future__ import annotations

import numpy as np


def contour_segments(values: np.ndarray, center: np.ndarray | None = None):
    """The pieces of the zero set of `values` (ny, nx; row i is y[i], column j is x[j]).

    **Arguments:** `values` on the grid; `center` (ny - 1, nx - 1) the values at the cell
    centres, used to resolve saddle cells (default: the mean of the four corners).

    **Returns:** a list of links `(edge, edge)`, two crossed grid edges joined inside one
    cell; an edge is `(kind, i, j)`, kind "h" from node (i, j) to (i, j + 1), "v" from (i, j)
    to (i + 1, j).
    """
    f = np.asarray(values, float)
    ok = np.isfinite(f)
    pos = f > 0
    links = []
    corners_ok = ok[:-1, :-1] & ok[:-1, 1:] & ok[1:, :-1] & ok[1:, 1:]
    n_pos = pos[:-1, :-1].astype(int) + pos[:-1, 1:] + pos[1:, :-1] + pos[1:, 1:]
    # Only cells whose corners differ in sign hold a piece of the curve.
    for i, j in np.argwhere(corners_ok & (n_pos > 0) & (n_pos < 4)).tolist():
        bl, br, tl, tr = pos[i, j], pos[i, j + 1], pos[i + 1, j], pos[i + 1, j + 1]
        crossed = []
        if bl != br:
            crossed.append(("h", i, j))
        if br != tr:
            crossed.append(("v", i, j + 1))
        if tl != tr:
            crossed.append(("h", i + 1, j))
        if bl != tl:
            crossed.append(("v", i, j))
        if len(crossed) == 2:
            links.append((crossed[0], crossed[1]))
        elif len(crossed) == 4:
            bottom, right, top, left = crossed
            c = center[i, j] if center is not None else np.mean(f[i : i + 2, j : j + 2])
            if (c > 0) == bl:
                links += [(bottom, right), (left, top)]
            else:
                links += [(bottom, left), (right, top)]
    return links


def chain(links) -> list[list[tuple]]:
    """Join links that share an edge into maximal chains (open paths or closed loops)."""
    neighbours: dict[tuple, list[tuple]] = {}
    for a, b in links:
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    seen: set[tuple] = set()
    chains = []
    starts = [k for k, v in neighbours.items() if len(v) == 1]
    for start in starts + list(neighbours):
        if start in seen:
            continue
        path = [start]
        seen.add(start)
        prev, cur = None, start
        while True:
            nxt = [n for n in neighbours[cur] if n != prev and n not in seen]
            if not nxt:
                # A loop closes on its start: repeat it so the polyline is drawn closed.
                if len(path) > 2 and start in neighbours[cur] and prev is not None:
                    path.append(start)
                break
            prev, cur = cur, nxt[0]
            seen.add(cur)
            path.append(cur)
        if len(path) >= 2:
            chains.append(path)
    return chains


def edge_endpoints(keys, xs: np.ndarray, ys: np.ndarray):
    """The two grid nodes `(x, y)` of each edge key, as arrays of shape (K, 2)."""
    p0 = np.empty((len(keys), 2))
    p1 = np.empty((len(keys), 2))
    for k, (kind, i, j) in enumerate(keys):
        p0[k] = xs[j], ys[i]
        p1[k] = (xs[j + 1], ys[i]) if kind == "h" else (xs[j], ys[i + 1])
    return p0, p1
