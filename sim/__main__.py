"""``python -m sim`` is the ``sim`` command, for machines where pip's script folder is not on PATH."""

from sim.cli import app

app(prog_name="sim")
