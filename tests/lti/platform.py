"""A simulated LTI 1.3 platform (an LMS as the tool sees it), served over real HTTP.

It has its own RSA key and JWKS, an OIDC authorisation endpoint that checks the tool's
authentication request and answers with the auto-post form of a signed id_token, an
OAuth2 token endpoint that verifies the tool's client assertion against the tool's own
``/lti/jwks``, a line item whose score service records what the tool posts, and a
deep-linking return URL that verifies the tool's signed response. Tests drive a browser
(an ``httpx.Client`` with its cookie jar) between it and a real ``jtutor serve``.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
from jwt.algorithms import RSAAlgorithm

from app.lti import keys

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


@dataclass
class Message:
    """What the platform will launch for one ``lti_message_hint``."""

    claims: dict[str, Any]
    pem: str | None = None  # sign with another key (a forgery)
    overrides: dict[str, Any] = field(default_factory=dict)  # applied last (aud, exp, ...)


@dataclass
class Platform:
    tool_url: str
    client_id: str = "tool-client-1"
    deployment_id: str = "deployment-1"
    pem: str = field(default_factory=keys.new_private_pem)
    kid: str = "platform-key-1"
    messages: dict[str, Message] = field(default_factory=dict)
    scores: list[dict[str, Any]] = field(default_factory=list)
    deep_link_returns: list[dict[str, Any]] = field(default_factory=list)
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    issued_tokens: set[str] = field(default_factory=set)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def issuer(self) -> str:
        return self.url

    def lineitem(self, n: int = 1) -> str:
        return f"{self.url}/courses/7/lineitems/{n}?type=score"

    # -- registration, launch messages -----------------------------------------------------

    def add_platform_args(self) -> list[str]:
        return [
            "add-platform",
            "--issuer", self.issuer,
            "--client-id", self.client_id,
            "--deployment-id", self.deployment_id,
            "--auth-url", f"{self.url}/auth",
            "--token-url", f"{self.url}/token",
            "--jwks-url", f"{self.url}/jwks",
        ]  # fmt: skip

    def base_claims(self, *, subject: str, message_type: str, target: str) -> dict[str, Any]:
        return {
            "iss": self.issuer,
            "aud": self.client_id,
            "azp": self.client_id,
            "sub": subject,
            "name": f"Learner {subject}",
            "email": f"{subject}@lms.example",
            CLAIM + "message_type": message_type,
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "target_link_uri": target,
            CLAIM + "roles": [LEARNER],
            CLAIM + "context": {"id": "course-7", "title": "Matrix calculus 101"},
        }

    def resource_link(
        self, *, subject: str, target_path: str, lineitem: str | None = None
    ) -> dict[str, Any]:
        claims = self.base_claims(
            subject=subject,
            message_type="LtiResourceLinkRequest",
            target=self.tool_url + target_path,
        )
        claims[CLAIM + "resource_link"] = {"id": f"link-{target_path}", "title": target_path}
        if lineitem is not None:
            claims[AGS_CLAIM] = {
                "scope": [SCORE_SCOPE],
                "lineitem": lineitem,
                "lineitems": f"{self.url}/courses/7/lineitems",
            }
        return claims

    def deep_linking(self, *, subject: str) -> dict[str, Any]:
        claims = self.base_claims(
            subject=subject,
            message_type="LtiDeepLinkingRequest",
            target=self.tool_url + "/lti/launch",
        )
        claims[CLAIM + "roles"] = [INSTRUCTOR]
        claims[DL_CLAIM + "deep_linking_settings"] = {
            "deep_link_return_url": f"{self.url}/deep-link-return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": True,
            "data": "platform-opaque-42",
        }
        return claims

    def prepare(self, message: Message) -> str:
        hint = secrets.token_urlsafe(8)
        self.messages[hint] = message
        return hint

    def id_token(self, message: Message, nonce: str) -> str:
        now = int(time.time())
        claims = {**message.claims, "iat": now, "exp": now + 300, "nonce": nonce}
        claims.update(message.overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(
            claims, message.pem or self.pem, algorithm="RS256", headers={"kid": self.kid}
        )

    # -- checks of what the tool sends ------------------------------------------------------

    def tool_key_set(self) -> dict[str, Any]:
        body: dict[str, Any] = httpx.get(self.tool_url + "/lti/jwks", timeout=10).json()
        return body

    def verify_tool_jwt(self, token: str, *, audience: str) -> dict[str, Any]:
        kid = jwt.get_unverified_header(token)["kid"]
        (jwk,) = [k for k in self.tool_key_set()["keys"] if k["kid"] == kid]
        claims: dict[str, Any] = jwt.decode(
            token,
            RSAAlgorithm.from_jwk(jwk),
            algorithms=["RS256"],
            audience=audience,  # type: ignore[arg-type]
        )
        return claims

    # -- the HTTP server ----------------------------------------------------------------------

    def start(self) -> Platform:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: str, content_type: str = "application/json") -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path == "/jwks":
                    key = keys.public_jwk(platform.pem, platform.kid)
                    self._send(200, json.dumps({"keys": [key]}))
                elif parts.path == "/auth":
                    status, body = platform.authorise(parse_qs(parts.query))
                    self._send(status, body, "text/html")
                else:
                    self._send(404, "{}")

            def do_POST(self) -> None:
                path = urlsplit(self.path).path
                raw = self._body()
                if path == "/token":
                    status, body = platform.token(parse_qs(raw.decode()))
                    self._send(status, body)
                elif re.fullmatch(r"/courses/7/lineitems/\d+/scores", path):
                    status = platform.score(
                        path, self.headers.get("Authorization", ""),
                        self.headers.get("Content-Type", ""), raw,
                    )  # fmt: skip
                    self._send(status, "{}")
                elif path == "/deep-link-return":
                    form = parse_qs(raw.decode())
                    claims = platform.verify_tool_jwt(form["JWT"][0], audience=platform.issuer)
                    platform.deep_link_returns.append(claims)
                    self._send(200, "<p>Links added</p>", "text/html")
                else:
                    self._send(404, "{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def authorise(self, query: dict[str, list[str]]) -> tuple[int, str]:
        """The OIDC authorisation endpoint: the request must be the one the spec prescribes."""
        got = {k: v[0] for k, v in query.items()}
        expected = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": self.client_id,
            "redirect_uri": self.tool_url + "/lti/launch",
        }
        wrong = [k for k, v in expected.items() if got.get(k) != v]
        if wrong or not got.get("nonce") or not got.get("state") or not got.get("login_hint"):
            self.refusals.append(f"bad authentication request: {wrong} {got}")
            return 400, "bad authentication request"
        message = self.messages.get(got.get("lti_message_hint", ""))
        if message is None:
            return 400, "unknown message hint"
        token = self.id_token(message, got["nonce"])
        form = (
            f'<form method="post" action="{html.escape(got["redirect_uri"])}">'
            f'<input type="hidden" name="id_token" value="{token}">'
            f'<input type="hidden" name="state" value="{html.escape(got["state"])}">'
            "</form><script>document.forms[0].submit()</script>"
        )
        return 200, form

    def token(self, form: dict[str, list[str]]) -> tuple[int, str]:
        got = {k: v[0] for k, v in form.items()}
        self.token_requests.append(got)
        if (
            got.get("grant_type") != "client_credentials"
            or got.get("client_assertion_type")
            != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            or SCORE_SCOPE not in got.get("scope", "").split()
        ):
            return 400, json.dumps({"error": "invalid_request"})
        try:
            claims = self.verify_tool_jwt(got["client_assertion"], audience=f"{self.url}/token")
        except (jwt.PyJWTError, KeyError, ValueError) as error:
            self.refusals.append(f"client assertion refused: {error}")
            return 401, json.dumps({"error": "invalid_client"})
        if claims.get("iss") != self.client_id or claims.get("sub") != self.client_id:
            return 401, json.dumps({"error": "invalid_client"})
        access = secrets.token_urlsafe(16)
        self.issued_tokens.add(access)
        body = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": SCORE_SCOPE,
        }
        return 200, json.dumps(body)

    def score(self, path: str, authorization: str, content_type: str, raw: bytes) -> int:
        if authorization.removeprefix("Bearer ") not in self.issued_tokens:
            return 401
        if content_type.split(";")[0].strip() != "application/vnd.ims.lis.v1.score+json":
            return 415
        self.scores.append({"path": path, **json.loads(raw)})
        return 200


class Browser:
    """One browser's trip through a launch: login initiation, authorisation, form post."""

    opened: ClassVar[list[Browser]] = []

    def __init__(self) -> None:
        self.client = httpx.Client(timeout=30, follow_redirects=False)
        Browser.opened.append(self)

    def launch(
        self, platform: Platform, message: Message, *, method: str = "GET"
    ) -> tuple[httpx.Response, dict[str, str]]:
        """The tool's answer to the launch's form post, and the form that was posted."""
        hint = platform.prepare(message)
        params = {
            "iss": platform.issuer,
            "login_hint": str(message.claims.get("sub", "someone")),
            "target_link_uri": str(message.claims.get(CLAIM + "target_link_uri")),
            "lti_message_hint": hint,
            "client_id": platform.client_id,
            "lti_deployment_id": platform.deployment_id,
        }
        login_url = platform.tool_url + "/lti/login"
        if method == "POST":
            started = self.client.post(login_url, data=params)
        else:
            started = self.client.get(login_url + "?" + urlencode(params))
        assert started.status_code == 302, started.text
        authorised = self.client.get(started.headers["location"])
        assert authorised.status_code == 200, authorised.text
        form = dict(re.findall(r'name="(id_token|state)" value="([^"]*)"', authorised.text))
        action = html.unescape(re.search(r'action="([^"]+)"', authorised.text).group(1))  # type: ignore[union-attr]
        return self.client.post(action, data=form), form

    @classmethod
    def close_all(cls) -> None:
        while cls.opened:
            cls.opened.pop().client.close()
