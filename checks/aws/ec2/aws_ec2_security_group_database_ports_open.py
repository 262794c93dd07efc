"""No security group lets the internet reach a database's default port."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.ec2.open_ports import service_findings
from checks.aws.network import DATABASE_SERVICES
from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.aws_ec2 import SecurityGroup
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_ec2_security_group_database_ports_open",
    title="Security group does not open database ports to the internet",
    severity=Severity.HIGH,
    provider="aws",
    service="ec2",
    requires=(SecurityGroup.TYPE,),
    categories=(Category.NETWORK, Category.PUBLIC_ACCESS),
    remediation=(
        "aws ec2 revoke-security-group-ingress --group-id <sg-id> --ip-permissions "
        "'IpProtocol=tcp,FromPort=<port>,ToPort=<port>,IpRanges=[{CidrIp=0.0.0.0/0}]'; "
        "admit the application's security group instead"
    ),
    references=("https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",),
    description=(
        "Databases answer on well-known ports and are scanned for constantly. Checked "
        "ports: SQL Server 1433 (and UDP 1434), Oracle 1521/2483/2484, MySQL 3306, "
        "PostgreSQL 5432, Redshift 5439, CouchDB 5984, Redis 6379, Cassandra "
        "7000/7001/9042, InfluxDB 8086, Elasticsearch/OpenSearch 9200/9300, Memcached "
        "11211 (TCP and UDP) and MongoDB 27017-27019, from 0.0.0.0/0 or ::/0."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    return service_findings(SPEC, snap, DATABASE_SERVICES, "database ports")
