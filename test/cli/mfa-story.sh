#!/usr/bin/env bash
# The seeds' MFA story (issue 4), driven by the unmodified AWS CLI v2 and oathtool (both Debian
# packages: awscli, oathtool) against a running Portcullis server:
#   1. root: group "everyone" with seed 002's self-managed MFA policy, group "developers" with
#      iam:ListUsers and a ForceMFA-style deny, user dave in both, dave's access key;
#   2. dave (long-term key): iam list-users is denied by an explicit deny;
#   3. dave creates his own virtual MFA device (QR code PNG, then the base32 seed), not another's;
#   4. dave enables it with two consecutive codes from oathtool;
#   5. dave gets an MFA-backed session token and iam list-users is then allowed;
#   6. the same one-time code is refused the second time;
#   7. root: the credential report shows mfa_active true for dave.
#
# Environment (the node:test wrapper test/cli/mfa-story.test.ts sets it):
#   PORTCULLIS_URL                      the server, e.g. http://127.0.0.1:4566
#   PORTCULLIS_ROOT_ACCESS_KEY_ID       the root user's access key id
#   PORTCULLIS_ROOT_SECRET_ACCESS_KEY   and its secret
#   AWS_CLI (optional)                  the AWS CLI v2 binary, default /usr/bin/aws
#   OATHTOOL (optional)                 default oathtool
set -euo pipefail

URL="${PORTCULLIS_URL:?set PORTCULLIS_URL to the server URL}"
ROOT_KEY="${PORTCULLIS_ROOT_ACCESS_KEY_ID:?set PORTCULLIS_ROOT_ACCESS_KEY_ID}"
ROOT_SECRET="${PORTCULLIS_ROOT_SECRET_ACCESS_KEY:?set PORTCULLIS_ROOT_SECRET_ACCESS_KEY}"
AWS="${AWS_CLI:-/usr/bin/aws}"
OATHTOOL="${OATHTOOL:-oathtool}"
# Debian's awscli depends on python3, so /usr/bin/python3 is there wherever the CLI is.
PYTHON="${PYTHON:-$([ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)}"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
step() { echo; echo "== $*"; }
ok() { echo "   ok: $*"; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/portcullis-cli-mfa.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# Nothing from the caller's ~/.aws: every call's identity comes from the environment set below.
export AWS_CONFIG_FILE="$WORK/no-config" AWS_SHARED_CREDENTIALS_FILE="$WORK/no-credentials"
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER= AWS_MAX_ATTEMPTS=1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

"$AWS" --version 2>&1 | grep -q '^aws-cli/2\.' || fail "$AWS is not the AWS CLI v2: $("$AWS" --version 2>&1)"
command -v "$OATHTOOL" >/dev/null || fail "oathtool is not installed (Debian package oathtool)"

# as WHO aws-arguments...: runs the CLI with one identity's credentials (root, dave, session).
DAVE_KEY= DAVE_SECRET= SESSION_KEY= SESSION_SECRET= SESSION_TOKEN=
as() {
  local who="$1"
  shift
  case "$who" in
    root) AWS_ACCESS_KEY_ID="$ROOT_KEY" AWS_SECRET_ACCESS_KEY="$ROOT_SECRET" \
      "$AWS" --endpoint-url "$URL" --output json "$@" ;;
    dave) AWS_ACCESS_KEY_ID="$DAVE_KEY" AWS_SECRET_ACCESS_KEY="$DAVE_SECRET" \
      "$AWS" --endpoint-url "$URL" --output json "$@" ;;
    session) AWS_ACCESS_KEY_ID="$SESSION_KEY" AWS_SECRET_ACCESS_KEY="$SESSION_SECRET" \
      AWS_SESSION_TOKEN="$SESSION_TOKEN" "$AWS" --endpoint-url "$URL" --output json "$@" ;;
    *) fail "unknown identity $who" ;;
  esac
}

# must WHO aws-arguments...: the call must succeed; prints its stdout.
must() {
  local out
  if ! out="$(as "$@" 2>"$WORK/stderr")"; then
    fail "as $1: aws ${*:2} failed: $(cat "$WORK/stderr")"
  fi
  printf '%s' "$out"
}

# refused 'WHAT THE MESSAGE MUST CONTAIN' WHO aws-arguments...: the call must fail with AccessDenied
# and that text in the CLI's error message.
refused() {
  local expected="$1" out
  shift
  if out="$(as "$@" 2>&1)"; then
    fail "as $1: aws ${*:2} succeeded, but it should have been denied; it printed: $out"
  fi
  grep -q 'An error occurred (AccessDenied)' <<<"$out" || fail "as $1: aws ${*:2}: not AccessDenied: $out"
  grep -qF -- "$expected" <<<"$out" || fail "as $1: aws ${*:2}: the message lacks \"$expected\": $out"
  echo "   denied as expected: $(grep 'An error occurred' <<<"$out")"
}

