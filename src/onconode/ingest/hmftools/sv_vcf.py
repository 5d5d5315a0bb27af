"""PURPLE's structural-variant VCF (`.purple.sv.vcf.gz`, Esvee or GRIDSS calls) and VCF headers.

A VCF stores an SV as two breakend records joined by MATEID; a single breakend (SGL, or
one PURPLE inferred from a copy-number step) has no mate and so no end. We pair the
records, keep the calls PURPLE and LINX use (FILTER PASS or INFERRED), and read the
header separately so the reference genome is known before any coordinate is checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onconode.ingest.genome import canonical_contig, detect_from_contigs, normalize_ref_genome
from onconode.ingest.hmftools.fields import FieldReader
from onconode.ingest.problems import Problems
from onconode.ingest.tsv import open_text, refuse_nul
from onconode.ingest.vcf.fields import VCF_COLUMNS
from onconode.model.tables import STRUCTURAL_VARIANT

KEPT_FILTERS = {"PASS", "INFERRED"}
CONTIG = re.compile(r"^##contig=<.*?ID=([^,>]+).*?length=(\d+)", re.IGNORECASE)
CONTIG_REV = re.compile(r"^##contig=<.*?length=(\d+).*?ID=([^,>]+)", re.IGNORECASE)
MATE_ALT = re.compile(r"[\[\]](?P<chrom>[^:\[\]]+):(?P<pos>\d+)[\[\]]")
MAX_HEADER_LINES = 100_000


@dataclass
class VcfHeader:
    contigs: dict[str, int] = field(default_factory=dict)
    reference: str | None = None
    versions: dict[str, str] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    lines: int = 0

    @property
    def ref_genome(self) -> str | None:
        """The build the header declares (##reference) or implies (contig lengths)."""
        if self.reference:
            build = normalize_ref_genome(self.reference)
            if build:
                return build
        return detect_from_contigs(self.contigs)


def read_header(path: Path, problems: Problems) -> VcfHeader | None:
    """The meta lines and sample names of a VCF, or None (with a problem) if it is not one."""
    shown = str(path)
    header = VcfHeader()
    try:
        with open_text(path) as fh:
            for raw in fh:
                header.lines += 1
                line = raw.rstrip("\r\n")
                if not refuse_nul(shown, header.lines, line, problems):
                    return None
                if header.lines == 1 and not line.startswith("##fileformat=VCF"):
                    problems.error(shown, 1, None, "the file does not start with ##fileformat=VCF", "is this a VCF file?")
                    return None
                if line.startswith("#CHROM"):
                    header.samples = line.split("\t")[9:]
                    return header
                if not line.startswith("##") or header.lines > MAX_HEADER_LINES:
                    break
                if line.lower().startswith("##contig="):
                    m = CONTIG.match(line)
                    if m:
                        header.contigs[m.group(1)] = int(m.group(2))
                    else:
                        m = CONTIG_REV.match(line)
                        if m:
                            header.contigs[m.group(2)] = int(m.group(1))
                elif line.lower().startswith("##reference="):
                    header.reference = line.split("=", 1)[1]
                elif "version=" in line.lower() and "<" not in line:
                    key, _, value = line[2:].partition("=")
                    header.versions[key.lower().removesuffix("version")] = value.strip()
    except UnicodeDecodeError as exc:
        problems.error(shown, header.lines + 1, None, f"the file is not valid text ({exc.reason})", "copy it again from the pipeline output")
        return None
    except (OSError, EOFError) as exc:
        problems.error(shown, header.lines + 1, None, f"the file is truncated or corrupt ({exc})", "copy it again from the pipeline output")
        return None
    problems.error(shown, header.lines or None, None, "the header has no #CHROM line", "the file is truncated or is not a VCF")
    return None


def tumour_column(samples: list[str], prefix: str) -> tuple[str | None, bool]:
    """(the tumour's sample column of an hmftools VCF, whether it was guessed).

    The column named like the file prefix; else the only one; else, following Hartwig's
    naming (…T tumour, …R reference, RNA columns appended by SAGE), the one …T column
    (a guess the caller reports). None when nothing tells.
    """
    for name in samples:
        if name.lower() == prefix.lower():
            return name, False
    if len(samples) == 1:
        return samples[0], False
    tumours = [s for s in samples if s.endswith("T")]
    return (tumours[0], True) if len(tumours) == 1 else (None, False)


@dataclass
class Breakend:
    vcf_id: str
    line: int
    chrom: str
    pos: int
    orientation: int
    alt: str
    filter: str
    qual: float | None
    info: dict[str, Any]


def _orientation(alt: str) -> int:
    """Breakend orientation from the ALT notation: t[p[, t]p], t. → 1; ]p]t, [p[t, .t → -1."""
    return -1 if alt[:1] in ("[", "]", ".") else 1


INFO_KEYS = ("MATEID", "SVTYPE", "PURPLE_AF", "PURPLE_JCN", "INFERRED")
FLOAT_KEYS = ("PURPLE_AF", "PURPLE_JCN")


def _first(value: Any, index: int = 0) -> float | None:
    if isinstance(value, (tuple, list)):
        return value[index] if len(value) > index else None
    return value if index == 0 else None


def _parse_info(reader: FieldReader, text: str, line: int) -> dict[str, Any] | None:
    """The INFO fields this reader uses; floats become tuples of floats, flags True."""
    info: dict[str, Any] = {}
    for item in text.split(";"):
        key, sep, value = item.partition("=")
        if key not in INFO_KEYS:
            continue
        if not sep:
            info[key] = True
        elif key in FLOAT_KEYS:
            try:
                info[key] = tuple(float(v) for v in value.split(","))
            except ValueError:
                reader.error(line, f"INFO/{key}", f"{value!r} is not a comma-separated list of numbers", "copy the file again from the pipeline output")
                return None
        else:
            info[key] = value
    return info


def read_breakends(path: Path, problems: Problems, header: VcfHeader, ref_genome: str | None) -> dict[str, Breakend]:
    """Every breakend record of the VCF by its ID, checked against the reference genome.

    The records are read as text, not through htslib: an SV VCF holds thousands of
    records, not millions, and fuzzing showed htslib (via cyvcf2) can crash the process on
    a corrupted record, where a data manager needs a located problem instead.
    """
    reader = FieldReader(path, problems, STRUCTURAL_VARIANT, ref_genome)
    out: dict[str, Breakend] = {}
    line = 0
    try:
        with open_text(path) as fh:
            for raw in fh:
                line += 1
                if line <= header.lines or not raw.strip():
                    continue
                if not refuse_nul(reader.path, line, raw.rstrip("\r\n"), problems, VCF_COLUMNS):
                    continue
                fields = raw.rstrip("\r\n").split("\t")
                if len(fields) < 8:
                    reader.error(line, None, f"{len(fields)} fields where a VCF record has at least 8", "the line is cut short; copy the file again")
                    continue
                chrom, pos_text, vcf_id, _ref, alts, qual_text, filt, info_text = fields[:8]
                alt = alts.split(",")[0]
                pos = reader.value(pos_text, line, "POS", "start_position")
                qual = reader.value(qual_text, line, "QUAL", "qual")
                info = _parse_info(reader, info_text, line)
                if pos is None or info is None or (qual is None and qual_text not in (".", "")):
                    continue
                if vcf_id in ("", "."):
                    reader.error(line, "ID", "the breakend has no ID", "SV VCFs name each breakend so mates can refer to it")
                elif vcf_id in out:
                    reader.error(line, "ID", f"ID {vcf_id} is used by line {out[vcf_id].line} too", "IDs must be unique")
                elif not alt or alt.startswith("<"):
                    reader.error(line, "ALT", f"ALT {alt!r} is not in breakend notation", "PURPLE SV VCFs write e.g. C[1:756332[ or C.")
                elif reader.position(chrom, pos, line, "POS", "CHROM"):
                    out[vcf_id] = Breakend(vcf_id, line, canonical_contig(chrom), pos, _orientation(alt), alt, filt if filt not in ("", ".") else "PASS", qual, info)
                if problems.full:
                    break
    except UnicodeDecodeError as exc:
        reader.error(line + 1, None, f"the file is not valid text ({exc.reason})", "copy it again from the pipeline output")
    except (OSError, EOFError) as exc:
        reader.error(line + 1, None, f"the file is truncated or corrupt ({exc})", "copy it again from the pipeline output")
    return out


def pair_svs(path: Path, problems: Problems, breakends: dict[str, Breakend]) -> list[dict[str, Any]]:
    """structural_variant rows: mates joined by MATEID, single breakends without an end.

    The first breakend in file order is the start and names the SV (`sv_id`); calls
    outside PASS/INFERRED are left out, as PURPLE and LINX leave them out.
    """
    reader = FieldReader(path, problems, STRUCTURAL_VARIANT)
    rows: list[dict[str, Any]] = []
    used: set[str] = set()
    for be in breakends.values():
        if be.vcf_id in used:
            continue
        used.add(be.vcf_id)
        mate_id = be.info.get("MATEID")
        mate = None
        if mate_id:
            mate = breakends.get(str(mate_id))
            if mate is None:
                reader.error(be.line, "INFO/MATEID", f"mate {mate_id} of breakend {be.vcf_id} is not in the file", "the VCF is incomplete; copy it again")
                continue
            used.add(mate.vcf_id)
        if not set(be.filter.split(";")) & KEPT_FILTERS:
            continue
        inferred = bool(be.info.get("INFERRED")) or be.filter == "INFERRED"
        sv_type = "INF" if inferred and mate is None else be.info.get("SVTYPE")
        if sv_type is None and mate is None and be.alt.strip(".") != be.alt:
            sv_type = "SGL"
        af = be.info.get("PURPLE_AF")
        rows.append({
            "sv_id": be.vcf_id,
            "type": reader.value(sv_type, be.line, "INFO/SVTYPE", "type"),
            "start_chromosome": be.chrom, "start_position": be.pos, "start_orientation": be.orientation,
            "end_chromosome": mate.chrom if mate else None,
            "end_position": mate.pos if mate else None,
            "end_orientation": mate.orientation if mate else None,
            "filter": be.filter,
            "qual": be.qual,
            "junction_copy_number": _first(be.info.get("PURPLE_JCN")),
            "start_af": _first(af),
            "end_af": (_first(af, 1) or _first(mate.info.get("PURPLE_AF"))) if mate else None,
        })
    return rows


def enrich_from_vcf(
    linx_path: Path, vcf_path: Path, svs: list[dict[str, Any]], breakends: dict[str, Breakend], problems: Problems
) -> int:
    """Fill LINX SV rows with what only the VCF holds (filter, quality, AFs, junction CN).

    LINX names each SV's breakends by VCF id. A row is filled only when its start id is
    in the VCF *and*, where LINX wrote coordinates, they agree: an id alone could point at
    an unrelated call of another run. Rows that do not match are kept as LINX wrote them
    and counted in one warning. Returns the rows filled.
    """
    filled = mismatched = 0
    for row in svs:
        start = breakends.get(row.get("_vcf_start") or "")
        end = breakends.get(row.get("_vcf_end") or "") if row.get("_vcf_end") != row.get("_vcf_start") else None
        if start is None or (
            row.get("start_position") is not None
            and (start.chrom, start.pos) != (row.get("start_chromosome"), row.get("start_position"))
        ):
            mismatched += 1
            continue
        if end is None and start.info.get("MATEID"):
            end = breakends.get(str(start.info["MATEID"]))
        af = start.info.get("PURPLE_AF")
        row.update({
            "start_chromosome": start.chrom, "start_position": start.pos, "start_orientation": start.orientation,
            "filter": start.filter, "qual": start.qual,
            "junction_copy_number": _first(start.info.get("PURPLE_JCN")), "start_af": _first(af),
        })
        if row.get("type") is None and start.info.get("SVTYPE"):   # LINX <= 2.2 left the type to the VCF
            row["type"] = str(start.info["SVTYPE"])
        if end is not None:
            row.setdefault("_vcf_end", None)
            row["_vcf_end"] = row["_vcf_end"] or end.vcf_id   # LINX <= 2.2 named the start breakend only
            row.update({
                "end_chromosome": end.chrom, "end_position": end.pos, "end_orientation": end.orientation,
                "end_af": _first(af, 1) or _first(end.info.get("PURPLE_AF")),
            })
        filled += 1
    if mismatched:
        problems.warning(
            str(linx_path), None, "vcfIdStart",
            f"{mismatched} of {len(svs)} LINX SVs have no matching breakend (same id and position) in {vcf_path.name}; "
            "they keep LINX's values only",
            "check that the LINX and PURPLE files come from the same pipeline run",
        )
    return filled
