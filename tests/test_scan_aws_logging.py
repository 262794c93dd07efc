"""End to end: ``skyscan scan aws --services kms,cloudtrail,config,s3`` against moto over HTTP.

Two regions hold unsafe and safe keys, trails, trail buckets and Config recorders; each
unsafe one must FAIL under the right check, account and region, and each safe one PASS.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.reporting import assert_seeded_verdicts, findings_by_resource, load_report

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "123456789012"
US, EU = "us-east-1", "eu-west-1"
ACCOUNT_TRAILS = f"arn:aws:cloudtrail::{ACCOUNT}:trails"


def run_skyscan(endpoint: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_ENDPOINT_URL": endpoint}
    return subprocess.run([sys.executable, "-m", "scanner", *args], text=True, capture_output=True,
                          cwd=ROOT, env=env, timeout=300)


def recorders(region: str) -> str:
    return f"arn:aws:config:{region}:{ACCOUNT}:configuration-recorders"


def trail_policy(bucket: str) -> str:
    """What CloudTrail needs on its bucket, and nothing for anyone else."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{ACCOUNT}/*"}]})


def seed(seed_client: Callable[..., Any]) -> dict[str, dict[str, str]]:
    """Unsafe and safe resources; returns {"unsafe"|"safe": {label: resource id}}."""
    s3 = seed_client("s3", US)
    s3.create_bucket(Bucket="access-logs")
    s3.put_bucket_acl(Bucket="access-logs", ACL="log-delivery-write")
    s3.create_bucket(Bucket="audit-trail")
    s3.put_bucket_policy(Bucket="audit-trail", Policy=trail_policy("audit-trail"))
    s3.put_bucket_logging(Bucket="audit-trail", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "access-logs", "TargetPrefix": "audit-trail/"}})
    s3.create_bucket(Bucket="open-trail")
    s3.put_bucket_acl(Bucket="open-trail", ACL="public-read")

    us_kms = seed_client("kms", US)
    rotating = us_kms.create_key()["KeyMetadata"]
    us_kms.enable_key_rotation(KeyId=rotating["KeyId"])
    stale = seed_client("kms", EU).create_key()["KeyMetadata"]
    public = us_kms.create_key()["KeyMetadata"]
    us_kms.enable_key_rotation(KeyId=public["KeyId"])
    us_kms.put_key_policy(KeyId=public["KeyId"], PolicyName="default", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}]}))
    signing = us_kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]

    us_trail, eu_trail = seed_client("cloudtrail", US), seed_client("cloudtrail", EU)
    good = us_trail.create_trail(Name="organisation-audit", S3BucketName="audit-trail", IsMultiRegionTrail=True,
                                 EnableLogFileValidation=True, KmsKeyId=rotating["Arn"])["TrailARN"]
    us_trail.start_logging(Name="organisation-audit")
    us_trail.put_event_selectors(TrailName="organisation-audit", EventSelectors=[
        {"ReadWriteType": "All", "IncludeManagementEvents": True,
         "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}])
    bare = eu_trail.create_trail(Name="forgotten", S3BucketName="open-trail")["TrailARN"]

    config = seed_client("config", US)
    config.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": f"arn:aws:iam::{ACCOUNT}:role/config",
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "audit-trail"})
    config.start_configuration_recorder(ConfigurationRecorderName="default")

    return {
        "unsafe": {"stale key": stale["Arn"], "public key": public["Arn"], "bare trail": bare,
                   "no recorder": recorders(EU)},
        "safe": {"rotating key": rotating["Arn"], "good trail": good, "account trails": ACCOUNT_TRAILS,
                 "recorder": recorders(US), "signing key": signing["Arn"]},
    }


EXPECTED_FAILURES = {
    "stale key": {"aws_kms_key_rotation_enabled"},
    "public key": {"aws_kms_key_policy_public"},
    "bare trail": {"aws_cloudtrail_log_file_validation", "aws_cloudtrail_kms_encryption",
                   "aws_cloudtrail_bucket_not_public", "aws_cloudtrail_bucket_access_logging"},
    "no recorder": {"aws_config_recording_all_regions"},
}


@pytest.fixture
def seeded(seed_client: Callable[..., Any]) -> dict[str, dict[str, str]]:
    return seed(seed_client)


def test_unsafe_keys_trails_and_recorders_fail_under_the_right_check_and_safe_ones_pass(
    aws_endpoint: str, seeded: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    out = tmp_path / "r.json"
    proc = run_skyscan(aws_endpoint, "scan", "aws", "--regions", f"{US},{EU}",
                       "--services", "kms,cloudtrail,config,s3", "--fail-on", "high", "-o", f"json={out}")
    assert proc.returncode == 1, proc.stderr
    doc = load_report(out)
    assert doc["errors"] == [] and doc["scan"]["complete"] is True
    by_resource = findings_by_resource(doc)
    unsafe = {resource_id: EXPECTED_FAILURES[label] for label, resource_id in seeded["unsafe"].items()}
    assert_seeded_verdicts(by_resource, unsafe, list(seeded["safe"].values()), ACCOUNT)

    # the asymmetric key is not judged for rotation, only for its policy
    assert set(by_resource[seeded["safe"]["signing key"]]) == {"aws_kms_key_policy_public"}
    account = by_resource[ACCOUNT_TRAILS]
    assert set(account) == {"aws_cloudtrail_multi_region_logging", "aws_cloudtrail_s3_data_events"}
    assert account["aws_cloudtrail_multi_region_logging"]["details"]["qualifying"] == [seeded["safe"]["good trail"]]
    assert {c["control"] for c in account["aws_cloudtrail_s3_data_events"]["compliance"]} == {"3.8", "3.9"}
    bare = by_resource[seeded["unsafe"]["bare trail"]]
    assert bare["aws_cloudtrail_bucket_not_public"]["details"]["exposed_via"] == ["acl"]
    assert bare["aws_cloudtrail_bucket_not_public"]["severity"] == "critical"


def test_a_trail_bucket_outside_the_scan_is_an_error_not_a_pass(
    aws_endpoint: str, seed_client: Callable[..., Any], tmp_path: Path
) -> None:
    seed_client("s3", US).create_bucket(Bucket="soon-gone")
    trail = seed_client("cloudtrail", US).create_trail(Name="elsewhere", S3BucketName="soon-gone")["TrailARN"]
    seed_client("s3", US).delete_bucket(Bucket="soon-gone")  # as if it lived in a logging account
    out = tmp_path / "r.json"
    proc = run_skyscan(aws_endpoint, "scan", "aws", "--regions", US, "--checks", "aws_cloudtrail_bucket_*",
                       "-o", f"json={out}")
    doc = load_report(out)
    statuses = {f["check_id"]: (f["status"], f["details"].get("bucket")) for f in doc["findings"]
                if f["resource_id"] == trail}
    assert statuses == {"aws_cloudtrail_bucket_not_public": ("ERROR", "soon-gone"),
                        "aws_cloudtrail_bucket_access_logging": ("ERROR", "soon-gone")}, proc.stderr
    assert doc["scan"]["complete"] is False
