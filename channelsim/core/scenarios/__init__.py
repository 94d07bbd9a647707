"""Scenarios: TOML files that override the documented defaults.

A scenario file has optional top-level ``name`` and ``description`` keys, a
table per parameter section (``[policy]``, ``[gangs]``, ...) whose keys override
that section's defaults, and optionally ``[[nationalities]]`` entries that
replace the nationality groups. Shipped scenarios live in
``core/scenarios/`` (package data); a path to any other file works the same way.

Every problem is reported as a [`ScenarioError`][channelsim.core.scenarios.ScenarioError] whose message names the
file, the key and what is allowed.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from channelsim.core.data import DataError, check_data_name
from channelsim.core.errors import ChannelsimError
from channelsim.core.params import SECTIONS, Params, bounds_excluded, field_bounds, leaf_index, range_text

DEFAULT_SCENARIO = "pilot_2025"


class ScenarioError(ChannelsimError):
    """A scenario file or a parameter override is not valid."""


def scenario_dir() -> Path:
    """Folder of the shipped scenario files."""
    return Path(str(resources.files("channelsim.core.scenarios")))


def available() -> dict[str, str]:
    """Shipped scenarios: name -> one-line description."""
    out = {}
    for path in sorted(scenario_dir().glob("*.toml")):
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        out[path.stem] = str(data.get("description", "")).strip().splitlines()[0] if data.get("description") else ""
    return out


def resolve(scenario: str | Path) -> Path:
    """Path of a scenario given by shipped name or by file path."""
    text = str(scenario)
    if text.endswith(".toml") or "/" in text or Path(text).exists():
        path = Path(text)
        if not path.is_file():
            raise ScenarioError(f"scenario file {text!r} does not exist.")
        return path
    path = scenario_dir() / f"{text}.toml"
    if not path.is_file():
        names = sorted(available())
        near = difflib.get_close_matches(text, names, n=1)
        hint = f" Did you mean {near[0]!r}?" if near else ""
        raise ScenarioError(
            f"unknown scenario {text!r}.{hint} Shipped scenarios: {', '.join(names)}; "
            "or give a path to a .toml file.")
    return path


def read_toml(path: str | Path, error: type[ChannelsimError] = ChannelsimError) -> dict[str, Any]:
    """A TOML file as a dict; ``error`` (naming the file) when it cannot be read, is not UTF-8 or is malformed."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: malformed TOML: {exc}.") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not a UTF-8 text file (byte {exc.start} is {exc.object[exc.start:exc.start + 1]!r}); "
                    "TOML files are UTF-8.") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read: {exc.strerror}.") from None


def load(scenario: str | Path | Params | None = None) -> Params:
    """Parameters of a scenario (shipped name, TOML path, or Params as is)."""
    if isinstance(scenario, Params):
        return scenario
    path = resolve(scenario or DEFAULT_SCENARIO)
    data = read_toml(path, ScenarioError)
    data.setdefault("name", path.stem)
    return from_dict(data, origin=str(path))


# A scenario's name becomes part of file names (results/NAME_seedN_START): one plain word.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


def from_dict(data: dict[str, Any], origin: str = "parameters") -> Params:
    """Validate a nested dict shaped like a scenario file."""
    known = set(SECTIONS) | {"name", "description", "nationalities"}
    for key, value in data.items():
        if key not in known:
            raise ScenarioError(f"{origin}: {_unknown_key_message(key, None)}")
        if key in SECTIONS and not isinstance(value, dict):
            raise ScenarioError(f"{origin}: [{key}] must be a table of parameters, not {type(value).__name__}.")
    name = data.get("name", "custom")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ScenarioError(f"{origin}: name = {name!r} is not a plain name: use letters, digits and _ . + - "
                            "(it names the output folder, results/NAME_seedN_START).")
    try:
        params = Params.model_validate(data)
        check_data_name(params.policy.published_schedule_file, "[policy] published_schedule_file")
    except ValidationError as exc:
        raise ScenarioError(f"{origin}: {explain_validation_error(exc)}") from None
    except DataError as exc:
        raise ScenarioError(f"{origin}: {exc}") from None
    return params


def apply_overrides(params: Params, overrides: dict[str, Any], origin: str = "override") -> Params:
    """Replace leaf parameters, named by their unique names, and validate."""
    if not overrides:
        return params
    index = leaf_index()
    data = params.model_dump()
    for key, value in overrides.items():
        section = index.get(key)
        if section is None:
            raise ScenarioError(f"{origin}: {_unknown_key_message(key, None)}")
        data[section][key] = value
    return from_dict(data, origin=origin)


