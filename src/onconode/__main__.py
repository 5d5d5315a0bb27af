"""`python -m onconode`: the command line, through whichever interpreter runs it."""

from onconode.interfaces.cli.main import app

app(prog_name="onconode")
