"""`python -m bot`: the same as the `umkm-coach` command."""
import sys

from .cli import main

sys.exit(main())
