"""checks.aws.policy: grammar normalisation, public statements, TLS denial, actions."""

from __future__ import annotations

from typing import Any

import pytest

from checks.aws.policy import (
    CONFINES,
    PolicyError,
    allow_verdicts,
    classify_actions,
    condition_verdict,
    insecure_transport_denial,
    open_principal,
    parse,
    public_statements,
    wildcard_match,
)

OBJECTS = "arn:aws:s3:::example-bucket/*"


def allow(principal: Any = "*", action: Any = "s3:GetObject", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": OBJECTS, **extra}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


# Grammar -------------------------------------------------------------------------------


def test_statement_may_be_a_single_object() -> None:
    (statement,) = parse({"Statement": allow(Sid="One")})
    assert (statement.index, statement.sid, statement.effect) == (0, "One", "Allow")
    assert statement.actions == ("s3:GetObject",)
    assert statement.resources == (OBJECTS,)


def test_list_of_statements_keeps_order_and_indexes() -> None:
    statements = parse(doc(allow(Sid="a"), {"Effect": "Deny", "Principal": "*", "NotAction": ["s3:Get*"]}))
    assert [(s.index, s.sid, s.effect) for s in statements] == [(0, "a", "Allow"), (1, None, "Deny")]
    assert statements[1].actions == ("s3:Get*",)
    assert statements[1].action_negated is True
    assert statements[1].resources == ()


@pytest.mark.parametrize(
    ("raw", "entries"),
    [
        ("*", {"*": ("*",)}),
        ({"AWS": "*"}, {"AWS": ("*",)}),
        ({"AWS": ["arn:aws:iam::111122223333:root", "*"]}, {"AWS": ("arn:aws:iam::111122223333:root", "*")}),
        ({"AWS": "111122223333"}, {"AWS": ("111122223333",)}),
        ({"CanonicalUser": "79a59df9"}, {"CanonicalUser": ("79a59df9",)}),
        ({"Service": ["cloudtrail.amazonaws.com"]}, {"Service": ("cloudtrail.amazonaws.com",)}),
        ({"Federated": "cognito-identity.amazonaws.com"}, {"Federated": ("cognito-identity.amazonaws.com",)}),
        ({"aws": "*"}, {"AWS": ("*",)}),
    ],
)
def test_principal_shapes(raw: Any, entries: dict[str, tuple[str, ...]]) -> None:
    (statement,) = parse(doc(allow(principal=raw)))
    assert statement.principal is not None
    assert dict(statement.principal.entries) == entries


@pytest.mark.parametrize(
    ("operator", "base", "qualifier", "if_exists"),
    [
        ("StringEquals", "stringequals", None, False),
        ("StringLikeIfExists", "stringlike", None, True),
        ("ForAnyValue:StringLike", "stringlike", "foranyvalue", False),
        ("ForAllValues:StringEqualsIfExists", "stringequals", "forallvalues", True),
        ("BoolIfExists", "bool", None, True),
    ],
)
def test_condition_operator_forms(operator: str, base: str, qualifier: str | None, if_exists: bool) -> None:
    (statement,) = parse(doc(allow(Condition={operator: {"aws:SourceVpce": "vpce-1"}})))
    (condition,) = statement.conditions
    assert (condition.operator, condition.base, condition.qualifier, condition.if_exists) == (
        operator,
        base,
        qualifier,
        if_exists,
    )


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ("false", ("false",)),
        (False, ("false",)),
        ([True, "x"], ("true", "x")),
        (1.2, ("1.2",)),
        (["a", "b"], ("a", "b")),
    ],
)
def test_condition_values_are_rendered_as_strings(value: Any, rendered: tuple[str, ...]) -> None:
    (statement,) = parse(doc(allow(Condition={"Bool": {"aws:SecureTransport": value}})))
    assert statement.conditions[0].values == rendered


@pytest.mark.parametrize(
    "document",
    [
        [],
        {},
        {"Statement": "nope"},
        {"Statement": ["nope"]},
        doc({"Effect": "Maybe", "Principal": "*"}),
        doc(allow(NotAction="s3:PutObject")),
        doc({**allow(), "NotPrincipal": "*"}),
        doc(allow(principal={"Robot": "x"})),
        doc(allow(principal=["*"])),
        doc(allow(action=["s3:GetObject", 7])),
        doc(allow(Condition=["StringEquals"])),
        doc(allow(Condition={"StringEquals": "aws:SourceVpce"})),
        doc(allow(Condition={"Sometimes:StringEquals": {"aws:SourceVpce": "v"}})),
        doc(allow(Condition={"StringEquals": {"aws:SourceVpce": {"nested": "v"}}})),
    ],
)
def test_malformed_documents_raise(document: Any) -> None:
    with pytest.raises(PolicyError):
        parse(document)


