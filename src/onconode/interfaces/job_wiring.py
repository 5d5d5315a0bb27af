"""Which job kinds this node runs: every package that owns slow work registers its
handlers here, at start (the worker, and the server so its pages can describe kinds).
The one place to add a kind; the queue and the worker never import domain code."""

from __future__ import annotations

from onconode.access import jobs as access_jobs
from onconode.exchange import jobs as exchange_jobs
from onconode.interfaces.derived_wiring import register_derived
from onconode.release import jobs as release_jobs
from onconode.store import derived_jobs, jobs as store_jobs


def register_all() -> None:
    """Every job kind's handler, and every derived artifact the handlers may build or drop."""
    for package in (access_jobs, exchange_jobs, release_jobs, store_jobs, derived_jobs):
        package.register()
    register_derived()
