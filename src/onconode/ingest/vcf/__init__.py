"""Somatic VCF reader: cyvcf2 for the header, a columnar bulk path for speed, a careful path for the rest."""

from onconode.ingest.vcf.load import VcfLoad, ingest_vcf, load_somatic_vcf

__all__ = ["VcfLoad", "ingest_vcf", "load_somatic_vcf"]
