"""Build a release: atomically (into a hidden temporary folder, renamed into place only
when complete) and reproducibly (same freeze, approval and key → byte-identical files:
rows in a total order, fixed writer settings, no build time inside, file times set to the
freeze's creation time).

A build that fails or is killed leaves only a hidden `.<id>.partial-<pid>-…` folder, which
no listing or download ever shows and the next build of that application removes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import duckdb
import pyarrow as pa

from onconode import private
from onconode.model import MODEL_VERSION, TABLES_BY_NAME
from onconode.model.tables import GERMLINE_TABLES
from onconode.progress import Progress, silent
from onconode.release import ReleaseError
from onconode.release import formats as F
from onconode.release import snapshot, variant_text
from onconode.release import writers as W
from onconode.release.manifest import Digests, read_manifest, write_manifest
from onconode.release.pseudonym import Pseudonymizer, release_key
from onconode.release.readme import readme
from onconode.release.selection import Selection, select
from onconode.store.store import Store, duckdb_settings
from onconode.access.licence import PUBLICATION_ACKNOWLEDGEMENT
from onconode.access import audit
from onconode.access.workflow import load

RELEASES = "releases"
BUILD_LOG = "release-builds.jsonl"
# DuckDB's memory during a build: the variant sort spills to disk beyond it, which keeps a
# 1,000-patient release (12M variants) within the 4 GB peak RSS (2.3 GB at "2GB").
BUILD_MEMORY_LIMIT = "3GB"


def releases_root(home: Path) -> Path:
    return Path(home) / RELEASES


@dataclass(frozen=True)
class Built:
    app_id: str
    path: Path
    manifest: dict[str, Any]


def _acknowledgement(gov: Any, app_id: str) -> str:
    return PUBLICATION_ACKNOWLEDGEMENT.format(foundation=gov.foundation, dar=app_id)


def _remove_stale_partials(root: Path, app_id: str) -> None:
    """Partial folders of builds whose process is gone (killed, crashed)."""
    for p in root.glob(f".{app_id}.partial-*"):
        try:
            pid = int(p.name.rsplit(".partial-", 1)[1].split("-", 1)[0])
            os.kill(pid, 0)
        except (ValueError, IndexError, ProcessLookupError):
            shutil.rmtree(p, ignore_errors=True)
        except PermissionError:
            pass


class Stages:
    """Seconds per build stage, for the build log and the benchmark (never in the release:
    timings would make rebuilds differ)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}  # all threads: what a stage costs on a busy machine

    @contextmanager
    def __call__(self, name: str):
        t, c = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - t, 2)
            self.cpu_seconds[name] = round(self.cpu_seconds.get(name, 0.0) + time.process_time() - c, 2)

    def note(self, name: str, seconds: float) -> None:
        """Wall seconds of a part of a stage that ran beside others (its CPU is the stage's)."""
        self.seconds[name] = round(self.seconds.get(name, 0.0) + seconds, 2)


def _register_maps(store: Store, sel: Selection, key: bytes, version: int, tag: str) -> W.Maps:
    """Pseudonyms are computed once per distinct id (HMAC in Python, a few thousand ids)
    and joined in DuckDB as small tables, like the contig ranks of the genomic order."""
    ps = Pseudonymizer(key)
    treatments = [r[0] for r in store.con.execute(
        f'SELECT DISTINCT treatment_id FROM ({store.relation_sql("treatment", version)}) WHERE patient_id IN (SELECT unnest(?::VARCHAR[]))',
        [sorted(sel.patients)]).fetchall()]
    maps = W.Maps(f"_rel_{tag}_patient", f"_rel_{tag}_sample", f"_rel_{tag}_treatment", f"_rel_{tag}_chrom",
                  tuple(sorted(sel.patients)), tuple(sorted(sel.samples)))
    for view, kind, ids in ((maps.patient, "patient", sel.patients), (maps.sample, "sample", sel.samples),
                            (maps.treatment, "treatment", treatments)):
        m = ps.mapping(kind, sorted(ids))
        store.con.register(view, pa.table({"real_id": pa.array(list(m), pa.string()), "pseudo": pa.array(list(m.values()), pa.string())}))
    store.con.register(maps.chrom, W.chromosome_ranks())
    return maps


