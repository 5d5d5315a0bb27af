"""The VCF header: samples, field definitions, contigs, build and tumour column.

cyvcf2 (htslib) parses the header, so definitions mean what every other VCF tool thinks
they mean; we add what htslib does not decide: which build the file is on and which
sample column is the tumour.
"""

from __future__ import annotations

import gzip
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import cyvcf2

from onconode.ingest import genome
from onconode.ingest.compressed import HINT, TruncatedFile, check_complete, inflates_to_the_end, is_gzip
from onconode.ingest.problems import Problems
from onconode.ingest.tsv import refuse_nul

TUMOR_META_KEYS = ("tumorSample", "tumor_sample", "tumourSample", "tumour_sample", "TUMOR_SAMPLE")
HMFTOOLS_META_KEYS = ("purpleVersion", "sageVersion", "PaveVersion", "paveVersion")


@dataclass
class VcfHeader:
    path: Path
    lines: int  # header lines, including #CHROM; the first record is on line lines + 1
    samples: list[str]
    infos: dict[str, tuple[str, str]]  # id -> (Number, Type)
    formats: dict[str, tuple[str, str]]
    contigs: dict[str, int]
    meta: dict[str, str] = field(default_factory=dict)
    csq_fields: list[str] = field(default_factory=list)
    ann_fields: list[str] = field(default_factory=list)
    raw: str = ""

    @property
    def is_hmftools(self) -> bool:
        named = any(f".{tool}." in self.path.name for tool in ("purple", "sage", "pave"))
        return named or any(k in self.meta for k in HMFTOOLS_META_KEYS)

    @property
    def pipeline(self) -> str | None:
        if "source" in self.meta:
            return self.meta["source"]
        parts = [f"{tool} {self.meta[key]}" for tool, key in (("SAGE", "sageVersion"), ("PAVE", "PaveVersion"), ("PURPLE", "purpleVersion")) if key in self.meta]
        return " / ".join(parts) or None

    @property
    def annotation(self) -> str | None:
        """Which consequence annotation the file carries: IMPACT (PAVE), CSQ (VEP), ANN (SnpEff)."""
        for key in ("IMPACT", "CSQ", "ANN"):
            if key in self.infos:
                return key
        return None


def _raw_header(path: Path) -> tuple[str, int]:
    opener = gzip.open if is_gzip(path) else open
    out: list[str] = []
    with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as fh:  # type: ignore[operator]
        for line in fh:
            if not line.startswith("#"):
                break
            out.append(line)
            if line.startswith("#CHROM"):
                break
    return "".join(out), len(out)


def read_header(path: Path, problems: Problems) -> VcfHeader | None:
    """The header of `path`, or None with a problem when it is not a readable VCF."""
    shown = str(path)
    try:
        check_complete(path)
        raw, n = _raw_header(path)
    except TruncatedFile as exc:
        problems.error(shown, None, None, str(exc))
        return None
    except EOFError as exc:
        problems.error(shown, None, None, f"the gzip data ends inside the header ({exc}): the file is truncated", HINT)
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.error(shown, None, None, f"cannot read the VCF header ({exc})", "is this a VCF or a bgzipped VCF?")
        return None
    if not all([refuse_nul(shown, i, line, problems) for i, line in enumerate(raw.splitlines(), start=1)]):
        return None
    if not raw.startswith("##fileformat=VCF"):
        problems.error(shown, 1, None, "the file does not start with ##fileformat=VCF...", "is this a VCF file?")
        return None
    if not raw.splitlines()[-1].startswith("#CHROM"):
        problems.error(shown, n, None, "the header has no #CHROM line", "the file is truncated or not a VCF")
        return None
    columns = raw.splitlines()[-1].split("\t")
    if columns[:8] != ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]:
        problems.error(shown, n, None, "the #CHROM line does not list CHROM POS ID REF ALT QUAL FILTER INFO", "fix the column header line")
        return None
    stderr = os.dup(2)
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), 2)  # htslib warns on stderr about every undefined tag
        vcf = cyvcf2.VCF(str(path), lazy=True)
    except Exception as exc:  # cyvcf2 raises a bare Exception ("cannot parse VCF header") as well as OSError
        if is_gzip(path) and not inflates_to_the_end(path):
            problems.error(shown, None, None, "the gzip data ends before its end marker: the file is truncated (truncated gzip data)", HINT)
        else:
            problems.error(shown, None, None, f"htslib cannot parse the header ({exc})", "check the ## lines")
        return None
    finally:
        os.dup2(stderr, 2)
        os.close(stderr)
    infos: dict[str, tuple[str, str]] = {}
    formats: dict[str, tuple[str, str]] = {}
    contigs: dict[str, int] = {}
    meta: dict[str, str] = {}
    csq: list[str] = []
    ann: list[str] = []
    for rec in vcf.header_iter():
        info = rec.info()
        if rec.type == "INFO":
            infos[info["ID"]] = (info.get("Number", "."), info.get("Type", "String"))
            desc = info.get("Description", "").strip('"')
            if info["ID"] == "CSQ" and "Format:" in desc:
                csq = [f.strip() for f in desc.split("Format:", 1)[1].split("|")]
            if info["ID"] == "ANN" and "'" in desc:
                ann = [f.strip() for f in desc.split("'")[1].split("|")]
        elif rec.type == "FORMAT":
            formats[info["ID"]] = (info.get("Number", "."), info.get("Type", "String"))
        elif rec.type == "GENERIC":
            meta[info.get("HeaderType") or ""] = info.get("Value", "")
    for line in raw.splitlines():  # htslib keeps generic lines, but parse them ourselves to be sure
        c = re.match(r"^##contig=<ID=([^,>]+).*?[<,]length=([0-9]+)", line)
        if c:
            contigs[c.group(1)] = int(c.group(2))
        m = re.match(r"^##([A-Za-z_][\w.]*)=([^<].*)$", line)
        if m:
            meta.setdefault(m.group(1), m.group(2))
    meta.pop("", None)
    samples = list(vcf.samples)
    vcf.close()
    return VcfHeader(path, n, samples, infos, formats, contigs, meta, csq, ann, raw)


