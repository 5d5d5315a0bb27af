"""The node's settings: one model, one file with sections, validated at start.

Every setting is declared once, here, with its default and its help text (the model's
field descriptions); `docs/settings.md` is generated from this model (`onconode settings
docs`) and a test keeps the two equal. Values come from, in order of precedence:

1. environment variables `ONCONODE_<SECTION>_<FIELD>` (e.g. `ONCONODE_OIDC_CLIENT_ID`,
   `ONCONODE_DISCLOSURE_MIN_CELL`; lists and tables as JSON);
2. the node's TOML file: `<home>/onconode.toml`, or the file `$ONCONODE_CONFIG` names;
3. the embedded defaults below (a demo node needs no file at all).

A file that is not valid TOML, an unknown section or key, or a value of the wrong type
stops the node at start with the file, the `section.key` and what to change. The TOML files
of earlier versions (`beacon.toml`, `disclosure.toml`, `federation/policy.toml`,
`federation/portal.toml`) are no longer read; finding one is an error that says which
section of `onconode.toml` takes its content, because silently ignoring an operator's
stricter disclosure thresholds would be worse than refusing to start.

Layer 0: the sections are plain data. Whoever acts on a section (the disclosure gate, the
Beacon, the federation agent) imports its model from here.
"""

from __future__ import annotations

import os
import re
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
import tomli_w
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings import SettingsError as EnvironmentValueError

CONFIG_ENV = "ONCONODE_CONFIG"
CONFIG_FILE = "onconode.toml"
RETIRED_FILES = {
    "disclosure.toml": "[disclosure]",
    "beacon.toml": "[beacon] (its [budget] table becomes [beacon.budget])",
    "federation/policy.toml": "[federation] (its [disclosure] table moves to the top-level [disclosure])",
    "federation/portal.toml": "[federation.portal]",
}


# The codes of the HealthDCAT-AP Health Categories vocabulary (EHDS Art. 51), as in the
# vendored data/shacl/healthdcat-ap/healthcategories-en.ttl (a test keeps the two equal).
HEALTH_CATEGORIES = frozenset({"HRAD", "RQSH", "RMMD", "EINS", "NRPE", "PGEH", "HPML", "IDHP", "EHRS", "RPDG", "PHDR", "EMRD",
                               "DIOH", "WELA", "MRMR", "HGPD", "EHCT"})