@pytest.mark.parametrize(
    ("pattern", "value", "case_sensitive", "matches"),
    [
        ("s3:Get*", "s3:GetObject", False, True),
        ("S3:get*", "s3:GetObject", False, True),
        ("s3:Get?bject", "s3:GetObject", False, True),
        ("s3:Get?", "s3:GetObject", False, False),
        ("*", "kms:Decrypt", False, True),
        ("s3:*", "sqs:SendMessage", False, False),
        ("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/x", True, False),
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/x", True, True),
    ],
)
def test_wildcard_match(pattern: str, value: str, case_sensitive: bool, matches: bool) -> None:
    assert wildcard_match(pattern, value, case_sensitive=case_sensitive) is matches


@pytest.mark.parametrize(
    ("statement", "action", "covered"),
    [
        ({"Action": "s3:*"}, "s3:GetObject", True),
        ({"Action": ["s3:PutObject", "s3:GetObject"]}, "s3:GetObject", True),
        ({"Action": "s3:PutObject"}, "s3:GetObject", False),
        ({"NotAction": "s3:PutObject"}, "s3:GetObject", True),
        ({"NotAction": "s3:Get*"}, "s3:GetObject", False),
    ],
)
def test_covers_action(statement: dict[str, Any], action: str, covered: bool) -> None:
    (parsed,) = parse(doc({"Effect": "Deny", "Principal": "*", **statement}))
    assert parsed.covers_action(action) is covered


# Public principals and confining conditions -----------------------------------------------


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        ("*", "everyone"),
        ({"AWS": "*"}, "everyone"),
        ({"AWS": ["arn:aws:iam::111122223333:root", "*"]}, "everyone"),
        ({"AWS": "arn:aws:iam::*:root"}, "wildcard-principal"),
        ({"Federated": "graph.facebook.com"}, "federated-web-identity"),
        ({"Federated": "arn:aws:iam::111122223333:saml-provider/corp"}, None),
        ({"AWS": "111122223333"}, None),
        ({"AWS": ["arn:aws:iam::111122223333:role/app", "444455556666"]}, None),
        ({"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}, None),
        ({"Service": "cloudtrail.amazonaws.com"}, None),
    ],
)
def test_open_principal(principal: Any, expected: str | None) -> None:
    (statement,) = parse(doc(allow(principal=principal)))
    assert open_principal(statement) == expected


