#!/usr/bin/env python3
"""Generate a large synthetic GAAD file (`aws iam get-account-authorization-details` output) for
load-testing `iamc audit`.

Usage (from the repository root; Python 3.8+, standard library only):

    python3 scripts/gen-large-account.py                          # 10,000 roles -> large-account.json
    python3 scripts/gen-large-account.py --roles 50000 --seed 7 --out /tmp/large.json
    ./target/release/iamc audit /tmp/large.json --out /tmp/report --variants 100 --quiet

Options:
    --roles N          number of roles (default 10000)
    --seed S           seed of the pseudo-random choices (default 1); same seed, same bytes
    --out PATH         output file (default large-account.json)
    --account ID       12-digit account id (default 123456789012)
    --managed-dir DIR  AWS managed policy documents (<PolicyName>.json); default
                       ../shared/data/managed-policies next to the repository, if present
    --pretty           indent the JSON (the CLI's style) instead of writing it compactly
    --chains           add roles whose trust and identity policies make chains (see below)
    --second-out PATH  with --chains: also write a second account (--second-account, default
                       444455556666, --second-roles roles, default 1000) whose roles trust roles
                       of the first: cross-account chains for `iamc audit A B`, `paths`, `who-can`

What the account holds (CLI style: policy documents are JSON objects, `+00:00` timestamps):
- roles drawn from personas with realistic policy mixes: data scientists (team-scoped creates,
  stops and deletes through `${aws:PrincipalTag/team}`, instance-type limits), ML engineers
  (deploy endpoints, instance-type limited jobs), analysts (read-only), SageMaker execution roles
  under `/service-role/` trusting `sagemaker.amazonaws.com`, a few admins, and non-ML roles
  (EC2, Lambda) with no SageMaker access;
- customer managed policies of varying shape, including a deny-based guardrail and two permissions
  boundaries (one with two versions, the default listed first);
- AWS managed `AmazonSageMakerFullAccess` and `AmazonSageMakerReadOnly`, read from --managed-dir
  when present, else small built-in stand-ins (the summary says which);
- inline policies on a fraction of roles (shared templates and role-specific documents),
  boundaries on some, tags `team` (20 teams), `env`, `cost-center`.

With --chains (for the graph stage, `iamc paths` and `iamc who-can`):
- a team MLOps role per team (`/ml/mlops-TEAM`) trusting the account root; data scientists may
  assume their own team's (`${aws:PrincipalTag/team}`); it starts training and processing jobs
  and passes the team's execution roles to SageMaker, and may assume the team's deploy role in
  the second account;
- about 1 % of execution roles carry an administrator policy: data scientist -> MLOps -> job with
  an admin execution role is a chain to an administrator;
- `ci/deployer` (trusts the account root with an `sts:ExternalId`), which may assume `/admin/`
  roles (some of which trust it); on-call platform roles (MFA) that may rewrite `/ml/` trust
  policies; two roles that trust each other (a cycle);
- in the second account: `deploy-TEAM` roles trusting the first account's `mlops-TEAM` by ARN,
  with SageMaker deploy rights and pass-role on that account's execution roles, and an
  `audit-readonly` role trusting the first account's root with an external id.

Prints one summary line per file.
"""

import argparse
import json
import random
import string
import sys
from pathlib import Path

TEAMS = [
    "fraud", "risk", "search", "ads", "recs", "vision", "nlp", "speech", "forecast", "pricing",
    "growth", "payments", "support", "logistics", "maps", "health", "security", "platform",
    "finance", "marketing",
]
ENVS = ["dev", "staging", "prod"]
V = "2012-10-17"