class SettingsError(ValueError):
    """Settings the node cannot start with; the message names the file, the key and the fix."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NodeSection(Section):
    name: str = Field("demo-node", description="The node's name, shown on its pages and as the catalogue's publisher.")
    public_url: str = Field("", description="The address users reach the node at (links in e-mails); empty: taken from each request.")
    foundation: str = Field("the onconode data access foundation",
                            description="The legal body that governs data access: a party to every licence and the name in "
                                        "its publication acknowledgement (e.g. \"the Hartwig Medical Foundation\").")


DISCLOSURE_DEFAULTS: dict[str, Any] = {
    "min_cell": 5, "min_group": 5, "differencing_min": 5, "noise_max": 3, "noise_variance": 2.0, "survival_bin_days": 30,
    "min_events_per_bin": 5, "regression_max_parameter_ratio": 0.33, "regression_min_level": 5,
}


class DisclosureSettings(Section):
    """Thresholds and noise of the disclosure gate; each may only move in the stricter
    direction from the default (docs/disclosure-control.md says what each means for accuracy)."""

    min_cell: int = Field(5, description="Counts from 1 to min_cell-1 are suppressed.")
    min_group: int = Field(5, description="Cohorts and groups smaller than this are refused.")
    differencing_min: int = Field(5, description="Federated tasks: a cohort must differ from one the same requester asked about "
                                                 "by at least this many patients (their model partials are not perturbed).")
    noise_max: int = Field(3, description="D: the largest cell-key noise added to a count shown without a licence (larger is stricter).")
    noise_variance: float = Field(2.0, description="V: the variance of the cell-key noise (larger is stricter; below noise_max).")
    survival_bin_days: int = Field(30, description="Width of the time bins of controlled survival curves, in days.")
    min_events_per_bin: int = Field(5, description="Every bin of a controlled survival curve holds at least this many events.")
    regression_max_parameter_ratio: float = Field(0.33, description="A regression may have at most this many parameters per subject.")
    regression_min_level: int = Field(5, description="Every level of a regression factor needs at least this many subjects.")

    @model_validator(mode="after")
    def _only_stricter(self) -> "DisclosureSettings":
        d = DISCLOSURE_DEFAULTS
        laxer = [f"{k} = {getattr(self, k)} (may not be below the default {v})" for k, v in d.items()
                 if k != "regression_max_parameter_ratio" and getattr(self, k) < v]
        if self.regression_max_parameter_ratio > d["regression_max_parameter_ratio"]:
            laxer.append(f"regression_max_parameter_ratio = {self.regression_max_parameter_ratio} "
                         f"(may not be above the default {d['regression_max_parameter_ratio']})")
        if self.regression_max_parameter_ratio <= 0:
            laxer.append("regression_max_parameter_ratio must be above 0")
        if laxer:
            raise ValueError("disclosure thresholds may only be made stricter: " + "; ".join(laxer))
        if self.noise_variance >= self.noise_max:
            raise ValueError(f"noise_variance = {self.noise_variance} must be below noise_max = {self.noise_max}: "
                             "a count of 1 cannot carry more variance with zero-mean noise bounded by noise_max; "
                             "raise noise_max too")
        return self

    @property
    def suppressed(self) -> str:
        return f"<{self.min_cell}"


class BeaconBudget(Section):
    limit: int = Field(300, ge=1, description="Queries one requester may make per window, shared by all server workers.")
    window_seconds: int = Field(3600, ge=1, description="Length of the query-budget window, in seconds.")


class BeaconSection(Section):
    id: str = Field("org.onconode.beacon", description="The Beacon's id (reverse domain name).")
    name: str = Field("onconode Beacon", description="The Beacon's name in /info.")
    base_url: str = Field("", description="The Beacon's public URL; empty: taken from each request.")
    environment: str = Field("dev", description="prod, test or dev.")
    organization_id: str = Field("org.onconode", description="Id of the organisation running the Beacon.")
    organization_name: str = Field("onconode node operator", description="Name of the organisation running the Beacon.")
    organization_url: str = Field("https://example.org", description="Web site of the organisation.")
    contact_url: str = Field("mailto:dataaccess@example.org", description="Where users ask about the Beacon.")
    description: str = Field("GA4GH Beacon v2 of a cancer genomics node (somatic variants of metastatic tumours, GRCh37).",
                             description="The Beacon's description in /info.")
    budget: BeaconBudget = Field(default_factory=BeaconBudget, description="The per-requester query budget.")


class Requesters(Section):
    dars: list[str] = Field(default_factory=list, description="Approved DAR ids this node honours.")
    visa_datasets: list[str] = Field(default_factory=list, description="ControlledAccessGrants values this node accepts.")
    visa_issuers: dict[str, str] = Field(default_factory=dict, description="Visa issuer -> JWKS file (relative to the home).")


class PortalSection(Section):
    url: str = Field("", description="The coordinator the portal's federation page talks to; empty: no federation page.")
    cafile: str = Field("", description="CA bundle (relative to the home) to check the coordinator's TLS certificate.")


class FederationSection(Section):
    @field_validator("plugins", mode="before")
    @classmethod
    def _comma_separated(cls, v: Any) -> Any:
        return [n.strip() for n in v.split(",") if n.strip()] if isinstance(v, str) else v

    node: str = Field("", description="This node's name in the federation; empty: the node runs no federated tasks.")
    coordinator_key: str = Field("", description="The coordinator's Ed25519 public key (base64).")
    coordinator_name: str = Field("coordinator", description="The name the coordinator signs with.")
    collaborations: list[str] = Field(default_factory=list, description="Collaborations this node takes part in.")
    plugins: Annotated[list[str], NoDecode] = Field(default_factory=list, description="Modules with a site's own reviewed algorithms (`ALGORITHMS` dict); "
                                                                 "in the environment also comma-separated.")
    algorithms: dict[str, list[str]] = Field(default_factory=dict, description="Allowed algorithms and their versions.")
    requesters: Requesters = Field(default_factory=Requesters, description="Whose tasks this node runs.")
    portal: PortalSection = Field(default_factory=PortalSection, description="The coordinator the portal submits to.")


class OidcSettings(Section):
    """How the node reaches the institution's OpenID Connect provider (docs/oidc-login.md)."""

    issuer: str | None = Field(None, description="The OpenID Connect provider's issuer URL.")
    client_id: str | None = Field(None, description="The node's client id at the provider.")
    client_secret: str | None = Field(None, description="The node's client secret at the provider.")
    redirect_uri: str | None = Field(None, description="The callback URL; default: /login/oidc/callback as reached.")
    display_name: str = Field("your institution", description="The provider's name on the login button.")
    scope: str = Field("openid email profile", description="Scopes asked for.")
    trust_idp_mfa: bool = Field(False, description="Accept the provider's MFA claim instead of the node's TOTP step.")

    @property
    def configured(self) -> bool:
        return bool(self.issuer and self.client_id)

    def missing(self) -> list[str]:
        """The settings an operator still has to give, by their environment variable name."""
        return [f"ONCONODE_OIDC_{name.upper()}" for name in ("issuer", "client_id") if not getattr(self, name)]

    @property
    def discovery_url(self) -> str:
        return f"{(self.issuer or '').rstrip('/')}/.well-known/openid-configuration"


