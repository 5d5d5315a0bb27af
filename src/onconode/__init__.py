"""onconode: a national cancer genomics database node."""

__version__ = "0.1.0"