def scenario_hash(params: Params) -> str:
    """Stable hash of the parameters (for provenance of stored results)."""
    text = json.dumps(params.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _unknown_key_message(key: str, section: str | None) -> str:
    index = leaf_index()
    if section is None:
        candidates = sorted(set(SECTIONS) | {"name", "description", "nationalities"} | set(index))
    else:
        candidates = sorted(SECTIONS[section].model_fields)
    where = f" in [{section}]" if section else ""
    msg = f"unknown key {key!r}{where}."
    if section is not None and key in index:
        return msg + f" {key!r} belongs in [{index[key]}]."
    near = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
    if near:
        target = near[0]
        home = f" (in [{index[target]}])" if section is None and target in index else ""
        msg += f" Did you mean {target!r}{home}?"
    return msg


def explain_validation_error(exc: ValidationError, whole: str = "parameters") -> str:
    """One paragraph from pydantic's errors: the key, the problem, what is allowed.

    Written for scenario files (a parameter's unit and range, the nearest known
    key), and used for any file validated by a pydantic model (sweep files);
    ``whole`` names the file's kind where an error concerns it as a whole.
    """
    parts = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        kind = err["type"]
        if kind == "extra_forbidden":
            section = loc[0] if len(loc) == 2 and loc[0] in SECTIONS else None
            if section is None and len(loc) > 1:   # a nested table that is not a parameter section
                parts.append(f"{_where(loc[:-1], whole)}: unknown key {loc[-1]!r}.")
            else:
                parts.append(_unknown_key_message(loc[-1], section))
            continue
        where = _where(loc, whole)
        value = err.get("input")
        ctx = err.get("ctx") or {}
        field_info = _field_info(loc)
        unit = f" {field_info[0]}" if field_info and field_info[0] not in ("", "1", "date") else ""
        if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
            field = _field(loc)
            if field is not None and any(bounds_excluded(field)):
                allowed = f"{loc[-1]} must be {range_text(field)}{unit}"
            elif field is not None:
                allowed = f"allowed {range_text(field)}{unit}"
            else:
                allowed = err["msg"].lower().replace("input should be", "must be")
            parts.append(f"{where} = {_shown(value)} is out of range: {allowed}.")
        elif kind == "literal_error":
            parts.append(f"{where} = {value!r} is not allowed: expected {ctx.get('expected')}.")
        elif kind in TYPE_WORDS:
            wanted, example = TYPE_WORDS[kind]
            parts.append(f"{where} = {_shown(value)} has the wrong type: expected {wanted} (e.g. {example}), "
                         f"not {_kind_of(value)}.")
        elif kind.startswith("date") or kind.endswith("date") or "date" in kind:
            parts.append(f"{where} = {value!r} is not a date: use YYYY-MM-DD.")
        elif kind == "value_error":
            parts.append(str(ctx.get("error", err["msg"])).rstrip(".") + ".")
        elif kind == "missing":
            parts.append(f"{where} is required.")
        else:
            expected = err["msg"].replace("Input should be", "expected").rstrip(".")
            parts.append(f"{where} = {value!r}: {expected}.")
    return " ".join(parts)


# pydantic's strict type errors: what was expected, and an example as TOML writes it
TYPE_WORDS = {
    "int_type": ("a whole number", "5"),
    "int_from_float": ("a whole number", "5"),
    "float_type": ("a number", "0.5"),
    "bool_type": ("true or false", "true"),
    "string_type": ("text in quotes", '"name"'),
    "dict_type": ("a table", "{ key = 1 }"),
    "list_type": ("a list", "[1, 2]"),
    "tuple_type": ("a list", "[1, 2]"),
}


def _kind_of(value: Any) -> str:
    names = {bool: "true/false", int: "a whole number", float: "a number with a decimal point", str: "text",
             list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _shown(value: Any) -> str:
    """A value as TOML writes it."""
    if isinstance(value, bool):
        return str(value).lower()
    return value.isoformat() if hasattr(value, "isoformat") else repr(value)


def _where(loc: list[str], whole: str = "parameters") -> str:
    if len(loc) >= 2 and loc[0] in SECTIONS:
        return f"[{loc[0]}] {'.'.join(loc[1:])}"
    return ".".join(loc) or whole


def _field(loc: list[str]):
    if len(loc) == 2 and loc[0] in SECTIONS:
        return SECTIONS[loc[0]].model_fields.get(loc[1])
    return None


def _field_info(loc: list[str]):
    field = _field(loc)
    if field is not None:
        return ((field.json_schema_extra or {}).get("unit", ""), *field_bounds(field))
    return None
