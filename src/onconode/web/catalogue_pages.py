"""Placeholder router: filled in by its area (see onconode.web.app.ROUTERS)."""

from fastapi import APIRouter

router = APIRouter()
