"""Peitao's own check for schemathesis, loaded by scripts/fuzz/run.py.

schemathesis's `object_level_authorization` fails when a peer tenant *receives* an object another
tenant owns; it knows the owner when the object's id came from that tenant's own earlier answers in
the run (it created or listed the object), and leaves a peer's refusal alone. Peitao promises more (docs/api.md, design: "Another tenant's object answers 404,
exactly like a missing one"): a refusal must not tell that the object exists. So when a tenant reads
an object by its id and gets it, each other tenant asks for it too; unless it is shared and the peer
gets it as well, the peer's answer must be the very answer to an id that does not exist (404, or
the 403 of a route closed to its role): same status, same problem document, the id aside.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import threading
from urllib.parse import quote, urlsplit, urlunsplit

import requests
import schemathesis

# The peer tenants' access tokens by name, passed by the runner.
PEERS: dict[str, str] = json.loads(os.environ.get("PEITAO_FUZZ_PEERS", "{}"))
# A value no object has: ids are positive and far below this.
MISSING_ID = "987654321"

_probed: set[tuple[str, str, str]] = set()
_lock = threading.Lock()


def _first_probe(key: tuple[str, str, str]) -> bool:
    with _lock:
        if key in _probed:
            return False
        _probed.add(key)
        return True


def _send(prepared: requests.PreparedRequest, url: str, token: str) -> requests.Response:
    request = prepared.copy()
    request.prepare_url(url, None)
    request.headers["Authorization"] = f"Bearer {token}"
    with requests.Session() as session:
        return session.send(request, timeout=30, allow_redirects=False)


def _url_with(response_url: str, template: str, values: dict[str, object]) -> str:
    path = template
    for name, value in values.items():
        path = path.replace("{" + name + "}", quote(str(value), safe=""))
    parts = urlsplit(response_url)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def _problem(response: requests.Response, masked: list[str]) -> tuple:
    """What a client can tell from an answer, with the ids it named blanked out."""
    text = response.text
    for value in masked:
        text = re.sub(rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])", "<id>", text)
    try:
        body = json.loads(text)
    except ValueError:
        body = text
    return response.status_code, response.headers.get("Content-Type"), body


@schemathesis.check
def peer_object_answers_not_found(ctx, response, case):
    """Another tenant's object answers 404, exactly like a missing one."""
    owner = case.auth_identity
    if case.method.upper() != "GET" or not 200 <= response.status_code < 300 or owner not in PEERS:
        return None
    values = dict(case.path_parameters or {})
    if not values:
        return None
    url = response.request.url
    for peer, token in PEERS.items():
        if peer == owner or not _first_probe((case.operation.label, url, peer)):
            continue
        peer_answer = _send(response.request, url, token)
        if 200 <= peer_answer.status_code < 300:
            # Shared with the peer (a public profile, reference data), or leaked:
            # `object_level_authorization` compares the bodies and tells which.
            continue
        missing = {name: MISSING_ID for name in values}
        missing_answer = _send(response.request, _url_with(url, case.operation.path, missing), token)
        real = _problem(peer_answer, [str(value) for value in values.values()])
        absent = _problem(missing_answer, [MISSING_ID])
        # A route closed to the peer's role answers every id alike; that tells nothing either.
        if real != absent:
            raise AssertionError(
                f"`{owner}` read GET {urlsplit(url).path} ({response.status_code}); "
                f"`{peer}` asking for it got {peer_answer.status_code} {peer_answer.text[:300]!r}, "
                f"but an id that does not exist gets {missing_answer.status_code} "
                f"{missing_answer.text[:300]!r}. Another tenant's object must answer exactly like a "
                "missing one (404)."
            )
    return None


# --- Schema-valid requests that refer to what exists ------------------------------------------------
#
# The document states every rule a single value must follow, and the server checks exactly those
# (`positive_data_acceptance` and `negative_data_rejection` hold it to that). What no schema can
# state is whether a value names a stored record (region 000000, park 1 in another prefecture,
# category `a`), a rule between two fields (a certificate ending before it starts), the grammar of
# an uploaded CSV, or that an Idempotency-Key is fresh. The server answers those with 422 — rightly —
# so before a *schema-valid* request is sent, this hook points such values at records that exist.
# Invalid requests are sent as generated.

WORLD: dict = json.loads(os.environ.get("PEITAO_FUZZ_WORLD", "{}"))
HOME_COUNTY = "420606"  # Fancheng, Xiangyang: a county the built-in regions always hold.
HOME_PARK = 1  # the first built-in park; any park suits a park administrator.
_serial = iter(range(1, 10**9))


def _positive(case) -> bool:
    meta = getattr(case, "meta", None)
    return meta is not None and meta.generation.mode.is_positive


def _fresh() -> str:
    return f"{os.getpid()}-{next(_serial)}"


