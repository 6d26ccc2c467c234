"""``python -m sim`` is the ``sim`` command, for machines where pip's script folder is not on PATH;
:func:`main` is also the ``sim`` console script."""

import sys


def main() -> None:
    try:  # Ctrl-C while the command line loads: one line, as everywhere else
        from sim.cli import app
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: nothing was written\n")
        raise SystemExit(130) from None
    app(prog_name="sim")


if __name__ == "__main__":
    main()
