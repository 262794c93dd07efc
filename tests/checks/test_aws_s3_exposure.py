"""checks.aws.s3.exposure: S3's effective exposure across ACL, policy, BPA and ownership."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from checks.aws.s3.exposure import (
    ALL_USERS,
    AUTHENTICATED_USERS,
    FLAGS,
    Verdict,
    account_block,
    assess,
    bucket_arn,
    effective_block,
)
from scanner.resources.aws import (
    PublicAccessBlock,
    S3AccountSettings,
    S3Acl,
    S3Bucket,
    S3BucketPolicy,
    S3Grant,
)
from scanner.snapshot import Snapshot

ACCOUNT = "111122223333"
OWNER = S3Grant("CanonicalUser", "79a59df9", "FULL_CONTROL")
OPEN = PublicAccessBlock(configured=False)
UNSET = object()  # "leave the default" marker for make()


def block(*on: str) -> PublicAccessBlock:
    attrs = ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets")
    names = dict(zip(FLAGS, attrs, strict=True))
    return PublicAccessBlock(**{names[f]: True for f in on})


def make(
    *grants: S3Grant,
    document: Any = None,
    pab: Any = UNSET,
    ownership: Any = "ObjectWriter",
    acl: Any = UNSET,
    policy: Any = UNSET,
) -> S3Bucket:
    return S3Bucket(
        account=ACCOUNT,
        region="us-east-1",
        resource_id="arn:aws:s3:::example",
        name="example",
        acl=S3Acl("79a59df9", (OWNER, *grants)) if acl is UNSET else acl,
        policy=S3BucketPolicy(document) if policy is UNSET else policy,
        public_access_block=OPEN if pab is UNSET else pab,
        object_ownership=ownership,
    )


def public_policy(action: Any = "s3:GetObject") -> dict[str, Any]:
    return {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": action, "Resource": "*"}]}


# ACL route ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("permission", "readable", "writable"),
    [
        ("READ", True, False),
        ("READ_ACP", True, False),
        ("WRITE", False, True),
        ("WRITE_ACP", False, True),
        ("FULL_CONTROL", True, True),
    ],
)
@pytest.mark.parametrize("uri", [ALL_USERS, AUTHENTICATED_USERS])
def test_public_acl_grants(uri: str, permission: str, readable: bool, writable: bool) -> None:
    route = assess(make(S3Grant("Group", uri, permission)), OPEN).acl
    assert (route.verdict, route.readable, route.writable) == (Verdict.PUBLIC, readable, writable)
    assert route.evidence[0]["uri"] == uri
    assert route.evidence[0]["permission"] == permission


@pytest.mark.parametrize(
    "grant",
    [
        S3Grant("CanonicalUser", "someone-else", "READ"),
        S3Grant("Group", "http://acs.amazonaws.com/groups/s3/LogDelivery", "WRITE"),
        S3Grant("AmazonCustomerByEmail", "a@example.com", "FULL_CONTROL"),
    ],
)
def test_grants_that_are_not_public(grant: S3Grant) -> None:
    assert assess(make(grant), OPEN).acl.verdict is Verdict.NOT_PUBLIC


READ_ALL = S3Grant("Group", ALL_USERS, "READ")


@pytest.mark.parametrize(
    ("bucket_pab", "account_pab", "ownership", "verdict", "neutralised_by", "unknown"),
    [
        (OPEN, OPEN, "ObjectWriter", Verdict.PUBLIC, (), ()),
        (OPEN, block("IgnorePublicAcls"), "ObjectWriter", Verdict.NEUTRALISED, ("account:IgnorePublicAcls",), ()),
        (block("IgnorePublicAcls"), OPEN, "ObjectWriter", Verdict.NEUTRALISED, ("bucket:IgnorePublicAcls",), ()),
        (
            block("IgnorePublicAcls"),
            block("IgnorePublicAcls"),
            "BucketOwnerEnforced",
            Verdict.NEUTRALISED,
            ("bucket:IgnorePublicAcls", "account:IgnorePublicAcls", "ownership:BucketOwnerEnforced"),
            (),
        ),
        (OPEN, OPEN, "BucketOwnerEnforced", Verdict.NEUTRALISED, ("ownership:BucketOwnerEnforced",), ()),
        (OPEN, OPEN, "BucketOwnerPreferred", Verdict.PUBLIC, (), ()),
        # BlockPublicAcls only refuses new public ACLs; it does not neutralise this one.
        (
            block("BlockPublicAcls"),
            block("BlockPublicAcls", "BlockPublicPolicy"),
            "ObjectWriter",
            Verdict.PUBLIC,
            (),
            (),
        ),
        # RestrictPublicBuckets is about policies, not ACLs.
        (block("RestrictPublicBuckets"), OPEN, "ObjectWriter", Verdict.PUBLIC, (), ()),
        (OPEN, None, "ObjectWriter", Verdict.UNKNOWN, (), ("account:public_access_block",)),
        (None, OPEN, "ObjectWriter", Verdict.UNKNOWN, (), ("bucket:public_access_block",)),
        (OPEN, OPEN, None, Verdict.UNKNOWN, (), ("bucket:object_ownership",)),
        (
            None,
            None,
            None,
            Verdict.UNKNOWN,
            (),
            ("bucket:public_access_block", "account:public_access_block", "bucket:object_ownership"),
        ),
        # Any one layer that neutralises decides, whatever the unread layers say.
        (None, block("IgnorePublicAcls"), None, Verdict.NEUTRALISED, ("account:IgnorePublicAcls",), ()),
        (block("IgnorePublicAcls"), None, None, Verdict.NEUTRALISED, ("bucket:IgnorePublicAcls",), ()),
        (None, None, "BucketOwnerEnforced", Verdict.NEUTRALISED, ("ownership:BucketOwnerEnforced",), ()),
    ],
)
def test_acl_layers(
    bucket_pab: PublicAccessBlock | None,
    account_pab: PublicAccessBlock | None,
    ownership: str | None,
    verdict: Verdict,
    neutralised_by: tuple[str, ...],
    unknown: tuple[str, ...],
) -> None:
    route = assess(make(READ_ALL, pab=bucket_pab, ownership=ownership), account_pab).acl
    assert (route.verdict, route.neutralised_by, route.unknown) == (verdict, neutralised_by, unknown)


def test_acl_not_public_needs_no_other_layer() -> None:
    route = assess(make(pab=None, ownership=None), None).acl
    assert route.verdict is Verdict.NOT_PUBLIC


def test_unread_acl_is_unknown_even_when_layers_would_neutralise() -> None:
    route = assess(make(acl=None, pab=block(*FLAGS)), block(*FLAGS)).acl
    assert (route.verdict, route.unknown) == (Verdict.UNKNOWN, ("bucket:acl",))


# Policy route ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bucket_pab", "account_pab", "verdict", "neutralised_by", "unknown"),
    [
        (OPEN, OPEN, Verdict.PUBLIC, (), ()),
        (block("RestrictPublicBuckets"), OPEN, Verdict.NEUTRALISED, ("bucket:RestrictPublicBuckets",), ()),
        (OPEN, block("RestrictPublicBuckets"), Verdict.NEUTRALISED, ("account:RestrictPublicBuckets",), ()),
        (None, block("RestrictPublicBuckets"), Verdict.NEUTRALISED, ("account:RestrictPublicBuckets",), ()),
        (block("RestrictPublicBuckets"), None, Verdict.NEUTRALISED, ("bucket:RestrictPublicBuckets",), ()),
        # BlockPublicPolicy only refuses new public policies; IgnorePublicAcls is about ACLs.
        (block("BlockPublicPolicy", "IgnorePublicAcls"), block("BlockPublicPolicy"), Verdict.PUBLIC, (), ()),
        (OPEN, None, Verdict.UNKNOWN, (), ("account:public_access_block",)),
        (None, OPEN, Verdict.UNKNOWN, (), ("bucket:public_access_block",)),
    ],
)
def test_policy_layers(
    bucket_pab: PublicAccessBlock | None,
    account_pab: PublicAccessBlock | None,
    verdict: Verdict,
    neutralised_by: tuple[str, ...],
    unknown: tuple[str, ...],
) -> None:
    route = assess(make(document=public_policy(), pab=bucket_pab), account_pab).policy
    assert (route.verdict, route.neutralised_by, route.unknown) == (verdict, neutralised_by, unknown)


def test_bucket_owner_enforced_does_not_neutralise_a_policy() -> None:
    route = assess(make(document=public_policy(), ownership="BucketOwnerEnforced"), OPEN).policy
    assert route.verdict is Verdict.PUBLIC


@pytest.mark.parametrize(
    ("action", "readable", "writable"),
    [
        ("s3:GetObject", True, False),
        ("s3:PutObject", False, True),
        ("s3:*", True, True),
        (["s3:List*", "s3:Get*"], True, False),
    ],
)
def test_policy_access(action: Any, readable: bool, writable: bool) -> None:
    route = assess(make(document=public_policy(action)), OPEN).policy
    assert (route.readable, route.writable) == (readable, writable)
    assert route.evidence[0]["index"] == 0


@pytest.mark.parametrize(
    ("policy", "verdict"),
    [
        (S3BucketPolicy(None), Verdict.NOT_PUBLIC),
        (S3BucketPolicy({"Statement": []}), Verdict.NOT_PUBLIC),
        (S3BucketPolicy({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*"}]}), Verdict.NOT_PUBLIC),
        (None, Verdict.UNKNOWN),
        (S3BucketPolicy({"Statement": 3}), Verdict.UNKNOWN),
    ],
)
def test_policy_presence(policy: S3BucketPolicy | None, verdict: Verdict) -> None:
    assert assess(make(policy=policy, pab=None), None).policy.verdict is verdict


def test_malformed_policy_reports_the_parse_error() -> None:
    route = assess(make(policy=S3BucketPolicy({"Statement": 3})), OPEN).policy
    assert route.unknown == ()
    assert route.error is not None and "Statement" in route.error


# Details -------------------------------------------------------------------------------------


def test_details_name_the_deciding_layers() -> None:
    bucket = make(READ_ALL, document=public_policy(), pab=block("IgnorePublicAcls"))
    bucket = replace(bucket, policy=S3BucketPolicy(public_policy(), is_public=True))
    exposure = assess(bucket, block("RestrictPublicBuckets"))
    acl = exposure.details(exposure.acl)
    assert acl["verdict"] == "neutralised"
    assert acl["exposed_via"] == ["acl"]
    assert acl["neutralised_by"] == ["bucket:IgnorePublicAcls"]
    assert acl["public_grants"] == [{"grantee": "AllUsers", "uri": ALL_USERS, "permission": "READ"}]
    assert acl["block_public_access"]["bucket"]["IgnorePublicAcls"] is True
    assert acl["block_public_access"]["account"]["RestrictPublicBuckets"] is True
    assert acl["object_ownership"] == "ObjectWriter"
    assert "aws_policy_status_is_public" not in acl
    policy = exposure.details(exposure.policy)
    assert policy["neutralised_by"] == ["account:RestrictPublicBuckets"]
    assert policy["aws_policy_status_is_public"] is True
    assert [s["principal"] for s in policy["public_statements"]] == ["everyone"]


def test_details_show_unread_layers_as_null() -> None:
    exposure = assess(make(READ_ALL, pab=None), None)
    details = exposure.details(exposure.acl)
    assert details["block_public_access"] == {"account": None, "bucket": None}
    assert details["unknown_layers"] == ["bucket:public_access_block", "account:public_access_block"]
    assert details["exposed_via"] == ["acl"]


# Account lookup, ARN, effective Block Public Access ------------------------------------------


def test_account_block_matches_the_bucket_account() -> None:
    other = S3AccountSettings(
        account="444455556666",
        region="us-east-1",
        resource_id="444455556666",
        name="x",
        public_access_block=block(*FLAGS),
    )
    mine = S3AccountSettings(
        account=ACCOUNT,
        region="us-east-1",
        resource_id=ACCOUNT,
        name="y",
        public_access_block=block("IgnorePublicAcls"),
    )
    unread = S3AccountSettings(account="999999999999", region="us-east-1", resource_id="999999999999", name="z")
    snap = Snapshot(records=[other, mine, unread])
    assert account_block(snap, ACCOUNT) == block("IgnorePublicAcls")
    assert account_block(snap, "999999999999") is None
    assert account_block(snap, "000000000000") is None


@pytest.mark.parametrize(
    ("resource_id", "arn"),
    [
        ("arn:aws:s3:::example", "arn:aws:s3:::example"),
        ("arn:aws-cn:s3:::example", "arn:aws-cn:s3:::example"),
        ("example", "arn:aws:s3:::example"),
    ],
)
def test_bucket_arn(resource_id: str, arn: str) -> None:
    bucket = S3Bucket(account=ACCOUNT, region="us-east-1", resource_id=resource_id, name="example")
    assert bucket_arn(bucket) == arn


@pytest.mark.parametrize(
    ("bucket_pab", "account_pab", "missing", "unknown"),
    [
        (block(*FLAGS), None, (), ()),
        (None, block(*FLAGS), (), ()),
        (block("BlockPublicAcls", "BlockPublicPolicy"), block("IgnorePublicAcls", "RestrictPublicBuckets"), (), ()),
        (OPEN, OPEN, FLAGS, ()),
        (block("IgnorePublicAcls"), OPEN, ("BlockPublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), ()),
        (block("IgnorePublicAcls"), None, (), ("BlockPublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")),
        (None, OPEN, (), FLAGS),
        (None, None, (), FLAGS),
    ],
)
def test_effective_block(
    bucket_pab: PublicAccessBlock | None,
    account_pab: PublicAccessBlock | None,
    missing: tuple[str, ...],
    unknown: tuple[str, ...],
) -> None:
    effective = effective_block(bucket_pab, account_pab)
    assert (effective.missing, effective.unknown) == (missing, unknown)


def test_effective_block_sources() -> None:
    effective = effective_block(block("BlockPublicAcls", "IgnorePublicAcls"), block("IgnorePublicAcls"))
    assert effective.sources == {
        "BlockPublicAcls": ["bucket"],
        "IgnorePublicAcls": ["bucket", "account"],
        "BlockPublicPolicy": [],
        "RestrictPublicBuckets": [],
    }