def test_not_principal_with_allow_is_open() -> None:
    raw = {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:*"}
    (statement,) = parse(doc(raw))
    assert open_principal(statement) == "not-principal"


@pytest.mark.parametrize(
    ("operator", "key", "value", "reason"),
    [
        ("StringEquals", "aws:SourceVpce", "vpce-1a2b3c4d", CONFINES),
        ("StringEquals", "AWS:SOURCEVPCE", "vpce-1a2b3c4d", CONFINES),
        ("StringEquals", "aws:SourceVpc", ["vpc-1", "vpc-2"], CONFINES),
        ("StringEqualsIfExists", "aws:SourceVpce", "vpce-1a2b3c4d", "if-exists"),
        ("StringNotEquals", "aws:SourceVpce", "vpce-1a2b3c4d", "negated-operator"),
        ("StringEquals", "aws:SourceVpce", "", "empty-value"),
        ("StringEquals", "aws:SourceVpce", [], "empty-value"),
        ("Null", "aws:SourceVpce", "false", "operator-not-confining"),
        ("StringEquals", "aws:PrincipalOrgID", ["o-a1b2c3d4e5", "o-f6g7h8i9j0"], CONFINES),
        ("StringLike", "aws:PrincipalOrgID", "*", "wildcard-value"),
        ("StringLike", "aws:PrincipalOrgID", "o-*", "wildcard-value"),
        ("ForAllValues:StringEquals", "aws:PrincipalOrgID", "o-a1b2c3d4e5", "for-all-values"),
        ("ForAnyValue:StringLike", "aws:PrincipalOrgPaths", "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*", CONFINES),
        ("ForAnyValue:StringLike", "aws:PrincipalOrgPaths", "*/r-ab12/*", "wildcard-value"),
        ("StringEquals", "aws:PrincipalAccount", "111122223333", CONFINES),
        ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::111122223333:role/*", CONFINES),
        ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/admin", "wildcard-value"),
        ("StringEquals", "aws:SourceAccount", "${aws:PrincipalAccount}", "policy-variable"),
        ("ArnEquals", "aws:SourceArn", "arn:aws:cloudfront::111122223333:distribution/E1", CONFINES),
        ("ArnLike", "aws:SourceArn", "arn:aws:sns:*:111122223333:*", "wildcard-value"),
        ("StringEquals", "aws:SourceOwner", "111122223333", CONFINES),
        ("StringLike", "aws:userid", "AROAEXAMPLEID:*", CONFINES),
        ("StringLike", "aws:userid", "*:alice", "wildcard-value"),
        ("StringEquals", "aws:username", "alice", "key-not-confining"),
        ("StringEquals", "aws:PrincipalServiceName", "cloudtrail.amazonaws.com", CONFINES),
        ("StringEquals", "s3:DataAccessPointAccount", "111122223333", CONFINES),
        ("StringLike", "s3:DataAccessPointArn", "arn:aws:s3:us-west-2:111122223333:accesspoint/*", CONFINES),
        ("Bool", "aws:SecureTransport", "true", "key-not-confining"),
        ("IpAddress", "aws:SourceIp", "10.0.0.0/8", CONFINES),
        ("IpAddress", "aws:SourceIp", ["192.168.0.0/16", "203.0.113.7"], CONFINES),
        ("IpAddress", "aws:SourceIp", "11.0.0.0/8", CONFINES),
        ("IpAddress", "aws:SourceIp", "0.0.0.0/0", "wide-cidr"),
        ("IpAddress", "aws:SourceIp", "0.0.0.0/1", "wide-cidr"),
        ("IpAddress", "aws:SourceIp", ["10.0.0.0/8", "0.0.0.0/0"], "wide-cidr"),
        ("IpAddress", "aws:SourceIp", "2001:db8::/32", CONFINES),
        ("IpAddress", "aws:SourceIp", "2001:db8::/31", "wide-cidr"),
        ("IpAddress", "aws:SourceIp", "::/0", "wide-cidr"),
        ("IpAddress", "aws:SourceIp", "not-an-address", "invalid-cidr"),
        ("NotIpAddress", "aws:SourceIp", "10.0.0.0/8", "negated-operator"),
        ("StringEquals", "aws:SourceIp", "10.0.0.0/8", "operator-not-confining"),
        ("IpAddressIfExists", "aws:SourceIp", "10.0.0.0/8", "if-exists"),
    ],
)
def test_condition_verdict(operator: str, key: str, value: Any, reason: str) -> None:
    (statement,) = parse(doc(allow(Condition={operator: {key: value}})))
    verdict = condition_verdict(statement.conditions[0])
    assert verdict.reason == reason
    assert verdict.confines is (reason == CONFINES)


# Whole documents ---------------------------------------------------------------------------

PUBLIC_CASES: list[tuple[str, dict[str, Any], list[tuple[int, str, str]]]] = [
    ("single object, principal *", {"Statement": allow()}, [(0, "everyone", "read")]),
    ("AWS * write", doc(allow(principal={"AWS": "*"}, action="s3:PutObject")), [(0, "everyone", "write")]),
    ("deny only", doc({**allow(), "Effect": "Deny"}), []),
    ("fixed principal", doc(allow(principal={"AWS": "arn:aws:iam::444455556666:root"})), []),
    ("vpce", doc(allow(Condition={"StringEquals": {"aws:SourceVpce": "vpce-1"}})), []),
    (
        "one confining condition is enough",
        doc(allow(Condition={"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"aws:SourceVpc": "vpc-1"}})),
        [],
    ),
    (
        "org id wildcard",
        doc(allow(action="s3:*", Condition={"StringLike": {"aws:PrincipalOrgID": "*"}})),
        [(0, "everyone", "both")],
    ),
    (
        "not principal, not action",
        doc({"Effect": "Allow", "NotPrincipal": {"AWS": "111122223333"}, "NotAction": "s3:DeleteBucket"}),
        [(0, "not-principal", "both")],
    ),
    (
        "federated web identity",
        doc(allow(principal={"Federated": "graph.facebook.com"})),
        [(0, "federated-web-identity", "read")],
    ),
    (
        "mixed statements",
        doc(
            allow(principal={"Service": "cloudtrail.amazonaws.com"}, action="s3:PutObject"),
            allow(principal={"AWS": "444455556666"}),
            allow(action=["s3:GetObject", "s3:ListBucket"]),
        ),
        [(2, "everyone", "read")],
    ),
]


@pytest.mark.parametrize(("name", "document", "expected"), PUBLIC_CASES, ids=[c[0] for c in PUBLIC_CASES])
def test_public_statements(name: str, document: dict[str, Any], expected: list[tuple[int, str, str]]) -> None:
    found = public_statements(document)
    assert [(v.statement.index, v.principal, v.access) for v in found] == expected


def test_public_statement_detail_names_the_unconfining_conditions() -> None:
    document = doc(allow(Sid="Office", Condition={"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}))
    (verdict,) = public_statements(document)
    assert verdict.as_detail() == {
        "index": 0,
        "sid": "Office",
        "actions": ["s3:GetObject"],
        "not_action": False,
        "access": "read",
        "principal": "everyone",
        "conditions": [{"key": "aws:SourceIp", "operator": "IpAddress", "reason": "wide-cidr"}],
    }


@pytest.mark.parametrize(
    ("patterns", "access"),
    [
        (["s3:GetObject"], "read"),
        (["s3:Get*", "s3:ListBucket"], "read"),
        (["s3:PutObject"], "write"),
        (["s3:Put*", "s3:DeleteObject"], "write"),
        (["s3:GetObject", "s3:PutObject"], "both"),
        (["s3:*"], "both"),
        (["*"], "both"),
        (["s3:*Object"], "both"),
        (["s3:De*"], "both"),
        (["sqs:ReceiveMessage"], "read"),
        (["sns:Publish"], "write"),
        ([], "none"),
    ],
)
def test_classify_actions(patterns: list[str], access: str) -> None:
    assert classify_actions(patterns) == access


# Insecure transport ------------------------------------------------------------------------

BUCKET = "arn:aws:s3:::example-bucket"


def deny(**overrides: Any) -> dict[str, Any]:
    statement = {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [BUCKET, f"{BUCKET}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    statement.update(overrides)
    return {k: v for k, v in statement.items() if v is not None}


def transport(document: dict[str, Any]) -> str | None:
    found = insecure_transport_denial(
        document, actions=("s3:GetObject",), resource_prefix=f"{BUCKET}/", tls_version_keys=("s3:TlsVersion",)
    )
    return found.condition if found else None


@pytest.mark.parametrize(
    ("statement", "condition"),
    [
        (deny(), "Bool aws:SecureTransport false"),
        (deny(Condition={"Bool": {"aws:SecureTransport": False}}), "Bool aws:SecureTransport false"),
        (
            deny(Condition={"BoolIfExists": {"aws:securetransport": ["false"]}}),
            "BoolIfExists aws:securetransport false",
        ),
        (deny(Principal={"AWS": "*"}, Action="*", Resource="*"), "Bool aws:SecureTransport false"),
        (deny(Action="s3:GetObject", Resource=f"{BUCKET}*"), "Bool aws:SecureTransport false"),
        (deny(Resource="arn:aws:s3:::*"), "Bool aws:SecureTransport false"),
        (deny(NotAction="s3:ListBucket", Action=None), "Bool aws:SecureTransport false"),
        (deny(Condition={"NumericLessThan": {"s3:TlsVersion": "1.2"}}), "NumericLessThan s3:TlsVersion 1.2"),
        (deny(Condition={"NumericLessThan": {"s3:TlsVersion": 1.3}}), "NumericLessThan s3:TlsVersion 1.3"),
        (
            deny(Condition={"NumericLessThanEquals": {"s3:TlsVersion": "1.1"}}),
            "NumericLessThanEquals s3:TlsVersion 1.1",
        ),
    ],
)
def test_denies_insecure_transport(statement: dict[str, Any], condition: str) -> None:
    assert transport(doc(statement)) == condition
    assert transport({"Statement": statement}) == condition


@pytest.mark.parametrize(
    "statement",
    [
        deny(Effect="Allow"),
        deny(Principal={"AWS": "arn:aws:iam::111122223333:root"}),
        deny(Principal=None, NotPrincipal={"AWS": "111122223333"}),
        deny(Action="s3:PutObject"),
        deny(Resource=BUCKET),
        deny(Resource="arn:aws:s3:::other-bucket/*"),
        deny(Resource=f"{BUCKET}/public/*"),
        deny(Resource=None, NotResource="arn:aws:s3:::other-bucket/*"),
        deny(Condition={"Bool": {"aws:SecureTransport": "true"}}),
        deny(Condition=None),
        deny(Condition={"Bool": {"aws:SecureTransport": "false"}, "StringEquals": {"aws:SourceVpce": "vpce-1"}}),
        deny(Condition={"NumericLessThan": {"s3:TlsVersion": "1.0"}}),
        deny(Condition={"NumericLessThan": {"s3:TlsVersion": "one point two"}}),
        deny(Condition={"ForAnyValue:Bool": {"aws:SecureTransport": "false"}}),
    ],
)
def test_does_not_deny_insecure_transport(statement: dict[str, Any]) -> None:
    assert transport(doc(statement)) is None


def test_tls_version_needs_the_caller_to_name_the_key() -> None:
    document = doc(deny(Condition={"NumericLessThan": {"s3:TlsVersion": "1.2"}}))
    assert insecure_transport_denial(document, actions=("s3:GetObject",), resource_prefix=f"{BUCKET}/") is None


def test_first_matching_statement_is_reported() -> None:
    document = doc(allow(), deny(Sid="Later"))
    found = insecure_transport_denial(document, actions=("s3:GetObject",), resource_prefix=f"{BUCKET}/")
    assert found is not None
    assert found.as_detail() == {"index": 1, "sid": "Later", "condition": "Bool aws:SecureTransport false"}


# A Deny for everyone outside a fixed set confines a public Allow ---------------------------


def deny_unless(condition: dict[str, Any], action: Any = "s3:*", resource: Any = None) -> dict[str, Any]:
    return {
        "Sid": "OnlyFromInside",
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": resource if resource is not None else ["arn:aws:s3:::example-bucket", OBJECTS],
        "Condition": condition,
    }


@pytest.mark.parametrize(
    ("allow_statement", "deny_statement", "confining"),
    [
        (allow(), deny_unless({"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}), (1,)),
        (allow(), deny_unless({"StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d"}}), (1,)),
        (allow(), deny_unless({"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}, action="*"), (1,)),
        (allow(), deny_unless({"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}, resource="*"), (1,)),
        (
            allow(action="s3:Get*"),
            deny_unless({"StringNotEquals": {"aws:SourceVpc": "vpc-1", "aws:PrincipalAccount": "111122223333"}}),
            (1,),
        ),
        (allow(), deny_unless({"StringNotLike": {"aws:SourceVpce": "vpce-*"}}), ()),
        (allow(), deny_unless({"NotIpAddress": {"aws:SourceIp": "0.0.0.0/0"}}), ()),
        (allow(), deny_unless({"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}), ()),
        (allow(), deny_unless({"Bool": {"aws:SecureTransport": "false"}}), ()),
        (allow(), deny_unless({"StringNotEquals": {"aws:username": "alice"}}), ()),
        (
            allow(),
            deny_unless({"StringNotEquals": {"aws:SourceVpce": "v1"}, "Bool": {"aws:SecureTransport": "false"}}),
            (),
        ),
        (allow(), deny_unless({"StringNotEquals": {"aws:SourceVpce": "v1"}}, action="s3:PutObject"), ()),
        (allow(), deny_unless({"StringNotEquals": {"aws:SourceVpce": "v1"}}, resource="arn:aws:s3:::other/*"), ()),
        (
            allow(),
            {**deny_unless({"StringNotEquals": {"aws:SourceVpce": "v1"}}), "Principal": {"AWS": "111122223333"}},
            (),
        ),
        (allow(action="s3:*"), deny_unless({"StringNotEquals": {"aws:SourceVpce": "v1"}}, action="s3:Get*"), ()),
        (
            {"Effect": "Allow", "Principal": "*", "NotAction": "s3:DeleteBucket", "Resource": OBJECTS},
            deny_unless({"StringNotEquals": {"aws:SourceVpce": "v1"}}),
            (),
        ),
        (
            {"Effect": "Allow", "Principal": "*", "NotAction": "s3:DeleteBucket", "Resource": OBJECTS},
            deny_unless({"StringNotEquals": {"aws:SourceVpce": "v1"}}, action="*"),
            (1,),
        ),
    ],
)
def test_deny_for_outsiders_confines_an_allow(
    allow_statement: dict[str, Any], deny_statement: dict[str, Any], confining: tuple[int, ...]
) -> None:
    (verdict,) = allow_verdicts(doc(allow_statement, deny_statement))
    assert verdict.principal is not None
    assert verdict.confining_denies == confining
    assert verdict.public is (not confining)
