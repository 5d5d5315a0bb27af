"""Build hook: vendor the front-end assets (htmx, Vega, Vega-Lite, vega-embed, vega-interpreter, Swagger UI) from npm
into the package's static folder, so the portal never loads anything from a CDN.

Runs on every `pip install` (editable installs too). Needs Node.js/npm and the npm
registry at build time only; frontend/package-lock.json pins the exact versions.
"""

import shutil
import subprocess
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
FRONTEND = ROOT / "frontend"
VENDOR = ROOT / "src" / "onconode" / "interfaces" / "http" / "static" / "vendor"
ASSETS = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "vega.min.js": "vega/build/vega.min.js",
    "vega-lite.min.js": "vega-lite/build/vega-lite.min.js",
    "vega-embed.min.js": "vega-embed/build/vega-embed.min.js",
    # Vega expressions without eval, so the Content-Security-Policy needs no 'unsafe-eval'
    "vega-interpreter.min.js": "vega-interpreter/build/vega-interpreter.min.js",
    # /api/docs: Swagger UI served by the node itself, so the API documentation works offline
    "swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
}


def vendor_assets() -> None:
    modules = FRONTEND / "node_modules"
    if not all((modules / src).exists() for src in ASSETS.values()):
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("npm is needed to build onconode's web assets: apt-get install npm (or nodejs), then install again")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=FRONTEND, check=True)
    VENDOR.mkdir(parents=True, exist_ok=True)
    for name, src in ASSETS.items():
        shutil.copyfile(modules / src, VENDOR / name)


class BuildWithAssets(build_py):
    def run(self) -> None:
        vendor_assets()
        super().run()


# The VCF bulk path's tokenizer (plain C, no dependencies): see src/onconode/ingest/vcf/_scan.c.
SCAN = Extension("onconode.ingest.vcf._scan", ["src/onconode/ingest/vcf/_scan.c"], extra_compile_args=["-O2"])
setup(cmdclass={"build_py": BuildWithAssets}, ext_modules=[SCAN])
