#!/usr/bin/python3
"""Microsoft's authentication library (MSAL for Python, Debian's python3-msal, unpatched) against
`d365sync-sandbox --tls` (issue 16): if MSAL can sign in to the sandbox, so can the clients built on it
(azure-identity, the Dataverse SDK for Python, PowerShell modules), with certificate verification on.

Run by the test command (CTest test tst_msalpython):
    python3 tests/integration/msal_sandbox.py <path to d365sync-sandbox>

Each test starts from one sandbox started with --tls; the CA certificate it writes is the only one trusted
(requests' verify=<file>), never verification turned off.
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import unittest
import warnings
from urllib.parse import parse_qs, urlsplit

import jwt
import msal
import requests

CLIENT_ID = "51f81489-12ee-4a9e-aaae-a2591f45987d"  # the sandbox's built-in app registration
CLIENT_SECRET = "sandbox-client-secret"
APP_USER_ID = "9e2d6b70-4c3a-4f18-8d5e-6a7b8c9d0e21"  # systemuserid of the app's application user
ALICE = "alice@sandbox.onmicrosoft.com"
ALICE_USER_ID = "7a1f3c55-0b8e-4d2a-9c61-2f4e8b9d0a11"
REDIRECT_URI = "http://localhost:8765"  # http://localhost is registered; the loopback port is ignored

SANDBOX_EXE = None


class Sandbox:
    """d365sync-sandbox --tls as a child process; its stderr goes to a file shown when a test fails."""

    def __init__(self, exe):
        self.dir = tempfile.TemporaryDirectory(prefix="msal-sandbox-")
        self.ca_file = os.path.join(self.dir.name, "sandbox-ca.pem")
        self.log_path = os.path.join(self.dir.name, "sandbox.log")
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [exe, "--port", "0", "--tls", "--tls-ca-out", self.ca_file],
            stdout=subprocess.PIPE, stderr=self.log)
        first = self.process.stdout.readline().decode().strip()
        second = self.process.stdout.readline().decode().strip()
        if not first.startswith("listening https://") or not second.startswith("ca-certificate "):
            self.stop()
            raise RuntimeError("d365sync-sandbox --tls did not start: %r %r\n%s"
                               % (first, second, self.stderr()))
        self.base = first[len("listening "):]
        if second[len("ca-certificate "):] != self.ca_file:
            raise RuntimeError("the CA file is not where --tls-ca-out said: " + second)

    def stderr(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        self.dir.cleanup()


class MsalAgainstSandbox(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sandbox = Sandbox(SANDBOX_EXE)
        cls.base = cls.sandbox.base
        cls.ca = cls.sandbox.ca_file
        cls.http = requests.Session()
        cls.http.verify = cls.ca
        cls.discovery = cls.http.get(cls.base + "/organizations/v2.0/.well-known/openid-configuration",
                                     timeout=30).json()

    @classmethod
    def tearDownClass(cls):
        # The sandbox's log explains a failure from its side (a refused token request, a TLS alert).
        tail = cls.sandbox.stderr().splitlines()[-25:]
        sys.stderr.write("--- d365sync-sandbox log (last %d lines) ---\n%s\n" % (len(tail), "\n".join(tail)))
        cls.http.close()
        cls.sandbox.stop()

    def who_am_i(self, access_token):
        r = self.http.get(self.base + "/api/data/v9.2/WhoAmI", timeout=30,
                         headers={"Authorization": "Bearer " + access_token, "Accept": "application/json"})
        self.assertEqual(r.status_code, 200, r.text)
        return r.json()["UserId"]

    def test_discovery_document_names_https_endpoints_of_this_server(self):
        d = self.discovery
        self.assertEqual(d["authorization_endpoint"], self.base + "/organizations/oauth2/v2.0/authorize")
        self.assertEqual(d["token_endpoint"], self.base + "/organizations/oauth2/v2.0/token")
        self.assertEqual(d["issuer"], self.base + "/{tenantid}/v2.0")
        self.assertIn("S256", d["code_challenge_methods_supported"])
        r = self.http.get(self.base + "/no-such-tenant/v2.0/.well-known/openid-configuration", timeout=30)
        self.assertEqual(r.status_code, 400)
        self.assertIn("AADSTS90002", r.json()["error_description"])

    def test_client_credentials(self):
        authority = self.base + "/" + self.who_is_tenant()
        app = msal.ConfidentialClientApplication(
            CLIENT_ID, client_credential=CLIENT_SECRET, authority=authority, verify=self.ca,
            instance_discovery=False)
        result = app.acquire_token_for_client(scopes=[self.base + "/.default"])
        self.assertIn("access_token", result, json.dumps(result))
        self.assertEqual(result["token_type"], "Bearer")
        self.assertEqual(self.who_am_i(result["access_token"]), APP_USER_ID)
        # A wrong secret is refused with Entra's error.
        wrong = msal.ConfidentialClientApplication(
            CLIENT_ID, client_credential="not-the-secret", authority=authority, verify=self.ca,
            instance_discovery=False)
        refused = wrong.acquire_token_for_client(scopes=[self.base + "/.default"])
        self.assertEqual(refused.get("error"), "invalid_client", json.dumps(refused))
        self.assertIn(7000215, refused.get("error_codes", []))

    def test_authorization_code_flow_with_pkce(self):
        tenant_id = self.who_is_tenant()
        app = msal.PublicClientApplication(
            CLIENT_ID, authority=self.base + "/" + tenant_id, verify=self.ca, instance_discovery=False)
        scopes = [self.base + "/user_impersonation"]
        flow = app.initiate_auth_code_flow(scopes, redirect_uri=REDIRECT_URI, login_hint=ALICE)
        query = parse_qs(urlsplit(flow["auth_uri"]).query)
        self.assertEqual(query["code_challenge_method"], ["S256"])
        self.assertIn("nonce", query)

        # The browser's part: the sandbox signs in the hinted user and redirects to the loopback URI.
        answer = self.http.get(flow["auth_uri"], allow_redirects=False, timeout=30)
        self.assertEqual(answer.status_code, 302, answer.text)
        location = urlsplit(answer.headers["Location"])
        self.assertEqual("%s://%s" % (location.scheme, location.netloc), REDIRECT_URI)
        auth_response = {k: v[0] for k, v in parse_qs(location.query).items()}
        self.assertIn("code", auth_response)
        self.assertIn("client_info", auth_response)  # asked with client_info=1

        # MSAL checks the state, redeems the code with the PKCE verifier, and checks the id_token's nonce,
        # audience and times.
        result = app.acquire_token_by_auth_code_flow(flow, auth_response)
        self.assertIn("access_token", result, json.dumps(result))
        self.assertIn("refresh_token", result)
        claims = result["id_token_claims"]
        self.assertEqual(claims["preferred_username"], ALICE)
        self.assertEqual(claims["ver"], "2.0")
        self.assertEqual(claims["tid"], tenant_id)
        self.assertEqual(claims["iss"], self.base + "/" + tenant_id + "/v2.0")
        self.assertTrue(claims["sub"])
        self.assertEqual(self.who_am_i(result["access_token"]), ALICE_USER_ID)

        # The id_token's signature verifies with the key the tenant's JWKS publishes (PyJWT, which MSAL
        # depends on), for this app and this issuer; a tampered token does not.
        jwks = self.http.get(self.discovery["jwks_uri"], timeout=30).json()
        header = jwt.get_unverified_header(result["id_token"])
        self.assertEqual(header["alg"], "RS256")
        key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
        public_key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(key))
        verified = jwt.decode(result["id_token"], public_key, algorithms=["RS256"], audience=CLIENT_ID,
                              issuer=self.base + "/" + tenant_id + "/v2.0")
        self.assertEqual(verified["preferred_username"], ALICE)
        head, body, signature = result["id_token"].split(".")
        forged = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        forged["preferred_username"] = "mallory@sandbox.onmicrosoft.com"
        forged_body = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
        with self.assertRaises(jwt.InvalidSignatureError):
            jwt.decode(".".join([head, forged_body, signature]), public_key, algorithms=["RS256"],
                       audience=CLIENT_ID)

        # The account MSAL keeps is keyed by client_info (uid.utid) and is alice's.
        accounts = app.get_accounts()
        self.assertEqual([a["username"] for a in accounts], [ALICE])
        self.assertEqual(accounts[0]["home_account_id"], claims["oid"] + "." + tenant_id)

        # A silent refresh goes to the token endpoint with the refresh token and gets a new access token.
        refreshed = app.acquire_token_silent_with_error(scopes, account=accounts[0], force_refresh=True)
        self.assertIsNotNone(refreshed)
        self.assertIn("access_token", refreshed, json.dumps(refreshed))
        self.assertNotEqual(refreshed["access_token"], result["access_token"])
        self.assertEqual(self.who_am_i(refreshed["access_token"]), ALICE_USER_ID)

    def test_without_the_sandbox_ca_the_connection_is_refused(self):
        # Verification is on: the system's CA bundle does not vouch for the sandbox.
        with self.assertRaises(requests.exceptions.SSLError):
            msal.PublicClientApplication(CLIENT_ID, authority=self.base + "/organizations",
                                         instance_discovery=False)

    def who_is_tenant(self):
        # Entra's tenant metadata names the tenant id in its endpoints when asked for a domain name.
        d = self.http.get(self.base + "/sandbox.onmicrosoft.com/v2.0/.well-known/openid-configuration",
                          timeout=30).json()
        tenant_id = urlsplit(d["token_endpoint"]).path.split("/")[1]
        self.assertEqual(d["issuer"], self.base + "/" + tenant_id + "/v2.0")
        return tenant_id


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: msal_sandbox.py <path to d365sync-sandbox> [unittest arguments]")
    SANDBOX_EXE = sys.argv.pop(1)
    # requests lets these variables override a Session's verify= (MSAL passes our CA file that way), so a
    # machine that sets them would test its own bundle instead of the sandbox's CA.
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        os.environ.pop(name, None)
    # MSAL's applications never close their requests Session; unittest would report each of its sockets.
    warnings.filterwarnings("ignore", category=ResourceWarning)
    print("MSAL for Python %s, requests %s" % (msal.__version__, requests.__version__))
    unittest.main(verbosity=2)
