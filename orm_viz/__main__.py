import sys

from orm_viz.cli import main

sys.exit(main())
