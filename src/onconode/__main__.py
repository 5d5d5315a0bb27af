"""`python -m onconode`: the command line, through whichever interpreter runs it."""

from onconode.cli import app

app(prog_name="onconode")
