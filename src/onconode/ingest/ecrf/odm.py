"""CDISC ODM-XML exports of eCRF study forms (CPCT-02 / DRUP style), read safely.

An ODM export comes from outside the node (a hospital's EDC system), so it is parsed
with lxml configured to expand no entities, load no DTD and touch no network, and a file
that declares a DOCTYPE at all is refused: a real ODM export has none, and an entity
declaration is how XXE and "billion laughs" attacks arrive. Elements are streamed
(`iterparse`) and cleared as they are read, so an export of thousands of patients does
not need its whole tree in memory.

Two things come out: the study's metadata (which code list decodes which item, "7" →
"Breast cancer", as Hartwig's XMLEcrfDatamodelReader reads it) and every ItemData value
with the study event, form and item group (and their repeat keys) it sits in, plus its
line number, so any problem can name the file, line and item OID to fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from onconode.ingest.problems import Problems

# "1= male", "103=Anal cancer" → "male", "Anal cancer"; "CR" stays "CR".
CODE_PREFIX = re.compile(r"^\s*[^=\s]+\s*=\s*")


@dataclass(frozen=True)
class Item:
    """One ItemData value and where it sits in the export."""

    event: str
    event_key: str
    form: str
    form_key: str
    group: str
    group_key: str
    oid: str
    value: str
    line: int | None

    @property
    def path(self) -> str:
        """Where a data manager finds it in the EDC: event/form/item group/item."""
        return f"{self.event}[{self.event_key}]/{self.form}[{self.form_key}]/{self.group}[{self.group_key}]/{self.oid}"


@dataclass
class Group:
    """The items of one ItemGroupData (one repeat of a repeating group)."""

    items: dict[str, Item] = field(default_factory=dict)

    def item(self, oid: str) -> Item | None:
        found = self.items.get(oid)
        return found if found is not None and found.value.strip() else None

    def value(self, oid: str) -> str | None:
        found = self.item(oid)
        return found.value.strip() if found is not None else None


@dataclass
class Subject:
    """One patient's forms: item groups keyed by (event, event key, form, form key, group, group key)."""

    key: str
    line: int | None
    groups: dict[tuple[str, str, str, str, str, str], Group] = field(default_factory=dict)

    def find(self, event: str, form: str, group: str) -> list[Group]:
        """Every repeat of an item group, in the order the export lists them."""
        return [g for k, g in self.groups.items() if k[0] == event and k[2] == form and k[4] == group]

    def first(self, event: str, form: str, group: str) -> Group:
        found = self.find(event, form, group)
        return found[0] if found else Group()


@dataclass
class Odm:
    """A parsed export: the study's code lists and its subjects."""

    file: str
    study: str | None = None
    protocol: str | None = None
    codelist_of_item: dict[str, str] = field(default_factory=dict)
    codelists: dict[str, dict[str, str]] = field(default_factory=dict)
    item_names: dict[str, str] = field(default_factory=dict)
    subjects: list[Subject] = field(default_factory=list)

    def decode(self, item: Item) -> str:
        """The item's value as text: a coded value through its code list, else as recorded."""
        codes = self.codelists.get(self.codelist_of_item.get(item.oid, ""))
        value = item.value.strip()
        if codes and value in codes:
            return codes[value]
        return value

    def is_coded(self, oid: str) -> bool:
        return bool(self.codelists.get(self.codelist_of_item.get(oid, "")))