# json EXPRESSION: evaluates a Python expression over the JSON document on stdin (as `d`).
json() { "$PYTHON" -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

ACCOUNT="$(must root sts get-caller-identity --query Account --output text)"
[[ "$ACCOUNT" =~ ^[0-9]{12}$ ]] || fail "root's account id is not 12 digits: $ACCOUNT"
echo "AWS CLI: $("$AWS" --version 2>&1); oathtool: $("$OATHTOOL" --version | head -1); server: $URL; account $ACCOUNT"

# ---------------------------------------------------------------------------------------------
step "1. root: groups everyone (seed 002's self-managed MFA policy) and developers (ForceMFA), user dave"

# Seed 002's policy, exactly as the blog post gives it (the repeated iam:GetUser included).
cat >"$WORK/self-managed-mfa.json" <<'POLICY'
{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowViewAccountInfo",
            "Effect": "Allow",
            "Action": [
                "iam:GetAccountPasswordPolicy",
                "iam:GetAccountSummary",       
                "iam:ListVirtualMFADevices"
            ],
            "Resource": "*"
        },       
        {
            "Sid": "AllowManageOwnPasswords",
            "Effect": "Allow",
            "Action": [
                "iam:ChangePassword",
                "iam:GetUser"
            ],
            "Resource": "arn:aws:iam::*:user/${aws:username}"
        },
        {
            "Sid": "AllowManageOwnAccessKeys",
            "Effect": "Allow",
            "Action": [
                "iam:CreateAccessKey",
                "iam:DeleteAccessKey",
                "iam:ListAccessKeys",
                "iam:UpdateAccessKey"
            ],
            "Resource": "arn:aws:iam::*:user/${aws:username}"
        },
        {
            "Sid": "AllowManageOwnSigningCertificates",
            "Effect": "Allow",
            "Action": [
                "iam:DeleteSigningCertificate",
                "iam:ListSigningCertificates",
                "iam:UpdateSigningCertificate",
                "iam:UploadSigningCertificate"
            ],
            "Resource": "arn:aws:iam::*:user/${aws:username}"
        },
        {
            "Sid": "AllowManageOwnSSHPublicKeys",
            "Effect": "Allow",
            "Action": [
                "iam:DeleteSSHPublicKey",
                "iam:GetSSHPublicKey",
                "iam:ListSSHPublicKeys",
                "iam:UpdateSSHPublicKey",
                "iam:UploadSSHPublicKey"
            ],
            "Resource": "arn:aws:iam::*:user/${aws:username}"
        },
        {
            "Sid": "AllowManageOwnGitCredentials",
            "Effect": "Allow",
            "Action": [
                "iam:CreateServiceSpecificCredential",
                "iam:DeleteServiceSpecificCredential",
                "iam:ListServiceSpecificCredentials",
                "iam:ResetServiceSpecificCredential",
                "iam:UpdateServiceSpecificCredential"
            ],
            "Resource": "arn:aws:iam::*:user/${aws:username}"
        },
        {
            "Sid": "AllowManageOwnVirtualMFADevice",
            "Effect": "Allow",
            "Action": [
                "iam:CreateVirtualMFADevice",
                "iam:DeleteVirtualMFADevice"
            ],
            "Resource": "arn:aws:iam::*:mfa/${aws:username}"
        },
        {
            "Sid": "AllowManageOwnUserMFA",
            "Effect": "Allow",
            "Action": [
                "iam:DeactivateMFADevice",
                "iam:EnableMFADevice",
                "iam:ListMFADevices",
                "iam:ResyncMFADevice"
            ],
            "Resource": "arn:aws:iam::*:user/${aws:username}"
        },
        {
            "Sid": "DenyAllExceptListedIfNoMFA",
            "Effect": "Deny",
            "NotAction": [
                "iam:CreateVirtualMFADevice",
                "iam:EnableMFADevice",
                "iam:GetUser",
                "iam:ListMFADevices",
                "iam:ListVirtualMFADevices",
                "iam:ResyncMFADevice",
                "sts:GetSessionToken",
                "iam:ChangePassword",
                "iam:GetUser"
            ],
            "Resource": "*",
            "Condition": {
                "BoolIfExists": {
                    "aws:MultiFactorAuthPresent": "false"
                }
            }
        }
    ]
}
POLICY