def resolve_ref_genome(header: VcfHeader, argument: str | None, problems: Problems) -> str | None:
    """The build from the argument and the header; they must agree, and one must say it."""
    shown = str(header.path)
    from_contigs = genome.detect_from_contigs(header.contigs) if header.contigs else None
    reference = header.meta.get("reference")
    from_reference = genome.normalize_ref_genome(reference) if reference else None
    if from_contigs and from_reference and from_contigs != from_reference:
        problems.error(shown, None, "##reference", f"the contig lengths are {from_contigs} but ##reference names {from_reference}",
                       "fix the header or pass --ref-genome after checking which build the file is on")
        return None
    from_header = from_contigs or from_reference
    if argument is not None:
        wanted = genome.normalize_ref_genome(argument)
        if wanted is None:
            problems.error(shown, None, None, f"--ref-genome {argument!r} is not a build we know", "use GRCh37 or GRCh38")
            return None
        if from_header and from_header != wanted:
            problems.error(shown, None, "##contig", f"--ref-genome says {wanted} but the header is on {from_header}",
                           "check which build the file is on; queries never mix builds")
            return None
        return wanted
    if from_header is None:
        problems.error(shown, None, "##contig", "the header does not tell the reference genome (no known contig lengths or ##reference)",
                       "pass --ref-genome GRCh37 or --ref-genome GRCh38")
    return from_header


_TUMOR_NAME = re.compile(r"(tumou?r|T(II+)?$|T\d*$)", re.I)
_OTHER_NAME = re.compile(r"(normal|germline|ref|blood|rna|R$)", re.I)


def choose_tumor(header: VcfHeader, tumor: str | None, problems: Problems) -> str | None:
    """The tumour column: --tumor, a ##tumorSample-style line, the hmftools convention, or the only sample.

    hmftools convention: files are named `<tumour id>.purple...`; Hartwig tumour ids end in T
    (reference ids in R); PURPLE/SAGE write the tumour last unless RNA columns are appended.
    """
    shown = str(header.path)
    samples = header.samples
    if not samples:
        problems.error(shown, header.lines, "#CHROM", "the VCF has no sample columns, so there are no tumour read counts",
                       "ingest a VCF with the tumour sample column")
        return None
    if tumor is not None:
        if tumor not in samples:
            problems.error(shown, header.lines, tumor, f"no sample column named {tumor!r} (columns: {', '.join(samples)})",
                           "pass --tumor with one of the sample names")
            return None
        return tumor
    for key in TUMOR_META_KEYS:
        name = header.meta.get(key)
        if name:
            if name in samples:
                return name
            problems.error(shown, None, f"##{key}", f"the header names tumour sample {name!r} but there is no such column",
                           "pass --tumor with the right sample name")
            return None
    if len(samples) == 1:
        return samples[0]
    if header.is_hmftools:
        prefix = header.path.name.split(".")[0]
        if prefix in samples:
            return prefix
        tumorish = [s for s in samples if _TUMOR_NAME.search(s) and not _OTHER_NAME.search(s.replace("tumor", ""))]
        if len(tumorish) == 1:
            return tumorish[0]
        not_rna = [s for s in samples if "rna" not in s.lower()]
        return (not_rna or samples)[-1]
    problems.error(shown, header.lines, "#CHROM", f"several sample columns ({', '.join(samples)}) and nothing says which is the tumour",
                   "pass --tumor NAME")
    return None