class SmtpSection(Section):
    host: str = Field("", description="SMTP server for notifications; empty: .eml files go to <home>/outbox/.")
    port: int = Field(25, description="SMTP port.")
    sender: str = Field("data-access-office@onconode.invalid", description="The From address of notifications.")


class GovernanceSection(Section):
    url: str = Field("", description="Governance database URL (postgresql://…); empty: SQLite in the home.")


class ReleaseSection(Section):
    storage: str = Field("", description="Where releases are published (fsspec URL, e.g. s3://bucket/releases); empty: <home>/releases.")
    storage_options: dict[str, Any] = Field(default_factory=dict, description="fsspec options for the storage (JSON in the environment).")


class SecretsSection(Section):
    key_file: str = Field("", description="The at-rest key file (absolute, or relative to the home); empty: <home>/secrets/at-rest.key. "
                                          "Keep it on another disk or a mounted secret (docs/node-operator-security.md).")


# The [catalogue] values with a fixed form: (pattern, what the value must be).
CATALOGUE_PATTERNS = {
    "country": (r"[A-Z]{3}", "an ISO 3166-1 alpha-3 country code in capitals (e.g. NLD, SWE, DEU)"),
    "contact_email": (r"[^@\s]+@[^@\s]+\.[^@\s]+", "an e-mail address (name@domain.tld)"),
    "hdab_url": (r"https?://\S+", "an http(s) URL"),
}