def _local(tag: object) -> str:
    """Element name without its namespace (ODM 1.3 exports may or may not declare one)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _parser_options() -> dict:
    return {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False, "remove_comments": True}


def _declares_doctype(root: etree._Element) -> bool:
    docinfo = root.getroottree().docinfo
    return bool(docinfo.doctype) or docinfo.internalDTD is not None


def _first_element(path: Path) -> etree._Element | None:
    """The root element, parsed no further (the DOCTYPE, if any, is read by then)."""
    for _, elem in etree.iterparse(str(path), events=("start",), **_parser_options()):
        return elem
    return None


def _in_clinical_data(elem: etree._Element) -> bool:
    return any(_local(a.tag) == "ClinicalData" for a in elem.iterancestors())


# Only these elements reach Python: the parser walks the rest in C (an export is ~90% audit-trail items).
WANTED = ("{*}ItemData", "{*}SubjectData", "{*}CodeList", "{*}ItemDef", "{*}Study", "{*}ProtocolName")


def read_odm(path: Path, problems: Problems) -> Odm | None:
    """Parse an ODM-XML export; None (with the problem recorded) if the file is not one."""
    shown = str(path)
    odm = Odm(shown)
    try:
        root = _first_element(path)
        if root is not None and _declares_doctype(root):
            problems.error(shown, 1, "DOCTYPE", "the file declares a DOCTYPE; ODM exports have none and entity declarations are refused",
                           "export the study again from the EDC system, or remove the <!DOCTYPE ...> declaration")
            return None
        if root is None or _local(root.tag) != "ODM":
            name = _local(root.tag) if root is not None else "nothing"
            problems.error(shown, root.sourceline if root is not None else None, None, f"the root element is <{name}>, not <ODM>",
                           "export the study as CDISC ODM-XML (1.3) from the EDC system")
            return None
        subject: Subject | None = None
        for _, elem in etree.iterparse(str(path), events=("end",), tag=WANTED, **_parser_options()):
            name = _local(elem.tag)
            if name == "ItemData":
                value = elem.get("Value") or ""
                if not value.strip():
                    continue  # empty items (most of an export: audit-trail and query fields) say nothing
                group = elem.getparent()
                form = group.getparent() if group is not None else None
                event = form.getparent() if form is not None else None
                owner = event.getparent() if event is not None else None
                if owner is None or _local(owner.tag) != "SubjectData":
                    problems.error(shown, elem.sourceline, elem.get("ItemOID"), "an ItemData outside SubjectData/StudyEventData/FormData/ItemGroupData",
                                   "export the study again; the nesting of the clinical data is broken")
                    continue
                if subject is None:
                    subject = Subject(owner.get("SubjectKey", "").strip(), owner.sourceline)
                key = (event.get("StudyEventOID", ""), event.get("StudyEventRepeatKey", "0"), form.get("FormOID", ""),
                       form.get("FormRepeatKey", "0"), group.get("ItemGroupOID", ""), group.get("ItemGroupRepeatKey", "0"))
                item = Item(*key, elem.get("ItemOID", ""), value, elem.sourceline)
                subject.groups.setdefault(key, Group()).items[item.oid] = item
            elif name == "SubjectData":
                found = subject or Subject(elem.get("SubjectKey", "").strip(), elem.sourceline)
                if found.key:
                    odm.subjects.append(found)
                else:
                    problems.error(shown, found.line, "SubjectKey", "a SubjectData element has no SubjectKey", "every subject needs its study number")
                subject = None
            elif _in_clinical_data(elem):
                continue  # metadata is read from the study definition only
            elif name == "ItemDef":
                oid = elem.get("OID", "")
                odm.item_names[oid] = elem.get("Name", "")
                ref = elem.find("{*}CodeListRef")
                if ref is not None:
                    odm.codelist_of_item[oid] = ref.get("CodeListOID", "")
            elif name == "CodeList":
                codes = odm.codelists.setdefault(elem.get("OID", ""), {})
                for entry in elem.iterfind("{*}CodeListItem"):
                    coded = entry.get("CodedValue", "")
                    text = entry.findtext("{*}Decode/{*}TranslatedText") or ""
                    codes.setdefault(coded, CODE_PREFIX.sub("", text.strip(), count=1) or coded)
            elif name == "ProtocolName":
                odm.protocol = (elem.text or "").strip() or None
            elif name == "Study":
                odm.study = elem.get("OID")
            if name in ("SubjectData", "CodeList", "ItemDef"):
                elem.clear(keep_tail=False)
                while elem.getprevious() is not None:  # the emptied siblings too: memory stays flat over thousands of subjects
                    del elem.getparent()[0]
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if getattr(exc, "lineno", None) else None
        problems.error(shown, line, None, f"not well-formed XML: {exc.msg}", "export the study again; the file may be cut short or edited by hand")
        return None
    except OSError as exc:
        problems.error(shown, None, None, f"cannot read the file ({exc})", "check the path and permissions")
        return None
    return odm


def looks_like_odm(path: Path) -> bool:
    """True for an .xml file whose first element is <ODM> (the reader decides the rest)."""
    try:
        root = _first_element(path)
    except (etree.XMLSyntaxError, OSError):
        return True  # let read_odm report exactly what is wrong
    return root is not None and _local(root.tag) == "ODM"


def items(subject: Subject) -> Iterator[Item]:
    for group in subject.groups.values():
        yield from group.items.values()