@schemathesis.hook
def before_call(ctx, case, kwargs):
    if not _positive(case):
        return
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key":
            headers[name] = f"fuzz-{_fresh()}"
    path = case.operation.path
    method = case.operation.method.upper()
    body = case.body
    if method == "POST" and path.endswith("/auth/register") and isinstance(body, dict):
        organization = body.get("organization")
        if isinstance(organization, dict):
            organization["region_code"] = HOME_COUNTY
            organization["park_id"] = None
    elif method == "POST" and path.endswith("/users") and isinstance(body, dict):
        body["park_id"] = HOME_PARK if body.get("role") == "park_admin" else None
    elif method == "PATCH" and "/organizations/" in path and isinstance(body, dict):
        if body.get("park_id") is not None:
            body["park_id"] = None
    elif method == "PUT" and path.endswith("/suppliers/me/capabilities") and isinstance(body, dict):
        codes = WORLD.get("categories") or []
        capabilities = body.get("capabilities")
        if isinstance(capabilities, list) and codes:
            # Each category once: a longer list than there are categories is cut to fit.
            del capabilities[len(codes):]
            for index, capability in enumerate(capabilities):
                if isinstance(capability, dict):
                    capability["category_code"] = codes[index % len(codes)]
    elif method == "POST" and path.endswith("/suppliers/me/certifications") and isinstance(body, dict):
        if str(body.get("valid_until", "")) <= str(body.get("valid_from", "")):
            body["valid_from"], body["valid_until"] = "2025-01-01", "2028-01-01"
    elif method == "POST" and path.endswith("/suppliers/me/sites") and isinstance(body, dict):
        # A plant stands in a county that exists.
        if "region_code" in body:
            body["region_code"] = HOME_COUNTY
    elif method == "POST" and path.endswith("/suppliers/me/credentials") and isinstance(body, dict):
        if str(body.get("valid_until", "")) <= str(body.get("valid_from", "")):
            body["valid_from"], body["valid_until"] = "2024-07-01", "2027-06-30"
    elif method == "POST" and path.endswith("/users/{id}/disable"):
        # Only accounts made to be disabled: never an identity of the run, never the caller itself.
        disposable = WORLD.get("disposable_users") or []
        if disposable and case.path_parameters is not None:
            case.path_parameters["id"] = disposable[next(_serial) % len(disposable)]
    elif path in ("/api/v1/needs", "/api/v1/needs/{id}") and method in ("POST", "PATCH") and isinstance(body, dict):
        _needs_body(body)
    elif method == "POST" and path.endswith("/quotes") and isinstance(body, dict):
        # A plant named must be one of the quoting SME's own; the fuzzing SMEs quote from their county.
        if "production_site_id" in body:
            body["production_site_id"] = None
        # A quote's total (price × quantity) must fit the 64-bit money column.
        price, quantity = body.get("unit_price_fen"), body.get("quantity")
        if isinstance(price, (int, float)) and isinstance(quantity, (int, float)) and price >= 1:
            body["quantity"] = max(1, min(int(quantity), (2**63 - 1) // int(price)))
    elif method == "POST" and path.endswith("/reject") and isinstance(body, dict):
        # `other` says what the reason is in the note.
        if body.get("reason_code") == "other" and not body.get("note"):
            body["note"] = "Another reason, explained here"
    elif method == "POST" and path.endswith("/fulfilment") and isinstance(body, dict):
        # Delivery lies between the award and today: today always does.
        body["delivered_on"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    elif path in ("/api/v1/webhooks", "/api/v1/webhooks/{id}") and method in ("POST", "PATCH") and isinstance(body, dict):
        # A receiver must be, and resolve to, a public address; a generated host seldom resolves,
        # and one that does must never get deliveries from a fuzzing run. A documentation address
        # (TEST-NET-3, RFC 5737) is public and reaches nobody.
        if isinstance(body.get("url"), str):
            body["url"] = f"https://203.0.113.{next(_serial) % 254 + 1}/fuzz/{_fresh()}"
    elif method == "POST" and path.endswith("/imports/suppliers"):
        case.body = f"name,region_code\nFuzz supplier {_fresh()},{HOME_COUNTY}\n"
    elif method == "POST" and path.endswith("/imports/taxonomy"):
        codes = WORLD.get("categories") or []
        parent = codes[0] if codes else ""
        case.body = f"code,name,parent\nfuzz-{_fresh()},Fuzz category,{parent}\n"


def _needs_body(body: dict) -> None:
    """A need that refers to a real category and county, is due in a month, and invites nobody."""
    codes = WORLD.get("categories") or []
    if "category_code" in body and codes:
        body["category_code"] = codes[-1]
    if "delivery_region_code" in body:
        body["delivery_region_code"] = HOME_COUNTY
    if "response_deadline" in body:
        due = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)
        body["response_deadline"] = due.strftime("%Y-%m-%dT%H:%M:%SZ")
    if body.get("visibility") == "invited":
        body["visibility"] = "public"
    if "invited_supplier_ids" in body:
        body["invited_supplier_ids"] = []
    if "required_certifications" in body:
        # The fuzzing SMEs hold no certificate; a need they can quote on requires none.
        body["required_certifications"] = []
