"""Checks that a written figure is a drawn picture, not merely a file that exists."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from matplotlib.image import imread


def assert_png_drawn(path: Path, min_px: int = 150, data: bool = True) -> None:
    """``path`` decodes as a PNG at least ``min_px`` wide and high, not a blank canvas, and (with
    ``data``) with data drawn on it: hundreds of clearly coloured pixels. Axes, ticks and text are
    black and grey; an empty axes has none (a run without stoppages draws an empty timeline)."""
    image = imread(path)
    assert image.ndim == 3 and min(image.shape[:2]) >= min_px, f"{path.name}: {image.shape}"
    rgb = image[..., :3]
    marked = int((rgb != rgb[0, 0]).any(axis=2).sum())  # pixels not of the background colour
    assert marked >= 1000, f"{path.name}: {marked} pixels drawn, a blank canvas"
    if not data:
        return
    coloured = int(((rgb.max(axis=2) - rgb.min(axis=2)) > 0.25).sum())
    assert coloured >= 500, f"{path.name}: {coloured} coloured pixels, no data drawn"


def assert_svg_drawn(path: Path) -> None:
    """``path`` parses as an SVG document holding more paths than an empty axes (about 15)."""
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg", f"{path.name}: root {root.tag}"
    paths = len(root.findall(".//{http://www.w3.org/2000/svg}path"))
    assert paths >= 30, f"{path.name}: {paths} paths, no data drawn"
