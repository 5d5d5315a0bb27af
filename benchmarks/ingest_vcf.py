"""Ingest throughput of `onconode ingest vcf` against `bcftools query` on the same file.

Run on demand (not a test):

    python benchmarks/ingest_vcf.py [--records 1000000] [--seed 7] [--repeat 3] [--keep]

It writes a synthetic PURPLE-like somatic VCF (bgzipped) into benchmarks/work/, times
`bcftools query` reading it and the real CLI ingesting it end to end into a fresh store
(each in a subprocess), prints a table and writes benchmarks/results/ingest_vcf.json.
Why side by side: the machine is noisy, so only ratios measured in one run mean anything;
with --repeat N the two commands alternate N times and the pair with the median ratio is
reported (all pairs are kept in the JSON under "runs").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from onconode.ingest.genome import GRCH37

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
RESULTS = HERE / "results" / "ingest_vcf.json"


HEADER = """##fileformat=VCFv4.2
##source=SAGE/PAVE/PURPLE synthetic benchmark
##reference=/ref/Homo_sapiens.GRCh37.GATK.illumina.fasta
{contigs}
##FILTER=<ID=PASS,Description="All filters passed">
##FILTER=<ID=minTumorQual,Description="Insufficient tumor quality">
##FILTER=<ID=PON,Description="Filter PON variant">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and alt alleles in the order listed">
##FORMAT=<ID=AF,Number=1,Type=Float,Description="Allelic frequency">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">
##INFO=<ID=BIALLELIC,Number=0,Type=Flag,Description="Variant is biallelic">
##INFO=<ID=GND_FREQ,Number=1,Type=Float,Description="Gnomad variant frequency">
##INFO=<ID=HOTSPOT,Number=0,Type=Flag,Description="Site is at a known hotspot location">
##INFO=<ID=IMPACT,Number=10,Type=String,Description="Variant Impact [Gene, Transcript, CanonicalEffect, CanonicalCodingEffect, SpliceRegion, HgvsCodingImpact, HgvsProteinImpact, OtherReportableEffects, WorstCodingEffect, GenesAffected]">
##INFO=<ID=MAPPABILITY,Number=1,Type=Float,Description="GEM mappability in 150 base window">
##INFO=<ID=NEAR_HOTSPOT,Number=0,Type=Flag,Description="Variant within 5 bases of hotspot">
##INFO=<ID=PURPLE_AF,Number=1,Type=Float,Description="Purity adjusted variant allelic frequency">
##INFO=<ID=PURPLE_CN,Number=1,Type=Float,Description="Purity adjusted copy number surrounding variant location">
##INFO=<ID=PURPLE_GERMLINE,Number=1,Type=String,Description="Germline classification surrounding variant location">
##INFO=<ID=PURPLE_MACN,Number=1,Type=Float,Description="Purity adjusted minor allele ploidy surrounding variant location">
##INFO=<ID=PURPLE_VCN,Number=1,Type=Float,Description="Purity adjusted variant copy number">
##INFO=<ID=REPORTED,Number=0,Type=Flag,Description="Variant is reported in the driver catalog">
##INFO=<ID=REP_S,Number=1,Type=String,Description="Repeat sequence">
##INFO=<ID=SUBCL,Number=1,Type=Float,Description="Non-zero subclonal likelihood">
##INFO=<ID=TIER,Number=1,Type=String,Description="Tier: [HOTSPOT, PANEL, HIGH_CONFIDENCE, LOW_CONFIDENCE]">
##INFO=<ID=TNC,Number=1,Type=String,Description="Tri-nucleotide context">
##purpleVersion=4.0
##sageVersion=3.4
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tBENCH01R\tBENCH01T
"""

GENES = ["BRAF", "TP53", "KRAS", "EGFR", "PTEN", "NOC2L", "TTLL10", "UBE2J2", "SFTPB", "APC", "PIK3CA", "CDKN2A"]
EFFECTS = [
    ("missense_variant", "MISSENSE", "c.{n}C>T", "p.Val{n}Glu"),
    ("synonymous_variant", "SYNONYMOUS", "c.{n}C>T", "p.Leu{n}="),
    ("intron_variant", "NONE", "c.{n}+19C>T", ""),
    ("stop_gained", "NONSENSE_OR_FRAMESHIFT", "c.{n}C>T", "p.Arg{n}*"),
    ("upstream_gene_variant", "NONE", "", ""),
]
BASES = "ACGT"


def generate(path: Path, records: int, seed: int) -> None:
    """Write a bgzipped PURPLE-like somatic VCF with `records` sorted records."""
    rng = random.Random(seed)
    contigs = "\n".join(f"##contig=<ID={c},length={n}>" for c, n in GRCH37.items())
    chroms = [c for c in GRCH37 if c != "MT"]
    weights = [GRCH37[c] for c in chroms]
    per_chrom = {c: 0 for c in chroms}
    for c in rng.choices(chroms, weights=weights, k=records):
        per_chrom[c] += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        bgzip = subprocess.Popen(["bgzip", "-c", "-@", "2"], stdin=subprocess.PIPE, stdout=out)
        assert bgzip.stdin is not None
        bgzip.stdin.write(HEADER.format(contigs=contigs).encode())
        for chrom in chroms:
            n = per_chrom[chrom]
            positions = sorted(set(rng.sample(range(1, GRCH37[chrom] - 100), n)))
            lines = []
            for pos in positions:
                lines.append(_record(rng, chrom, pos))
            bgzip.stdin.write("".join(lines).encode())
        bgzip.stdin.close()
        if bgzip.wait() != 0:
            raise SystemExit("bgzip failed")


def _record(rng: random.Random, chrom: str, pos: int) -> str:
    r = rng.random()
    ref = rng.choice(BASES)
    if r < 0.85:
        alt = rng.choice([b for b in BASES if b != ref])
    elif r < 0.90:
        ref = ref + rng.choice(BASES)
        alt = "".join(rng.choice(BASES) for _ in range(2))
        if alt == ref:
            alt = ref[0] + ("A" if ref[1] != "A" else "C")
    elif r < 0.95:
        alt = ref + "".join(rng.choice(BASES) for _ in range(rng.randint(1, 6)))
    else:
        alt = ref
        ref = ref + "".join(rng.choice(BASES) for _ in range(rng.randint(1, 12)))
    info = []
    if rng.random() < 0.2:
        info.append("BIALLELIC")
    if rng.random() < 0.3:
        info.append(f"GND_FREQ={rng.random() / 100:.3e}")
    hot = rng.random()
    if hot < 0.01:
        info.append("HOTSPOT")
    if rng.random() < 0.6:
        gene = rng.choice(GENES)
        effect, coding, hgvs_c, hgvs_p = rng.choice(EFFECTS)
        n = rng.randint(1, 3000)
        info.append(
            f"IMPACT={gene},ENST{rng.randint(10**10, 10**11 - 1)},{effect},{coding},false,"
            f"{hgvs_c.format(n=n)},{hgvs_p.format(n=n // 3 + 1)},,{coding},1"
        )
    info.append(f"MAPPABILITY={rng.random():.2f}")
    if 0.01 <= hot < 0.02:
        info.append("NEAR_HOTSPOT")
    cn = rng.uniform(1, 6)
    info.append(f"PURPLE_AF={rng.random():.4f}")
    info.append(f"PURPLE_CN={cn:.2f}")
    info.append("PURPLE_GERMLINE=" + rng.choice(["DIPLOID", "DIPLOID", "DIPLOID", "UNKNOWN", "NOISE"]))
    info.append(f"PURPLE_MACN={rng.uniform(0, cn / 2):.3f}")
    info.append(f"PURPLE_VCN={rng.uniform(0, cn):.3f}")
    if rng.random() < 0.005:
        info.append("REPORTED")
    info.append("REP_S=" + rng.choice(BASES))
    info.append(f"SUBCL={rng.random() * 0.2:.2f}")
    info.append("TIER=" + rng.choice(["LOW_CONFIDENCE", "HIGH_CONFIDENCE", "HIGH_CONFIDENCE", "PANEL"] if hot >= 0.01 else ["HOTSPOT"]))
    info.append("TNC=" + "".join(rng.choice(BASES) for _ in range(3)))
    filt = "PASS" if rng.random() < 0.8 else rng.choice(["minTumorQual", "PON"])
    depth = rng.randint(20, 200)
    alt_reads = rng.randint(1, depth)
    normal = rng.randint(15, 80)
    return (
        f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t{rng.randint(50, 3000)}\t{filt}\t{';'.join(info)}\tGT:AD:AF:DP\t"
        f"0/0:{normal},0:0:{normal}\t0/1:{depth - alt_reads},{alt_reads}:{alt_reads / depth:.3f}:{depth}\n"
    )


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(cmd: list[str], stdout=subprocess.DEVNULL, env: dict | None = None) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system, all threads) and peak RSS (bytes) of one child process.

    CPU seconds say what the work costs whatever else the machine is doing; wall seconds
    are what a user waits, and on a busy machine they swing by 2x from run to run.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    cpu = _cpu_children()
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr.decode()[-2000:]}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far; only trust a new maximum.
    return elapsed, _cpu_children() - cpu, peak_kb * 1024 if peak_kb > before else -1


def _peak_rss(cmd: list[str], env: dict | None = None) -> tuple[float, float, int]:
    """Wall time, CPU time and peak RSS of `cmd`, the RSS measured by /usr/bin/time when it exists."""
    if Path("/usr/bin/time").exists():
        report = WORK / "time.txt"
        cpu = _cpu_children()
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(report), *cmd],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr.decode()[-2000:]}")
        return elapsed, _cpu_children() - cpu, int(report.read_text().strip().splitlines()[-1]) * 1024
    return _run(cmd, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="alternate bcftools and the ingest this many times")
    parser.add_argument("--keep", action="store_true", help="keep the store in benchmarks/work/")
    args = parser.parse_args()

    vcf = WORK / f"bench_{args.records}.purple.somatic.vcf.gz"
    if not vcf.exists():
        t0 = time.perf_counter()
        generate(vcf, args.records, args.seed)
        print(f"generated {vcf} in {time.perf_counter() - t0:.1f} s")
    records = sum(1 for line in subprocess.run(["bgzip", "-dc", str(vcf)], capture_output=True).stdout.splitlines()
                  if line and not line.startswith(b"#"))

    bcf_cmd = ["bcftools", "query", "-f", "%CHROM\t%POS\t%REF\t%ALT\t%INFO/PURPLE_AF\n", str(vcf)]
    _run(bcf_cmd)  # warm the page cache
    home = WORK / "store"
    env = {**os.environ, "ONCONODE_HOME": str(home)}
    onconode = [sys.executable, "-m", "onconode"]
    runs = []
    for _ in range(max(1, args.repeat)):
        bcf_s, bcf_cpu, _ = _run(bcf_cmd)
        shutil.rmtree(home, ignore_errors=True)
        subprocess.run([*onconode, "--home", str(home), "init"], check=True, stdout=subprocess.DEVNULL, env=env)
        ingest_s, ingest_cpu, rss = _peak_rss([*onconode, "--home", str(home), "ingest", "vcf", str(vcf), "--sample-id", "BENCH01T"], env=env)
        runs.append({"bcftools_s": round(bcf_s, 3), "bcftools_cpu_s": round(bcf_cpu, 3), "onconode_s": round(ingest_s, 3),
                     "onconode_cpu_s": round(ingest_cpu, 3), "ratio": round(bcf_s / ingest_s, 3), "rss": rss,
                     "load_average_1min": round(os.getloadavg()[0], 2)})
        print(f"run {len(runs)}: bcftools {bcf_s:.2f} s, onconode {ingest_s:.2f} s, ratio {bcf_s / ingest_s:.2f}x, "
              f"load {os.getloadavg()[0]:.1f}")
    median = sorted(runs, key=lambda r: r["ratio"])[len(runs) // 2]
    bcf_s, bcf_cpu, ingest_s, ingest_cpu, rss = (median[k] for k in ("bcftools_s", "bcftools_cpu_s", "onconode_s", "onconode_cpu_s", "rss"))
    store_bytes = sum(p.stat().st_size for p in home.rglob("*") if p.is_file())

    import duckdb  # only to count what was loaded

    con = duckdb.connect(str(home / "store.duckdb"), read_only=True)
    loaded = con.execute("SELECT count(*) FROM somatic_variant").fetchall()[0][0]
    con.close()
    if loaded != records:
        raise SystemExit(f"loaded {loaded} rows, expected {records}")

    result = {
        "benchmark": "ingest_vcf",
        "records": records,
        "file_bytes": vcf.stat().st_size,
        "bcftools_query_s": round(bcf_s, 3),
        "bcftools_records_per_s": round(records / bcf_s),
        "onconode_ingest_s": round(ingest_s, 3),
        "onconode_records_per_s": round(records / ingest_s),
        "ratio_vs_bcftools": round(bcf_s / ingest_s, 3),
        "bcftools_cpu_s": round(bcf_cpu, 3),
        "onconode_cpu_s": round(ingest_cpu, 3),
        "cpu_ratio_vs_bcftools": round(bcf_cpu / ingest_cpu, 3),
        "load_average_1min": median["load_average_1min"],
        "runs": runs,
        "target_ratio": 0.5,
        "store_bytes": store_bytes,
        "store_bytes_per_million_variants": round(store_bytes / records * 1_000_000),
        "ingest_peak_rss_bytes": rss,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")

    rows = [
        ("bcftools query (5 fields)", f"{bcf_s:.2f} s", f"{bcf_cpu:.2f} s", f"{records / bcf_s:,.0f}"),
        ("onconode ingest vcf (CLI, end to end)", f"{ingest_s:.2f} s", f"{ingest_cpu:.2f} s", f"{records / ingest_s:,.0f}"),
    ]
    print(f"\n{records:,} records, {vcf.stat().st_size / 1e6:.1f} MB bgzipped, {len(runs)} alternating runs, median-ratio run shown "
          f"(load average {median['load_average_1min']:.1f} on {os.cpu_count()} CPUs)\n")
    print(f"{'method':<40} {'wall':>10} {'CPU':>10} {'records/s':>12}")
    for name, t, c, rate in rows:
        print(f"{name:<40} {t:>10} {c:>10} {rate:>12}")
    print(f"\nratio onconode / bcftools: {bcf_s / ingest_s:.2f}x wall (target >= 0.5x), {bcf_cpu / ingest_cpu:.2f}x CPU")
    print(f"store: {store_bytes / 1e6:.1f} MB, {store_bytes / records * 1e6 / 1e6:.1f} MB per million variants")
    print(f"ingest peak RSS: {rss / 2**20:.0f} MiB")
    print(f"wrote {RESULTS.relative_to(HERE.parent)}")
    if not args.keep:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
