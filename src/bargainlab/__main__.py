"""``python -m bargainlab``: the command line, importing nothing from the current folder.

``python -m`` puts the current folder first on ``sys.path``, so a module or an installed
distribution's metadata (a strategy plugin's entry point) planted there would be imported
ahead of the installed ones. The ``bargainlab`` command does not search the current folder,
and neither does this: the entry is removed before anything else is imported (as
``python -P`` would).
"""

import os
import sys

if not sys.flags.safe_path and sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from .cli import main  # after the current folder has left sys.path

sys.exit(main())