def _variant_snapshot(store: Store, sel: Selection, stages: Stages) -> "snapshot.VariantSnapshot | None":
    """The freeze's sorted variant snapshot (release.snapshot), built now if missing or
    stale (timed as its own stage: it is a one-off per freeze, not release work); None if
    it cannot be written here (read-only folder), and the rows are then sorted per release."""
    found = snapshot.load(store, sel.freeze)
    if found is not None:
        return found
    with stages("variant snapshot (one-off per freeze)"):
        try:
            return snapshot.build(store, sel.freeze)
        except OSError:
            return None


def _write_files(store: Store, sel: Selection, maps: W.Maps, work: Path, progress: Progress, stages: Stages,
                 digests: Digests) -> tuple[dict[str, int], bool, bool, int]:
    """Each table's pseudonymized, ordered rows are computed once, into the release's
    Parquet file, and its TSV is written from that file; the variants go their own way
    (`_write_variants`)."""
    tables: dict[str, int] = {}
    (work / "tables").mkdir()
    vcf = maf = False
    variants = 0
    with progress(f"building {sel.app_id}", len(sel.items) + 2) as advance:
        for table, columns in sel.items.items():
            if table == "somatic_variant" and variant_text.can_write_vcf(columns):
                tables[table] = variants = _write_variants(store, sel, maps, columns, work, stages, digests)
                vcf = maf = True
            else:
                parquet, tsv = work / "tables" / f"{table}.parquet", work / "tables" / f"{table}.tsv"
                rows = W.released_rows_sql(store, sel.version, table, maps)
                if table in GERMLINE_TABLES:   # only consenting patients' germline rows (release/selection.py)
                    rows = W.only_samples_sql(rows, tuple(sorted(sel.germline_samples)))
                with stages(f"{table} parquet, tsv" if table == "somatic_variant" else "other tables"):
                    tables[table] = W.write_parquet(store.con, W.pseudonymized_sql(rows, columns, maps, list(TABLES_BY_NAME[table].key)), parquet)
                    digests.add(parquet)
                    W.write_tsv(store.con, W.scan_parquet(parquet), tsv)
                    digests.add(tsv)
            advance(1)
        with stages("metadata"):
            W.write_tsv(store.con, W.metadata_sql(store, sel.version, sel.items, maps), work / "metadata.tsv")
        advance(1)
    return tables, vcf, maf, variants


STREAM = "_release_variants"  # the variants' Arrow stream, as each writer's cursor names it


@dataclass(frozen=True)
class _Variants:
    """Where the variants' writers read the released rows, each its own pass: the freeze's
    snapshot (one Arrow stream per reader) or, without one, the release's Parquet file."""

    parquet: Path
    schema: pa.Schema | None = None
    open: Callable[[], Iterator[pa.RecordBatch]] | None = None

    def sql(self, con: duckdb.DuckDBPyConnection) -> str:
        if self.open is None:
            return W.scan_parquet(self.parquet)
        con.register(STREAM, W.even_stream(self.schema, self.open()))
        return f"SELECT * FROM {STREAM}"

    def batches(self, con: duckdb.DuckDBPyConnection) -> Iterator[pa.RecordBatch]:
        if self.open is None:
            return iter(con.sql(W.scan_parquet(self.parquet)).to_arrow_reader(W.BATCH_ROWS))
        return self.open()