class CatalogueSection(Section):
    """What the published catalogue (DCAT-AP / HealthDCAT-AP, FAIR Data Point) says about the
    node that the data cannot: the EHDS minimum metadata a data holder declares
    (docs/catalogue.md)."""

    country: str = Field("NLD", description="Geographical coverage: the ISO 3166-1 alpha-3 code of the country the data cover "
                                            "(published as the EU Country authority IRI).")
    contact_email: str = Field("dataaccess@example.org", description="E-mail address of the data access office, published as the "
                                                                     "contact point of the publisher, the custodian and the datasets.")
    custodian: str = Field("", description="The data holder (geodcatap:custodian) named in the catalogue; empty: the node's name.")
    hdab_name: str = Field("National health data access body", description="The health data access body (EHDS Art. 55) that "
                                                                          "grants access to this node's data.")
    hdab_url: str = Field("https://example.org/health-data-access-body", description="The health data access body's web page "
                                                                                    "(its contact page in the catalogue).")
    health_categories: list[str] = Field(default_factory=lambda: ["HGPD"], description="EHDS health categories of the data, as codes "
                                         "of the HealthDCAT-AP Health Categories vocabulary (HGPD: human genetic, epigenomic and "
                                         "genomic data; EHRS, MRMR, RQSH...).")
    provenance: str = Field("Tumour whole-genome sequencing pipeline outputs and clinical and treatment data from the treating "
                            "hospitals, pseudonymised before ingest, validated and harmonized by onconode into one data model; "
                            "consent withdrawals are removed from every later freeze.",
                            description="How the data were collected and processed (dct:provenance).")
    gdi_identifiers: dict[str, str] = Field(default_factory=dict, description="Dataset id -> the identifier the Genomic Data "
                                            "Infrastructure assigned it (GDI-CC-NNN or GOE-CC-NNN), published as dct:identifier; "
                                            "a dataset not listed is published under its own id.")

    @field_validator("country", "contact_email", "hdab_url")
    @classmethod
    def _pattern(cls, value: str, info: Any) -> str:
        pattern, what = CATALOGUE_PATTERNS[info.field_name]
        if not re.fullmatch(pattern, value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    @field_validator("health_categories")
    @classmethod
    def _categories(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("give at least one health category (EHDS minimum metadata), e.g. [\"HGPD\"]")
        bad = [c for c in value if c not in HEALTH_CATEGORIES]
        if bad:
            raise ValueError(f"{bad} not in the HealthDCAT-AP Health Categories vocabulary; use some of {sorted(HEALTH_CATEGORIES)}")
        return value

    @field_validator("gdi_identifiers")
    @classmethod
    def _gdi(cls, value: dict[str, str]) -> dict[str, str]:
        bad = {k: v for k, v in value.items() if not re.fullmatch(r"(GOE|GDI)-[A-Z]{2}-[0-9]+", v)}
        if bad:
            raise ValueError(f"{bad}: a GDI identifier is GDI-CC-NNN or GOE-CC-NNN (CC the two-letter country code, NNN digits)")
        return value


class WebSection(Section):
    trusted_proxies: list[str] = Field(default_factory=list,
                                       description="Addresses (or CIDR ranges) of reverse proxies whose X-Forwarded-For / -Proto "
                                                   "the server believes; default none: the client is the socket's peer (docs/security.md).")


_FILE_DATA: ContextVar[dict[str, Any]] = ContextVar("onconode_settings_file", default={})


class _TomlFile(PydanticBaseSettingsSource):
    """The sections of the file `Settings.load` read, below the environment."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return _FILE_DATA.get().get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(_FILE_DATA.get())


class Settings(BaseSettings):
    """Everything a node operator may set, by section."""

    model_config = SettingsConfigDict(env_prefix="ONCONODE_", env_nested_delimiter="_", env_nested_max_split=1,
                                      extra="ignore", frozen=True)

    node: NodeSection = Field(default_factory=NodeSection)
    disclosure: DisclosureSettings = Field(default_factory=DisclosureSettings)
    beacon: BeaconSection = Field(default_factory=BeaconSection)
    federation: FederationSection = Field(default_factory=FederationSection)
    oidc: OidcSettings = Field(default_factory=OidcSettings)
    smtp: SmtpSection = Field(default_factory=SmtpSection)
    governance: GovernanceSection = Field(default_factory=GovernanceSection)
    release: ReleaseSection = Field(default_factory=ReleaseSection)
    secrets: SecretsSection = Field(default_factory=SecretsSection)
    web: WebSection = Field(default_factory=WebSection)
    catalogue: CatalogueSection = Field(default_factory=CatalogueSection)

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlFile(settings_cls))

    @classmethod
    def load(cls, home: Path | None = None, file: Path | None = None) -> "Settings":
        """The node's settings: environment over `file` (default `$ONCONODE_CONFIG` or
        `<home>/onconode.toml`) over the defaults. Raises SettingsError saying what to fix."""
        path = config_path(home, file)
        data = read_toml(path)
        unknown = sorted(set(data) - set(cls.model_fields))
        if unknown:
            raise SettingsError(f"{path}: unknown section(s) {', '.join(unknown)}; the sections are "
                                f"{', '.join(cls.model_fields)} (docs/settings.md)")
        _refuse_retired_files(home)
        token = _FILE_DATA.set(data)
        try:
            return cls()
        except ValidationError as exc:
            raise SettingsError(_describe(exc, path)) from None
        except EnvironmentValueError as exc:
            raise SettingsError(f"an ONCONODE_* environment variable: {exc} ({exc.__cause__}); lists and tables "
                                "are given as JSON, e.g. ONCONODE_WEB_TRUSTED_PROXIES='[\"10.0.0.1\"]'") from None
        finally:
            _FILE_DATA.reset(token)


def config_path(home: Path | None, file: Path | None = None) -> Path:
    if file is not None:
        return Path(file)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    if home is None:  # a process without a node home (a coordinator): environment and defaults only
        return Path(os.devnull)
    return Path(home) / CONFIG_FILE


def read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        if os.environ.get(CONFIG_ENV) and path == Path(os.environ[CONFIG_ENV]):
            raise SettingsError(f"{path}: no such settings file (named by ${CONFIG_ENV}); create it or unset the variable")
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc}); fix the line it names") from None
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path}: not UTF-8 text ({exc})") from None


def update_file(home: Path, section: str, values: dict[str, Any]) -> Path:
    """Set `values` in `section` (dotted, e.g. "federation.portal") of `<home>/onconode.toml`,
    keeping every other setting; the demo and operators' scripts write settings this way."""
    path = Path(home) / CONFIG_FILE
    data = read_toml(path)
    table = data
    for part in section.split("."):
        table = table.setdefault(part, {})
    table.update(values)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def _refuse_retired_files(home: Path | None) -> None:
    if home is None:
        return
    found = [(name, section) for name, section in RETIRED_FILES.items() if (Path(home) / name).is_file()]
    if found:
        where = "; ".join(f"{Path(home) / name} -> {section}" for name, section in found)
        raise SettingsError(f"settings now live in one file, {Path(home) / CONFIG_FILE}; move the content of "
                            f"these files into its sections and delete them: {where} (docs/settings.md)")


def _describe(exc: ValidationError, path: Path) -> str:
    where = str(path) if path.is_file() else "the settings (environment variables)"
    msgs = []
    for e in exc.errors():
        key = ".".join(str(p) for p in e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown setting; docs/settings.md lists every section and key"
        msgs.append(f"{key}: {msg}" if key else msg)
    return f"{where}: " + "; ".join(msgs)


def settings_markdown() -> str:
    """docs/settings.md: every section and key with its default and meaning, from the model."""
    lines = ["# Settings", "",
             "One file, `<home>/onconode.toml` (or the file `$ONCONODE_CONFIG` names), with the sections below.",
             "Every key is optional. An environment variable `ONCONODE_<SECTION>_<KEY>` (upper case) wins over",
             "the file, e.g. `ONCONODE_OIDC_CLIENT_SECRET`; give lists and tables as JSON. The node checks the",
             "file at start and refuses to start on an unknown key or a wrong value, naming it.",
             "`onconode settings check` validates a file without starting anything; `onconode settings show`",
             "prints the values in effect. Generated by `onconode settings docs > docs/settings.md`.", ""]

    def table(model: type[BaseModel], prefix: str) -> None:
        nested = []
        lines.extend([f"## [{prefix}]", ""])
        if model.__doc__ and model is not Section:
            lines.extend([" ".join(model.__doc__.split()), ""])
        lines.extend(["| key | default | meaning |", "|---|---|---|"])
        for name, f in model.model_fields.items():
            ann = f.annotation
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                nested.append((ann, f"{prefix}.{name}"))
                continue
            default = f.get_default(call_default_factory=True)
            lines.append(f"| `{name}` | `{default!r}` | {f.description or ''} |")
        lines.append("")
        for sub, sub_prefix in nested:
            table(sub, sub_prefix)

    for name, f in Settings.model_fields.items():
        table(f.annotation, name)  # type: ignore[arg-type]
    return "\n".join(lines)
