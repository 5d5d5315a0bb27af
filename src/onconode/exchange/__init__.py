"""Standard-model exports (1+MG minimal dataset, OMOP CDM, FHIR R4, Phenopackets v2):
each format reads a freeze or a release patient by patient and writes files."""