def _write_variants(store: Store, sel: Selection, maps: W.Maps, columns: list[str], work: Path, stages: Stages,
                    digests: Digests) -> int:
    """The variants' Parquet (DuckDB) and text files (TSV, MAF and VCFs in one pass,
    release.variant_text) written at once, on their own cursors, each reading the freeze's
    snapshot on its own (or, without a snapshot, the Parquet written first from the
    sorted query). Why: DuckDB's order-preserving Parquet writer keeps about one core
    busy; alone it left the second core idle. Returns the variant count."""
    table = "somatic_variant"
    parquet, tsv = work / "tables" / f"{table}.parquet", work / "tables" / f"{table}.tsv"
    somatic = work / "somatic"
    maf = somatic / "somatic_variants.maf"
    ref = dict(store.con.execute(
        f'SELECT m.pseudo, t.ref_genome FROM ({store.relation_sql("tumor_profile", sel.version)}) t '
        f'JOIN {maps.sample} m ON t.sample_id = m.real_id').fetchall())
    snap = _variant_snapshot(store, sel, stages)
    count = None
    if snap is not None:
        order = store.con.execute(f"SELECT real_id, pseudo FROM {maps.sample} ORDER BY pseudo NULLS LAST").fetchall()
        source = _Variants(parquet, snap.schema(columns, dictionary=True),
                           lambda: snap.batches(order, columns, dictionary=True))
        filters_sql = (f"SELECT * FROM read_parquet({W._path(snap.file)}) "
                       f"WHERE sample_id IN ({W._in_list(maps.sample_ids, maps.sample)})")
        label = f"{table} from snapshot (parquet beside tsv + maf + vcf)"
    else:
        with stages(f"{table} parquet (select, sort)"):
            sorted_sql = W.pseudonymized_sql(W.released_rows_sql(store, sel.version, table, maps), columns, maps,
                                             list(TABLES_BY_NAME[table].key))
            writer = store.con.cursor()  # the query streams from store.con (its pseudonym views live there)
            try:
                reader = store.con.sql(sorted_sql).to_arrow_reader(W.BATCH_ROWS)
                writer.register(STREAM, W.even_stream(reader.schema, reader))
                count = W.write_parquet(writer, f"SELECT * FROM {STREAM}", parquet)
            finally:
                writer.close()
        source, filters_sql = _Variants(parquet), W.scan_parquet(parquet)
        label = f"{table} tsv + maf + vcf"
    filters = W.release_filters(store.con, filters_sql) if "filter" in columns else []
    jobs = {
        "parquet": lambda con: W.write_parquet(con, source.sql(con), parquet),
        "tsv + maf + vcf": lambda con: variant_text.write_text(source.batches(con), columns, tsv, maf, somatic, ref, filters,
                                                               digests.known),
    }
    if count is not None:
        del jobs["parquet"]
    with stages(label):
        done = _at_once(store, jobs, stages)
    digests.add(parquet)
    return done.get("parquet", count)


def _at_once(store: Store, jobs: dict[str, Callable[[duckdb.DuckDBPyConnection], Any]], stages: Stages) -> dict[str, Any]:
    """Run each job in its own thread on its own cursor; the first failure interrupts the
    others and is raised."""
    cursors = {name: store.con.cursor() for name in jobs}

    def run(name: str) -> Any:
        started = time.perf_counter()
        try:
            return jobs[name](cursors[name])
        finally:
            stages.note(f"  {name}", time.perf_counter() - started)

    failed = None
    try:
        with ThreadPoolExecutor(len(jobs), thread_name_prefix="release") as pool:
            futures = {pool.submit(run, name): name for name in jobs}
            for job in as_completed(futures):
                if job.exception() is not None:
                    failed = job
                    for con in cursors.values():
                        con.interrupt()
                    break
        if failed is not None:  # its error, not the interruption it caused in the others
            failed.result()
        return {name: job.result() for job, name in futures.items()}
    finally:
        for con in cursors.values():
            con.close()


def _fix_times(folder: Path, when: dt.datetime) -> None:
    ts = when.replace(tzinfo=dt.timezone.utc).timestamp() if when.tzinfo is None else when.timestamp()
    for p in sorted(folder.rglob("*"), reverse=True):
        os.utime(p, (ts, ts))
    os.utime(folder, (ts, ts))


