"""Label placement that keeps labels apart: each label goes to the nearest free spot around its
point, away from other labels, markers and fixed text, with a thin leader line when it had to move
away. Greedy and deterministic (labels placed in the order given), in display coordinates, so the
axes must have its final size before labels are placed (no layout engine run afterwards)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.path import Path
from matplotlib.transforms import Bbox

# Gaps (points) between a marker's edge and its label's box, nearest first, and the turns (degrees)
# away from the preferred direction tried at each gap.
GAPS_PT = (1.5, 4, 8, 14, 22, 32, 45, 60, 80, 105, 135, 170, 210, 250)
TURNS_DEG = (0, 25, -25, 50, -50, 75, -75, 100, -100, 125, -125, 150, -150, 180)
PAD_PX = 1.0
LEADER_PT = 5  # a label farther than this from its marker gets a leader line


def _leader(anchor: np.ndarray, box: Bbox, gap: float) -> Path | None:
    """The leader line from a marker's centre to its label's centre, drawn only for labels that
    moved more than LEADER_PT away (the part under the label is hidden by it)."""
    if gap <= LEADER_PT:
        return None
    return Path([anchor, [(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2]])


def marker_box(xy: Sequence[float], radius_px: float) -> Bbox:
    """The square around a round marker of ``radius_px`` centred at display point ``xy``."""
    return Bbox.from_bounds(xy[0] - radius_px, xy[1] - radius_px, 2 * radius_px, 2 * radius_px)


def free(box: Bbox, taken: list[Bbox], inside: Bbox) -> bool:
    """Whether ``box`` lies within ``inside`` and touches none of ``taken`` (all display pixels)."""
    if box.x0 < inside.x0 or box.y0 < inside.y0 or box.x1 > inside.x1 or box.y1 > inside.y1:
        return False
    grown = box.expanded(1 + 2 * PAD_PX / max(box.width, 1e-9), 1 + 2 * PAD_PX / max(box.height, 1e-9))
    return not any(grown.overlaps(t) for t in taken)


def text_size(ax, text: str, fontsize: float) -> tuple[float, float]:
    """(width, height) in display pixels of ``text`` drawn at ``fontsize``."""
    probe = ax.text(0, 0, text, fontsize=fontsize, transform=None)
    extent = probe.get_window_extent()
    probe.remove()
    return extent.width, extent.height


def _candidates(anchor: np.ndarray, outward: float, radius_px: float, size: tuple[float, float], px_per_pt: float):
    """Label boxes around ``anchor``, nearest first; at each distance the direction closest to
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
            yield Bbox.from_bounds(cx - w / 2, cy - h / 2, w, h), gap


class _Layout:
    """What is already on the axes, in display pixels: boxes (markers, fixed text, labels) and
    leader lines."""

    def __init__(self, inside: Bbox, boxes: list[Bbox], markers: list[Bbox]):
        self.inside, self.boxes, self.markers, self.leaders = inside, boxes, markers, []

    def fits(self, box: Bbox, leader: Path | None, cross: bool) -> bool:
        """A label box fits where it covers no box and crosses no leader line; its own leader line
        (if any) may cross no label and, unless ``cross``, no other marker or leader line (in a
        crowded ring there may be no other way out)."""
        if not free(box, self.boxes + self.markers, self.inside):
            return False
        if any(line.intersects_bbox(box, filled=False) for line in self.leaders):
            return False
        if leader is None:
            return True
        if any(leader.intersects_bbox(b, filled=True) for b in self.boxes):
            return False
        if cross:
            return True
        others = [m for m in self.markers if not m.contains(*leader.vertices[0])]  # not the one it starts in
        return not (any(leader.intersects_bbox(m, filled=True) for m in others)
                    or any(leader.intersects_path(line, filled=False) for line in self.leaders))

    def place(self, anchor: np.ndarray, outward: float, radius_px: float, size: tuple[float, float],
              px_per_pt: float, cross: bool) -> tuple[Bbox, float] | None:
        """The nearest free (box, gap) for one label, taken; None when there is none within reach."""
        for box, gap in _candidates(anchor, outward, radius_px, size, px_per_pt):
            leader = _leader(anchor, box, gap)
            if self.fits(box, leader, cross):
                self.boxes.append(box)
                if leader is not None:
                    self.leaders.append(leader)
                return box, gap
        return None


def place_labels(ax, points: np.ndarray, texts: list[str], radii_pt: np.ndarray, order: list[int], *,
                 centre: Sequence[float], obstacles: list[Bbox] = (), inside: Bbox | None = None,
                 fontsize: float = 7) -> list[int]:
    """Annotate ``points[i]`` (data coordinates) with ``texts[i]`` for each ``i`` in ``order``,
    preferring the direction away from ``centre`` (display pixels), within ``inside`` (default: the
    axes). No label covers another, a
    marker of radius ``radii_pt[j]`` (points) at any point, or one of the ``obstacles``; leader
    lines cross no label, and no other leader line unless that was the only way to place a label
    (second pass). Returns the indices that found no free spot within reach (left unlabelled)."""
    px_per_pt = ax.get_figure(root=True).dpi / 72
    anchors = ax.transData.transform(points)
    radii_px = np.asarray(radii_pt) * px_per_pt
    layout = _Layout(inside or ax.bbox, list(obstacles), [marker_box(a, r) for a, r in zip(anchors, radii_px)])
    missed = list(order)
    for cross in (False, True):
        left = []
        for i in missed:
            outward = math.atan2(anchors[i][1] - centre[1], anchors[i][0] - centre[0])
            spot = layout.place(anchors[i], outward, radii_px[i], text_size(ax, texts[i], fontsize), px_per_pt, cross)
            if spot is None:
                left.append(i)
            else:
                _annotate(ax, points[i], anchors[i], texts[i], *spot, radii_pt[i], fontsize, px_per_pt)
        missed = left
    return missed


def _annotate(ax, point, anchor, text: str, box: Bbox, gap: float, radius_pt: float, fontsize: float,
              px_per_pt: float) -> None:
    offset = ((box.x0 + box.x1) / 2 - anchor[0]) / px_per_pt, ((box.y0 + box.y1) / 2 - anchor[1]) / px_per_pt
    leader = dict(arrowstyle="-", color="0.45", lw=0.5, shrinkA=0, shrinkB=radius_pt) if gap > LEADER_PT else None
    ax.annotate(text, point, xytext=offset, textcoords="offset points", ha="center", va="center",
                fontsize=fontsize, arrowprops=leader, gid="label", annotation_clip=False)