# Developers may list users, but (ForceMFA) nothing beyond MFA self-service without MFA.
cat >"$WORK/developers.json" <<'POLICY'
{
  "Version": "2012-10-17",
  "Statement": [
    { "Sid": "ListUsers", "Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*" },
    {
      "Sid": "ForceMFA",
      "Effect": "Deny",
      "NotAction": [
        "iam:CreateVirtualMFADevice",
        "iam:EnableMFADevice",
        "iam:GetUser",
        "iam:ListMFADevices",
        "iam:ListVirtualMFADevices",
        "iam:ResyncMFADevice",
        "sts:GetSessionToken"
      ],
      "Resource": "*",
      "Condition": { "BoolIfExists": { "aws:MultiFactorAuthPresent": "false" } }
    }
  ]
}
POLICY

must root iam create-group --group-name everyone >/dev/null
must root iam put-group-policy --group-name everyone --policy-name SelfManagedMFA \
  --policy-document "file://$WORK/self-managed-mfa.json"
must root iam create-group --group-name developers >/dev/null
must root iam put-group-policy --group-name developers --policy-name ForceMFA \
  --policy-document "file://$WORK/developers.json"
must root iam create-user --user-name dave >/dev/null
must root iam add-user-to-group --group-name everyone --user-name dave
must root iam add-user-to-group --group-name developers --user-name dave
ok "groups everyone and developers with their inline policies; dave in both"

stored="$(must root iam get-group-policy --group-name everyone --policy-name SelfManagedMFA)"
[ "$(json 'd["PolicyDocument"]["Statement"][-1]["Sid"]' <<<"$stored")" = DenyAllExceptListedIfNoMFA ] ||
  fail "get-group-policy does not return the seed's policy: $stored"
ok "get-group-policy returns the seed's policy (last statement DenyAllExceptListedIfNoMFA)"

members="$(must root iam get-group --group-name developers --query 'Users[].UserName' --output text)"
[ "$members" = dave ] || fail "developers' members are \"$members\", expected dave"

key="$(must root iam create-access-key --user-name dave)"
DAVE_KEY="$(json 'd["AccessKey"]["AccessKeyId"]' <<<"$key")"
DAVE_SECRET="$(json 'd["AccessKey"]["SecretAccessKey"]' <<<"$key")"
[[ "$DAVE_KEY" == AKIA* ]] || fail "dave's access key id does not start with AKIA: $DAVE_KEY"
ok "dave's access key $DAVE_KEY"

# ---------------------------------------------------------------------------------------------
step "2. dave with his long-term key: iam list-users is denied by an explicit deny"

who="$(must dave sts get-caller-identity --query Arn --output text)"
[ "$who" = "arn:aws:iam::$ACCOUNT:user/dave" ] || fail "dave's caller identity is $who"
ok "sts get-caller-identity: $who"
refused "User: arn:aws:iam::$ACCOUNT:user/dave is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::$ACCOUNT:user/ with an explicit deny in an identity-based policy" \
  dave iam list-users

# ---------------------------------------------------------------------------------------------
step "3. dave creates his own virtual MFA device, and no other"

SERIAL="arn:aws:iam::$ACCOUNT:mfa/dave"
created="$(must dave iam create-virtual-mfa-device --virtual-mfa-device-name dave \
  --outfile "$WORK/qr.png" --bootstrap-method QRCodePNG)"
[ "$(json 'd["VirtualMFADevice"]["SerialNumber"]' <<<"$created")" = "$SERIAL" ] ||
  fail "create-virtual-mfa-device returned $created"
"$PYTHON" - "$WORK/qr.png" <<'PY' || fail "the CLI's --outfile is not a QR code PNG"
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "no PNG signature"
assert data[12:16] == b"IHDR", "no IHDR chunk"
width, height = struct.unpack(">II", data[16:24])
assert width == height and width >= 21, f"a QR code is square and at least 21 modules: {width}x{height}"
print(f"   ok: the CLI wrote {sys.argv[1].rsplit('/', 1)[-1]}, a {width}x{height} PNG of {len(data)} bytes")
PY

refused "User: arn:aws:iam::$ACCOUNT:user/dave is not authorized to perform: iam:CreateVirtualMFADevice on resource: arn:aws:iam::$ACCOUNT:mfa/dave-cli" \
  dave iam create-virtual-mfa-device --virtual-mfa-device-name dave-cli \
  --outfile "$WORK/other.png" --bootstrap-method QRCodePNG
[ ! -e "$WORK/other.png" ] || fail "a denied create-virtual-mfa-device still wrote a file"

# A person scans the PNG; this script needs the seed as text. The unassigned device is deleted (by
# root: without MFA, the seed's DenyAllExceptListedIfNoMFA denies dave iam:DeleteVirtualMFADevice)
# and created again with the base32 seed.
refused "iam:DeleteVirtualMFADevice on resource: $SERIAL with an explicit deny in an identity-based policy" \
  dave iam delete-virtual-mfa-device --serial-number "$SERIAL"