def stand_in_full_access():
    return {
        "Version": V,
        "Statement": [
            {"Sid": "AllowAllNonAdminSageMakerActions", "Effect": "Allow", "Action": "sagemaker:*",
             "NotResource": ["arn:aws:sagemaker:*:*:domain/*", "arn:aws:sagemaker:*:*:user-profile/*",
                             "arn:aws:sagemaker:*:*:app/*", "arn:aws:sagemaker:*:*:space/*"]},
            {"Sid": "AllowStudioActions", "Effect": "Allow",
             "Action": ["sagemaker:CreatePresignedDomainUrl", "sagemaker:DescribeDomain",
                        "sagemaker:ListDomains", "sagemaker:DescribeUserProfile",
                        "sagemaker:ListUserProfiles"], "Resource": "*"},
            {"Sid": "AllowPassRoleToSageMaker", "Effect": "Allow", "Action": "iam:PassRole",
             "Resource": "arn:aws:iam::*:role/*",
             "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}},
        ],
    }


def stand_in_read_only():
    return {
        "Version": V,
        "Statement": [
            {"Effect": "Allow",
             "Action": ["sagemaker:Describe*", "sagemaker:List*", "sagemaker:BatchGetMetrics",
                        "sagemaker:GetSearchSuggestions", "sagemaker:Search"],
             "Resource": "*"},
        ],
    }


def customer_policies(acct):
    """Customer managed policies: name -> (path, [(version, document)], default version)."""
    team_res = [f"arn:aws:sagemaker:*:{acct}:{t}/*" for t in
                ("training-job", "processing-job", "notebook-instance", "model",
                 "endpoint-config", "endpoint", "transform-job")]
    team_scoped = {
        "Version": V,
        "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": ["sagemaker:Describe*", "sagemaker:List*"],
             "Resource": "*"},
            {"Sid": "CreateTaggedWithOwnTeam", "Effect": "Allow",
             "Action": ["sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob",
                        "sagemaker:CreateNotebookInstance", "sagemaker:CreateModel",
                        "sagemaker:CreateEndpointConfig", "sagemaker:CreateTransformJob"],
             "Resource": team_res,
             "Condition": {"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}},
            {"Sid": "TagOnCreate", "Effect": "Allow", "Action": "sagemaker:AddTags",
             "Resource": team_res,
             "Condition": {"Null": {"sagemaker:TaggingAction": "false"}}},
            {"Sid": "ManageOwnTeamResources", "Effect": "Allow",
             "Action": ["sagemaker:Stop*", "sagemaker:Delete*", "sagemaker:Update*",
                        "sagemaker:StartNotebookInstance",
                        "sagemaker:CreatePresignedNotebookInstanceUrl"],
             "Resource": "*",
             "Condition": {"StringEquals": {"sagemaker:ResourceTag/team": "${aws:PrincipalTag/team}"}}},
            {"Sid": "PassOwnTeamExecutionRoles", "Effect": "Allow", "Action": "iam:PassRole",
             "Resource": f"arn:aws:iam::{acct}:role/service-role/sm-exec-${{aws:PrincipalTag/team}}-*",
             "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}},
        ],
    }
    instance_limits = {
        "Version": V,
        "Statement": [
            {"Sid": "JobsOnApprovedInstanceTypes", "Effect": "Allow",
             "Action": ["sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob",
                        "sagemaker:CreateHyperParameterTuningJob", "sagemaker:CreateTransformJob"],
             "Resource": "*",
             "Condition": {
                 "ForAllValues:StringLike": {"sagemaker:InstanceTypes": ["ml.m5.*", "ml.c5.*", "ml.g4dn.xlarge"]},
                 "Null": {"sagemaker:InstanceTypes": "false"}}},
            {"Sid": "NotebooksOnSmallInstances", "Effect": "Allow",
             "Action": "sagemaker:CreateNotebookInstance", "Resource": "*",
             "Condition": {"ForAllValues:StringLike": {"sagemaker:InstanceTypes": ["ml.t3.*"]},
                           "StringEquals": {"sagemaker:RootAccess": "Disabled"}}},
        ],
    }
    engineer = {
        "Version": V,
        "Statement": [
            {"Sid": "Deploy", "Effect": "Allow",
             "Action": ["sagemaker:CreateModel", "sagemaker:CreateEndpointConfig",
                        "sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint",
                        "sagemaker:UpdateEndpointWeightsAndCapacities", "sagemaker:InvokeEndpoint"],
             "Resource": f"arn:aws:sagemaker:*:{acct}:*"},
            {"Sid": "ModelRegistry", "Effect": "Allow",
             "Action": ["sagemaker:CreateModelPackage", "sagemaker:CreateModelPackageGroup",
                        "sagemaker:UpdateModelPackage"],
             "Resource": f"arn:aws:sagemaker:*:{acct}:model-package*"},
            {"Sid": "Pipelines", "Effect": "Allow",
             "Action": ["sagemaker:StartPipelineExecution", "sagemaker:StopPipelineExecution",
                        "sagemaker:RetryPipelineExecution"],
             "Resource": f"arn:aws:sagemaker:*:{acct}:pipeline/*",
             "Condition": {"StringEquals": {"aws:ResourceTag/env": "${aws:PrincipalTag/env}"}}},
            {"Sid": "PassExecutionRoles", "Effect": "Allow", "Action": "iam:PassRole",
             "Resource": f"arn:aws:iam::{acct}:role/service-role/sm-exec-*",
             "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}},
        ],
    }
    read_only = {
        "Version": V,
        "Statement": [
            {"Sid": "ReadSageMaker", "Effect": "Allow",
             "Action": ["sagemaker:Describe*", "sagemaker:List*", "sagemaker:Search",
                        "sagemaker:GetSearchSuggestions", "sagemaker:BatchGetMetrics"],
             "Resource": "*"},
        ],
    }
    admin = {
        "Version": V,
        "Statement": [
            {"Sid": "AllSageMaker", "Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"},
            {"Sid": "PassSageMakerRoles", "Effect": "Allow", "Action": "iam:PassRole",
             "Resource": "*",
             "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}},
        ],
    }
    guardrails = {
        "Version": V,
        "Statement": [
            {"Sid": "NoRootAccessOrInternetOnNotebooks", "Effect": "Deny",
             "Action": "sagemaker:CreateNotebookInstance", "Resource": "*",
             "Condition": {"StringEquals": {"sagemaker:RootAccess": "Enabled"}}},
            {"Sid": "NoNotebooksWithDirectInternetAccess", "Effect": "Deny",
             "Action": "sagemaker:CreateNotebookInstance", "Resource": "*",
             "Condition": {"StringNotEquals": {"sagemaker:DirectInternetAccess": "Disabled"}}},
            {"Sid": "JobsInsideTheVpc", "Effect": "Deny",
             "Action": ["sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob",
                        "sagemaker:CreateModel"], "Resource": "*",
             "Condition": {"Null": {"sagemaker:VpcSubnets": "true"}}},
            {"Sid": "NoUnencryptedVolumes", "Effect": "Deny",
             "Action": ["sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob",
                        "sagemaker:CreateNotebookInstance"], "Resource": "*",
             "Condition": {"Null": {"sagemaker:VolumeKmsKeyArn": "true"}}},
            {"Sid": "ProdDeletesNeedMfa", "Effect": "Deny", "Action": "sagemaker:Delete*",
             "Resource": "*",
             "Condition": {"StringEquals": {"sagemaker:ResourceTag/env": "prod"},
                           "BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
        ],
    }
    boundary_v2 = {
        "Version": V,
        "Statement": [
            {"Sid": "SageMakerButNoDomains", "Effect": "Allow", "Action": "sagemaker:*",
             "NotResource": [f"arn:aws:sagemaker:*:{acct}:domain/*",
                             f"arn:aws:sagemaker:*:{acct}:user-profile/*"]},
            {"Sid": "PassOnlySageMakerExecutionRoles", "Effect": "Allow", "Action": "iam:PassRole",
             "Resource": f"arn:aws:iam::{acct}:role/service-role/*"},
            {"Sid": "NoIamChanges", "Effect": "Deny", "Action": ["iam:Create*", "iam:Put*", "iam:Attach*"],
             "Resource": "*"},
        ],
    }
    boundary_v1 = {
        "Version": V,
        "Statement": [{"Effect": "Allow", "Action": ["sagemaker:*", "iam:PassRole"], "Resource": "*"}],
    }
    boundary_strict = {
        "Version": V,
        "Statement": [
            {"Sid": "ReadAndTrainOnly", "Effect": "Allow",
             "Action": ["sagemaker:Describe*", "sagemaker:List*", "sagemaker:Get*",
                        "sagemaker:CreateTrainingJob", "sagemaker:StopTrainingJob"],
             "Resource": "*"},
        ],
    }
    return {
        "sm-team-scoped": ("/ml/", [("v3", team_scoped)]),
        "sm-instance-type-limits": ("/ml/", [("v2", instance_limits)]),
        "sm-ml-engineer": ("/ml/", [("v1", engineer)]),
        "sm-read-only": ("/ml/", [("v1", read_only)]),
        "sm-admin": ("/admin/", [("v1", admin)]),
        "sm-guardrails": ("/ml/", [("v4", guardrails)]),
        "ml-boundary": ("/boundaries/", [("v2", boundary_v2), ("v1", boundary_v1)]),
        "ml-boundary-strict": ("/boundaries/", [("v1", boundary_strict)]),
    }


def trust(principal, action="sts:AssumeRole", condition=None):
    st = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        st["Condition"] = condition
    return {"Version": V, "Statement": [st]}


class Gen:
    def __init__(self, args):
        self.rng = random.Random(args.seed)
        self.acct = args.account
        self.used_ids = set()

    def ident(self, prefix):
        while True:
            s = prefix + "".join(self.rng.choice(string.ascii_uppercase + "234567") for _ in range(17))
            if s not in self.used_ids:
                self.used_ids.add(s)
                return s

    def date(self, start_year=2019, end_year=2026):
        r = self.rng
        return (f"{r.randint(start_year, end_year - 1)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
                f"T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}+00:00")


def build_account(g, acct, n_roles, aws_docs, chains):
    """Roles and policies of one account; `chains` (or None) adds the chain roles."""
    rng = g.rng
    customer = customer_policies(acct)
    if chains is not None:
        customer.update(chain_policies(acct, chains))
        chains["assume_mlops"] = f"arn:aws:iam::{acct}:policy/ml/assume-team-mlops"
        chains["exec_admin"] = f"arn:aws:iam::{acct}:policy/admin/exec-admin"
    carn = {n: f"arn:aws:iam::{acct}:policy{path}{n}" for n, (path, _) in customer.items()}
    aarn = {n: f"arn:aws:iam::aws:policy/{n}" for n in aws_docs}
    attach_count = {a: 0 for a in list(carn.values()) + list(aarn.values())}
    boundary_count = {a: 0 for a in attach_count}

    saml = trust({"Federated": f"arn:aws:iam::{acct}:saml-provider/CorpIdP"},
                 ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                 {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}})
    sagemaker_trust = trust({"Service": "sagemaker.amazonaws.com"})
    ec2_trust = trust({"Service": "ec2.amazonaws.com"})
    lambda_trust = trust({"Service": "lambda.amazonaws.com"})
    ci_trust = trust({"AWS": f"arn:aws:iam::{acct}:role/ci/deployer"})

    # Shared inline templates (identical documents on many roles) and role-specific ones.
    s3_read = {"Version": V, "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
         "Resource": [f"arn:aws:s3:::ml-datasets-{acct}", f"arn:aws:s3:::ml-datasets-{acct}/*"]}]}
    logs = {"Version": V, "Statement": [
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": f"arn:aws:logs:*:{acct}:log-group:/aws/sagemaker/*"}]}
    studio = {"Version": V, "Statement": [
        {"Effect": "Allow", "Action": "sagemaker:CreatePresignedDomainUrl",
         "Resource": f"arn:aws:sagemaker:us-east-1:{acct}:user-profile/d-8x2k4m1q0z7a/*"}]}
    templates = [("s3-datasets-read", s3_read), ("sagemaker-logs", logs), ("studio-login", studio)]

    personas = [  # (name, weight)
        ("data-scientist", 35), ("ml-engineer", 18), ("analyst", 17), ("execution", 12),
        ("admin", 2), ("other", 16),
    ]
    pnames = [p for p, _ in personas]
    pweights = [w for _, w in personas]

    roles = []
    n_inline = n_boundary = 0
    for i in range(n_roles):
        persona = rng.choices(pnames, pweights)[0]
        team = rng.choice(TEAMS)
        env = rng.choices(ENVS, [5, 2, 3])[0]
        path, trust_doc, attached, boundary, inline = "/", saml, [], None, []
        if persona == "data-scientist":
            name = f"ds-{team}-{env}-{i:05d}"
            path = "/ml/"
            attached.append(carn["sm-team-scoped"])
            if rng.random() < 0.6:
                attached.append(carn["sm-instance-type-limits"])
            if rng.random() < 0.4:
                attached.append(carn["sm-guardrails"])
            if rng.random() < 0.3:
                boundary = carn["ml-boundary"]
            if chains is not None:
                attached.append(chains["assume_mlops"])
        elif persona == "ml-engineer":
            name = f"mle-{team}-{env}-{i:05d}"
            path = "/ml/"
            attached += [carn["sm-ml-engineer"], aarn["AmazonSageMakerReadOnly"]]
            if rng.random() < 0.5:
                attached.append(carn["sm-instance-type-limits"])
            if rng.random() < 0.5:
                attached.append(carn["sm-guardrails"])
            if rng.random() < 0.25:
                boundary = rng.choice([carn["ml-boundary"], carn["ml-boundary-strict"]])
        elif persona == "analyst":
            name = f"analyst-{team}-{i:05d}"
            attached.append(rng.choice([aarn["AmazonSageMakerReadOnly"], carn["sm-read-only"]]))
        elif persona == "execution":
            name = f"sm-exec-{team}-{env}-{i:05d}"
            path = "/service-role/"
            trust_doc = sagemaker_trust
            attached.append(aarn["AmazonSageMakerFullAccess"])
            if rng.random() < 0.3:
                attached.append(carn["sm-guardrails"])
            if chains is not None and chains["rng"].random() < 0.01:
                attached.append(chains["exec_admin"])
        elif persona == "admin":
            name = f"ml-admin-{i:05d}"
            path = "/admin/"
            trust_doc = ci_trust if rng.random() < 0.3 else saml
            attached.append(rng.choice([carn["sm-admin"], aarn["AmazonSageMakerFullAccess"]]))
        else:
            kind = rng.choice(["ec2", "lambda"])
            name = f"{kind}-{rng.choice(['app', 'batch', 'etl', 'web', 'cron'])}-{i:05d}"
            trust_doc = ec2_trust if kind == "ec2" else lambda_trust
        # Inline policies on a fraction of roles: half shared templates, half role-specific.
        if persona != "admin" and rng.random() < 0.15:
            if rng.random() < 0.5:
                inline.append(rng.choice(templates))
            else:
                inline.append((f"{name}-endpoints", {"Version": V, "Statement": [
                    {"Effect": "Allow", "Action": ["sagemaker:InvokeEndpoint", "sagemaker:DescribeEndpoint"],
                     "Resource": f"arn:aws:sagemaker:*:{acct}:endpoint/{team}-{i:05d}-*"}]}))
        n_inline += len(inline)
        for a in attached:
            attach_count[a] += 1
        if boundary:
            boundary_count[boundary] += 1
            n_boundary += 1
        created = g.date()
        role = {
            "Path": path,
            "RoleName": name,
            "RoleId": g.ident("AROA"),
            "Arn": f"arn:aws:iam::{acct}:role{path}{name}",
            "CreateDate": created,
            "AssumeRolePolicyDocument": trust_doc,
            "InstanceProfileList": [],
            "RolePolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in inline],
            "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a}
                                        for a in attached],
        }
        if boundary:
            role["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                           "PermissionsBoundaryArn": boundary}
        role["Tags"] = [{"Key": "team", "Value": team}, {"Key": "env", "Value": env},
                        {"Key": "cost-center", "Value": f"cc-{rng.randint(1000, 9999)}"}]
        role["RoleLastUsed"] = ({} if rng.random() < 0.3 else
                                {"LastUsedDate": g.date(2025, 2027), "Region": rng.choice(["us-east-1", "eu-west-1"])})
        roles.append(role)

    if chains is not None:
        extra = chain_roles(g, acct, chains, carn)
        for r in extra:
            for a in r["AttachedManagedPolicies"]:
                attach_count[a["PolicyArn"]] = attach_count.get(a["PolicyArn"], 0) + 1
        roles.extend(extra)

    policies = []
    for n, (path, versions) in customer.items():
        a = carn[n]
        pdate = g.date(2021, 2025)
        policies.append({
            "PolicyName": n, "PolicyId": g.ident("ANPA"), "Arn": a, "Path": path,
            "DefaultVersionId": versions[0][0], "AttachmentCount": attach_count[a],
            "PermissionsBoundaryUsageCount": boundary_count[a], "IsAttachable": True,
            "CreateDate": pdate, "UpdateDate": pdate,
            "PolicyVersionList": [{"Document": d, "VersionId": vid, "IsDefaultVersion": k == 0,
                                   "CreateDate": pdate} for k, (vid, d) in enumerate(versions)],
        })
    for n, (doc, version) in aws_docs.items():
        policies.append({
            "PolicyName": n, "PolicyId": g.ident("ANPA"), "Arn": aarn[n], "Path": "/",
            "DefaultVersionId": version, "AttachmentCount": attach_count[aarn[n]],
            "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
            "CreateDate": "2017-11-29T13:07:59+00:00", "UpdateDate": "2026-02-12T17:58:32+00:00",
            "PolicyVersionList": [{"Document": doc, "VersionId": version, "IsDefaultVersion": True,
                                   "CreateDate": "2026-02-12T17:58:32+00:00"}],
        })

    gaad = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": roles, "Policies": policies}
    return gaad, len(customer), n_inline, n_boundary


def chain_policies(acct, chains):
    """Customer managed policies of the chain roles."""
    peer = chains.get("peer")
    first = chains.get("first")
    out = {
        "assume-team-mlops": ("/ml/", [("v1", {"Version": V, "Statement": [
            {"Sid": "AssumeOwnTeamMlops", "Effect": "Allow", "Action": "sts:AssumeRole",
             "Resource": f"arn:aws:iam::{acct}:role/ml/mlops-${{aws:PrincipalTag/team}}"}]})]),
        "exec-admin": ("/admin/", [("v1", {"Version": V, "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]})]),
    }
    mlops = [
        {"Sid": "TeamJobs", "Effect": "Allow",
         "Action": ["sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob",
                    "sagemaker:DescribeTrainingJob", "sagemaker:DescribeProcessingJob"],
         "Resource": "*"},
        {"Sid": "PassTeamExecutionRoles", "Effect": "Allow", "Action": "iam:PassRole",
         "Resource": f"arn:aws:iam::{acct}:role/service-role/sm-exec-${{aws:PrincipalTag/team}}-*",
         "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}},
    ]
    if peer:
        mlops.append({"Sid": "AssumeTeamDeployInProd", "Effect": "Allow", "Action": "sts:AssumeRole",
                      "Resource": f"arn:aws:iam::{peer}:role/deploy/deploy-${{aws:PrincipalTag/team}}"})
    out["mlops"] = ("/ml/", [("v1", {"Version": V, "Statement": mlops})])
    out["ci-deployer"] = ("/ci/", [("v1", {"Version": V, "Statement": [
        {"Sid": "AssumeAdminRoles", "Effect": "Allow", "Action": "sts:AssumeRole",
         "Resource": f"arn:aws:iam::{acct}:role/admin/*"}]})])
    out["platform-oncall"] = ("/ops/", [("v1", {"Version": V, "Statement": [
        {"Sid": "RewriteMlTrust", "Effect": "Allow",
         "Action": ["iam:UpdateAssumeRolePolicy", "iam:GetRole"],
         "Resource": f"arn:aws:iam::{acct}:role/ml/*"},
        {"Sid": "AssumeMlRoles", "Effect": "Allow", "Action": "sts:AssumeRole",
         "Resource": f"arn:aws:iam::{acct}:role/ml/*"}]})])
    if first:
        out["deploy"] = ("/deploy/", [("v1", {"Version": V, "Statement": [
            {"Sid": "Deploy", "Effect": "Allow",
             "Action": ["sagemaker:CreateModel", "sagemaker:CreateEndpointConfig",
                        "sagemaker:CreateEndpoint", "sagemaker:CreateTrainingJob",
                        "sagemaker:Describe*"], "Resource": "*"},
            {"Sid": "PassProdExecutionRoles", "Effect": "Allow", "Action": "iam:PassRole",
             "Resource": f"arn:aws:iam::{acct}:role/service-role/*",
             "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}}]})])
    return out


def chain_roles(g, acct, chains, carn):
    """Roles whose trust and identity policies make chains."""
    def role(path, name, trust_doc, attached, tags):
        return {
            "Path": path, "RoleName": name, "RoleId": g.ident("AROA"),
            "Arn": f"arn:aws:iam::{acct}:role{path}{name}", "CreateDate": g.date(),
            "AssumeRolePolicyDocument": trust_doc, "InstanceProfileList": [],
            "RolePolicyList": [],
            "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a}
                                        for a in attached],
            "Tags": [{"Key": k, "Value": v} for k, v in tags],
            "RoleLastUsed": {},
        }
    root = {"AWS": f"arn:aws:iam::{acct}:root"}
    out = []
    first = chains.get("first")
    if first:
        # The second account: deploy roles trusting the first account's team MLOps roles.
        for team in TEAMS:
            out.append(role("/deploy/", f"deploy-{team}",
                            trust({"AWS": f"arn:aws:iam::{first}:role/ml/mlops-{team}"}),
                            [carn["deploy"]], [("team", team)]))
        out.append(role("/", "audit-readonly",
                        trust({"AWS": f"arn:aws:iam::{first}:root"}, condition={
                            "StringEquals": {"sts:ExternalId": "audit-7f3c"}}),
                        [], [("team", "security")]))
        return out
    for team in TEAMS:
        out.append(role("/ml/", f"mlops-{team}", trust(root), [carn["mlops"]], [("team", team)]))
    out.append(role("/ci/", "deployer",
                    trust(root, condition={"StringEquals": {"sts:ExternalId": "ci-1b7e"}}),
                    [carn["ci-deployer"]], [("team", "platform")]))
    for k in range(10):
        out.append(role("/ops/", f"platform-oncall-{k}",
                        trust(root, condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
                        [carn["platform-oncall"]], [("team", "platform")]))
    out.append(role("/", "cycle-a", trust({"AWS": f"arn:aws:iam::{acct}:role/cycle-b"}), [],
                    [("team", "platform")]))
    out.append(role("/", "cycle-b", trust({"AWS": f"arn:aws:iam::{acct}:role/cycle-a"}), [],
                    [("team", "platform")]))
    return out


def write(gaad, out, pretty):
    with out.open("w") as f:
        if pretty:
            json.dump(gaad, f, indent=4)
        else:
            json.dump(gaad, f, separators=(",", ":"))
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--roles", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="large-account.json")
    ap.add_argument("--account", default="123456789012")
    ap.add_argument("--managed-dir", default=None)
    ap.add_argument("--pretty", action="store_true")
    ap.add_argument("--chains", action="store_true")
    ap.add_argument("--second-out", default=None)
    ap.add_argument("--second-account", default="444455556666")
    ap.add_argument("--second-roles", type=int, default=1000)
    args = ap.parse_args()
    if args.roles < 1:
        ap.error("--roles must be at least 1")
    if not (len(args.account) == 12 and args.account.isdigit()):
        ap.error("--account must be 12 digits")
    if args.second_out and not args.chains:
        ap.error("--second-out needs --chains")
    if not (len(args.second_account) == 12 and args.second_account.isdigit()):
        ap.error("--second-account must be 12 digits")

    g = Gen(args)
    rng = g.rng
    acct = args.account
    mdir = Path(args.managed_dir) if args.managed_dir else (
        Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "managed-policies")
    aws_docs = {}  # name -> (document, version id)
    real = 0
    for name, version, fallback in (("AmazonSageMakerFullAccess", "v29", stand_in_full_access),
                                    ("AmazonSageMakerReadOnly", "v11", stand_in_read_only)):
        f = mdir / f"{name}.json"
        if f.is_file():
            aws_docs[name] = (json.loads(f.read_text()), version)
            real += 1
        else:
            aws_docs[name] = (fallback(), "v1")

    chains = None
    if args.chains:
        chains = {"rng": random.Random(args.seed + 1000)}
        if args.second_out:
            chains["peer"] = args.second_account
    gaad, n_customer, n_inline, n_boundary = build_account(g, acct, args.roles, aws_docs, chains)
    out = Path(args.out)
    write(gaad, out, args.pretty)
    source = f"AWS managed documents from {mdir}" if real == 2 else (
        "built-in stand-ins for AWS managed documents" if real == 0 else
        f"{real} AWS managed document(s) from {mdir}, others stand-ins")
    print(f"wrote {out}: account {acct}, {len(gaad['RoleDetailList'])} roles, {n_customer} customer-managed + "
          f"{len(aws_docs)} AWS managed policies, {n_inline} inline policies, {n_boundary} boundaries, "
          f"{len(TEAMS)} teams, {out.stat().st_size} bytes (seed {args.seed}; {source})")
    if args.chains and args.second_out:
        second = {"rng": random.Random(args.seed + 2000), "first": acct}
        g2 = Gen(args)
        g2.rng = random.Random(args.seed + 1)
        gaad2, n2, i2, b2 = build_account(g2, args.second_account, args.second_roles, aws_docs, second)
        out2 = Path(args.second_out)
        write(gaad2, out2, args.pretty)
        print(f"wrote {out2}: account {args.second_account}, {len(gaad2['RoleDetailList'])} roles, "
              f"{n2} customer-managed policies, {i2} inline policies, {b2} boundaries, "
              f"{out2.stat().st_size} bytes")

if __name__ == "__main__":
    sys.exit(main())
