"""Label placement that keeps labels apart: each label goes to the nearest free spot around its
point, away from other labels, markers and fixed text, with a thin leader line when it had to move
away. Greedy and deterministic (labels placed in the order given), in display coordinates, so the
axes must have its final size before labels are placed (no layout engine run afterwards)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.transforms import Bbox

# Gaps (points) between a marker's edge and its label's box, nearest first, and the turns (degrees)
# away from the preferred direction tried at each gap.
GAPS_PT = (1.5, 4, 8, 14, 22, 32, 45, 60, 80, 105, 135, 170, 210, 250)
TURNS_DEG = (0, 25, -25, 50, -50, 75, -75, 100, -100, 125, -125, 150, -150, 180)
PAD_PX = 1.0
LEADER_PT = 5  # a label farther than this from its marker gets a leader line


def marker_box(xy: Sequence[float], radius_px: float) -> Bbox:
    """The square around a round marker of ``radius_px`` centred at display point ``xy``."""
    return Bbox.from_bounds(xy[0] - radius_px, xy[1] - radius_px, 2 * radius_px, 2 * radius_px)


def free(box: Bbox, taken: list[Bbox], inside: Bbox) -> bool:
    """Whether ``box`` lies within ``inside`` and touches none of ``taken`` (all display pixels)."""
    return _free(_rect(box), np.array([_rect(t) for t in taken]).reshape(-1, 4), _rect(inside))


def text_size(ax, text: str, fontsize: float) -> tuple[float, float]:
    """(width, height) in display pixels of ``text`` drawn at ``fontsize``."""
    probe = ax.text(0, 0, text, fontsize=fontsize, transform=None)
    extent = probe.get_window_extent()
    probe.remove()
    return extent.width, extent.height


# Geometry on arrays: a rectangle is (x0, y0, x1, y1), a segment (start, end), display pixels.

def _rect(box: Bbox) -> np.ndarray:
    return np.array([box.x0, box.y0, box.x1, box.y1])


def _free(rect: np.ndarray, taken: np.ndarray, inside: np.ndarray) -> bool:
    """``rect`` within ``inside`` and at least PAD_PX clear of every row of ``taken``."""
    if rect[0] < inside[0] or rect[1] < inside[1] or rect[2] > inside[2] or rect[3] > inside[3]:
        return False
    hit = ((taken[:, 0] < rect[2] + PAD_PX) & (taken[:, 2] > rect[0] - PAD_PX)
           & (taken[:, 1] < rect[3] + PAD_PX) & (taken[:, 3] > rect[1] - PAD_PX))
    return not hit.any()


def _hits(starts: np.ndarray, ends: np.ndarray, rects: np.ndarray) -> np.ndarray:
    """Whether each segment (k) meets each rectangle (m), k x m: Liang-Barsky clipping of the
    segment's parameter t in [0, 1] to the rectangle's four half-planes."""
    x, y = starts[:, :1], starts[:, 1:]
    dx, dy = ends[:, :1] - x, ends[:, 1:] - y
    x0, y0, x1, y1 = (rects[None, :, i] for i in range(4))
    shape = (len(starts), len(rects))
    low, high, ok = np.zeros(shape), np.ones(shape), np.ones(shape, dtype=bool)
    for p, q in ((-dx, x - x0), (dx, x1 - x), (-dy, y - y0), (dy, y1 - y)):
        p, q = np.broadcast_to(p, shape), np.broadcast_to(q, shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = q / p
        low = np.where(p < 0, np.maximum(low, t), low)
        high = np.where(p > 0, np.minimum(high, t), high)
        ok &= ~((p == 0) & (q < 0))  # parallel to an edge and outside it
    return ok & (low <= high)


def _crosses(start: np.ndarray, end: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> bool:
    """Whether segment start-end properly crosses any of the segments starts-ends."""
    def side(a, b, c):
        return (b[..., 0] - a[..., 0]) * (c[..., 1] - a[..., 1]) - (b[..., 1] - a[..., 1]) * (c[..., 0] - a[..., 0])
    return bool(np.any((side(start, end, starts) * side(start, end, ends) < 0)
                       & (side(starts, ends, start) * side(starts, ends, end) < 0)))


def _candidates(anchor: np.ndarray, outward: float, radius_px: float, size: tuple[float, float], px_per_pt: float):
    """Label rectangles around ``anchor``, nearest first; at each distance the direction closest to
    ``outward`` (radians, display frame) first."""
    w, h = size
    for gap in GAPS_PT:
        for turn in TURNS_DEG:
            a = outward + math.radians(turn)
            ux, uy = math.cos(a), math.sin(a)
            # the box's edge, not its centre, sits gap from the marker's edge along the direction
            reach = radius_px + gap * px_per_pt + min(abs(w / 2 / ux) if ux else math.inf,
                                                      abs(h / 2 / uy) if uy else math.inf)
            cx, cy = anchor[0] + ux * reach, anchor[1] + uy * reach
            yield np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]), gap


class _Layout:
    """What is already on the axes, in display pixels: rectangles (markers; fixed text and labels)
    and leader lines."""

    def __init__(self, inside: Bbox, fixed: list[Bbox], markers: np.ndarray):
        self.inside = _rect(inside)
        self.boxes = np.array([_rect(b) for b in fixed]).reshape(-1, 4)
        self.markers = markers
        self.starts, self.ends = np.zeros((0, 2)), np.zeros((0, 2))

    def fits(self, rect: np.ndarray, leader: tuple[np.ndarray, np.ndarray] | None, own: int, cross: bool) -> bool:
        """A label fits where it covers no rectangle and crosses no leader line; its own leader
        line (if any) may cross no label and, unless ``cross``, no other marker or leader line (in
        a crowded ring there may be no other way out)."""
        if not _free(rect, np.vstack([self.boxes, self.markers]), self.inside):
            return False
        if _hits(self.starts, self.ends, rect[None]).any():
            return False
        if leader is None:
            return True
        start, end = (p[None] for p in leader)
        if _hits(start, end, self.boxes).any():
            return False
        if cross:
            return True
        others = np.delete(self.markers, own, axis=0)
        return not (_hits(start, end, others).any() or _crosses(leader[0], leader[1], self.starts, self.ends))

    def place(self, i: int, anchor: np.ndarray, outward: float, size: tuple[float, float], px_per_pt: float,
              cross: bool) -> tuple[np.ndarray, float] | None:
        """The nearest free (rectangle, gap) for label ``i``, taken; None when none is within reach."""
        radius = (self.markers[i, 2] - self.markers[i, 0]) / 2
        for rect, gap in _candidates(anchor, outward, radius, size, px_per_pt):
            leader = (anchor, (rect[:2] + rect[2:]) / 2) if gap > LEADER_PT else None
            if self.fits(rect, leader, i, cross):
                self.boxes = np.vstack([self.boxes, rect])
                if leader is not None:
                    self.starts, self.ends = np.vstack([self.starts, leader[0]]), np.vstack([self.ends, leader[1]])
                return rect, gap
        return None


def place_labels(ax, points: np.ndarray, texts: list[str], radii_pt: np.ndarray, order: list[int], *,
                 centre: Sequence[float], obstacles: list[Bbox] = (), inside: Bbox | None = None,
                 fontsize: float = 7) -> list[int]:
    """Annotate ``points[i]`` (data coordinates) with ``texts[i]`` for each ``i`` in ``order``,
    preferring the direction away from ``centre`` (display pixels), within ``inside`` (default: the
    axes). No label covers another, a marker of radius ``radii_pt[j]`` (points) at any point, or
    one of the ``obstacles``; leader lines cross no label, and no other leader line or marker unless
    that was the only way to place a label (second pass). Returns the indices that found no free
    spot within reach (left unlabelled)."""
    px_per_pt = ax.get_figure(root=True).dpi / 72
    anchors = ax.transData.transform(points)
    r = np.asarray(radii_pt, dtype=float)[:, None] * px_per_pt
    layout = _Layout(inside or ax.bbox, list(obstacles), np.hstack([anchors - r, anchors + r]))
    missed = list(order)
    for cross in (False, True):
        left = []
        for i in missed:
            outward = math.atan2(anchors[i][1] - centre[1], anchors[i][0] - centre[0])
            spot = layout.place(i, anchors[i], outward, text_size(ax, texts[i], fontsize), px_per_pt, cross)
            if spot is None:
                left.append(i)
            else:
                _annotate(ax, points[i], anchors[i], texts[i], *spot, radii_pt[i], fontsize, px_per_pt)
        missed = left
    return missed


def _annotate(ax, point, anchor, text: str, rect: np.ndarray, gap: float, radius_pt: float, fontsize: float,
              px_per_pt: float) -> None:
    offset = tuple(((rect[:2] + rect[2:]) / 2 - anchor) / px_per_pt)
    leader = dict(arrowstyle="-", color="0.45", lw=0.5, shrinkA=0, shrinkB=radius_pt) if gap > LEADER_PT else None
    ax.annotate(text, point, xytext=offset, textcoords="offset points", ha="center", va="center",
                fontsize=fontsize, arrowprops=leader, gid="label", annotation_clip=False)