must root iam delete-virtual-mfa-device --serial-number "$SERIAL"
must dave iam create-virtual-mfa-device --virtual-mfa-device-name dave \
  --outfile "$WORK/seed.txt" --bootstrap-method Base32StringSeed >/dev/null
SEED="$(cat "$WORK/seed.txt")"
[[ "$SEED" =~ ^[A-Z2-7]{16,}=*$ ]] || fail "the seed the CLI wrote is not base32: $SEED"
ok "root deleted the unassigned device; dave created it again and the CLI wrote a ${#SEED}-character base32 seed"

# ---------------------------------------------------------------------------------------------
step "4. dave enables the device with two consecutive codes from oathtool"

NOW="$(date +%s)"
code() { "$OATHTOOL" --totp -b -N "@$1" "$SEED"; } # the code at a Unix time
CODE1="$(code $((NOW - 30)))"
CODE2="$(code "$NOW")"
[ "$CODE1" != "$CODE2" ] || fail "oathtool gave the same code twice: $CODE1"
must dave iam enable-mfa-device --user-name dave --serial-number "$SERIAL" \
  --authentication-code1 "$CODE1" --authentication-code2 "$CODE2"
ok "enable-mfa-device accepted $CODE1 then $CODE2"
listed="$(must dave iam list-mfa-devices --user-name dave --query 'MFADevices[].SerialNumber' --output text)"
[ "$listed" = "$SERIAL" ] || fail "list-mfa-devices shows \"$listed\", expected $SERIAL"
ok "list-mfa-devices (as dave) shows $listed"

# ---------------------------------------------------------------------------------------------
step "5. dave gets an MFA-backed session token, and iam list-users is then allowed"

CODE3="$(code $((NOW + 30)))" # the next step's code: the ones above are spent
session="$(must dave sts get-session-token --serial-number "$SERIAL" --token-code "$CODE3" --duration-seconds 900)"
SESSION_KEY="$(json 'd["Credentials"]["AccessKeyId"]' <<<"$session")"
SESSION_SECRET="$(json 'd["Credentials"]["SecretAccessKey"]' <<<"$session")"
SESSION_TOKEN="$(json 'd["Credentials"]["SessionToken"]' <<<"$session")"
[[ "$SESSION_KEY" == ASIA* ]] || fail "the session's access key id does not start with ASIA: $SESSION_KEY"
ok "get-session-token with $CODE3: $SESSION_KEY, expires $(json 'd["Credentials"]["Expiration"]' <<<"$session")"
who="$(must session sts get-caller-identity --query Arn --output text)"
[ "$who" = "arn:aws:iam::$ACCOUNT:user/dave" ] || fail "the session's caller identity is $who"
users="$(must session iam list-users --query 'Users[].UserName' --output text)"
grep -qw dave <<<"$users" || fail "list-users with the MFA session does not list dave: $users"
ok "list-users with the MFA session: $users"

# ---------------------------------------------------------------------------------------------
step "6. the same one-time code is refused the second time"

refused "MultiFactorAuthentication failed with invalid MFA one time pass code." \
  dave sts get-session-token --serial-number "$SERIAL" --token-code "$CODE3" --duration-seconds 900

# ---------------------------------------------------------------------------------------------
step "7. root: the credential report shows mfa_active true for dave"

state=
for _ in $(seq 1 40); do
  state="$(must root iam generate-credential-report --query State --output text)"
  [ "$state" = COMPLETE ] && break
  sleep 0.25
done
[ "$state" = COMPLETE ] || fail "generate-credential-report is still $state"
ok "generate-credential-report: COMPLETE"
must root iam get-credential-report >"$WORK/report.json"
"$PYTHON" - "$WORK/report.json" <<'PY' || fail "the credential report does not show dave with MFA"
import base64, json, sys
response = json.load(open(sys.argv[1]))
assert response["ReportFormat"] == "text/csv", response["ReportFormat"]
# The seed blog's way: split the lines, split each on commas, zip with the header.
lines = base64.b64decode(response["Content"]).decode().splitlines()
header = lines[0].split(",")
rows = {row["user"]: row for row in (dict(zip(header, line.split(","))) for line in lines[1:])}
assert "<root_account>" in rows, f"no <root_account> row: {sorted(rows)}"
assert "dave" in rows, f"no row for dave: {sorted(rows)}"
assert rows["dave"]["mfa_active"] == "true", f"dave's mfa_active is {rows['dave']['mfa_active']!r}"
print(f"   ok: {len(header)} columns, users {sorted(rows)}; dave: mfa_active={rows['dave']['mfa_active']},"
      f" access_key_1_active={rows['dave']['access_key_1_active']}")
PY

echo
echo "PASS: the MFA story runs with the AWS CLI v2 and oathtool"
