"""Request bodies of the access REST API: the application forms and each command's
arguments, typed so that malformed input is refused with 422 before the domain sees it.

The domain (onconode.access) still decides completeness and meaning; these models only
guarantee shapes and types, and document them in the OpenAPI.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from onconode.access.clinical_request import Purpose as ScenarioPurpose
from onconode.access.roles import Role


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Every list has a cap (docs/security.md); the numbers are far above any real application.
Short = Annotated[str, Field(max_length=200)]
Columns = Annotated[list[Short], Field(max_length=500)]


# -- forms ------------------------------------------------------------------------------
class Contact(Strict):
    name: str = Field(max_length=200)
    position: str = Field(max_length=200)
    email: str = Field(max_length=320)


class DataItem(Strict):
    table: str = Field(max_length=100, description="a table of the harmonized data model")
    columns: Columns | Literal["all"] = "all"
    justification: str = Field("", max_length=5000, description="why the project needs it (at least 20 characters)")


class PurposeForm(Strict):
    primary: Literal["GRU", "HMB", "DS", "POA"] | None = None
    diseases: list[Short] = Field(default_factory=list, max_length=100, description="DOID terms, for a disease-specific (DS) purpose")
    methods_development: bool = False
    genetic_study: bool = True
    commercial_use: bool = False
    clinical_care: bool = False


class DarForm(Strict):
    """Fields of a Data Access Request; any subset may be saved, all are checked at submit."""
    title: str | None = Field(None, max_length=500)
    lay_summary: str | None = Field(None, max_length=10000)
    scientific_summary: str | None = Field(None, max_length=20000)
    purpose: PurposeForm | None = None
    datasets: list[Short] | None = Field(None, max_length=100)
    items: list[DataItem] | None = Field(None, max_length=200)
    licensee: str | None = Field(None, max_length=64, description="organisation id of the applicant's institution")
    signatory_email: str | None = Field(None, max_length=320)
    signatory_name: str | None = Field(None, max_length=200)
    contacts: list[Contact] | None = Field(None, max_length=50)
    privacy_confirmations: list[bool] | None = Field(None, max_length=20)
    term_months: int | None = None
    freeze: str | None = Field(None, max_length=100)
    cohort: str | None = Field(None, max_length=100, description="id of a saved cohort: the patients requested")


class ClinicalForm(Strict):
    """Fields of a Clinical Request; the hospital comes from the treating physician's account."""
    title: str | None = Field(None, max_length=500)
    lay_summary: str | None = Field(None, max_length=10000)
    scenario: Literal["treatment", "original_study"] | None = None
    physician_email: str | None = Field(None, max_length=320, description="when asking on a treating physician's behalf")
    patients: list[Short] | None = Field(None, max_length=10000)
    items: list[DataItem] | None = Field(None, max_length=200)
    purpose: PurposeForm | None = None
    term_months: int | None = None
    freeze: str | None = Field(None, max_length=100)
    datasets: list[Short] | None = Field(None, max_length=100)


def form_fields(form: BaseModel) -> dict[str, Any]:
    """The fields the caller set, as the domain's form dictionary."""
    return form.model_dump(exclude_unset=True)


class NewApplication(Strict):
    """The portal's routing questions and the first form fields; the answers pick the procedure."""
    own_hospital_only: bool = Field(description="only data of your own hospital's patients?")
    purpose: ScenarioPurpose = Field(description="treatment (of the patient), original_study, or other (reuse)")
    form: dict[str, Any] = Field(default_factory=dict, max_length=30, description="DarForm or ClinicalForm fields, by the route taken")


# -- command arguments ------------------------------------------------------------------
Reasons = Annotated[str, Field(max_length=10000, description="why: every decision is recorded with its reasons")]


class NoArgs(Strict):
    pass


class SaveDar(Strict):
    fields: DarForm


class SaveClinical(Strict):
    fields: ClinicalForm


class Assign(Strict):
    members: list[int] = Field(max_length=50, description="account ids of Scientific Board members")


class Assess(Strict):
    opinion: Literal["positive", "negative"]
    reasons: Reasons


class Vote(Strict):
    vote: Literal["approve", "reject", "return"]
    reasons: Reasons


class ApprovedItem(Strict):
    table: str = Field(max_length=100)
    columns: Columns | None = None


class Decide(Strict):
    decision: Literal["approve", "reject", "return"]
    reasons: Reasons
    items: list[ApprovedItem] | None = Field(None, max_length=200, description="approve only these items (default: all requested)")
    term_months: int | None = None


class IssueLicence(Strict):
    obligations: list[Annotated[str, Field(max_length=2000)]] = Field(default_factory=list, max_length=100)
    amendments: str = Field("", max_length=10000)


class Sign(Strict):
    party: Literal["researcher", "licensee", "foundation"]
    sha256: str = Field(max_length=64, description="the SHA-256 of the licence PDF you read")
    code: str = Field(max_length=32, description="your current authenticator (TOTP) or recovery code")


class RequestContact(Strict):
    name: str = Field(max_length=200)
    position: str = Field(max_length=200)
    email: str = Field(max_length=320)


class ConfirmContact(Strict):
    request: int


class RequestExtension(Strict):
    months: int
    justification: str = Field(max_length=10000)


class DecideExtension(Strict):
    decision: Literal["approve", "reject"]
    reasons: Reasons


class OptionalReasons(Strict):
    reasons: str = Field("", max_length=10000)


class RequiredReasons(Strict):
    reasons: Reasons


class ApprovePurpose(Strict):
    comment: str = Field("", max_length=10000)


ARGUMENTS: dict[str, dict[str, type[Strict]]] = {
    "dar": {
        "save_draft": SaveDar, "submit": NoArgs, "assign": Assign, "assess": Assess, "vote": Vote, "decide": Decide,
        "issue_licence": IssueLicence, "sign": Sign, "request_contact": RequestContact, "confirm_contact": ConfirmContact,
        "request_extension": RequestExtension, "decide_extension": DecideExtension, "close": OptionalReasons,
        "revoke": RequiredReasons,
    },
    "clinical": {
        "save_draft": SaveClinical, "submit": NoArgs, "approve_purpose": ApprovePurpose, "reject": RequiredReasons,
        "mark_prepared": NoArgs, "close": OptionalReasons, "revoke": RequiredReasons,
    },
}
# Commands with no REST arguments model: `attach` takes a file (POST …/attachments);
# `expire` is the node's clock only (onconode access deadlines --run).
NOT_BY_COMMAND = {"attach": "upload the file with POST /api/applications/{id}/attachments",
                  "expire": "only the node's clock expires a term (onconode access deadlines --run)"}


class Organisation(Strict):
    id: str = Field(max_length=64, description="lower-case letters, digits and '-', e.g. umc-utrecht")
    name: str = Field(max_length=300)
    country: str = Field(max_length=2, description="ISO 3166 two-letter code")
    sector: Literal["non-profit", "commercial"] = "non-profit"


class Registration(Strict):
    email: str = Field(max_length=320, description="your institutional email address")
    name: str = Field(max_length=200)
    surname: str = Field(max_length=200)
    password: str = Field(max_length=1000, description="at least 12 characters")
    organisation_id: str | None = Field(None, max_length=64)
    position: str | None = Field(None, max_length=200)


class Confirmation(Strict):
    token: str = Field(max_length=200, description="the token from the emailed confirmation link")
    password: str = Field(max_length=1000, description="the password chosen at registration")


class RoleGrant(Strict):
    role: Role = Field(description="a global role (applicant, signatory and download contact come from being named)")