def _swap_into_place(work: Path, dest: Path) -> None:
    old = None
    if dest.exists():
        old = dest.with_name(f".{dest.name}.replaced-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        dest.rename(old)
    work.rename(dest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build(home: Path, store: Store, gov: Any, app_id: str, at: dt.datetime | None = None,
          progress: Progress = silent, built_by: str = "", formats: tuple[str, ...] | None = None) -> Built:
    """Build (or rebuild) the release of one application; refuses with ReleaseError.
    `formats`: standard models to deliver it in as well (release.formats); default: those
    of the release this build replaces."""
    started = time.perf_counter()
    at = audit.utc(at)
    with gov.engine.connect() as conn:
        app = load(conn, app_id)
    sel = select(store, gov, app, at)
    key = release_key(home, app_id)
    assert key is not None
    root = releases_root(home)
    formats = F.delivery_formats(root / app_id) if formats is None else tuple(formats)
    F.check_formats(formats)
    private.node_home(Path(home))
    private.make_dir(root)
    _remove_stale_partials(root, app_id)
    work = Path(tempfile.mkdtemp(prefix=f".{app_id}.partial-{os.getpid()}-", dir=root))
    tag = work.name.rsplit("-", 1)[-1].replace(".", "")
    maps = None
    stages = Stages()
    digests = Digests()
    try:
        with duckdb_settings(store.con, {"memory_limit": BUILD_MEMORY_LIMIT}):  # its sorts spill to disk beyond it
            maps = _register_maps(store, sel, key, sel.version, tag)
            tables, vcf, maf, variants = _write_files(store, sel, maps, work, progress, stages, digests)
            if formats:
                with stages("standard-model formats"):
                    reports = F.write_formats(store, sel, maps, work, formats, progress)
        meta = {
            "application": app_id, "kind": sel.kind, "freeze": sel.freeze, "store_version": sel.version,
            "model_version": MODEL_VERSION, "patients": len(sel.patients), "samples": len(sel.samples),
            "excluded": {"consent_not_covering_purpose": len(sel.excluded_consent), "withdrawn": len(sel.excluded_withdrawn)},
            "hospital_code": sel.hospital_code, "tables": tables, "variants": variants,
            "items": sel.items,
        }
        if any(t in GERMLINE_TABLES for t in sel.items):
            meta["excluded"]["germline_without_consent"] = len(sel.excluded_germline)
        if formats:
            meta["formats"] = {name: {"folder": f"{name}/", "not_expressed": sum(r["not_expressed"].values())}
                               for name, r in reports.items()}
        ack = _acknowledgement(gov, app_id)
        (work / "ACKNOWLEDGEMENT.txt").write_text(ack + "\n")
        (work / "README.md").write_text(readme(meta, sel.items, vcf, maf, ack))
        with stages("manifest (remaining sha256)"):
            manifest = write_manifest(work, meta, digests.result())
        _fix_times(work, sel.freeze_created)
        private.tighten(work)  # licensed data: owner-only, whatever wrote it (DuckDB, Arrow, htslib)
        _swap_into_place(work, root / app_id)
    except BaseException:
        digests.close()
        shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        digests.close()
        if maps is not None:
            for view in (maps.patient, maps.sample, maps.treatment, maps.chrom):
                store.con.unregister(view)
    private.append_text(Path(home) / BUILD_LOG, json.dumps({
        "application": app_id, "freeze": sel.freeze, "built_at": at.isoformat(), "built_by": built_by,
        "patients": len(sel.patients), "files": len(manifest["files"]), "seconds": round(time.perf_counter() - started, 2),
        "stage_seconds": stages.seconds, "stage_cpu_seconds": stages.cpu_seconds}) + "\n")
    return Built(app_id, root / app_id, manifest)


def built_releases(home: Path) -> list[dict[str, Any]]:
    """The releases present on this node (complete ones only), oldest application first."""
    root = releases_root(home)
    if not root.is_dir():
        return []
    out = []
    for p in sorted(root.iterdir()):
        if p.is_dir() and not p.name.startswith("."):
            try:
                out.append(read_manifest(p))
            except ReleaseError:
                continue
    return out


def build_log(home: Path) -> list[dict[str, Any]]:
    path = Path(home) / BUILD_LOG
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
